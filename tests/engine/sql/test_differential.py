"""Python and DuckDB reports are identical on generated snapshots (to_dict equality).

The python backend is the reference; any difference is a bug in the SQL backend (or,
after a look, an ambiguity to raise with the reference's owner).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from snapshots import mini_snapshot, sql_snapshot

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate as sql_evaluate

SQL_RULES = lawcode.load_ruleset(DATA / "sql")
MINI_RULES = lawcode.load_ruleset(DATA / "mini")


def both(ruleset: lawcode.Ruleset, snapshot: dict[str, Any]) -> tuple[Any, Any]:
    """(python report, duckdb report) as dicts, or the error message each raised."""
    try:
        expected: Any = ruleset.evaluate(snapshot).to_dict()
    except LawcodeError as exc:
        expected = ("error", [d.code for d in exc.errors])
    try:
        actual: Any = sql_evaluate(ruleset.program, snapshot, rulesets=ruleset.paths).to_dict()
    except LawcodeError as exc:
        actual = ("error", [d.code for d in exc.errors])
    return expected, actual


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(sql_snapshot())
def test_every_construct_python_equals_duckdb(snapshot: dict[str, Any]) -> None:
    expected, actual = both(SQL_RULES, snapshot)
    assert actual == expected


@SETTINGS
@given(mini_snapshot())
def test_mini_python_equals_duckdb(snapshot: dict[str, Any]) -> None:
    expected, actual = both(MINI_RULES, snapshot)
    assert actual == expected


@pytest.mark.parametrize("name", ["violations.json", "compliant.json"])
def test_mini_examples(name: str) -> None:
    path = str(DATA / "mini" / name)
    assert sql_evaluate(MINI_RULES.program, path, rulesets=MINI_RULES.paths).to_dict() == MINI_RULES.evaluate(path).to_dict()
