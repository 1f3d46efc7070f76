"""Every aggregate function's SQL (`engine/sql/aggregates.py`) against its Python fold.

The SQL table is keyed like the compiler's `AGGREGATES`, and each entry, folded from its
partial states over the rows of a group (`RowTally`) and over a list value's elements
(`ListTally`), gives on DuckDB what the compiler's fold gives on the same elements: every
list of up to two elements whose filter is true, false or missing and whose value is
true, false, a number or missing.
"""

from __future__ import annotations

import itertools
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.compiler.operators import AGGREGATES as FOLDS
from lawcode.engine.sql.aggregates import AGGREGATES, ListTally, RowTally
from lawcode.engine.sql.dialects import TARGETS

TARGET = TARGETS["duckdb"]
FILTERS = (True, False, None)
VALUES = {"count": (None,), "exists": (None,), "any": (True, False, None), "all": (True, False, None), "sum": (2, -3, None), "min": (2, -3, None), "max": (2, -3, None)}


def test_the_sql_table_names_the_registry_aggregates() -> None:
    assert AGGREGATES.keys() == FOLDS.keys()
    assert all(name == entry.name for name, entry in AGGREGATES.items())


def _cases(func: str) -> list[list[tuple[bool | None, Any]]]:
    elements = list(itertools.product(FILTERS, VALUES[func]))
    return [list(chosen) for n in range(3) for chosen in itertools.product(elements, repeat=n)]


def _expected(func: str, elements: list[tuple[bool | None, Any]]) -> Any:
    result = T.BOOL if func in ("exists", "any", "all") else T.NUMBER
    return FOLDS[func].fold(((f, v) for f, v in elements if f is not False), result)


def _sql_literal(value: Any) -> str:
    return "NULL" if value is None else str(value).upper()


@pytest.mark.parametrize("func", sorted(AGGREGATES))
def test_each_aggregate_folds_over_rows_as_python_does(func: str) -> None:
    entry = AGGREGATES[func]
    takes_value = FOLDS[func].takes_value
    f, v = exp.column("f"), exp.column("v") if takes_value else None
    value = entry.final(entry.states(f, v, RowTally(TARGET, exp.column("pos"))))
    kind = "BOOLEAN" if func in ("any", "all") else "BIGINT"
    cases = _cases(func)
    rows = [f"({i}, {n}, {_sql_literal(fv)}::BOOLEAN, {_sql_literal(vv)}::{kind})" for i, elements in enumerate(cases) for n, (fv, vv) in enumerate(elements)]
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE e (g BIGINT, pos BIGINT, f BOOLEAN, v {kind})")
        if rows:
            con.execute("INSERT INTO e VALUES " + ", ".join(rows))
        query = f"SELECT g.i, (SELECT {value.sql('duckdb')} FROM e WHERE e.g = g.i) FROM range({len(cases)}) AS g(i) ORDER BY g.i"
        found = dict(con.execute(query).fetchall())
    finally:
        con.close()
    for i, elements in enumerate(cases):
        assert found[i] == _expected(func, elements), (func, elements)


@pytest.mark.parametrize("func", sorted(AGGREGATES))
def test_each_aggregate_folds_over_a_list_as_python_does(func: str) -> None:
    entry = AGGREGATES[func]
    takes_value = FOLDS[func].takes_value
    x = exp.column("x")
    f = TARGET.struct_field(x, "f")
    v = TARGET.struct_field(x, "v") if takes_value else None
    items = exp.column("items")
    value = entry.final(entry.states(f, v, ListTally(TARGET, items, "x")))
    kind = "BOOLEAN" if func in ("any", "all") else "BIGINT"
    cases = _cases(func)
    lists = [
        "[" + ", ".join(f"{{'f': {_sql_literal(fv)}::BOOLEAN, 'v': {_sql_literal(vv)}::{kind}}}" for fv, vv in elements) + "]"
        + ("" if elements else f"::STRUCT(f BOOLEAN, v {kind})[]")
        for elements in cases
    ]
    con = duckdb.connect()
    try:
        query = "SELECT i, " + value.sql("duckdb") + " FROM (VALUES " + ", ".join(f"({i}, {text})" for i, text in enumerate(lists)) + ") AS t(i, items) ORDER BY i"
        found = dict(con.execute(query).fetchall())
    finally:
        con.close()
    for i, elements in enumerate(cases):
        assert found[i] == _expected(func, elements), (func, elements)
