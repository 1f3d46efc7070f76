"""The terminal report: violations grouped by document and article, then a summary.

Each violation takes one line (severity, rule, subject, message) and a dim line of
evidence below it (the values read, with their JSON pointers: the first few of them, or
all with `evidence=None`). Lines longer than `width` wrap, each continuation indented as
its line is, so the grouping stays readable in a narrow terminal. Rendered with rich;
colour only when the caller asks (`color=True`: `check --color`, whose `auto` means a
terminal and no NO_COLOR), plain text otherwise, so a file or a CI log gets no escapes.
Whatever comes from the ruleset or the snapshot (titles, ids, messages, values) goes
through `visible`: its control characters and bidi overrides are shown, never obeyed.
"""

from __future__ import annotations

import io
from collections import defaultdict

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lawcode.compiler import Program
from lawcode.compiler.ir import Citation
from lawcode.dsl.diagnostics import visible
from lawcode.engine.cycle.annotate import counts_line
from lawcode.engine.formats.view import EVIDENCE_SHOWN
from lawcode.engine.report import Evidence, Report, Subject, Violation

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def render(report: Report, program: Program, *, color: bool | None = None, width: int = 100, evidence: int | None = EVIDENCE_SHOWN) -> str:
    """The report for people, wrapped at `width`; `color` True/False forces colour on/off (None: off,
    unless rich finds a terminal); `evidence`: values shown per violation (None: all)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=True if color is False else None, width=width, highlight=False, soft_wrap=False, markup=False, emoji=False)
    write(console, report, program, evidence)
    return buffer.getvalue()


def _line(console: Console, text: Text, indent: int) -> None:
    """One line of the report, wrapped at the console's width, every part of it at `indent`
    (no trailing spaces: a report in a file or a log is diffed and grepped)."""
    for part in text.wrap(console, max(console.width - indent, 20), overflow="fold"):
        part.rstrip()
        console.print(Text(" " * indent) + part)


def write(console: Console, report: Report, program: Program, evidence: int | None = EVIDENCE_SHOWN) -> None:
    _line(console, Text(f"lawcode check · as of {report.as_of.isoformat()} · snapshot {visible(report.snapshot)}", style="bold"), 0)
    grouped: dict[str, dict[str, list[Violation]]] = defaultdict(lambda: defaultdict(list))
    for v in report.violations:
        grouped[v.citation.document][citation_label(v.citation)].append(v)
    for doc_key in sorted(grouped):
        doc = program.documents.get(doc_key)
        console.print()
        _line(console, Text(visible(f"{doc_key} — {doc.title if doc else ''}"), style="bold underline"), 0)
        for article in sorted(grouped[doc_key], key=label_order):
            items = grouped[doc_key][article]
            article_summary = items[0].citation.summary or ""
            _line(console, Text.assemble((visible(article), "bold"), ("  " + visible(article_summary), "dim")), 2)
            for v in items:
                line = Text()
                line.append(f"{v.severity:<8}", style=SEVERITY_STYLE.get(v.severity, ""))
                line.append(f" {v.rule}", style="bold")
                line.append(f"  [{subject_label(v.subject)}]  ")
                line.append(standing_label(v))
                line.append(visible(v.message))
                _line(console, line, 4)
                if v.evidence:
                    _line(console, Text(evidence_line(v.evidence, evidence), style="dim"), 6)
                if v.related:
                    _line(console, Text("see " + visible("; ".join(c.label for c in v.related)), style="dim"), 6)
    if report.undetermined:
        console.print()
        console.print(Text("Undetermined (a needed fact is missing)", style="bold magenta"))
        for u in report.undetermined:
            missing = ", ".join(u.missing[:3]) + (" …" if len(u.missing) > 3 else "")
            _line(console, Text(f"{u.rule}  [{subject_label(u.subject)}]  missing: {visible(missing) or 'unknown'}"), 4)
    if report.not_in_force:
        console.print()
        console.print(Text("Not in force on this date", style="bold"))
        for n in report.not_in_force:
            start = n.in_force_from.isoformat() if n.in_force_from else "…"
            end = n.in_force_until.isoformat() if n.in_force_until else "…"
            _line(console, Text(f"{n.rule}  ({start} – {end})", style="dim"), 4)
    console.print()
    summary = report.summary
    _line(console, Text("Summary", style="italic"), 0)  # not the table's title: rich pads that to the table's width
    table = Table(show_header=True, header_style="bold")
    table.add_column("status")
    table.add_column("rules in force", justify="right")
    table.add_column("subjects checked", justify="right")
    table.add_column("violations", justify="right")
    table.add_column("undetermined", justify="right")
    table.add_column("not in force", justify="right")
    status_style = {"compliant": "green", "violations": "red", "undetermined": "magenta"}[summary["status"]]
    table.add_row(
        Text(summary["status"], style=status_style),
        str(summary["rules_in_force"]),
        str(summary["subjects_checked"]),
        str(summary["violations"]),
        str(summary["undetermined"]),
        str(summary["not_in_force"]),
    )
    console.print(table)
    cycle = counts_line(report.cycle)
    if cycle:
        console.print(Text(visible(cycle), style="bold"))


def standing_label(v: Violation) -> str:
    """`new · first seen 2024-08-01 (30 d) · waived until 2024-12-31 `: a violation's
    standing across time (baseline, waiver), empty when the check had neither."""
    s = v.standing
    if s is None:
        return ""
    parts = []
    if s.baseline:
        parts.append(s.baseline)
    if s.first_seen is not None and s.baseline == "unchanged":
        parts.append(f"first seen {s.first_seen.isoformat()} ({s.age_days} d)")
    if s.waiver:
        verb = "waived until" if s.waiver["state"] == "active" else "waiver expired on"
        parts.append(f"{verb} {s.waiver['expires_on']} ({s.waiver['id']})")
    return visible(" · ".join(parts)) + "  " if parts else ""


def subject_label(subject: Subject | None) -> str:
    """`users u2`: the collection and the id as the snapshot spells them, controls shown."""
    return visible(f"{subject.collection} {subject.label()}") if subject else "platform"


def evidence_line(evidence: tuple[Evidence, ...], shown: int | None = EVIDENCE_SHOWN) -> str:
    """`expr = value (pointer)` for the first `shown` values a decision read (None: all of them)."""
    parts = []
    for e in evidence[:shown]:
        value = orjson.dumps(e.value).decode()
        parts.append(f"{e.expr} = {value}" + (f" ({e.pointer})" if e.pointer else ""))
    more = len(evidence) - len(parts)
    return visible(" · ".join(parts)) + (f" · … {more} more (--evidence all)" if more > 0 else "")


def citation_label(c: Citation) -> str:
    """`art 8 para 1` (`task 3`): where in its document a citation points."""
    return c.place


def label_order(label: str) -> tuple[int, ...]:
    return tuple(int(p) for p in label.split() if p.isdigit())
