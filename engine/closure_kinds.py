"""The compiled evaluator's node kinds that keep no state: each builds the closure for one
kind of IR node from its operands' closures (`closures.Compiled._compile` picks which).

Apart from `Compiled` so that each module reads in one sitting; the generated rule loops
(`rulecode.py`) share `operands` and `escalation_step` with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler.operators import FAILURES, Operator

Env = dict[str, Any]
Fn = Callable[[Env], Any]



def absent(env: Env) -> Any:
    """An aggregate over a collection the snapshot does not hold."""
    return None


def fixed_right(python: Callable[[Any, Any], Any], left: Fn, right: Any) -> Fn:
    def fixed(env: Env) -> Any:
        a = left(env)
        if a is None:
            return None
        try:
            return python(a, right)
        except FAILURES:
            return None

    return fixed


def apply_operator(op: Operator, args: list[Fn]) -> Fn:
    """An operator of the registry on its operands: missing if a strict one's operand is, or
    if its meaning fails (`Operator.apply`'s rules, without building an argument list)."""
    python = op.python
    if len(args) == 1 and not op.strict:  # `present(x)`: sees a missing operand
        (x,) = args

        def seeing(env: Env) -> Any:
            try:
                return python(x(env))
            except FAILURES:
                return None

        return seeing
    if not op.strict or len(args) > 2:
        return lambda env: op.apply([a(env) for a in args])
    if len(args) == 1:
        (x,) = args

        def unary(env: Env) -> Any:
            a = x(env)
            if a is None:
                return None
            try:
                return python(a)
            except FAILURES:
                return None

        return unary
    left, right = args

    def binary(env: Env) -> Any:
        a = left(env)
        if a is None:
            return None
        b = right(env)
        if b is None:
            return None
        try:
            return python(a, b)
        except FAILURES:
            return None

    return binary


def operands(node: ir.And | ir.Or, kind: type[ir.And] | type[ir.Or]) -> Iterator[ir.Expr]:
    """The operands of nested `and`s (or `or`s) in order: one n-ary closure reads them with
    the same short-circuits (Kleene's `and`/`or` are associative)."""
    stack: list[ir.Expr] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ir.And | ir.Or) and type(current) is kind:
            stack.append(current.right)
            stack.append(current.left)
        else:
            yield current


def kleene(conjunction: bool, parts: list[Fn]) -> Fn:
    """`and` (conjunction) or `or` over the parts: false (true) as soon as one is; else
    missing if one was missing; else true (false)."""
    decisive = not conjunction

    def kleene(env: Env) -> Any:
        unknown = False
        for part in parts:
            v = part(env)
            if v is decisive:
                return decisive
            if v is None:
                unknown = True
        return None if unknown else conjunction

    return kleene


def negation(operand: Fn) -> Fn:
    def negation(env: Env) -> Any:
        a = operand(env)
        return None if a is None else not a

    return negation


def member(item: Fn, container: Fn) -> Fn:
    def member(env: Env) -> Any:
        x = item(env)
        if x is None:
            return None
        found = container(env)
        if found is None:
            return None
        if x in [c for c in found if c is not None]:
            return True
        return None if any(c is None for c in found) else False

    return member


def coalesce(value: Fn, fallback: Fn) -> Fn:
    def coalesce(env: Env) -> Any:
        v = value(env)
        return v if v is not None else fallback(env)

    return coalesce


def choice(condition: Fn, then: Fn, otherwise: Fn) -> Fn:
    def choice(env: Env) -> Any:
        c = condition(env)
        if c is None:
            return None
        return then(env) if c else otherwise(env)

    return choice


def step_of(steps: tuple[str, ...], value: Fn) -> Fn:
    position: dict[str, int] = {}
    for i, step in enumerate(steps):
        position.setdefault(step, i)  # `steps.index`: the first

    def step_of(env: Env) -> Any:
        raw = value(env)
        return position.get(raw) if isinstance(raw, str) else None  # steps are strings: nothing else is one

    return step_of


def escalate(table: tuple[tuple[int, int], ...], count: Fn) -> Fn:
    def escalated(env: Env) -> Any:
        n = count(env)
        return None if n is None else escalation_step(table, n)

    return escalated


def escalation_step(table: tuple[tuple[int, int], ...], n: Any) -> int | None:
    """The step of the highest threshold `n` reaches (the table is in threshold order)."""
    step = None
    for threshold, index in table:
        if n >= threshold:
            step = index
    return step


__all__ = ["Env", "Fn", "absent", "apply_operator", "choice", "coalesce", "escalate", "escalation_step", "fixed_right", "kleene", "member", "negation", "operands", "step_of"]
