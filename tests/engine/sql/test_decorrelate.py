"""Every plan shape of `engine/sql/decorrelate.py`, chosen where it should be and right.

`tests/data/sql/decorrelate.law` has one rule per shape an aggregate whose filter reads the
outer row can take: grouped before the join (`pregrouped`), joined per owner when grouping
first is not allowed (the value reads the owner, a sum of fractions, a lookup whose key
reads both sides), re-read from the rule's subject row (`plan-row-values`), grouped by
the enclosing FROM clause's row key (`rescoped`: an aggregate inside another's filter, a
definition given a looked-up value, also inside the one-row table of elements whose key
is missing). `tests/data/sql/plans.json` names the shapes each rule's aggregates get;
the reports on generated snapshots are the python backend's.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.evaluate import resolve_parameters
from lawcode.engine.snapshot import Snapshot
from lawcode.engine.sql import evaluate as sql_evaluate
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.generate import Generator
from lawcode.engine.sql.tables import layout

RULES = lawcode.load_ruleset(DATA / "sql")
EXPECTED: dict[str, list[str]] = {k: v for k, v in json.loads((DATA / "sql" / "plans.json").read_text()).items() if not k.startswith("_")}
PLANNED = [rule for rule in RULES.program.rules if rule.id.startswith("plan-")]
AS_OF = {"as_of": "2024-06-30"}
# The planned rules alone (the other rules of the folder are the differential tests').
PLANNED_RULES = lawcode.Ruleset(dataclasses.replace(RULES.program, rules=tuple(PLANNED)), RULES.paths)


def test_every_planned_rule_has_its_expected_shapes() -> None:
    assert sorted(EXPECTED) == sorted(rule.id for rule in PLANNED)
    assert {"pregrouped", "by owner", "rescoped"} == {shape for shapes in EXPECTED.values() for shape in shapes}


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("rule", PLANNED, ids=lambda r: r.id)
def test_each_rule_gets_its_plan_shape(rule: Any, target: str) -> None:
    root = Snapshot({**AS_OF, **{name: [] for name in RULES.program.schema.collections()}})  # absent would be unknown
    params, origins = resolve_parameters(RULES.program, root)
    generator = Generator(RULES.program, layout(RULES.program.schema), root, params, origins, TARGETS[target])
    generator.finish([generator.batch([rule])], materialized=target == "duckdb")
    assert [shape for _, shape in generator.decorrelator.shapes] == EXPECTED[rule.id]


def rarely_missing(*values: Any) -> st.SearchStrategy[Any]:
    """One of `values`, or about one time in eight missing: most outcomes are decided, some not."""
    return st.sampled_from([*(values * 7), None])


DATES = rarely_missing("2024-01-31", "2024-02-29", "2024-03-01", "2024-04-30", "2024-06-30")


def _unique(ids: list[str], item: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Elements with distinct ids (the snapshot refuses repeated ones)."""
    return st.lists(st.tuples(st.sampled_from(ids), item), max_size=len(ids), unique_by=lambda pair: pair[0]).map(lambda pairs: [{"id": i, **rest} for i, rest in pairs])


# Few ids, so that keys match often; every key and compared field may be missing.
SNAPSHOTS = st.fixed_dictionaries({
    "as_of": st.just("2024-06-30"),
    "items": st.just([]),
    "logs": st.just([]),
    "users": _unique(["u1", "u2", "u3"], st.fixed_dictionaries({"age": rarely_missing(12, 30), "born": DATES})),
    "groups": _unique(["g1", "g2", "g3"], st.fixed_dictionaries({
        "status": st.just("active"), "created": DATES, "member_count": rarely_missing(1, 3), "creator_id": rarely_missing("u1", "u2"),
    })),
    "memberships": st.lists(st.fixed_dictionaries({
        "group_id": rarely_missing("g1", "g2", "g3"), "user_id": rarely_missing("u1", "u2", "u3"),
        "joined": DATES, "role": rarely_missing("bot", "member"), "weight": rarely_missing(0.5, 1, 2.5, 7),
    }), max_size=6),
    "sanctions": _unique(["u1", "u2", "u9"], st.fixed_dictionaries({"group_id": rarely_missing("g1", "g2"), "measure": st.just("warning")})),
})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SNAPSHOTS)
def test_each_shape_reports_what_python_does(snapshot: dict[str, Any]) -> None:
    try:
        expected: Any = PLANNED_RULES.evaluate(snapshot).to_dict()
    except LawcodeError as exc:
        expected = ("error", [d.code for d in exc.errors])
    try:
        actual: Any = sql_evaluate(PLANNED_RULES.program, snapshot, rulesets=PLANNED_RULES.paths).to_dict()
    except LawcodeError as exc:
        actual = ("error", [d.code for d in exc.errors])
    assert actual == expected
