"""OSCAL documents: each validates against the official 1.2.1 schema and loads with
compliance-trestle, for the CAC rulesets with both example snapshots and for the small
cases that have undetermined subjects and rules not in force; and they hang together
(every id a document refers to is defined where it should be).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonpointer
import pytest
from oscal_check import schema_errors, trestle_load

import lawcode
from helpers import DATA, ROOT
from lawcode.engine.oscal import OSCAL_VERSION, build_assessment_results, build_catalog, build_poam, dumps
from lawcode.engine.oscal.results import RISK_LEVELS

CAC = ROOT / "rulesets" / "cac"
MISSING = object()

# (ruleset, snapshot): the CAC rulesets with both examples, and the formats' small cases
# (`mixed` has undetermined subjects and two rules not in force).
CASES = {
    "cac-violations": (CAC, CAC / "examples" / "violations.json"),
    "cac-compliant": (CAC, CAC / "examples" / "compliant.json"),
    "mini-violations": (DATA / "mini" / "mini.law", DATA / "mini" / "violations.json"),
    "mixed": (DATA / "formats" / "rules.law", DATA / "formats" / "mixed.json"),
}


@cache
def ruleset(path: Path) -> lawcode.Ruleset:
    return lawcode.load_ruleset(path)


@cache
def run(case: str) -> tuple[lawcode.Report, lawcode.Program]:
    rules, snapshot = CASES[case]
    loaded = ruleset(rules)
    return loaded.evaluate(str(snapshot.relative_to(ROOT))), loaded.program


def documents(case: str) -> dict[str, dict[str, Any]]:
    report, program = run(case)
    return {
        "catalog": build_catalog(program),
        "assessment-results": build_assessment_results(report, program),
        "plan-of-action-and-milestones": build_poam(report, program),
    }


def walk(node: Any) -> Any:
    """Every object in a JSON document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.mark.parametrize("model", ["catalog", "assessment-results", "plan-of-action-and-milestones"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_valid_against_the_schema_and_loaded_by_trestle(case: str, model: str) -> None:
    document = documents(case)[model]
    assert schema_errors(document) == []
    loaded = trestle_load(document)
    # trestle keeps every field: its dump is the document (it writes UTC as +00:00, not Z)
    dumped = loaded.model_dump_json(by_alias=True, exclude_none=True).replace('+00:00"', 'Z"')
    assert json.loads(dumped) == document[model]
    assert document[model]["metadata"]["oscal-version"] == OSCAL_VERSION


@pytest.mark.parametrize("model", ["catalog", "assessment-results", "plan-of-action-and-milestones"])
def test_the_checks_are_not_vacuous(model: str) -> None:
    """A document broken the way a bug would break it fails both checks."""
    document = copy.deepcopy(documents("mixed")[model])
    body = document[model]
    body["uuid"] = "not-a-uuid"
    assert any("not-a-uuid" in e for e in schema_errors(document))
    with pytest.raises(ValueError):
        trestle_load(document)
    body = copy.deepcopy(documents("mixed")[model])
    del body[model]["metadata"]["last-modified"]
    assert any("last-modified" in e for e in schema_errors(body))
    token = copy.deepcopy(documents("mixed")["catalog"])
    token["catalog"]["groups"][0]["controls"][0]["id"] = "8 art"  # a token starts with a letter or _
    assert any("8 art" in e for e in schema_errors(token))
    link = copy.deepcopy(documents("mixed")["catalog"])
    link["catalog"]["groups"][0]["links"][0]["href"] = "http://a b/<c>"  # formats are checked too (rfc3986-validator)
    assert any("http://a b/<c>" in e for e in schema_errors(link))


def control_parts(catalog: dict[str, Any]) -> set[str]:
    return {node["id"] for node in walk(catalog) if "id" in node and ("name" in node or "title" in node)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_findings_target_statements_of_the_catalog_and_links_resolve(case: str) -> None:
    docs = documents(case)
    ids = control_parts(docs["catalog"])
    for model in ("assessment-results", "plan-of-action-and-milestones"):
        body = docs[model][model]
        scope = body["results"][0] if model == "assessment-results" else body
        observations = {o["uuid"] for o in scope.get("observations", [])}
        risks = {r["uuid"] for r in scope.get("risks", [])}
        findings = {f["uuid"] for f in scope.get("findings", [])}
        items = {i["uuid"] for i in scope.get("local-definitions", {}).get("inventory-items", [])}
        tool = {c["uuid"] for c in scope["local-definitions"]["assessment-assets"]["components"]}
        for node in walk(body):
            if "observation-uuid" in node:
                assert node["observation-uuid"] in observations
            if "risk-uuid" in node:
                assert node["risk-uuid"] in risks
            if "finding-uuid" in node:
                assert node["finding-uuid"] in findings
            if "subject-uuid" in node:
                assert node["subject-uuid"] in items
            if "actor-uuid" in node:
                assert node["actor-uuid"] in tool
        for finding in scope.get("findings", []):
            assert finding["target"]["target-id"] in ids
    if "results" in docs["assessment-results"]["assessment-results"]:
        result = docs["assessment-results"]["assessment-results"]["results"][0]
        for selection in result["reviewed-controls"]["control-selections"]:
            for control in selection.get("include-controls", []):
                assert control["control-id"] in ids


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_observation_per_violation_and_undetermined_subject(case: str) -> None:
    report, program = run(case)
    result = build_assessment_results(report, program)["assessment-results"]["results"][0]
    observations = result.get("observations", [])
    outcomes = [next(p["value"] for p in o["props"] if p["name"] == "outcome") for o in observations]
    assert outcomes.count("violated") == len(report.violations)
    assert outcomes.count("undetermined") == len(report.undetermined)
    assert len(result.get("risks", [])) == len(report.violations)
    assert result["start"] == f"{report.as_of.isoformat()}T00:00:00Z"
    states = [f["target"]["status"]["state"] for f in result.get("findings", [])]
    assert states.count("not-satisfied") == len(report.violations) + len(report.undetermined)
    poam = build_poam(report, program)["plan-of-action-and-milestones"]
    assert len(poam["poam-items"]) == max(1, len(report.violations))


def test_evidence_points_into_the_snapshot() -> None:
    report, program = run("cac-violations")
    snapshot = json.loads((CAC / "examples" / "violations.json").read_text())
    result = build_assessment_results(report, program)["assessment-results"]["results"][0]
    pointed = 0
    for observation in result["observations"]:
        for evidence in observation.get("relevant-evidence", []):
            if "href" in evidence:
                path, _, pointer = evidence["href"].partition("#")
                assert path == "rulesets/cac/examples/violations.json"
                found = jsonpointer.resolve_pointer(snapshot, pointer, MISSING)
                values = [p["value"] for p in evidence.get("props", []) if p["name"] == "value"]
                if found is MISSING:  # a missing fact: the pointer says where it would be
                    assert values == ["null"], evidence
                pointed += 1
    assert pointed > len(report.violations)


def test_risk_levels_and_methods() -> None:
    report, program = run("cac-violations")
    result = build_assessment_results(report, program)["assessment-results"]["results"][0]
    by_uuid = {r["uuid"]: r for r in result["risks"]}
    severities = {v.severity for v in report.violations}
    assert len(severities) > 2
    for risk in by_uuid.values():
        facets = {f["name"]: f["value"] for f in risk["characterizations"][0]["facets"]}
        assert facets["risk"] == RISK_LEVELS[facets["severity"]]
    kinds = {v.kind for v in report.violations}
    methods = {o["methods"][0] for o in result["observations"]}
    assert methods == {"EXAMINE" if k == "attestation" else "TEST" for k in kinds}


def test_rules_not_in_force_are_reported_and_not_reviewed() -> None:
    report, program = run("mixed")
    assert report.not_in_force
    result = build_assessment_results(report, program)["assessment-results"]["results"][0]
    reported = {p["value"] for p in result["props"] if p["name"] == "not-in-force"}
    assert reported == {n.rule for n in report.not_in_force}
    findings = {p["value"] for f in result["findings"] for p in f["props"] if p["name"] == "rule"}
    assert not findings & reported


def test_nothing_in_force_still_validates() -> None:
    """A day before every rule: no observation, no reviewed control, one 'nothing open' item."""
    loaded = ruleset(CAC)
    snapshot = json.loads((CAC / "examples" / "compliant.json").read_text())
    snapshot["as_of"] = "2010-01-01"
    report = loaded.evaluate(snapshot)
    assert len(report.not_in_force) == len(report.rules)
    for document in (build_assessment_results(report, loaded.program), build_poam(report, loaded.program)):
        assert schema_errors(document) == []
        trestle_load(document)


def test_the_same_inputs_give_the_same_bytes() -> None:
    report, program = run("cac-violations")
    again = ruleset(CAC).evaluate(str((CAC / "examples" / "violations.json").relative_to(ROOT)))
    assert dumps(build_assessment_results(report, program)) == dumps(build_assessment_results(again, program))
    assert dumps(build_poam(report, program)) == dumps(build_poam(again, program))
    assert dumps(build_catalog(program)) == dumps(build_catalog(lawcode.load_ruleset(CAC).program))


def test_the_same_violation_on_another_day_is_another_observation() -> None:
    loaded = ruleset(DATA / "mini" / "mini.law")
    snapshot = json.loads((DATA / "mini" / "violations.json").read_text())
    first = loaded.evaluate(snapshot)
    snapshot["as_of"] = (first.as_of + dt.timedelta(days=1)).isoformat()
    second = loaded.evaluate(snapshot)

    def observations(report: lawcode.Report) -> dict[str, str]:
        result = build_assessment_results(report, loaded.program)["assessment-results"]["results"][0]
        return {o["description"]: o["uuid"] for o in result.get("observations", [])}

    today, tomorrow = observations(first), observations(second)
    shared = today.keys() & tomorrow.keys()
    assert shared
    assert all(today[k] != tomorrow[k] for k in shared)


def test_catalog_structure_for_the_cac_rulesets() -> None:
    program = ruleset(CAC).program
    catalog = build_catalog(program)["catalog"]
    assert [g["id"] for g in catalog["groups"]] == sorted(program.documents)
    groups = {g["id"]: g for g in catalog["groups"]}
    art8 = next(c for c in groups["groups-2017"]["controls"] if c["id"] == "groups-2017-art-8")
    statement = art8["parts"][0]
    assert statement["name"] == "statement" and [p["id"] for p in statement["parts"]] == [f"groups-2017-art-8_smt.{n}" for n in (1, 2, 3)]
    assert {p["id"] for p in art8["params"]} >= {"max_group_members", "max_groups_created", "max_groups_joined"}
    assert next(p for p in art8["params"] if p["id"] == "max_group_members")["values"] == ["500"]
    methods = [p for p in art8["parts"] if p["name"] == "assessment-method"]
    cited = {r.id for r in program.rules if any(c.document == "groups-2017" and c.article == 8 for c in r.citations)}
    assert {next(x["value"] for x in m["props"] if x["name"] == "rule") for m in methods} == cited
    art1 = next(c for c in groups["groups-2017"]["controls"] if c["id"] == "groups-2017-art-1")
    marked = next(p for p in art1["props"] if p["name"] == "not-applicable")
    assert marked["value"] == "true" and marked["remarks"]
    assert {p["name"]: p["value"] for p in groups["groups-2017"]["props"]}["in-force"] == "2017-10-08"
    assert groups["groups-2017"]["links"][0]["href"] == program.documents["groups-2017"].source
    defined = [n["id"] for n in walk(catalog) if "values" in n or ("label" in n and "id" in n and "name" not in n)]
    assert sorted(defined) == sorted(program.parameters)  # each parameter defined exactly once


@pytest.mark.parametrize("documents", [None, ["groups-2017"], ["comments-2017", "platforms-2021"]])
def test_links_within_a_catalog_resolve(documents: list[str] | None) -> None:
    catalog = build_catalog(ruleset(CAC).program, documents)
    ids = control_parts(catalog)
    internal = [n["href"][1:] for n in walk(catalog) if str(n.get("href", "")).startswith("#")]
    assert internal and set(internal) <= ids


def test_catalog_of_one_document_and_of_an_unknown_one() -> None:
    program = ruleset(CAC).program
    one = build_catalog(program, ["groups-2017"])
    assert [g["id"] for g in one["catalog"]["groups"]] == ["groups-2017"]
    assert schema_errors(one) == []
    trestle_load(one)
    with pytest.raises(lawcode.LawcodeError) as caught:
        build_catalog(program, ["groups-2071"])
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == ("C001", "did you mean `groups-2017`?")


@pytest.mark.parametrize("case", ["cac-violations", "mixed"])
def test_duckdb_gives_the_same_observations_risks_and_findings(case: str) -> None:
    """Every backend makes the same report, so the same OSCAL but for the backend's name."""
    rules, snapshot = CASES[case]
    loaded = ruleset(rules)
    python = build_assessment_results(run(case)[0], loaded.program)["assessment-results"]
    duckdb = build_assessment_results(loaded.evaluate(str(snapshot.relative_to(ROOT)), backend="duckdb"), loaded.program)["assessment-results"]
    for key in ("observations", "risks", "findings", "local-definitions", "reviewed-controls", "uuid"):
        assert python["results"][0].get(key) == duckdb["results"][0].get(key), key
    backends = [next(p["value"] for p in r["results"][0]["props"] if p["name"] == "backend") for r in (python, duckdb)]
    assert backends == ["python", "duckdb"]


def test_attestation_rules_are_reported_as_such() -> None:
    """In a compliant run every rule in force is a satisfied finding carrying its kind."""
    report, program = run("cac-compliant")
    result = build_assessment_results(report, program)["assessment-results"]["results"][0]
    kinds = [next(p["value"] for p in f["props"] if p["name"] == "kind") for f in result["findings"]]
    in_force = {n.rule for n in report.not_in_force}
    expected = [r.kind for r in sorted(report.rules, key=lambda r: r.id) if r.id not in in_force]
    assert kinds == expected and "attestation" in kinds
    assert {f["target"]["status"]["state"] for f in result["findings"]} == {"satisfied"}
