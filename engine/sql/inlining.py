"""Definitions written out in place: SQL has no functions of ours.

Every call of a definition becomes a copy of its body in the query, so the generator
asks three questions of the IR with calls expanded: which variables an expression reads
from its surroundings (`free_vars`: an aggregate whose filter reads none is one shared
GROUP BY; one that reads the outer row needs a join), every node as the query will hold
it (`walk_inlined`: how many aggregates and lookups a rule costs, whether a list filter
looks things up), and how large a rule grows (`too_large_to_inline`: calls that call
others several times multiply, and the SQL backends refuse such rules before DuckDB
spends minutes and gigabytes planning them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lawcode.compiler import ir
from lawcode.compiler.lower import children
from lawcode.compiler.program import Program

MAX_INLINED_NODES = 10_000  # nodes definitions add to a rule once written out: CAC's most is under 300; 9,200 take DuckDB 6 s


def free_vars(node: ir.Expr | None, program: Program) -> set[str]:
    """Variables an expression reads from its surroundings (definitions see only their arguments)."""
    if node is None:
        return set()
    if isinstance(node, ir.Var):
        return {node.name}
    if isinstance(node, ir.DefCall):
        out: set[str] = set()
        for arg in node.args:
            out |= free_vars(arg, program)
        return out
    if isinstance(node, ir.Aggregate):
        out = set()
        for _, expr in node.keys:
            out |= free_vars(expr, program)
        out |= free_vars(node.source, program)
        inner = free_vars(node.where, program) | free_vars(node.value, program)
        inner.discard(node.var)
        return out | inner
    out = set()
    for child in children(node):
        out |= free_vars(child, program)
    return out


def inlined_size(node: ir.Expr | None, program: Program, sizes: dict[str, int] | None) -> int:
    """How many nodes `node` becomes once every definition call is written out in place.

    SQL has no functions of ours, so each call is inlined: sixteen definitions that each
    call the previous one twice become 65,536 copies (105 s and 4.8 GB in DuckDB, where
    the python backend, which calls, takes 0.7 s). Counted per definition once (`sizes`),
    so the count itself is linear in the program however large the expansion. With
    `sizes` None, calls are not expanded: the expression as written.
    """
    if node is None:
        return 0
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        total += 1
        if isinstance(current, ir.DefCall) and sizes is not None:
            if current.name not in sizes:
                sizes[current.name] = 0  # a cycle is refused by the compiler; never loop here
                sizes[current.name] = inlined_size(program.definitions[current.name].body, program, sizes)
            total += sizes[current.name]
        stack.extend(children(current))
    return total


def too_large_to_inline(program: Program, rules: Iterable[ir.Rule]) -> tuple[ir.Rule, int] | None:
    """The first rule whose definitions, written out, add more than `MAX_INLINED_NODES`
    nodes to it (a long expression written out by hand is the writer's; only what calls
    multiply counts), with that number."""
    sizes: dict[str, int] = {}
    for rule in rules:
        parts = [rule.where, rule.unless, rule.require, *(p for p in rule.message if not isinstance(p, str))]
        added = sum(inlined_size(part, program, sizes) - inlined_size(part, program, None) for part in parts)
        if added > MAX_INLINED_NODES:
            return rule, added
    return None


def walk_inlined(node: ir.Expr, program: Program) -> Iterator[ir.Expr]:
    """Every node, with definition bodies expanded."""
    yield node
    if isinstance(node, ir.DefCall):
        yield from walk_inlined(program.definitions[node.name].body, program)
    for child in children(node):
        yield from walk_inlined(child, program)
