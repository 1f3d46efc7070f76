"""Baselines and waivers in the OSCAL assessment results and POA&M (docs/oscal.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from oscal_check import schema_errors, trestle_load

import lawcode
from lawcode.engine.cycle import Baseline, annotate, load_waivers
from lawcode.engine.oscal import build_assessment_results, build_poam

DATA = Path(__file__).parents[2] / "data"
MINI = DATA / "mini"


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    ruleset = lawcode.load_ruleset(MINI / "mini.law")
    snapshot = ruleset.load_snapshot(MINI / "violations.json")
    report = ruleset.evaluate(snapshot)
    older = report.to_dict()
    older["as_of"] = "2024-07-01"
    older["violations"] = [v for v in older["violations"] if v["rule"] != "verified-before-posting"]
    marked = annotate(report, ruleset.program, baseline=Baseline.from_report(older, "older.json"), waivers=load_waivers(DATA / "cycle" / "waivers" / "states.yaml", ruleset.program), snapshot=snapshot)
    return {"results": build_assessment_results(marked, ruleset.program), "poam": build_poam(marked, ruleset.program)}


@pytest.mark.parametrize("name", ["results", "poam"])
def test_still_valid_oscal(documents: dict[str, dict[str, Any]], name: str) -> None:
    assert schema_errors(documents[name]) == []
    trestle_load(documents[name])


def _props(node: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in node.get("props", [])}


def test_waived_risks_are_deviation_approved_until_expiry(documents: dict[str, dict[str, Any]]) -> None:
    risks = documents["results"]["assessment-results"]["results"][0]["risks"]
    by_rule = {(_props(r)["rule"], r["title"].rsplit(" ", 1)[-1]): r for r in risks}
    waived = by_rule[("group-member-cap", "g1")]
    assert waived["status"] == "deviation-approved" and waived["deadline"] == "2024-12-31T00:00:00Z"
    assert "Risk committee minutes" in waived["mitigating-factors"][0]["description"]
    expired = by_rule[("verified-before-posting", "u3")]
    assert expired["status"] == "open" and _props(expired)["waiver-state"] == "expired"
    assert _props(by_rule[("verified-before-posting", "u2")])["baseline"] == "new"
    assert _props(by_rule[("sanction-step", "s1")])["first-seen"] == "2024-07-01"


def test_poam_items_name_their_waiver(documents: dict[str, dict[str, Any]]) -> None:
    items = documents["poam"]["plan-of-action-and-milestones"]["poam-items"]
    assert any(_props(i).get("waiver") == "cap-g1" and _props(i)["waiver-expires"] == "2024-12-31" for i in items)
