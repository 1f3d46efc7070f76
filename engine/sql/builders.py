"""Small sqlglot builders every part of the SQL generator writes with.

The generator never writes SQL text: it builds sqlglot trees, and these are the pieces
it builds most, named for what they mean in our semantics (CONTRIBUTING.md) rather than
for their SQL spelling. SQL NULL is a missing value, so the three-valued tests are here:
`is_true(x)` is "x is known to be true" (`COALESCE(x, FALSE)`), `not_false(x)` is "x might
be true", and `and_`/`or_`/`not_` are Kleene's because SQL's are. Operands are
parenthesised (`paren`) so a tree renders with the grouping it was built with, whatever
the dialect's precedence.

Also here: the literal of a reference value (`literal`: what the reference evaluator
computed for a closed sub-expression, written as the columns hold it) and `Unsupported`,
what every part of the generator raises for a construct the SQL backends do not evaluate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.dsl.spans import Span
from lawcode.engine.sql.dialects import Target, cast, num, paren


class Unsupported(Exception):
    """A construct the SQL backends do not evaluate (the python backend does)."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(alias: str, name: str) -> exp.Column:
    return exp.Column(this=ident(name), table=exp.to_identifier(alias))


def aliased(table: exp.Table, alias: str) -> exp.Table:
    """A copy of `table` named `alias` in a FROM clause."""
    table = table.copy()
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def tables_of(e: exp.Expr) -> set[str]:
    """The table aliases an expression's columns are qualified with."""
    return {c.table for c in e.find_all(exp.Column) if c.table}


def canonical(e: exp.Expr) -> str:
    """The SQL text of `e` with its table aliases renamed in order of appearance: two
    subqueries the generator built alike for two rules (each with its own fresh aliases)
    have the same canonical text, so a FROM clause joins one and reads it twice."""
    e = e.copy()
    names: dict[str, str] = {}

    def renamed(name: str) -> exp.Identifier:
        return exp.to_identifier(names.setdefault(name, f"t{len(names)}"))

    for node in list(e.walk()):
        if isinstance(node, exp.TableAlias) and node.this is not None:
            node.set("this", renamed(node.name))
        elif isinstance(node, exp.Column) and node.table:
            node.set("table", renamed(node.table))
    return e.sql()


def selectable(e: exp.Expr) -> bool:
    """An expression that can stand alone as a SELECT item (not a WHEN arm, name or type)."""
    return not isinstance(e, exp.If | exp.Identifier | exp.DataType | exp.TableAlias | exp.Star | exp.Var)


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=paren(e), expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=is_null(e))


def and_(*items: exp.Expr) -> exp.Expr:
    out = items[0]
    for item in items[1:]:
        out = exp.And(this=paren(out), expression=paren(item))
    return out


def or_(*items: exp.Expr) -> exp.Expr:
    out = items[0]
    for item in items[1:]:
        out = exp.Or(this=paren(out), expression=paren(item))
    return out


def not_(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=paren(e))


def is_true(e: exp.Expr) -> exp.Expr:
    """Known to be true (false when missing)."""
    return exp.Coalesce(this=paren(e), expressions=[exp.false()])


def is_false(e: exp.Expr) -> exp.Expr:
    """Known to be false (false when missing)."""
    return exp.Coalesce(this=not_(e), expressions=[exp.false()])


def not_false(e: exp.Expr) -> exp.Expr:
    """True or missing: a filter that might let an element through."""
    return exp.Coalesce(this=paren(e), expressions=[exp.true()])


def case(*whens: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def count_if(cond: exp.Expr) -> exp.Expr:
    """How many rows of the group pass `cond` (an aggregate: 0 of an empty group's rows, NULL of none)."""
    return exp.Sum(this=case((cond, exp.Literal.number(1)), default=exp.Literal.number(0)))


def zero(e: exp.Expr) -> exp.Expr:
    """A count that is NULL for no row (an outer join found none) as 0."""
    return exp.Coalesce(this=e, expressions=[exp.Literal.number(0)])


def gt0(e: exp.Expr) -> exp.Expr:
    return exp.GT(this=zero(e), expression=exp.Literal.number(0))


def balanced(kind: type[exp.Add] | type[exp.Mul], terms: list[exp.Expr]) -> exp.Expr:
    """`terms` joined by `kind` as a balanced tree: log2(n) deep."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return kind(this=paren(balanced(kind, terms[:middle])), expression=paren(balanced(kind, terms[middle:])))


def literal(target: Target, value: Any, t: T.Type) -> exp.Expr:
    """A reference evaluator's value of type `t` as a SQL literal (as the columns hold it)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(t, T.StepType) or t == T.PERIOD:
        return num(int(value))
    if isinstance(value, dt.datetime):
        naive = value.astimezone(dt.UTC).replace(tzinfo=None)
        return cast(exp.Literal.string(naive.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, dt.timedelta):
        return num(_micros(value))
    if isinstance(value, int | float):
        return num(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        element = t.element if isinstance(t, T.ListType) else T.UNKNOWN
        return target.array([literal(target, v, element) for v in value])
    raise Unsupported(f"a {t} value cannot be written in SQL")


def _micros(value: dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
