"""A rule applies while any of its basis citations is in force; a violation cites those.

Documents, articles and paragraphs carry dates (`tests/data/citations/rules.law`); on
each side of every date the python and DuckDB reports agree byte for byte, cite only the
basis in force that day (the first as `citation`), list the related (`see`) citations,
and list a rule as not in force only when no basis citation is. A snapshot with every
collection reversed gives the same report apart from positional pointers.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

import lawcode
from helpers import DATA
from lawcode.engine.sql import evaluate as sql_evaluate

RULES = lawcode.load_ruleset(DATA / "citations")
SNAPSHOT = json.loads((DATA / "mini" / "violations.json").read_text(encoding="utf-8"))
CAC = lawcode.load_ruleset(DATA.parent.parent / "rulesets" / "cac")
CAC_VIOLATIONS = json.loads((DATA.parent.parent / "rulesets" / "cac" / "examples" / "violations.json").read_text(encoding="utf-8"))

GROUP = [("group-cap", "g1")]
USERS = [("verified-first", "u2"), ("verified-first", "u3")]
# day → {(rule, subject): [basis labels]}, and the rules not in force
CASES: list[tuple[str, dict[tuple[str, str | None], tuple[str, ...]], list[str]]] = [
    ("2017-09-30", {}, ["group-cap", "until-mid-2023", "verified-first"]),
    ("2017-10-01", {**dict.fromkeys(GROUP, ("old-2017 art 1",)), **dict.fromkeys(USERS, ("old-2017 art 2 para 1",))}, ["until-mid-2023"]),
    ("2019-12-31", {**dict.fromkeys(GROUP, ("old-2017 art 1",)), **dict.fromkeys(USERS, ("old-2017 art 2 para 1",))}, ["until-mid-2023"]),
    ("2020-01-01", {**dict.fromkeys(GROUP, ("old-2017 art 1",)), **dict.fromkeys(USERS, ("old-2017 art 2 para 2",))}, ["until-mid-2023"]),
    ("2021-09-14", {**dict.fromkeys(GROUP, ("old-2017 art 1",)), **dict.fromkeys(USERS, ("old-2017 art 2 para 2",))}, ["until-mid-2023"]),
    (
        "2021-09-15",
        {**dict.fromkeys(GROUP, ("old-2017 art 1", "new-2021 task 1")), ("until-mid-2023", None): ("new-2021 task 1",), **dict.fromkeys(USERS, ("old-2017 art 2 para 2",))},
        [],
    ),
    (
        "2022-12-14",
        {**dict.fromkeys(GROUP, ("old-2017 art 1", "new-2021 task 1")), ("until-mid-2023", None): ("new-2021 task 1",), **dict.fromkeys(USERS, ("old-2017 art 2 para 2",))},
        [],
    ),
    ("2022-12-15", {**dict.fromkeys(GROUP, ("new-2021 task 1",)), ("until-mid-2023", None): ("new-2021 task 1",)}, ["verified-first"]),
    ("2023-06-30", {**dict.fromkeys(GROUP, ("new-2021 task 1",)), ("until-mid-2023", None): ("new-2021 task 1",)}, ["verified-first"]),
    ("2023-07-01", dict.fromkeys(GROUP, ("new-2021 task 1",)), ["until-mid-2023", "verified-first"]),
]


def _label(c: dict[str, Any], unit: str) -> str:
    text = f"{c['document']} {unit} {c['article']}"
    return text + (f" para {c['paragraph']}" if c["paragraph"] is not None else "")


def _unit(c: dict[str, Any]) -> str:
    return "task" if c["document"] == "new-2021" else "art"


@pytest.mark.parametrize(("day", "cited", "not_in_force"), CASES, ids=[c[0] for c in CASES])
def test_a_rule_cites_the_basis_in_force_on_the_day(day: str, cited: dict[tuple[str, str | None], tuple[str, ...]], not_in_force: list[str]) -> None:
    snapshot = dict(SNAPSHOT, as_of=day)
    report = RULES.evaluate(snapshot).to_dict()
    assert sql_evaluate(RULES.program, snapshot, rulesets=RULES.paths).to_dict() == report  # every backend alike
    got = {}
    for v in report["violations"]:
        labels = tuple(_label(c, _unit(c)) for c in v["citations"])
        assert v["citation"] == v["citations"][0]
        got[(v["rule"], v["subject"]["id"] if v["subject"] else None)] = labels
        expected_related = ["old-2017 art 3"] if v["rule"] == "group-cap" else []
        assert [_label(c, _unit(c)) for c in v["related"]] == expected_related
    assert got == cited
    assert [n["rule"] for n in report["not_in_force"]] == not_in_force


def test_not_in_force_gives_the_days_the_rule_can_apply_and_its_related() -> None:
    report = RULES.evaluate(dict(SNAPSHOT, as_of="2017-09-30")).to_dict()
    by_rule = {n["rule"]: n for n in report["not_in_force"]}
    assert (by_rule["group-cap"]["in_force_from"], by_rule["group-cap"]["in_force_until"]) == ("2017-10-01", None)
    assert (by_rule["verified-first"]["in_force_from"], by_rule["verified-first"]["in_force_until"]) == ("2017-10-01", "2022-12-14")
    assert (by_rule["until-mid-2023"]["in_force_from"], by_rule["until-mid-2023"]["in_force_until"]) == ("2021-09-15", "2023-06-30")
    assert [c["article"] for c in by_rule["group-cap"]["related"]] == [3]
    assert by_rule["verified-first"]["related"] == []


_POSITIONAL = re.compile(r"/(\d+)(?=/|$|\?)")


def _without_positions(report: dict[str, Any]) -> dict[str, Any]:
    """The report with every array index in a JSON pointer (and the `#N` id of a subject
    without one) blanked: what reversing the snapshot's collections may change."""
    text = json.dumps(report, sort_keys=True)
    text = re.sub(r'"(/[^"]*)"', lambda m: '"' + _POSITIONAL.sub("/#", m.group(1)) + '"', text)
    return json.loads(re.sub(r'"#\d+"', '"#"', text))


def _reversed(snapshot: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(snapshot)
    for value in out.values():
        if isinstance(value, list):
            value.reverse()
    return out


@pytest.mark.parametrize("backend", ["python", "duckdb"])
def test_reversed_collections_give_the_same_report(backend: str) -> None:
    """Violations are ordered by subject, not by position, and the evidence a definition
    gives once per report stays with the same subject, on every backend."""

    def run(snapshot: dict[str, Any]) -> dict[str, Any]:
        if backend == "python":
            return CAC.evaluate(snapshot).to_dict()
        return sql_evaluate(CAC.program, snapshot, backend=backend, rulesets=CAC.paths).to_dict()

    forward, backward = run(CAC_VIOLATIONS), run(_reversed(CAC_VIOLATIONS))
    assert len(forward["violations"]) > 50  # the example fires every rule
    assert [(v["rule"], v["subject"] and v["subject"]["id"]) for v in backward["violations"]] == [
        (v["rule"], v["subject"] and v["subject"]["id"]) for v in forward["violations"]
    ]
    assert _without_positions(backward) == _without_positions(forward)
