"""Markdown: a report a reviewer pastes into a ticket or a pull request.

A status line and summary tables first (by severity, by document), then the findings
grouped by document and article, each article with its summary, each finding with its
rule, subject, message, evidence and the rule's source line; then undetermined subjects
and rules not in force. Text from the snapshot or the ruleset is escaped, so a subject
called `<script>` or `a|b` cannot break the page or the tables, and its control
characters and bidi overrides are shown as escapes (`visible`): the report is read in a
terminal as often as on a web page.

A report is pasted into a pull request comment, which GitHub cuts at 65,536 characters:
with `max_bytes` the report keeps its summary whole and shows the first violations of
each article (as many as fit, dealt round-robin: the first of every article before the
second of any; each with its evidence),
says under each article how many more there are, and ends with a line saying what was
left out and where the full report is (`full_report`, or how to get one).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import orjson

from lawcode.compiler import Program
from lawcode.dsl.diagnostics import visible
from lawcode.engine.formats.text import citation_label, label_order
from lawcode.engine.report import Report, Subject, Violation

STATUS = {"compliant": "✅ compliant", "violations": "❌ violations", "undetermined": "⚠️ undetermined"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^[#>+=-]")
_LIST_NUMBER = re.compile(r"^(\d+)([.)])")


def text(value: str) -> str:
    """Plain text in markdown: specials backslash-escaped, HTML neutralised, one line."""
    escaped = visible(value, newlines=True).replace("&", "&amp;").replace("<", "&lt;")
    escaped = " ".join(_SPECIAL.sub(r"\\\1", escaped).split())
    escaped = _LIST_NUMBER.sub(r"\1\\\2", escaped)  # `1. x` would start a list
    return "\\" + escaped if _BLOCK_START.match(escaped) else escaped


def code(value: str, cell: bool = False) -> str:
    """An inline code span that holds any text (backticks included).

    In a table `cell`, `|` is escaped even inside code, as GitHub's tables require.
    """
    value = " ".join(visible(value, newlines=True).split())
    if cell:
        value = value.replace("|", "\\|")
    fence = "`"
    while fence in value:
        fence += "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _who(subject: Subject | None, cell: bool = False) -> str:
    if subject is None:
        return "the platform"
    name = f" ({text(subject.name)})" if subject.name is not None else ""
    return f"{text(subject.collection)} {code(str(subject.id), cell)}{name}"


def _source(v: Violation) -> str:
    return code(f"{v.source['file']}:{v.source['line']}:{v.source['column']}")


def render(report: Report, program: Program, *, max_bytes: int | None = None, full_report: str | None = None) -> str:
    """The report; within `max_bytes` (UTF-8) when given, cut as the module says."""
    whole = _render(report, None)
    if not max_bytes or len(whole.encode()) <= max_bytes:
        return whole
    parts = _parts(report)
    low, high = 0, sum(n for _, n in parts)  # rows shown, dealt round-robin: the report grows with them
    while low < high:
        middle = (low + high + 1) // 2
        if len(_cut(report, _deal(parts, middle), max_bytes, full_report).encode()) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    fitted = _cut(report, _deal(parts, low), max_bytes, full_report)
    if len(fitted.encode()) <= max_bytes:
        return fitted
    summary_only = whole.split("\n## ", 1)[0] + "\n" + _cut_line(report, _deal(parts, 0), max_bytes, full_report)
    return summary_only if len(summary_only.encode()) <= max_bytes else summary_only.encode()[:max_bytes].decode(errors="ignore")


Part = tuple[str, str]  # (document, article) of a violation; ("", "undetermined") for the undetermined table
UNDETERMINED: Part = ("", "undetermined")


def _parts(report: Report) -> list[tuple[Part, int]]:
    """Each article's violation count in the order the report shows them, the undetermined last."""
    counts = Counter((v.citation.document, citation_label(v.citation)) for v in report.violations)
    ordered = sorted(counts, key=lambda part: (part[0], label_order(part[1])))
    return [*((part, counts[part]) for part in ordered), (UNDETERMINED, len(report.undetermined))]


def _deal(parts: list[tuple[Part, int]], rows: int) -> dict[Part, int]:
    """`rows` dealt one at a time to the parts in order, round after round: the first violations
    of every article before the second of any."""
    dealt = {part: 0 for part, _ in parts}
    level = 0
    while rows > 0:
        level += 1
        open_parts = [part for part, n in parts if n >= level]
        if not open_parts:
            break
        for part in open_parts[:rows]:
            dealt[part] += 1
        rows -= min(rows, len(open_parts))
    return dealt


def _cut(report: Report, rows: dict[Part, int], max_bytes: int, full_report: str | None) -> str:
    return _render(report, rows) + _cut_line(report, rows, max_bytes, full_report)


def _cut_line(report: Report, rows: dict[Part, int], max_bytes: int, full_report: str | None) -> str:
    """What a cut report left out, and where the whole one is."""
    undetermined = rows[UNDETERMINED]
    shown = sum(rows.values()) - undetermined
    where = text(full_report) if full_report else "run the check again with `--max-bytes 0` (no limit), or `--format json` for the data"
    return (
        f"\n---\n\n**Cut to fit {max_bytes:,} bytes:** {shown} of {len(report.violations)} violations"
        + (f" and {undetermined} of {len(report.undetermined)} undetermined subjects" if report.undetermined else "")
        + f" are shown. The full report: {where}.\n"
    )


def _render(report: Report, rows: dict[Part, int] | None) -> str:
    """The report, with at most `rows[part]` violations of each article and undetermined subjects (None: all)."""
    out = _summary(report)
    grouped: dict[str, dict[str, list[Violation]]] = defaultdict(lambda: defaultdict(list))
    for v in report.violations:
        grouped[v.citation.document][citation_label(v.citation)].append(v)
    for doc_key in sorted(grouped):
        doc = report.documents.get(doc_key)
        out += ["", f"## {text(doc_key)}" + (f" — {text(doc.title)}" if doc else "")]
        if doc is not None:
            link = f" · <{doc.source}>" if doc.source.startswith(("http://", "https://")) and " " not in doc.source else ""
            out += ["", f"{text(doc.issuer)} · in force {doc.in_force or '…'}{link}"]
        for article in sorted(grouped[doc_key], key=label_order):
            every = grouped[doc_key][article]
            out += _article(doc_key, article, every, every if rows is None else every[: rows[(doc_key, article)]])
    if report.undetermined:
        out += _undetermined(report, len(report.undetermined) if rows is None else rows[UNDETERMINED])
    if report.not_in_force:
        out += ["", "## Not in force on this date", ""]
        out += ["| rule | citation | in force |", "|---|---|---|"]
        for n in report.not_in_force:
            out.append(f"| {code(n.rule)} | {text(n.citations[0].label)} | {n.in_force_from or '…'} – {n.in_force_until or '…'} |")
    return "\n".join(out) + "\n"


def _summary(report: Report) -> list[str]:
    """The title, the status line and the summary tables (by severity and document when there are violations)."""
    summary = report.summary
    out = [
        "# lawcode compliance report",
        "",
        f"**Status: {STATUS[summary['status']]}** · as of **{report.as_of.isoformat()}** · snapshot {code(report.snapshot)}"
        + (" · rulesets " + ", ".join(code(r) for r in report.rulesets) if report.rulesets else ""),
        "",
        "| rules in force | subjects checked | violations | undetermined | not in force |",
        "|---:|---:|---:|---:|---:|",
        f"| {summary['rules_in_force']} | {summary['subjects_checked']} | {summary['violations']} | {summary['undetermined']} | {summary['not_in_force']} |",
    ]
    if report.violations:
        out += ["", "| severity | violations |", "|---|---:|"]
        out += [f"| {severity} | {count} |" for severity, count in summary["by_severity"].items()]
        out += ["", "| document | violations |", "|---|---:|"]
        for key, count in summary["by_document"].items():
            doc = report.documents.get(key)
            out.append(f"| {code(key, cell=True)} {text(doc.title) if doc else ''} | {count} |")
    return out


def _article(doc_key: str, article: str, every: list[Violation], items: list[Violation]) -> list[str]:
    """One article's section: its summary, the violations shown (`items`, the first of
    `every`) as a table and with their evidence, and how many more there are."""
    out = ["", f"### {text(article)}"]
    if every[0].citation.summary:
        out += ["", f"> {text(every[0].citation.summary)}"]
    if len(items) < len(every):
        out += ["", f"_{len(every) - len(items)} more violation(s) of {text(doc_key)} {text(article)} not shown here ({len(every)} in all)._"]
    if not items:
        return out
    out += ["", "| severity | rule | subject | finding |", "|---|---|---|---|"]
    for v in items:
        out.append(f"| {v.severity} | {code(v.rule)} | {_who(v.subject, cell=True)} | {text(v.message)} |")
    out += ["", "<details><summary>Evidence</summary>", ""]
    for v in items:
        out.append(f"- {code(v.rule)} · {_who(v.subject)}" + (f" ({code(v.subject.pointer)})" if v.subject else "") + f" · rule at {_source(v)}")
        if v.related:
            out.append("  - see " + "; ".join(text(c.label) for c in v.related))
        for e in v.evidence:
            where = f" at {code(e.pointer)}" if e.pointer else ""
            note = f" — {text(e.note)}" if e.note else ""
            out.append(f"  - {code(e.expr)} = {code(_json(e.value))}{where}{note}")
    return [*out, "", "</details>"]


def _undetermined(report: Report, kept: int) -> list[str]:
    """The undetermined subjects' section, the first `kept` of them in its table."""
    left_out = len(report.undetermined) - kept
    out = ["", "## Undetermined", "", "A fact the rule needs is missing from the snapshot, so it could not be decided" + (f" ({left_out} more not shown here)." if left_out else "."), ""]
    out += ["| severity | rule | citation | subject | missing |", "|---|---|---|---|---|"] if kept else []
    for u in report.undetermined[:kept]:
        missing = ", ".join(code(m, cell=True) for m in u.missing) or "unknown"
        out.append(f"| {u.severity} | {code(u.rule)} | {text(u.citation.label)} | {_who(u.subject, cell=True)} | {missing} |")
    return out
