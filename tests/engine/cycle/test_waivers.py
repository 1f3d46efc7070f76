"""Waivers: every state, where expressions, and every kind of mistake at its line and column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lawcode
from lawcode.compiler.ir import SEVERITIES
from lawcode.engine.cycle import annotate, failing, load_waivers, parse_waivers
from lawcode.engine.cycle.waivers import schema

DATA = Path(__file__).parents[2] / "data"
MINI = DATA / "mini"
WAIVERS = DATA / "cycle" / "waivers"
ROOT = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def mini() -> lawcode.Ruleset:
    return lawcode.load_ruleset(MINI / "mini.law")


def _marked(mini: lawcode.Ruleset, waivers: Path) -> lawcode.Report:
    snapshot = mini.load_snapshot(MINI / "violations.json")
    return annotate(mini.evaluate(snapshot), mini.program, waivers=load_waivers(waivers, mini.program), snapshot=snapshot)


def test_every_state(mini: lawcode.Ruleset) -> None:
    report = _marked(mini, WAIVERS / "states.yaml")
    assert report.cycle is not None
    states = {w["id"]: (w["state"], w["matched"]) for w in report.cycle["waivers"]["waivers"]}
    assert states == {"cap-g1": ("active", 1), "u3-expired": ("expired", 1), "nobody": ("stale", 0)}
    by_subject = {(v.rule, v.subject.id if v.subject else None): v for v in report.violations}
    assert len(by_subject) == 4, "waived violations are reported, never dropped"
    assert by_subject[("group-member-cap", "g1")].to_json()["waiver"]["state"] == "active"
    assert by_subject[("verified-before-posting", "u3")].to_json()["waiver"]["state"] == "expired"
    assert "waiver" not in by_subject[("verified-before-posting", "u2")].to_json()
    assert report.cycle["waivers"]["violations_waived"] == 1
    assert report.cycle["waivers"]["violations_waiver_expired"] == 1


def test_an_active_waiver_keeps_its_violation_out_of_the_gate(mini: lawcode.Ruleset) -> None:
    report = _marked(mini, WAIVERS / "states.yaml")
    assert failing(report, SEVERITIES.index("high"))  # u2 and u3 (expired) still fail
    text = (WAIVERS / "states.yaml").read_text().replace("expires_on: 2024-02-01", "expires_on: 2025-02-01")
    snapshot = mini.load_snapshot(MINI / "violations.json")
    later = annotate(mini.evaluate(snapshot), mini.program, waivers=parse_waivers(text, "w.yaml", mini.program), snapshot=snapshot)
    gated = [v for v in later.violations if v.severity == "high" and not (v.standing and v.standing.waiver and v.standing.waiver["state"] == "active")]
    assert [(v.rule, v.subject.id) for v in gated if v.subject] == [("verified-before-posting", "u2")]


def test_a_where_that_selects_nothing_is_stale(mini: lawcode.Ruleset) -> None:
    text = (WAIVERS / "states.yaml").read_text().replace('it.id == \\"u3\\"', 'it.id == \\"u4\\"').replace("expires_on: 2024-02-01", "expires_on: 2025-02-01")
    snapshot = mini.load_snapshot(MINI / "violations.json")
    report = annotate(mini.evaluate(snapshot), mini.program, waivers=parse_waivers(text, "w.yaml", mini.program), snapshot=snapshot)
    assert report.cycle is not None
    assert {w["id"]: w["state"] for w in report.cycle["waivers"]["waivers"]}["u3-expired"] == "stale"


@pytest.mark.parametrize("name", ["errors.yaml", "schema-errors.yaml"])
def test_mistakes_point_at_their_line_and_column(mini: lawcode.Ruleset, name: str) -> None:
    expected = json.loads((WAIVERS / "expected-errors.json").read_text())[name]
    with pytest.raises(lawcode.LawcodeError) as caught:
        load_waivers(WAIVERS / name, mini.program)
    found = [(d.span.line, d.span.column, d.code, d.message, d.hint) for d in caught.value.diagnostics if d.span]
    assert len(found) == len(expected)
    for (line, column, code, message, hint), (e_line, e_column, e_code, e_message, e_hint) in zip(found, expected, strict=True):
        assert (line, column, code) == (e_line, e_column, e_code)
        assert e_message in message
        if e_hint:
            assert hint == e_hint
    assert str(WAIVERS / name) in caught.value.render()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("waivers: [", "not valid YAML"),
        ("base: &a {rule: x}\nwaivers: [*a]", "aliases"),
        ("- just a list", "/: "),
        ("waivers:\n  - rule: sanction-step\n    reason: r\n    approved_by: a\n    approved_on: 2024-01-01\n    expires_on: 2024-02-01\n", "say which subject"),
        ("waivers:\n  - {id: a, rule: sanction-step, subject: {collection: sanctions, id: s1}, reason: r, approved_by: a, approved_on: 2024-01-01, expires_on: 2024-02-01}\n  - {id: a, rule: sanction-step, subject: {collection: sanctions, id: s2}, reason: r, approved_by: a, approved_on: 2024-01-01, expires_on: 2024-02-01}\n", "two waivers are named `a`"),
        ("waivers:\n  - {rule: sanction-step, subject: {collection: sanctions, where: \"it.measure ==\"}, reason: r, approved_by: a, approved_on: 2024-01-01, expires_on: 2024-02-01}\n", "E00"),
    ],
)
def test_bad_files_are_diagnosed(mini: lawcode.Ruleset, text: str, fragment: str) -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        parse_waivers(text, "w.yaml", mini.program)
    assert fragment in caught.value.render()


def test_the_published_schema_is_the_one_used() -> None:
    assert json.loads((ROOT / "docs" / "waivers.schema.json").read_text()) == schema()


def test_where_waivers_need_the_snapshot(mini: lawcode.Ruleset) -> None:
    report = mini.evaluate(MINI / "violations.json")
    with pytest.raises(lawcode.LawcodeError, match="need the snapshot"):
        annotate(report, mini.program, waivers=load_waivers(WAIVERS / "states.yaml", mini.program), snapshot=None)
