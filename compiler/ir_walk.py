"""Walks over IR expressions: their children, every node under one, and the key
conjuncts an aggregate's filter can be looked up or joined by.

Kept apart from `lower.py` because every later stage reads IR this way (the graph, the
usage and message checks, the evaluators, the SQL generator) while only the compiler
builds it; `lower.py` re-exports these names for the modules that import them from there.
"""

from __future__ import annotations

from collections.abc import Iterator

from lawcode.compiler import ir
from lawcode.compiler import types as T

__all__ = ["children", "references", "split_keys", "walk"]


def split_keys(
    where: ir.Expr, var: str
) -> tuple[tuple[tuple[tuple[str, ...], ir.Expr], ...], ir.Expr | None]:
    """Pull `x.path == outer` conjuncts out of a filter, for index or join evaluation."""
    keys: list[tuple[tuple[str, ...], ir.Expr]] = []
    rest: list[ir.Expr] = []
    for conjunct in _conjuncts(where):
        if isinstance(conjunct, ir.Compare) and conjunct.op == "==":
            for inner, outer in ((conjunct.left, conjunct.right), (conjunct.right, conjunct.left)):
                if (
                    isinstance(inner, ir.Field)
                    and isinstance(inner.base, ir.Var)
                    and inner.base.name == var
                    and inner.type in (T.STRING, T.NUMBER, T.DATE)
                    and not references(outer, var)
                ):
                    keys.append((inner.path, outer))
                    break
            else:
                rest.append(conjunct)
        else:
            rest.append(conjunct)
    residual = ir.balanced(ir.And, rest, rest[0].span.cover(rest[-1].span)) if rest else None
    return tuple(keys), residual


def _conjuncts(e: ir.Expr) -> Iterator[ir.Expr]:
    if isinstance(e, ir.And):
        yield from _conjuncts(e.left)
        yield from _conjuncts(e.right)
    else:
        yield e


def children(e: ir.Expr) -> tuple[ir.Expr, ...]:
    """The direct sub-expressions of an IR node, in evaluation order."""
    match e:
        case ir.Field(base=base):
            return (base,)
        case ir.Lookup(key=key):
            return (key,)
        case ir.Op(args=args) | ir.DefCall(args=args):
            return args
        case ir.Chain(first=first, steps=steps):
            return (first, *(step.operand for step in steps))
        case ir.And(left=a, right=b) | ir.Or(left=a, right=b) | ir.Compare(left=a, right=b):
            return (a, b)
        case ir.Not(operand=a):
            return (a,)
        case ir.Member(item=a, container=b):
            return (a, b)
        case ir.ListExpr(items=items):
            return items
        case ir.Coalesce(value=a, fallback=b):
            return (a, b)
        case ir.If(condition=c, then=a, otherwise=b):
            return (c, a, b)
        case ir.Aggregate(source=s, keys=keys, where=w, value=v):
            out = [s, *(outer for _, outer in keys)]
            out += [x for x in (w, v) if x is not None]
            return tuple(out)
        case ir.StepOf(value=v):
            return (v,)
        case ir.Escalate(count=c):
            return (c,)
    return ()


def walk(e: ir.Expr) -> Iterator[ir.Expr]:
    """`e` and every node under it, parents before children."""
    yield e
    for child in children(e):
        yield from walk(child)


def references(e: ir.Expr, var: str) -> bool:
    """Whether `e` reads the variable `var` (an outer value must not, to be a lookup key)."""
    return any(isinstance(node, ir.Var) and node.name == var for node in walk(e))
