"""Baselines: today's violations against a saved JSON report, matched by rule and subject.

A violation is the same one in two reports when its rule id and its subject (collection
and id) are equal: never by position or JSON pointer, which change whenever a snapshot's
collections are reordered or grow. Platform-wide rules (no subject) match by rule alone.
Each violation is `new` or `unchanged`; the baseline's violations no longer reported are
`resolved`. `first_seen` is carried through: a baseline that was itself compared against
an older one keeps its violations' `first_seen`, so the date is the `as_of` of the
earliest report in the chain, and `age_days` counts from it to today's `as_of`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from lawcode.compiler.reading import FileKind
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.cycle.files import CycleFile, read_cycle_file
from lawcode.engine.report import Report, Standing, Subject, Violation

MAX_REPORT_BYTES = 1 << 30
REPORT_FILE = FileKind("saved report", ".json", MAX_REPORT_BYTES, "report.json")
_WRITE_ONE = "name a report written by `lawcode check -f json -o FILE`"
BASELINE_FILE = CycleFile(
    REPORT_FILE, "E080", f"the report is over {MAX_REPORT_BYTES >> 20} MB", "a saved report this large is not a JSON report",
    "cannot read the report", _WRITE_ONE, refused_hint=_WRITE_ONE,
)

Key = tuple[str, str | None, str | None]


def key_of(rule: str, subject: Mapping[str, Any] | Subject | None) -> Key:
    """The identity of a violation across reports: rule, collection, id (as JSON text,
    so the id `7` and the id `"7"` stay apart, as they do in the snapshot)."""
    if subject is None:
        return (rule, None, None)
    if isinstance(subject, Subject):
        return (rule, subject.collection, orjson.dumps(subject.id).decode())
    return (rule, subject.get("collection"), orjson.dumps(subject.get("id")).decode())


@dataclass(frozen=True, slots=True)
class Baseline:
    """A saved report's violations by key, each with the day it was first seen."""

    source: str
    as_of: dt.date
    snapshot: str
    entries: dict[Key, dict[str, Any]]  # the violation's JSON, `first_seen` filled in

    @classmethod
    def from_report(cls, data: Any, source: str) -> Baseline:
        """Read a JSON report (as `lawcode check -f json` writes it); LawcodeError if it is not one."""
        as_of = _report_date(data, source)
        entries: dict[Key, dict[str, Any]] = {}
        for index, item in enumerate(data.get("violations", [])):
            where = f"{source} /violations/{index}"
            if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
                raise _bad(where, "a violation here has no `rule`", "use a report written by `lawcode check -f json`")
            subject = item.get("subject")
            if subject is not None and (not isinstance(subject, dict) or "collection" not in subject or "id" not in subject):
                raise _bad(f"{where}/subject", "a subject needs `collection` and `id`", "use a report written by `lawcode check -f json`")
            first = _date(item.get("first_seen"), f"{where}/first_seen") if item.get("first_seen") is not None else as_of
            entries.setdefault(key_of(item["rule"], subject), {**item, "first_seen": first.isoformat()})
        return cls(source, as_of, str(data.get("snapshot", "")), entries)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        return cls.from_report(read_report(path), str(path))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Today's report against a baseline: counts, and the baseline's resolved violations."""

    baseline: Baseline
    new: int
    unchanged: int
    resolved: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.baseline.source,
            "as_of": self.baseline.as_of.isoformat(),
            "snapshot": self.baseline.snapshot,
            "new": self.new,
            "unchanged": self.unchanged,
            "resolved": len(self.resolved),
            "resolved_violations": list(self.resolved),
        }


def compare(report: Report, baseline: Baseline) -> tuple[Report, Comparison]:
    """The report with each violation's standing (`new`/`unchanged`, first seen, age),
    and what changed. Waiver marks already on a violation are kept."""
    seen: set[Key] = set()
    marked: list[Violation] = []
    new = unchanged = 0
    for v in report.violations:
        key = key_of(v.rule, v.subject)
        before = baseline.entries.get(key)
        if before is not None:
            seen.add(key)
            unchanged += 1
            first = dt.date.fromisoformat(before["first_seen"])
        else:
            new += 1
            first = report.as_of
        standing = v.standing or Standing()
        state = "unchanged" if before is not None else "new"
        marked.append(dataclasses.replace(v, standing=dataclasses.replace(standing, baseline=state, first_seen=first, age_days=(report.as_of - first).days)))
    resolved = tuple(entry for key, entry in baseline.entries.items() if key not in seen)
    return dataclasses.replace(report, violations=tuple(marked)), Comparison(baseline, new, unchanged, resolved)


def read_report(path: Path) -> dict[str, Any]:
    """A saved JSON report, parsed; LawcodeError (file, what is wrong, how to fix) otherwise."""
    raw = read_cycle_file(path, BASELINE_FILE)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _bad(str(path), f"not valid JSON: {exc}", _WRITE_ONE) from None
    _report_date(data, str(path))
    return data  # type: ignore[no-any-return]


def is_report(data: Any) -> bool:
    """Whether parsed JSON is a lawcode report (rather than a snapshot)."""
    return isinstance(data, dict) and "lawcode_report" in data


_JSON_KINDS = {"dict": "an object", "str": "a string", "int": "a number", "float": "a number", "bool": "a boolean", "NoneType": "null"}


def _report_date(data: Any, source: str) -> dt.date:
    if not is_report(data):
        raise _bad(source, "this is not a lawcode JSON report (no `lawcode_report` member)", "write one with `lawcode check -f json -o FILE`; a snapshot is not a report")
    if data["lawcode_report"] != 1:
        raise _bad(f"{source} /lawcode_report", f"report version {data['lawcode_report']!r} is not one this lawcode reads (1)", "write the report again with this version of lawcode")
    day = _date(data.get("as_of"), f"{source} /as_of")
    if not isinstance(data.get("violations"), list):  # every report lists them, even as []: a damaged file would read as "all new"
        found = "missing" if "violations" not in data else f"{_JSON_KINDS.get(type(data['violations']).__name__, 'a value')}, not a list"
        raise _bad(f"{source} /violations", f"`violations` is {found}; a report lists its violations (even as [])", "use a report written by `lawcode check -f json`, unedited")
    return day


def _date(value: Any, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _bad(where, f"{orjson.dumps(value).decode()} is not a date", "dates are written YYYY-MM-DD") from None


def _bad(where: str, message: str, hint: str) -> LawcodeError:
    return LawcodeError([Diagnostic("E080", message, None, hint, where=where)])


def keys(items: Iterable[Violation]) -> set[Key]:
    return {key_of(v.rule, v.subject) for v in items}
