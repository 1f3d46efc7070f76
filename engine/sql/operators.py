"""The SQL of every operator in `compiler/operators.py`, keyed by the same names.

The registry's declaration (names, types, Python meaning) is the compiler's; the compiler
does not import the engine, so a sqlglot builder cannot sit in its entry. Each builder here
takes the target dialect, the operands' SQL (in the registry's signature order) and their
types, and returns the operator's value as a sqlglot tree, NULL wherever the Python meaning
is missing: a NULL operand (SQL's arithmetic and comparisons already give NULL), division by
zero (`NULLIF`), a date past year 9999 (`in_range`). The table must name exactly the
registry's operators: this module refuses to import otherwise, so a new operator cannot be
generated before it has SQL. `tests/engine/test_operators.py` runs each on DuckDB against
its Python meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.compiler.operators import OPERATORS
from lawcode.engine.sql.dialects import US_PER_DAY, Target, cast, num, paren

US_PER_HOUR = 3_600_000_000

Builder = Callable[[Target, Sequence[exp.Expr], Sequence[T.Type]], exp.Expr]


def in_range(e: exp.Expr, kind: str) -> exp.Expr:
    """Python's dates stop at year 9999 (OverflowError → missing); so do ours."""
    low = cast(exp.Literal.string("0001-01-01"), kind)
    high = cast(exp.Literal.string("9999-12-31 23:59:59.999999" if kind == "TIMESTAMP" else "9999-12-31"), kind)
    return exp.Case(ifs=[exp.If(this=exp.Between(this=paren(e), low=low, high=high), true=e)])


def _add(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
    return exp.Add(this=paren(x[0]), expression=paren(x[1]))


def _sub(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
    return exp.Sub(this=paren(x[0]), expression=paren(x[1]))


def _neg(e: exp.Expr) -> exp.Expr:
    return exp.Neg(this=paren(e))


def _nonzero(e: exp.Expr) -> exp.Expr:
    """NULL for a zero divisor: Python's division by zero is missing."""
    return exp.Nullif(this=paren(e), expression=exp.Literal.number(0))


def _months(forward: bool, kind: str) -> Builder:
    """date/datetime ± period: calendar months, clamped at the month's end by each dialect."""

    def build(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
        months = x[1] if forward else _neg(x[1])
        moved = tg.add_months_date(x[0], months) if kind == "DATE" else tg.add_months_ts(x[0], months)
        return in_range(moved, kind)

    return build


def _days(forward: bool) -> Builder:
    """date ± duration: the duration's whole days (toward zero), as Python's `int(d / day)`."""

    def build(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
        days = tg.trunc_int(exp.Div(this=cast(x[1], "DOUBLE"), expression=num(US_PER_DAY)))
        return in_range(tg.add_days(x[0], days if forward else _neg(days)), "DATE")

    return build


def _micros(forward: bool) -> Builder:
    def build(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
        return in_range(tg.add_micros(x[0], x[1] if forward else _neg(x[1])), "TIMESTAMP")

    return build


def _length(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
    return tg.list_length(x[0]) if isinstance(types[0], T.ListType) else tg.length(x[0])


def _compare(kind: type[exp.EQ | exp.NEQ | exp.LT | exp.LTE | exp.GT | exp.GTE]) -> Builder:
    # Entities compare as positions (one element is one entity); lists compare element by
    # element, a null element equal to a null element, in both dialects (as Python's `==`).
    def build(tg: Target, x: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
        return kind(this=paren(x[0]), expression=paren(x[1]))

    return build


SQL: dict[str, Builder] = {
    "num+num": _add,
    "num-num": _sub,
    "num*num": lambda tg, x, t: exp.Mul(this=paren(x[0]), expression=paren(x[1])),
    "num/num": lambda tg, x, t: exp.Div(this=cast(x[0], "DOUBLE"), expression=_nonzero(x[1])),
    "date+period": _months(True, "DATE"),
    "date-period": _months(False, "DATE"),
    "datetime+period": _months(True, "TIMESTAMP"),
    "datetime-period": _months(False, "TIMESTAMP"),
    "date+duration": _days(True),
    "date-duration": _days(False),
    "datetime+duration": _micros(True),
    "datetime-duration": _micros(False),
    "date-date": lambda tg, x, t: exp.Mul(this=paren(tg.days_between(x[0], x[1])), expression=num(US_PER_DAY)),
    "datetime-datetime": lambda tg, x, t: exp.Sub(this=tg.epoch_us(x[0]), expression=tg.epoch_us(x[1])),
    "duration+duration": _add,
    "duration-duration": _sub,
    "period+period": _add,
    "period-period": _sub,
    "duration*num": lambda tg, x, t: tg.round_even_int(exp.Mul(this=paren(x[0]), expression=paren(x[1]))),
    "duration/num": lambda tg, x, t: tg.round_even_int(exp.Div(this=cast(x[0], "DOUBLE"), expression=_nonzero(x[1]))),
    "period*num": lambda tg, x, t: tg.trunc_int(exp.Mul(this=paren(x[0]), expression=paren(x[1]))),
    "neg": lambda tg, x, t: _neg(x[0]),
    "implies": lambda tg, x, t: exp.Or(this=exp.Not(this=paren(x[0])), expression=paren(x[1])),  # SQL's OR and NOT are Kleene's
    "present": lambda tg, x, t: exp.Not(this=exp.Is(this=paren(x[0]), expression=exp.Null())),
    "date": lambda tg, x, t: cast(x[0], "DATE"),
    "len": _length,
    "days": lambda tg, x, t: exp.Div(this=cast(x[0], "DOUBLE"), expression=num(US_PER_DAY)),
    "hours": lambda tg, x, t: exp.Div(this=cast(x[0], "DOUBLE"), expression=num(US_PER_HOUR)),
    "months": lambda tg, x, t: x[0],
    "abs": lambda tg, x, t: exp.Abs(this=x[0]),
    "lower": lambda tg, x, t: tg.lower(x[0]),
    "==": _compare(exp.EQ),
    "!=": _compare(exp.NEQ),
    "<": _compare(exp.LT),
    "<=": _compare(exp.LTE),
    ">": _compare(exp.GT),
    ">=": _compare(exp.GTE),
}

if SQL.keys() != OPERATORS.keys():  # pragma: no cover - a new operator without SQL, or a stale one
    raise ImportError(f"engine/sql/operators.py and compiler/operators.py disagree: {sorted(SQL.keys() ^ OPERATORS.keys())}")


def build(target: Target, name: str, args: Sequence[exp.Expr], types: Sequence[T.Type]) -> exp.Expr:
    """Operator `name` of the registry on operands `args` (of types `types`), in `target`'s SQL."""
    return SQL[name](target, args, types)
