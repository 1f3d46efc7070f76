"""What a check produces: violations, undetermined subjects, rules not in force.

`Report.to_json()` is the documented, stable contract (docs/api.md); every backend
produces the same report for the same ruleset and snapshot, in the same order.

A `ReportStream` is the same report with its violations and undetermined subjects
produced one at a time, in report order, for the formats that write as they go
(`formats/json_format.py`, `formats/jsonl.py`): a platform with poor compliance has
hundreds of thousands of violations, and none of them needs to be held to be written.
`Tally` counts what passes for the summary, which comes last in every format.

A backend may also write violations itself (`Written`: one rule's items as JSON text the
engine produced, `engine/sql/render.py`); `ReportStream.parts` then gives them in report
order beside the `Violation`s it still builds, and the JSON writers copy the text through.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from lawcode.compiler import ir

REPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Subject:
    collection: str
    id: Any
    pointer: str
    position: int
    name: str | None = None  # what people know it by, where the schema declares it (`x-lawcode-name`)

    def to_json(self) -> dict[str, Any]:
        if self.name is None:
            return {"collection": self.collection, "id": self.id, "pointer": self.pointer}
        return {"collection": self.collection, "id": self.id, "name": self.name, "pointer": self.pointer}

    def label(self) -> str:
        """The id, and the display name beside it when there is one: `g-017 (北京跑友会)`."""
        return f"{self.id}" if self.name is None else f"{self.id} ({self.name})"


@dataclass(frozen=True, slots=True)
class Evidence:
    """A value the decision read: the expression as written, its value, where it came from."""

    expr: str
    value: Any
    pointer: str | None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"expr": self.expr, "value": self.value, "pointer": self.pointer}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a violation stands across time, when a baseline or waivers were given
    (`lawcode.engine.cycle`): `new`/`unchanged` against the baseline, the `as_of` of the
    earliest report it was in and its age in days, and the waiver that covers it (with
    its state, `active` or `expired`). Each part is absent from the JSON when not known."""

    baseline: str | None = None
    first_seen: dt.date | None = None
    age_days: int | None = None
    waiver: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.baseline is not None:
            out["baseline"] = self.baseline
        if self.first_seen is not None:
            out["first_seen"] = self.first_seen.isoformat()
            out["age_days"] = self.age_days
        if self.waiver is not None:
            out["waiver"] = self.waiver
        return out


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    title: str | None
    severity: str
    kind: str
    citations: tuple[ir.Citation, ...]
    subject: Subject | None
    message: str
    evidence: tuple[Evidence, ...]
    source: dict[str, Any]
    related: tuple[ir.Citation, ...] = ()  # the rule's `see …`: relevant, not imposing the duty
    standing: Standing | None = None  # baselines and waivers only (lawcode.engine.cycle)

    @property
    def citation(self) -> ir.Citation:
        return self.citations[0]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "kind": self.kind,
            "citation": self.citation.to_json(),
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
            "subject": self.subject.to_json() if self.subject else None,
            "message": self.message,
            "evidence": [e.to_json() for e in self.evidence],
            "source": self.source,
        }
        if self.standing is not None:
            out.update(self.standing.to_json())
        return out


@dataclass(frozen=True, slots=True)
class Undetermined:
    rule: str
    severity: str
    citations: tuple[ir.Citation, ...]
    subject: Subject | None
    missing: tuple[str, ...]
    message: str

    @property
    def citation(self) -> ir.Citation:
        return self.citations[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "citation": self.citation.to_json(),
            "subject": self.subject.to_json() if self.subject else None,
            "missing": list(self.missing),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class NotInForce:
    rule: str
    citations: tuple[ir.Citation, ...]
    in_force_from: dt.date | None
    in_force_until: dt.date | None
    related: tuple[ir.Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "citation": self.citations[0].to_json(),
            "related": [c.to_json() for c in self.related],
            "in_force_from": self.in_force_from.isoformat() if self.in_force_from else None,
            "in_force_until": self.in_force_until.isoformat() if self.in_force_until else None,
        }


@dataclass(frozen=True, slots=True)
class Report:
    as_of: dt.date
    snapshot: str
    rulesets: tuple[str, ...]
    rules: tuple[ir.Rule, ...]
    violations: tuple[Violation, ...]
    undetermined: tuple[Undetermined, ...]
    not_in_force: tuple[NotInForce, ...]
    subjects_checked: int
    backend: str = "python"
    documents: dict[str, ir.Document] = field(default_factory=dict)
    cycle: dict[str, Any] | None = None  # the `cycle` member: baseline and waivers (lawcode.engine.cycle)

    @property
    def compliant(self) -> bool:
        return not self.violations and not self.undetermined

    @property
    def summary(self) -> dict[str, Any]:
        tally = Tally()
        for v in self.violations:
            tally.violation(v)
        tally.undetermined = len(self.undetermined)
        return tally.summary(len(self.rules), len(self.not_in_force), self.subjects_checked)

    def stream(self) -> ReportStream:
        """This report as a stream (what the streaming formats write)."""
        return ReportStream(
            self.as_of, self.snapshot, self.rulesets, self.rules, self.not_in_force, self.subjects_checked,
            lambda: iter(self.violations), lambda: iter(self.undetermined), self.backend, self.documents,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "lawcode_report": REPORT_VERSION,
            "as_of": self.as_of.isoformat(),
            "snapshot": self.snapshot,
            "rulesets": list(self.rulesets),
            "violations": [v.to_json() for v in self.violations],
            "undetermined": [u.to_json() for u in self.undetermined],
            "not_in_force": [n.to_json() for n in self.not_in_force],
            "summary": self.summary,
        }
        if self.cycle is not None:
            out["cycle"] = self.cycle
        return out

    def to_json(self, *, indent: bool = True) -> str:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=option).decode()


@dataclass(frozen=True, slots=True)
class Written:
    """One rule's violations as JSON text the engine wrote, for the streaming writers.

    `chunks(form)` (`json`: items as `formats/json_format.py` writes them two levels deep;
    `jsonl`: the lines of `formats/jsonl.py`) yields (text, n): n items, in report order,
    joined by the form's separator. Byte-identical to the `Violation`s' `to_json()` written
    by those formats (tests/engine/sql/test_written.py)."""

    rule: str
    severity: str
    document: str  # the first citation's: what the summary counts by
    chunks: Callable[[str], Iterator[tuple[bytes, int]]]


class Tally:
    """The summary's counts, taken as violations pass (the summary is written last)."""

    __slots__ = ("by_document", "by_severity", "undetermined", "violations")

    def __init__(self) -> None:
        self.by_severity: Counter[str] = Counter()
        self.by_document: Counter[str] = Counter()
        self.violations = 0
        self.undetermined = 0

    def violation(self, v: Violation) -> None:
        self.violations += 1
        self.by_severity[v.severity] += 1
        self.by_document[v.citations[0].document] += 1

    def written(self, block: Written, count: int) -> None:
        self.violations += count
        self.by_severity[block.severity] += count
        self.by_document[block.document] += count

    def summary(self, rules: int, not_in_force: int, subjects_checked: int) -> dict[str, Any]:
        status = "violations" if self.violations else ("undetermined" if self.undetermined else "compliant")
        return {
            "status": status,
            "rules": rules,
            "rules_in_force": rules - not_in_force,
            "not_in_force": not_in_force,
            "subjects_checked": subjects_checked,
            "violations": self.violations,
            "undetermined": self.undetermined,
            "by_severity": {s: self.by_severity[s] for s in reversed(ir.SEVERITIES) if self.by_severity[s]},
            "by_document": dict(sorted(self.by_document.items())),
        }


@dataclass(frozen=True, slots=True)
class ReportStream:
    """A report whose violations and undetermined subjects come one at a time, in report order.

    What is small is held (the header, rules not in force, the number of subjects
    checked); `violations()` and `undetermined()` each start one pass over what the
    backend found, so a writer holds one item at a time. `collect()` is the `Report`.
    """

    as_of: dt.date
    snapshot: str
    rulesets: tuple[str, ...]
    rules: tuple[ir.Rule, ...]
    not_in_force: tuple[NotInForce, ...]
    subjects_checked: int
    violations: Callable[[], Iterator[Violation]]
    undetermined: Callable[[], Iterator[Undetermined]]
    backend: str = "python"
    documents: dict[str, ir.Document] = field(default_factory=dict)
    parts: Callable[[], Iterator[Violation | Written]] | None = None  # the violations, some written by the engine

    def violation_parts(self) -> Iterator[Violation | Written]:
        """The violations in report order, as the engine gives them (see `Written`)."""
        return self.parts() if self.parts is not None else self.violations()

    def header(self) -> dict[str, Any]:
        """What the JSON report holds before its violations."""
        return {"lawcode_report": REPORT_VERSION, "as_of": self.as_of.isoformat(), "snapshot": self.snapshot, "rulesets": list(self.rulesets)}

    def collect(self) -> Report:
        return Report(
            as_of=self.as_of,
            snapshot=self.snapshot,
            rulesets=self.rulesets,
            rules=self.rules,
            violations=tuple(self.violations()),
            undetermined=tuple(self.undetermined()),
            not_in_force=self.not_in_force,
            subjects_checked=self.subjects_checked,
            backend=self.backend,
            documents=self.documents,
        )
