"""A lawcode report as OSCAL assessment results: observations, risks and findings.

One run is one `result`, started at the report's `as_of` (midnight UTC: the day the rules
were judged on). In it:

- every subject that broke or could not be judged by a rule is an inventory item of the
  result's local definitions (one per collection and id, the same UUID in every run);
- every violation is an observation (type `discovery`, method TEST for a data rule and
  EXAMINE for an attestation) whose relevant evidence is the subject and each value the
  decision read, as `snapshot#/json/pointer` links; an undetermined subject is an
  observation of type `control-objective` naming the missing facts;
- every violation is also a risk, `open`, its severity a facet (lawcode's five levels
  under lawcode's namespace, OSCAL's `risk` low/moderate/high beside it);
- every rule and subject with a violation or an undetermined outcome is a finding
  targeting the statement the rule cites first (`not-satisfied`, reason `fail` or
  `other`), linked to its observation and risk; every rule in force that nothing broke is
  a `satisfied` finding (reason `pass`), so each reviewed control has a status;
- rules not in force on the day are `not-in-force` properties of the result, and their
  controls are left out of `reviewed-controls` unless another rule reviews them.

The same violation on the same day has the same UUIDs in every run (`ids.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lawcode.compiler import Program, ir
from lawcode.engine.oscal.common import (
    NIST,
    compact,
    href,
    lawcode_version,
    line,
    metadata,
    origins,
    prop,
    props,
    prose,
    timestamp,
    tool_assets,
)
from lawcode.engine.oscal.ids import (
    citation_control,
    citation_statement,
    content_uuid,
    control_id,
    day_key,
    digest,
    json_text,
    subject_key,
    subject_uuid,
)
from lawcode.engine.report import Evidence, Report, Subject, Undetermined, Violation

# lawcode's five severities on OSCAL's three-level risk scale (FIPS 199 low/moderate/high).
RISK_LEVELS = {"critical": "high", "high": "high", "medium": "moderate", "low": "low", "info": "low"}


def _subject_title(subject: Subject | None) -> str:
    return f"{subject.collection} {subject.id}" if subject else "the platform"


def _inventory_item(subject: Subject | None) -> dict[str, Any]:
    return compact({
        "uuid": subject_uuid(subject),
        "description": prose(f"{_subject_title(subject)}, as the snapshot records it."),
        "props": props([
            ("collection", subject.collection if subject else None),
            ("id", subject.id if subject else None),
            ("pointer", subject.pointer if subject else None),
        ]),
    })


def _subject_ref(subject: Subject | None) -> dict[str, Any]:
    return {"subject-uuid": subject_uuid(subject), "type": "inventory-item", "title": line(_subject_title(subject))}


def _evidence(snapshot: str, subject: Subject | None, evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    out = []
    if subject is not None:
        out.append({"href": href(snapshot, subject.pointer), "description": prose(f"The subject: {_subject_title(subject)}.")})
    for e in evidence:
        value = json_text(e.value)  # as JSON: the string "null" and null stay apart
        item: dict[str, Any] = {"description": prose(f"{e.expr} = {value}" + (f" ({e.note})" if e.note else ""))}
        if e.pointer is not None:
            item = {"href": href(snapshot, e.pointer), **item}
        out.append(compact({**item, "props": props([("expression", e.expr), ("value", value)])}))
    return out


def standing_props(v: Violation) -> list[tuple[str, Any]]:
    """The violation's standing across time (docs/compliance-cycle.md) as properties:
    `baseline` (new/unchanged), `first-seen`, and the waiver covering it."""
    s = v.standing
    if s is None:
        return []
    waiver = s.waiver or {}
    return [
        ("baseline", s.baseline), ("first-seen", s.first_seen.isoformat() if s.first_seen else None),
        ("waiver", waiver.get("id")), ("waiver-state", waiver.get("state")), ("waiver-expires", waiver.get("expires_on")),
    ]


def _waiver_risk(v: Violation, risk: str) -> dict[str, Any]:
    """An active waiver makes the risk `deviation-approved` until its expiry, its reason a
    mitigating factor; without one (or once it expired) the risk is `open`."""
    waiver = v.standing.waiver if v.standing else None
    if not waiver or waiver.get("state") != "active":
        return {"status": "open"}
    approval = f"{waiver['reason']} (approved by {waiver['approved_by']} on {waiver['approved_on']}" + (f"; {waiver['citation']})" if waiver.get("citation") else ")")
    return {
        "status": "deviation-approved",
        "deadline": timestamp(dt.date.fromisoformat(waiver["expires_on"])),
        "mitigating-factors": [{"uuid": content_uuid("waiver", risk, waiver["id"]), "description": prose(approval)}],
    }


def basis(rule: ir.Rule, day: dt.date) -> tuple[ir.Citation, ...]:
    """The citations a rule stands on that day (all of them where the program predates
    per-provision in-force dates), so findings and reviewed controls name live provisions."""
    on_day = getattr(rule, "citations_on", None)
    found: tuple[ir.Citation, ...] = tuple(on_day(day)) if on_day is not None else ()
    return found or rule.citations


def _citation_props(citations: tuple[ir.Citation, ...]) -> list[dict[str, Any]]:
    return [prop("cites", citation_statement(c), remarks=c.label) for c in citations]


@dataclass(slots=True)
class Assessment:
    """The parts of a report both assessment results and a POA&M are made of."""

    report: Report
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)
    observations: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    open_items: list[tuple[Violation, str, str, str]] = field(default_factory=list)  # (violation, observation, risk, finding)
    kinds: dict[str, str] = field(init=False)  # rule id → data | attestation

    def __post_init__(self) -> None:
        self.kinds = {r.id: r.kind for r in self.report.rules}

    def key(self, kind: str, rule: str, subject: Subject | None) -> str:
        return content_uuid(kind, rule, *subject_key(subject), day_key(self.report.as_of))

    def _subject(self, subject: Subject | None) -> None:
        item = _inventory_item(subject)
        self.subjects.setdefault(item["uuid"], item)

    def violation(self, v: Violation) -> None:
        self._subject(v.subject)
        day = timestamp(self.report.as_of)
        obs, risk, finding = (self.key(k, v.rule, v.subject) for k in ("observation", "risk", "finding"))
        attestation = v.kind == "attestation"
        self.observations.append(compact({
            "uuid": obs,
            "title": line(v.title or v.rule),
            "description": prose(v.message),
            "props": [*props([("outcome", "violated"), ("rule", v.rule), ("severity", v.severity), ("kind", v.kind), *standing_props(v)]), *_citation_props(v.citations)],
            "methods": ["EXAMINE" if attestation else "TEST"],
            "types": ["discovery"],
            "origins": origins(),
            "subjects": [_subject_ref(v.subject)],
            "relevant-evidence": _evidence(self.report.snapshot, v.subject, v.evidence),
            "collected": day,
        }))
        self.risks.append({
            "uuid": risk,
            "title": line(f"{v.title or v.rule}: {_subject_title(v.subject)}"),
            "description": prose(v.message),
            "statement": prose(f"Breaks {v.citation.label}" + (f": {v.citation.summary}" if v.citation.summary else ".")),
            "props": props([("rule", v.rule), ("severity", v.severity), *standing_props(v)]),
            **_waiver_risk(v, risk),
            "characterizations": [{
                "origin": origins()[0],
                "facets": [
                    {"name": "risk", "system": NIST, "value": RISK_LEVELS[v.severity]},
                    {"name": "severity", "system": "urn:lawcode:oscal", "value": v.severity},
                ],
            }],
            "related-observations": [{"observation-uuid": obs}],
        })
        self._finding(finding, v.rule, v.subject, v.citations, v.message, ("not-satisfied", "fail"), obs, risk)
        self.open_items.append((v, obs, risk, finding))

    def undetermined(self, u: Undetermined) -> None:
        self._subject(u.subject)
        obs, finding = self.key("observation", u.rule, u.subject), self.key("finding", u.rule, u.subject)
        missing = ", ".join(u.missing) or "a needed fact"
        self.observations.append(compact({
            "uuid": obs,
            "title": f"{u.rule}: undetermined",
            "description": prose(f"{u.message} (missing: {missing})"),
            "props": [*props([("outcome", "undetermined"), ("rule", u.rule), ("severity", u.severity), ("missing", missing)]), *_citation_props(u.citations)],
            "methods": ["TEST"],
            "types": ["control-objective"],
            "origins": origins(),
            "subjects": [_subject_ref(u.subject)],
            "relevant-evidence": [
                *_evidence(self.report.snapshot, u.subject, ()),
                *({"href": href(self.report.snapshot, m), "description": prose(f"Missing: {m}")} for m in u.missing if m.startswith("/")),
            ],
            "collected": timestamp(self.report.as_of),
        }))
        self._finding(finding, u.rule, u.subject, u.citations, f"undetermined: {u.message}", ("not-satisfied", "other"), obs, None)

    def held(self, rule: ir.Rule) -> None:
        """A rule in force that no subject broke and none left undetermined."""
        finding = self.key("finding", rule.id, None)
        self._finding(finding, rule.id, None, basis(rule, self.report.as_of), f"{rule.title or rule.id}: held for every subject checked.", ("satisfied", "pass"), None, None, subject_free=True)

    def _finding(self, uuid: str, rule: str, subject: Subject | None, citations: tuple[ir.Citation, ...], text: str, status: tuple[str, str], obs: str | None, risk: str | None, *, subject_free: bool = False) -> None:
        state, reason = status
        first = citations[0]
        self.findings.append(compact({
            "uuid": uuid,
            "title": line(rule if subject_free else f"{rule}: {_subject_title(subject)}"),
            "description": prose(text),
            "props": [*props([("rule", rule), ("kind", self.kinds.get(rule))]), *_citation_props(citations)],
            "origins": origins(),
            "target": {
                "type": "statement-id",
                "target-id": citation_statement(first),
                "title": line(first.label),
                "status": {"state": state, "reason": reason},
            },
            "related-observations": [{"observation-uuid": obs}] if obs else [],
            "related-risks": [{"risk-uuid": risk}] if risk else [],
        }))


def assess(report: Report) -> Assessment:
    """Every violation and undetermined subject of `report`, and every rule that held."""
    out = Assessment(report)
    for v in report.violations:
        out.violation(v)
    for u in report.undetermined:
        out.undetermined(u)
    not_in_force = {n.rule for n in report.not_in_force}
    judged = {v.rule for v in report.violations} | {u.rule for u in report.undetermined}
    for rule in sorted(report.rules, key=lambda r: r.id):
        if rule.id not in not_in_force and rule.id not in judged:
            out.held(rule)
    return out


def back_matter(report: Report) -> tuple[str, dict[str, Any]]:
    """The rulesets (lawcode's assessment plan) and the snapshot, as resources; the plan's UUID."""
    plan = content_uuid("rulesets", list(report.rulesets))
    resources = [
        {
            "uuid": plan,
            "title": "The lawcode rulesets checked (the assessment plan)",
            "rlinks": [{"href": href(path)} for path in report.rulesets],
        },
        {
            "uuid": content_uuid("snapshot", report.snapshot),
            "title": "The platform state snapshot",
            "rlinks": [{"href": href(report.snapshot)}],
        },
    ]
    return plan, {"resources": resources}


def _reviewed(report: Report, documents: dict[str, ir.Document]) -> dict[str, Any]:
    """The controls some rule in force checks; with none, all controls less every one
    (OSCAL has no empty selection)."""
    not_in_force = {n.rule for n in report.not_in_force}
    cited = {(c.document, c.article): c for r in report.rules if r.id not in not_in_force for c in basis(r, report.as_of)}
    controls = list(dict.fromkeys(citation_control(cited[k]) for k in sorted(cited)))  # in document and article order
    if controls:
        return {"control-selections": [{"include-controls": [{"control-id": c} for c in controls]}]}
    every = {control_id(d.key, a.unit, a.number) for d in documents.values() for a in d.articles.values()}
    every |= {citation_control(c) for r in report.rules for c in r.citations}
    return {
        "description": "No rule was in force on the day: no control was reviewed.",
        "control-selections": [{"include-all": {}, "exclude-controls": [{"control-id": c} for c in sorted(every)]}],
    }


def _result(report: Report, assessment: Assessment, documents: dict[str, ir.Document]) -> dict[str, Any]:
    summary = report.summary
    not_in_force = [
        prop("not-in-force", n.rule, remarks=f"in force from {n.in_force_from or 'the start'} until {n.in_force_until or 'further notice'}")
        for n in report.not_in_force
    ]
    counts = f"{summary['violations']} violation(s), {summary['undetermined']} undetermined, {summary['rules_in_force']} of {summary['rules']} rules in force"
    return compact({
        "uuid": content_uuid("result", day_key(report.as_of), report.snapshot, list(report.rulesets)),
        "title": f"lawcode check as of {report.as_of.isoformat()}",
        "description": prose(f"The snapshot {report.snapshot} checked against {', '.join(report.rulesets)}: {counts}."),
        "start": timestamp(report.as_of),
        "end": timestamp(report.as_of),
        "props": [
            *props([
                ("as-of", report.as_of.isoformat()),
                ("status", summary["status"]),
                ("backend", report.backend),
                ("subjects-checked", summary["subjects_checked"]),
            ]),
            *not_in_force,
        ],
        "local-definitions": compact({
            "inventory-items": [assessment.subjects[k] for k in sorted(assessment.subjects)],
            "assessment-assets": tool_assets(),
        }),
        "reviewed-controls": _reviewed(report, documents),
        "observations": assessment.observations,
        "risks": assessment.risks,
        "findings": assessment.findings,
    })


def build_assessment_results(report: Report, program: Program | None = None) -> dict[str, Any]:
    """The OSCAL assessment results of one run, as a JSON object (see the module's docstring)."""
    assessment = assess(report)
    plan, resources = back_matter(report)
    result = _result(report, assessment, program.documents if program is not None else report.documents)
    body = {"import-ap": {"href": f"#{plan}", "remarks": "lawcode's plan is its rulesets: see the back matter."}, "results": [result], "back-matter": resources}
    meta = metadata(
        f"lawcode assessment results: {report.snapshot} as of {report.as_of.isoformat()}",
        timestamp(report.as_of),
        report.as_of.isoformat(),
        [prop("generator", f"lawcode {lawcode_version()}")],
    )
    return {"assessment-results": {"uuid": content_uuid("assessment-results", digest(body)), "metadata": meta, **body}}


__all__ = ["RISK_LEVELS", "Assessment", "assess", "back_matter", "build_assessment_results"]
