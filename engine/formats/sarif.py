"""SARIF 2.1.0: violations as code-scanning results (GitHub, GitLab, Azure DevOps, IDEs).

Each lawcode rule is a SARIF rule (`tool.driver.rules`) with its citations and severity;
each violation is a result of kind `fail` located at the rule in the ruleset source,
with the citation, the subject (JSON pointer into the snapshot) and the evidence in its
`properties`. An undetermined subject is a result of kind `open`: SARIF's "the rule was
evaluated, and there was not enough information to decide". Rules not in force are
listed but give no results. Paths are relative to the working directory, under the
`%SRCROOT%` base, as code-scanning services expect.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from lawcode.compiler import Program, ir
from lawcode.dsl.spans import Span
from lawcode.engine.report import Report, Subject

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# SARIF has three levels; lawcode's five severities map onto them.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub orders alerts by this number (0.0–10.0), one per severity.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lawcode")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


def _uri(path: str) -> dict[str, str]:
    """An artifactLocation: relative paths under %SRCROOT%, others as file:// URIs."""
    p = Path(path)
    if p.is_absolute():
        return {"uri": p.as_uri()}
    return {"uri": quote(p.as_posix()), "uriBaseId": "%SRCROOT%"}


def _citation(c: ir.Citation) -> dict[str, Any]:
    return {**c.to_json(), "label": c.label}


def _location(span: Span | dict[str, Any]) -> dict[str, Any]:
    if isinstance(span, dict):
        file, line, column = span["file"], span["line"], span["column"]
    else:
        file, line, column = span.file, span.line, span.column
    return {"physicalLocation": {"artifactLocation": _uri(file), "region": {"startLine": line, "startColumn": column}}}


def _subject(subject: Subject | None) -> dict[str, Any] | None:
    return subject.to_json() if subject else None


def _fingerprint(rule: str, subject: Subject | None) -> str:
    """Stable across runs and ruleset edits: the same rule on the same subject id."""
    key = f"{rule}\0{subject.collection if subject else ''}\0{subject.id if subject else ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _rule(rule: ir.Rule, in_force: bool) -> dict[str, Any]:
    cites = "; ".join(f"{c.label}: {c.summary}" if c.summary else c.label for c in rule.citations)
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": f"Enforces {cites}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": in_force},
        "properties": {
            "severity": rule.severity,
            "kind": rule.kind,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "citations": [_citation(c) for c in rule.citations],
            "tags": sorted({"compliance", *(c.document for c in rule.citations)}),
            "source": {"file": rule.span.file, "line": rule.span.line, "column": rule.span.column},
        },
    }


def _absent(report: Report, index: dict[str, int]) -> list[dict[str, Any]]:
    """The baseline's violations gone from this run: results with `baselineState` `absent`
    (SARIF's "in the baseline, not in this run"), kind `pass`, level `none`."""
    resolved = (report.cycle or {}).get("baseline", {}).get("resolved_violations", [])
    out: list[dict[str, Any]] = []
    for item in resolved:
        subject = Subject(item["subject"]["collection"], item["subject"]["id"], item["subject"].get("pointer", ""), 0) if item.get("subject") else None
        result: dict[str, Any] = {
            "ruleId": item["rule"],
            "kind": "pass",
            "level": "none",
            "message": {"text": f"resolved since the baseline: {item.get('message', '')}"},
            "partialFingerprints": {"lawcodeSubject/v1": _fingerprint(item["rule"], subject)},
            "baselineState": "absent",
            "properties": {"outcome": "resolved", "subject": item.get("subject"), "first_seen": item.get("first_seen")},
        }
        if item["rule"] in index:
            result["ruleIndex"] = index[item["rule"]]
        out.append(result)
    return out


def render(report: Report, program: Program) -> str:
    rules = sorted(report.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    by_id = {r.id: r for r in rules}
    not_in_force = {n.rule for n in report.not_in_force}
    results: list[dict[str, Any]] = []
    for v in report.violations:
        results.append({
            "ruleId": v.rule,
            "ruleIndex": index[v.rule],
            "kind": "fail",
            "level": LEVELS[v.severity],
            "message": {"text": v.message},
            "locations": [_location(v.source)],
            "partialFingerprints": {"lawcodeSubject/v1": _fingerprint(v.rule, v.subject)},
            "properties": {
                "outcome": "violated",
                "severity": v.severity,
                "citation": _citation(v.citation),
                "citations": [_citation(c) for c in v.citations],
                **({"related": [_citation(c) for c in v.related]} if v.related else {}),
                "subject": _subject(v.subject),
                "evidence": [e.to_json() for e in v.evidence],
                **(v.standing.to_json() if v.standing else {}),
            },
            **({"baselineState": v.standing.baseline} if v.standing and v.standing.baseline else {}),
        })
    results.extend(_absent(report, index))
    for u in report.undetermined:
        rule = by_id[u.rule]
        results.append({
            "ruleId": u.rule,
            "ruleIndex": index[u.rule],
            "kind": "open",
            "level": "none",
            "message": {"text": f"undetermined (a needed fact is missing): {u.message}"},
            "locations": [_location(rule.span)],
            "partialFingerprints": {"lawcodeSubject/v1": _fingerprint(u.rule, u.subject)},
            "properties": {
                "outcome": "undetermined",
                "severity": u.severity,
                "citation": _citation(u.citation),
                "subject": _subject(u.subject),
                "missing": list(u.missing),
            },
        })
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lawcode",
                "version": _version(),
                "rules": [_rule(r, r.id not in not_in_force) for r in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
            "properties": {
                "as_of": report.as_of.isoformat(),
                "snapshot": report.snapshot,
                "rulesets": list(report.rulesets),
                "backend": report.backend,
                "summary": report.summary,
                "not_in_force": [n.to_json() for n in report.not_in_force],
            },
        }],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"
