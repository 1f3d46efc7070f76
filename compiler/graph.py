"""The dependency graph: snapshot fields → parameters/definitions → rules → articles.

Edges point from what is read to what reads it, so `nx.descendants(g, field)` is the
impact of changing a field and `nx.ancestors(g, rule)` is everything a rule depends on.
Node ids are `kind:name` strings (`field:groups.member_count`, `rule:log-retention`,
`article:groups-2017 art 13 para 2`), and each node carries `kind`, `label` and `span`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import walk

if TYPE_CHECKING:
    import networkx as nx

    from lawcode.compiler.program import Program

KINDS = ("field", "param", "ladder", "def", "rule", "article")


def node_id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def reads(expr: ir.Expr) -> Iterable[tuple[str, str]]:
    """(kind, name) of every field, parameter, definition and ladder an expression reads."""
    for node in walk(expr):
        match node:
            case ir.Field(base=base, path=path):
                owner = _owner(base)
                yield ("field", ".".join((owner, *path)) if owner else ".".join(path))
            case ir.ParamRef(name=name):
                yield ("param", name)
            case ir.Escalate(param=name):
                yield ("param", name)
            case ir.DefCall(name=name):
                yield ("def", name)
            case ir.StepOf(ladder=name):
                yield ("ladder", name)
            case ir.Const(type=T.StepType(ladder=name)):
                yield ("ladder", name)
            case ir.Aggregate(source=ir.CollectionRef(collection=coll), keys=keys):
                yield ("field", coll)
                for path, _ in keys:
                    yield ("field", ".".join((coll, *path)))
            case ir.Lookup(collection=coll):
                yield ("field", f"{coll}.id")
            case ir.AsOf():
                yield ("field", "as_of")


def _owner(base: ir.Expr) -> str:
    if isinstance(base.type, T.EntityType):
        return base.type.collection
    return ""


def build_graph(program: Program) -> nx.DiGraph:
    import networkx as nx  # here, not at import: only the graph tools need it

    g: nx.DiGraph = nx.DiGraph()

    def add(kind: str, name: str, span: object = None, **attrs: object) -> str:
        nid = node_id(kind, name)
        if nid not in g:
            g.add_node(nid, kind=kind, label=name, span=span, **attrs)
        return nid

    def depend(target: str, exprs: Iterable[ir.Expr | None]) -> None:
        for expr in exprs:
            if expr is None:
                continue
            for kind, name in reads(expr):
                g.add_edge(add(kind, name), target)

    def cite(target: str, citations: Iterable[ir.Citation]) -> None:
        for c in citations:
            g.add_edge(target, add("article", c.label, c.span, document=c.document))

    for ladder in program.ladders.values():
        nid = add("ladder", ladder.name, ladder.span)
        cite(nid, ladder.citations)
    for param in program.parameters.values():
        nid = add("param", param.name, param.span)
        if param.source:
            g.add_edge(add("field", ".".join(param.source)), nid)
        if isinstance(param.type, T.EscalationType | T.StepType):
            g.add_edge(add("ladder", param.type.ladder), nid)
        cite(nid, param.citations)
    for definition in program.definitions.values():
        nid = add("def", definition.name, definition.span)
        depend(nid, [definition.body])
    for rule in program.rules:
        nid = add("rule", rule.id, rule.span, severity=rule.severity)
        if rule.collection:
            g.add_edge(add("field", rule.collection), nid)
        depend(nid, [rule.where, rule.unless, rule.require, *(p for p in rule.message if not isinstance(p, str))])
        cite(nid, rule.citations)
    return g
