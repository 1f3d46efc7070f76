"""Null branches left out where loading rules nulls out (`engine/sql/simplify.py`).

Three checks: each rewrite keeps every value, on every row, of random three-valued
expressions over columns that may and may not be NULL (DuckDB evaluates both forms);
the generated SQL of `tests/data/sql_present` has no null branch for its required,
non-nullable fields but keeps them for the nullable ones (and Spark, whose Parquet read is
unchecked, keeps them all); and its reports, on snapshots where the nullable fields are
often missing, are the python backend's.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

import lawcode
from helpers import DATA
from lawcode.engine.evaluate import resolve_parameters
from lawcode.engine.snapshot import Snapshot
from lawcode.engine.sql import evaluate as sql_evaluate
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.generate import Generator
from lawcode.engine.sql.simplify import present_columns, simplify
from lawcode.engine.sql.tables import layout

RULES = lawcode.load_ruleset(DATA / "sql_present")

# Table `t` read as `s` (always there: FROM) and `l` (LEFT JOINed: may be missing).
# `a`, `b` are never NULL in `t`; `x`, `y` may be.
PRESENT = {"t": {"__pos", "a", "b"}}
COLUMNS = ["s.a", "s.b", "s.x", "s.y", "l.a", "l.x"]
ROWS = list(itertools.product([True, False], [True, False], [True, False, None], [True, False, None]))


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.sampled_from([*COLUMNS, "TRUE", "FALSE", "NULL"])

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda e: f"NOT ({e})", inner),
            st.builds(lambda e: f"({e}) IS NULL", inner),
            st.builds(lambda a, b: f"({a}) AND ({b})", inner, inner),
            st.builds(lambda a, b: f"({a}) OR ({b})", inner, inner),
            st.builds(lambda a, b: f"COALESCE({a}, {b})", inner, inner),
            st.builds(lambda c, a, b: f"CASE WHEN {c} THEN {a} WHEN NOT ({c}) THEN {b} END", inner, inner, inner),
            st.builds(lambda c, a, b: f"CASE WHEN {c} THEN {a} ELSE {b} END", inner, inner, inner),
            st.builds(lambda a, b: f"({a}) = ({b})", inner, inner),
        )

    return st.recursive(leaves, grow, max_leaves=8)


def _query(expression: str) -> str:
    return f'SELECT s."__pos", {expression} AS v FROM t AS s LEFT JOIN t AS l ON l."__pos" = s."__pos" + 1 ORDER BY s."__pos"'


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    connection.execute('CREATE TABLE t ("__pos" BIGINT, a BOOLEAN NOT NULL, b BOOLEAN NOT NULL, x BOOLEAN, y BOOLEAN)')
    connection.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [(i, *row) for i, row in enumerate(ROWS)])
    yield connection
    connection.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_expressions())
def test_each_rewrite_keeps_every_value(con: Any, expression: str) -> None:
    original = sqlglot.parse_one(_query(expression), read="duckdb")
    simplified = simplify(original.copy(), PRESENT)
    assert con.execute(simplified.sql("duckdb")).fetchall() == con.execute(original.sql("duckdb")).fetchall()


def test_present_columns_reads_the_schema() -> None:
    found = present_columns(layout(RULES.program.schema))
    assert found["t_accounts"] == {"__pos", "id", "status", "strikes"}
    assert found["t_entries"] == {"__pos", "id", "list"}


def test_a_left_joined_row_keeps_its_null_branches() -> None:
    query = sqlglot.parse_one('SELECT COALESCE(s.a, FALSE), COALESCE(l.a, FALSE), s.a IS NULL, l.a IS NULL FROM t AS s LEFT JOIN t AS l ON l."__pos" = s."__pos"', read="duckdb")
    assert simplify(query, PRESENT).sql("duckdb") == 'SELECT s.a, COALESCE(l.a, FALSE), FALSE, l.a IS NULL FROM t AS s LEFT JOIN t AS l ON l."__pos" = s."__pos"'


def _sql(target: str) -> str:
    root = Snapshot({"as_of": "2024-06-30", "accounts": [], "entries": []})
    params, origins = resolve_parameters(RULES.program, root)
    generator = Generator(RULES.program, layout(RULES.program.schema), root, params, origins, TARGETS[target])
    batches = [generator.batch([rule]) for rule in RULES.program.rules]
    generator.finish(batches, materialized=target == "duckdb")
    return "\n".join(b.select.sql(TARGETS[target].sqlglot_dialect) for b in batches)


def _null_tests(sql: str, column: str) -> int:
    return len(re.findall(rf'{re.escape(column)} IS NULL|COALESCE\(\(?{re.escape(column)}', sql))


def test_required_fields_have_no_null_branch_on_duckdb() -> None:
    sql = _sql("duckdb")
    for column in ('s."status"', 's."strikes"', 's."id"', 's."list"'):
        assert _null_tests(sql, column) == 0, column
    assert _null_tests(sql, 's."note"') > 0
    assert _null_tests(sql, 's."user_id"') > 0
    # `present(e.account_id)` guards the key of `listed`'s aggregate: no part for elements
    # without one (a CROSS JOIN of a one-row table of their states).
    assert "CROSS JOIN" not in sql


def test_spark_keeps_every_null_branch() -> None:
    sql = _sql("spark")
    assert _null_tests(sql, "s.status") + _null_tests(sql, "s.`status`") > 0


MAYBE = st.sampled_from([None, None, "u1", "u2"])
SNAPSHOTS = st.fixed_dictionaries({
    "as_of": st.just("2024-06-30"),
    "accounts": st.lists(
        st.fixed_dictionaries({
            "status": st.sampled_from(["active", "closed", "new"]),
            "strikes": st.integers(0, 7),
            "user_id": MAYBE,
            "note": st.sampled_from([None, "", "ok"]),
        }),
        max_size=6,
    ).map(lambda items: [{"id": f"a{i}", **item} for i, item in enumerate(items)]),
    "entries": st.lists(
        st.fixed_dictionaries({
            "list": st.sampled_from(["blacklist", "watch"]),
            "account_id": st.sampled_from([None, None, "a0", "a1", "a9"]),
            "user_id": MAYBE,
            "lifted": st.sampled_from([None, True, False]),
        }),
        max_size=6,
    ).map(lambda items: [{"id": f"e{i}", **item} for i, item in enumerate(items)]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SNAPSHOTS)
def test_reports_with_missing_values_are_pythons(snapshot: dict[str, Any]) -> None:
    expected = RULES.evaluate(snapshot).to_dict()
    assert sql_evaluate(RULES.program, snapshot, rulesets=RULES.paths).to_dict() == expected


def test_the_rewritten_tree_is_one_expression() -> None:
    """A rewrite returns sqlglot nodes the dialects render (no Python constants left)."""
    query = sqlglot.parse_one("SELECT CASE WHEN TRUE THEN s.a END, NOT NOT s.x, (FALSE) OR s.x FROM t AS s", read="duckdb")
    out = simplify(query, PRESENT)
    assert all(isinstance(node, exp.Expr) for node in out.walk())
    assert out.sql("duckdb") == "SELECT s.a, s.x, s.x FROM t AS s"
