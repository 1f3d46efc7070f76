"""JUnit XML: the report as test results, for CI dashboards (Jenkins, GitLab, Azure…).

One test suite per document. In it, every rule in force is a test case: one passing
case when no subject fails it, otherwise one case per failing subject (named
`rule [collection id]`), a `<failure>` for a violation and an `<error>` for an
undetermined subject (the check could not be completed: a fact is missing). A rule not
in force is a `<skipped>` case. Passing subjects are not listed one by one: a snapshot
of a million users would make a million test cases. Valid against the Jenkins
`junit-10.xsd` (tests vendor it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

import orjson

from lawcode.compiler import Program, ir
from lawcode.engine.report import Report, Subject, Undetermined, Violation

# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _who(subject: Subject | None) -> str:
    return f"{subject.collection} {subject.label()}" if subject else "platform"


def _failure_text(v: Violation) -> str:
    lines = [
        v.message,
        f"rule:     {v.rule} ({v.source['file']}:{v.source['line']}:{v.source['column']})",
        "cites:    " + "; ".join(f"{c.label}" + (f" — {c.summary}" if c.summary else "") for c in v.citations),
        *(["see:      " + "; ".join(c.label for c in v.related)] if v.related else []),
        f"subject:  {_who(v.subject)}" + (f" ({v.subject.pointer})" if v.subject else ""),
    ]
    if v.evidence:
        lines.append("evidence:")
        for e in v.evidence:
            where = f" at {e.pointer}" if e.pointer else ""
            note = f" ({e.note})" if e.note else ""
            lines.append(f"  {e.expr} = {orjson.dumps(e.value).decode()}{where}{note}")
    return "\n".join(lines)


def _error_text(u: Undetermined, rule: ir.Rule) -> str:
    return "\n".join([
        u.message,
        f"rule:     {u.rule} ({rule.span})",
        f"cites:    {u.citation.label}",
        f"subject:  {_who(u.subject)}" + (f" ({u.subject.pointer})" if u.subject else ""),
        "missing:  " + (", ".join(u.missing) or "unknown"),
    ])


def render(report: Report, program: Program) -> str:
    violations: dict[str, list[Violation]] = defaultdict(list)
    undetermined: dict[str, list[Undetermined]] = defaultdict(list)
    for v in report.violations:
        violations[v.rule].append(v)
    for u in report.undetermined:
        undetermined[u.rule].append(u)
    not_in_force = {n.rule: n for n in report.not_in_force}
    by_document: dict[str, list[ir.Rule]] = defaultdict(list)
    for rule in report.rules:
        by_document[rule.citations[0].document if rule.citations else ""].append(rule)

    root = ET.Element("testsuites", name="lawcode")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for document in sorted(by_document):
        suite = ET.SubElement(root, "testsuite", name=document)
        properties = ET.SubElement(suite, "properties")
        title = report.documents[document].title if document in report.documents else ""
        for name, value in (("document", title), ("as_of", report.as_of.isoformat()), ("snapshot", report.snapshot), ("backend", report.backend)):
            ET.SubElement(properties, "property", name=name, value=_text(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for rule in sorted(by_document[document], key=lambda r: r.id):
            cases: list[ET.Element] = []
            if rule.id in not_in_force:
                n = not_in_force[rule.id]
                case = ET.Element("testcase", name=rule.id, classname=document, time="0")
                span = f"{n.in_force_from or '…'} – {n.in_force_until or '…'}"
                ET.SubElement(case, "skipped", message=f"not in force on {report.as_of.isoformat()} (in force {span})")
                counts["skipped"] += 1
                cases.append(case)
            for v in violations[rule.id]:
                case = ET.Element("testcase", name=_text(f"{rule.id} [{_who(v.subject)}]"), classname=document, time="0")
                failure = ET.SubElement(case, "failure", type=v.severity, message=_text(v.message))
                failure.text = _text(_failure_text(v))
                counts["failures"] += 1
                cases.append(case)
            for u in undetermined[rule.id]:
                case = ET.Element("testcase", name=_text(f"{rule.id} [{_who(u.subject)}]"), classname=document, time="0")
                error = ET.SubElement(case, "error", type="undetermined", message=_text(u.message))
                error.text = _text(_error_text(u, rule))
                counts["errors"] += 1
                cases.append(case)
            if not cases:
                cases.append(ET.Element("testcase", name=rule.id, classname=document, time="0"))
            suite.extend(cases)
            counts["tests"] += len(cases)
        for key, count in counts.items():
            suite.set(key, str(count))
        suite.set("time", "0")
        for key in totals:
            totals[key] += counts[key]
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
