"""The SQL meaning of each aggregate function, keyed like `compiler.operators.AGGREGATES`.

The compiler's table says what `count`, `exists`, `sum`, `min`, `max`, `all` and `any`
mean in Python (their type rule and fold); this one says how SQL computes the same fold,
and `tests/engine/sql/test_aggregates.py` checks that the two name the same functions.

SQL cannot fold elements one by one, so each function is computed from *partial states*
that combine by addition (counts) or by the function itself (the `agg` state of
sum/min/max): how many elements pass the filter (`n_t`), how many have a missing filter
(`n_n`), and what the function needs besides. The states of two groups of elements add
up to the states of their union, which is what lets the generator compute them once per
key in a shared GROUP BY, add the part of elements whose join key is missing, or group
elements before joining them to their owners (`decorrelate.py`). `final` turns the
states into the value with the reference's semantics (CONTRIBUTING.md): `count`, `sum`,
`min`, `max` are missing when any element's filter is (or, but for count, any selected
value is), `exists`/`any`/`all` are Kleene's, `min`/`max` of nothing is missing and `sum`
of nothing is 0.

The states are counted by a `Tally`: `RowTally` over the rows of a group (a collection's
elements), `ListTally` over a list value's elements (a field holding a list).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.program import Program
from lawcode.engine.sql.builders import (
    and_,
    case,
    count_if,
    gt0,
    is_null,
    is_true,
    not_,
    not_false,
    or_,
    zero,
)
from lawcode.engine.sql.dialects import Target, num
from lawcode.engine.sql.tables import Layout

States = dict[str, exp.Expr]


class Tally(Protocol):
    """How partial states are counted: over a group's rows, or over a list's elements."""

    def count(self, cond: exp.Expr) -> exp.Expr:
        """How many elements pass `cond` (true, not missing)."""
        ...

    def reduce(self, func: str, when: exp.Expr, value: exp.Expr) -> exp.Expr:
        """`func` (sum, min, max) of `value` over the elements that pass `when`; NULL of none."""
        ...


@dataclass(frozen=True, slots=True)
class RowTally:
    """States as aggregates over the rows of a GROUP BY. `exact`: the values' sum is exact in
    any order (whole numbers, durations); otherwise floats are added in `order`, as Python's
    `sum` adds them (the target spells the ordered sum)."""

    target: Target
    order: exp.Expr
    exact: bool = True

    def count(self, cond: exp.Expr) -> exp.Expr:
        return count_if(cond)

    def reduce(self, func: str, when: exp.Expr, value: exp.Expr) -> exp.Expr:
        picked = case((when, value))
        if func == "sum":
            return exp.Sum(this=picked) if self.exact else self.target.ordered_sum(picked, self.order)
        return (exp.Min if func == "min" else exp.Max)(this=picked)


@dataclass(frozen=True, slots=True)
class ListTally:
    """States over the elements of a list value, the element bound to the lambda variable `var`."""

    target: Target
    items: exp.Expr
    var: str

    def count(self, cond: exp.Expr) -> exp.Expr:
        return self.target.list_filter_count(self.items, self.var, cond)

    def reduce(self, func: str, when: exp.Expr, value: exp.Expr) -> exp.Expr:
        return self.target.list_reduce(self.target.list_values(self.items, self.var, when, value), func)


@dataclass(frozen=True, slots=True)
class AggregateSQL:
    """One aggregate function in SQL.

    `states(f, v, tally)`: the partial states of elements with filter `f` and value `v` (None
    for count/exists). `unmatched(f, v, tally)`: those of elements whose join key is missing,
    which may or may not belong to the outer row: a filter that is not false makes the
    result unknown. `final(states)`: the value. `combine`: how the `agg` states of two groups
    combine (counts add).
    """

    name: str
    states: Callable[[exp.Expr, exp.Expr | None, Tally], States]
    unmatched: Callable[[exp.Expr, exp.Expr | None, Tally], States]
    final: Callable[[Mapping[str, exp.Expr]], exp.Expr]
    combine: type[exp.Sum] | type[exp.Min] | type[exp.Max] = exp.Sum


def _passing(f: exp.Expr, t: Tally) -> States:
    return {"n_t": t.count(is_true(f)), "n_n": t.count(is_null(f))}


def _unmatched(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
    return {"n_n": t.count(not_false(f))}


def _count(p: Mapping[str, exp.Expr]) -> exp.Expr:
    return case((gt0(p["n_n"]), exp.Null()), default=zero(p["n_t"]))


def _exists(p: Mapping[str, exp.Expr]) -> exp.Expr:
    return case((gt0(p["n_t"]), exp.true()), (gt0(p["n_n"]), exp.Null()), default=exp.false())


def _any_states(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
    assert v is not None
    return {**_passing(f, t), "a_tt": t.count(is_true(and_(f, v))), "a_nf": t.count(and_(not_false(f), not_false(v)))}


def _any_unmatched(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
    assert v is not None
    return {**_unmatched(f, v, t), "a_nf": t.count(and_(not_false(f), not_false(v)))}


def _any(p: Mapping[str, exp.Expr]) -> exp.Expr:
    return case((gt0(p["a_tt"]), exp.true()), (gt0(p["a_nf"]), exp.Null()), default=exp.false())


def _all_states(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
    assert v is not None
    return {**_passing(f, t), "l_tf": t.count(is_true(and_(f, not_(v)))), "l_bad": t.count(and_(not_false(f), or_(is_null(f), not_(is_true(v)))))}


def _all_unmatched(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
    return {**_unmatched(f, v, t), "l_bad": t.count(not_false(f))}


def _all(p: Mapping[str, exp.Expr]) -> exp.Expr:
    return case((gt0(p["l_tf"]), exp.false()), (gt0(p["l_bad"]), exp.Null()), default=exp.true())


def _reduced(func: str) -> Callable[[exp.Expr, exp.Expr | None, Tally], States]:
    """sum/min/max: also the selected values that are missing (`n_vn`), and the reduction."""

    def states(f: exp.Expr, v: exp.Expr | None, t: Tally) -> States:
        assert v is not None
        return {**_passing(f, t), "n_vn": t.count(and_(is_true(f), is_null(v))), "agg": t.reduce(func, is_true(f), v)}

    return states


def _reduction(func: str) -> Callable[[Mapping[str, exp.Expr]], exp.Expr]:
    def final(p: Mapping[str, exp.Expr]) -> exp.Expr:
        unknown = or_(gt0(p["n_n"]), gt0(p["n_vn"]))
        value = exp.Coalesce(this=p["agg"], expressions=[num(0)]) if func == "sum" else p["agg"]
        return case((unknown, exp.Null()), default=value)

    return final


AGGREGATES: dict[str, AggregateSQL] = {
    a.name: a
    for a in (
        AggregateSQL("count", lambda f, v, t: _passing(f, t), _unmatched, _count),
        AggregateSQL("exists", lambda f, v, t: _passing(f, t), _unmatched, _exists),
        AggregateSQL("sum", _reduced("sum"), _unmatched, _reduction("sum"), exp.Sum),
        AggregateSQL("min", _reduced("min"), _unmatched, _reduction("min"), exp.Min),
        AggregateSQL("max", _reduced("max"), _unmatched, _reduction("max"), exp.Max),
        AggregateSQL("all", _all_states, _all_unmatched, _all),
        AggregateSQL("any", _any_states, _any_unmatched, _any),
    )
}


def integral(node: ir.Expr | None, program: Program, layout: Layout) -> bool:
    """True when a number expression always holds whole numbers: its sum is exact in any
    order (so a group's partial sums may be added, and a chain of them balanced), where a
    sum of fractions must be added in the reference's order."""
    match node:
        case ir.Const(value=v):
            return isinstance(v, int) and not isinstance(v, bool)
        case ir.Field(base=base, path=path) if not isinstance(base, ir.Root):
            return _integer_field(base, path, layout)
        case ir.Aggregate(func="count"):
            return True
        case ir.Aggregate(func="sum" | "min" | "max", value=v):
            return integral(v, program, layout)
        case ir.Op(name="num+num" | "num-num" | "num*num" | "neg" | "abs" | "len" | "months", args=args):
            return all(integral(a, program, layout) or a.type != T.NUMBER for a in args)
        case ir.Chain(first=first, steps=steps):
            return all(s.name in ("num+num", "num-num", "num*num") for s in steps) and all(integral(a, program, layout) for a in (first, *(s.operand for s in steps)))
        case ir.Coalesce(value=a, fallback=b) | ir.If(then=a, otherwise=b):
            return integral(a, program, layout) and integral(b, program, layout)
        case ir.DefCall(name=name):
            return integral(program.definitions[name].body, program, layout)
    return False


def _integer_field(base: ir.Expr, path: tuple[str, ...], layout: Layout) -> bool:
    """A field declared `integer` in the snapshot schema."""
    entity = base.type.collection if isinstance(base.type, T.EntityType) else None
    collection = layout.collections.get(entity) if entity else None
    column = collection.column(path) if collection else None
    return column is not None and column.kind == "integer"
