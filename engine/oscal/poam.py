"""Open violations as an OSCAL plan of action and milestones (POA&M).

A POA&M is the list of what is still to fix. Each violation of a report is one
`poam-item`, linked to the same observation, risk and finding (same UUIDs) that the
assessment results of the run carry, so a GRC tool can join the two documents.
Undetermined subjects are not in it: nothing is known to be broken there (they are in
the assessment results). OSCAL requires at least one item, so a run with nothing open
writes a single item that says so, with a `status` property `none-open` and no links.
"""

from __future__ import annotations

from typing import Any

from lawcode.compiler import Program
from lawcode.engine.oscal.common import (
    compact,
    lawcode_version,
    line,
    metadata,
    prop,
    props,
    prose,
    timestamp,
    tool_assets,
)
from lawcode.engine.oscal.ids import content_uuid, day_key, digest
from lawcode.engine.oscal.results import assess, back_matter, standing_props
from lawcode.engine.report import Report


def _items(report: Report, open_items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for v, obs, risk, finding in open_items:
        subject = f"{v.subject.collection} {v.subject.id}" if v.subject else "the platform"
        out.append(compact({
            "uuid": content_uuid("poam-item", v.rule, finding),
            "title": line(f"Fix {v.rule} for {subject}"),
            "description": prose(f"{v.message} (breaks {v.citation.label})"),
            "props": props([("rule", v.rule), ("severity", v.severity), ("status", "open"), *standing_props(v)]),
            "related-findings": [{"finding-uuid": finding}],
            "related-observations": [{"observation-uuid": obs}],
            "related-risks": [{"risk-uuid": risk}],
        }))
    if not out:
        out.append({
            "uuid": content_uuid("poam-item", "none-open", day_key(report.as_of)),
            "title": "Nothing to remediate",
            "description": f"No rule was violated on {report.as_of.isoformat()}.",
            "props": [prop("status", "none-open")],
        })
    return out


def build_poam(report: Report, program: Program | None = None) -> dict[str, Any]:
    """The POA&M of `report`'s open violations, as a JSON object (see the module's docstring)."""
    assessment = assess(report)
    opened = {obs for _, obs, _, _ in assessment.open_items}
    risks = {risk for _, _, risk, _ in assessment.open_items}
    findings = {finding for _, _, _, finding in assessment.open_items}
    subjects = {s["subject-uuid"] for o in assessment.observations if o["uuid"] in opened for s in o.get("subjects", [])}
    _, resources = back_matter(report)
    body = compact({
        "local-definitions": compact({
            "inventory-items": [assessment.subjects[k] for k in sorted(subjects)],
            "assessment-assets": tool_assets(),
        }),
        "observations": [o for o in assessment.observations if o["uuid"] in opened],
        "risks": [r for r in assessment.risks if r["uuid"] in risks],
        "findings": [f for f in assessment.findings if f["uuid"] in findings],
        "poam-items": _items(report, assessment.open_items),
        "back-matter": resources,
    })
    meta = metadata(
        f"lawcode plan of action and milestones: {report.snapshot} as of {report.as_of.isoformat()}",
        timestamp(report.as_of),
        report.as_of.isoformat(),
        [prop("generator", f"lawcode {lawcode_version()}")],
    )
    return {"plan-of-action-and-milestones": {"uuid": content_uuid("poam", digest(body)), "metadata": meta, **body}}


__all__ = ["build_poam"]
