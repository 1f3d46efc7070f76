"""Every entry of the operator registry, through the checker, the reference evaluator and DuckDB.

For each operator and each of its signatures (both ways round for an infix operator that
swaps), a definition using it is compiled: the checker must pick that operator with the
signature's result type. Its body is then evaluated on every combination of sample operands,
missing ones included, by the reference evaluator and by the SQL the DuckDB backend generates
for it (operands as typed SQL values, so nothing is folded in Python first). The two must
agree exactly, and each value must be of the declared result type.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any, cast

import pytest
from sqlglot import exp

import lawcode
from helpers import DATA
from lawcode.compiler import compile_text, ir
from lawcode.compiler import types as T
from lawcode.compiler.operators import ANY, ANY_LIST, OPERATORS, Operator, Signature
from lawcode.compiler.program import Program
from lawcode.engine.evaluate import Evaluator
from lawcode.engine.sql import operators as sql_operators
from lawcode.engine.sql.builders import literal
from lawcode.engine.sql.dialects import TARGETS
from lawcode.engine.sql.dialects import cast as sql_cast
from lawcode.engine.sql.duckdb_backend import DuckDBBackend
from lawcode.engine.sql.generate import Generator
from lawcode.engine.sql.report import from_sql
from lawcode.engine.sql.scopes import Val
from lawcode.engine.sql.tables import layout

UTC = dt.UTC
LIST = T.list_of(T.STRING)

SAMPLES: dict[T.Type, list[Any]] = {
    T.NUMBER: [0, 1, -3, 7, 2.5, -0.5, None],
    T.STRING: ["", "Abc", "İstanbul", "straße", None],
    T.BOOL: [True, False, None],
    T.DATE: [dt.date(2024, 1, 31), dt.date(2023, 3, 31), dt.date(1, 1, 1), dt.date(9999, 12, 31), None],
    T.DATETIME: [
        dt.datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
        dt.datetime(2024, 2, 29, 12, 0, 0, 500_000, tzinfo=UTC),
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        None,
    ],
    T.DURATION: [dt.timedelta(0), dt.timedelta(days=1), dt.timedelta(hours=36), dt.timedelta(hours=-36), dt.timedelta(minutes=90, microseconds=5), None],
    T.PERIOD: [0, 1, -1, 13, 120_000, None],
    LIST: [[], ["a", None], ["x", "y"], None],
}
# A signature's wildcard operands, tried as these types.
INSTANCES: dict[T.Type, list[T.Type]] = {ANY: [T.NUMBER, T.STRING, T.DATE, LIST], ANY_LIST: [LIST]}
SQL_TYPES = {T.NUMBER: "BIGINT", T.STRING: "VARCHAR", T.BOOL: "BOOLEAN", T.DATE: "DATE", T.DATETIME: "TIMESTAMP", T.DURATION: "BIGINT", T.PERIOD: "BIGINT", LIST: "VARCHAR[]"}
PYTHON_TYPES: dict[T.Type, type | tuple[type, ...]] = {T.NUMBER: (int, float), T.STRING: str, T.BOOL: bool, T.DATE: dt.date, T.DATETIME: dt.datetime, T.DURATION: dt.timedelta, T.PERIOD: int}
NAMES = ("x", "y")


def type_text(t: T.Type) -> str:
    return "list of string" if t == LIST else t.name


def written(op: Operator, left: str, right: str | None) -> str:
    if op.form == "prefix":
        return f"{op.spelling}{left}"
    if op.form == "call":
        return f"{op.spelling}({left})"
    return f"{left} {op.spelling} {right}"


def cases() -> list[tuple[Operator, tuple[T.Type, ...], T.Type, bool]]:
    """(operator, operand types as written, result type, written swapped) for every entry."""
    out = []
    for op in OPERATORS.values():
        for sig in op.signatures:
            for operands in itertools.product(*(INSTANCES.get(t, [t]) for t in sig.operands)):
                out.append((op, operands, sig.result, False))
                if op.swaps:
                    out.append((op, operands[::-1], sig.result, True))
    return out


CASES = cases()


def case_id(case: tuple[Operator, tuple[T.Type, ...], T.Type, bool]) -> str:
    op, operands, _, swapped = case
    return f"{op.name}({', '.join(map(str, operands))}){' swapped' if swapped else ''}"


@functools.cache
def program() -> Program:
    """One program with a definition per case: `def c<i>(x: T, y: U) = x op y`."""
    lines = [f'schema "{DATA / "mini" / "snapshot.schema.json"}"']
    for i, (op, operands, _, _) in enumerate(CASES):
        params = ", ".join(f"{n}: {type_text(t)}" for n, t in zip(NAMES, operands, strict=False))
        lines.append(f"def c{i}({params}) = {written(op, *NAMES[: len(operands)], *([None] if len(operands) == 1 else []))}")
    return compile_text("\n".join(lines) + "\n")


def same(python: Any, sql: Any, result: T.Type) -> bool:
    """Equal values of the same kind. A number may come back as a float where Python has an
    int (a BIGINT and a DOUBLE in one result column): reports print both alike."""
    if python is None or sql is None:
        return python is None and sql is None
    if result == T.NUMBER:
        return not isinstance(python, bool) and not isinstance(sql, bool) and python == sql
    if isinstance(python, list):
        return type(sql) is list and python == sql
    return type(python) is type(sql) and bool(python == sql)


def sql_value(value: Any, t: T.Type) -> exp.Expr:
    """An operand as the backend's columns hold it: typed, even when missing."""
    target = TARGETS["duckdb"]
    return sql_cast(exp.Null(), SQL_TYPES[t]) if value is None else literal(target, value, t)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case_id(c) for c in CASES])
def test_operator_typed_evaluated_and_generated_alike(index: int) -> None:
    op, operands, result, swapped = CASES[index]
    prog = program()
    body = prog.definitions[f"c{index}"].body
    # The checker: this operator, the declared result type, the operands in signature order.
    if op.form == "compare":
        assert isinstance(body, ir.Compare) and body.op == op.name
        canonical = [body.left, body.right]
    else:
        assert isinstance(body, ir.Op) and body.name == op.name, body
        canonical = list(body.args)
    assert body.type == result
    assert [a.name for a in canonical if isinstance(a, ir.Var)] == (list(NAMES[: len(operands)])[::-1] if swapped else list(NAMES[: len(operands)]))

    combos = list(itertools.product(*(SAMPLES[t] for t in operands)))
    reference = Evaluator(prog, cast(Any, None), {})
    expected = [reference.eval(body, dict(zip(NAMES, combo, strict=False))) for combo in combos]

    generator = Generator(prog, layout(prog.schema), cast(Any, None), {}, {}, TARGETS["duckdb"])
    target = TARGETS["duckdb"]
    selects = []
    for i, combo in enumerate(combos):
        env = {n: Val(sql_value(v, t), t) for n, v, t in zip(NAMES, combo, operands, strict=False)}
        val = generator.expr(body, env, cast(Any, None), None)
        selects.append(exp.select(exp.alias_(exp.Literal.number(i), "i"), exp.alias_(target.wire(val.sql, result), "v")))
    union = functools.reduce(lambda a, b: exp.union(a, b, distinct=False), selects)
    backend = DuckDBBackend(threads=1)
    try:
        rows = backend.query(exp.select("v").from_(cast(exp.Union, union).subquery("t")).order_by("i"))
    finally:
        backend.close()
    actual = [from_sql(row[0], result) for row in rows]

    for combo, want, got in zip(combos, expected, actual, strict=True):
        assert same(want, got, result), f"{case_id(CASES[index])} on {combo!r}: python {want!r}, duckdb {got!r}"
        if want is not None and result in PYTHON_TYPES:
            assert isinstance(want, PYTHON_TYPES[result]) and not (result != T.BOOL and isinstance(want, bool)), (combo, want)
        if any(v is None for v in combo) and op.strict:
            assert want is None
    assert any(v is not None for v in expected) or op.name in ("num/num",), f"{case_id(CASES[index])}: no sample gives a value"


def test_every_operator_has_sql_and_a_signature() -> None:
    assert sql_operators.SQL.keys() == OPERATORS.keys()
    for op in OPERATORS.values():
        assert op.signatures and all(isinstance(s, Signature) for s in op.signatures), op.name
        assert any(c[0] is op for c in CASES)


@pytest.mark.parametrize("op", [op for op in OPERATORS.values() if op.form in ("call", "prefix")], ids=lambda op: op.name)
def test_the_checker_refuses_other_operand_types(op: Operator) -> None:
    """The signatures are the type rule: every scalar type they do not accept is an error."""
    refused = [t for t in SQL_TYPES if op.result((t,)) is None]
    for t in refused:
        text = f'schema "{DATA / "mini" / "snapshot.schema.json"}"\ndef f(x: {type_text(t)}) = {written(op, "x", None)}\n'
        with pytest.raises(lawcode.LawcodeError) as caught:
            compile_text(text)
        assert [d.code for d in caught.value.errors] == ["E032"], (op.name, t)
