"""Aggregates over a collection whose filter reads only the element: one GROUP BY, shared.

`count(m in memberships where m.group_id == g.id and m.role != "bot")` reads the outer row
only through its join key (`g.id`). Its partial states (`aggregates.py`) therefore depend
on the element's key alone, so they are columns of a table grouped by the key fields and
joined on the outer key. That table is shared by every such aggregate over the same
collection and key fields in the whole plan (`recorded("comment", c.id)`,
`reported_by(…)`, … are one GROUP BY of `records`): the DuckDB backend creates it once per
evaluation, the others define it as a CTE of each query that reads it.

The fold is finished per outer row: a key no element has gives the fold of an empty match,
and elements whose key is missing (which may or may not be the outer row's) make the
result unknown unless their filter is false; their states come from a one-row table of
their own, only when a key field may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.engine.sql.builders import aliased, and_, case, col, ident, is_null, not_null, or_, zero
from lawcode.engine.sql.dialects import num, paren
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.tables import POS

if TYPE_CHECKING:
    from lawcode.engine.sql.generate import Generator


@dataclass(slots=True)
class SharedAggregate:
    """The partial states of every aggregate over one collection and key fields, in one GROUP BY."""

    name: str
    scope: Scope  # FROM the collection (and the joins the filters need)
    keys: list[exp.Expr]
    partials: dict[str, exp.Expr] = field(default_factory=dict)  # column → partial state
    nodes: dict[int, dict[str, str]] = field(default_factory=dict)  # aggregate node → its partials' columns


class Grouping:
    """The shared GROUP BY tables of one plan, and the aggregates that read them."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.shared_aggregates: dict[tuple[str, tuple[str, ...]], SharedAggregate] = {}
        self.unknown_by_node: dict[int, tuple[str, list[str]]] = {}  # this batch's one-row CTEs
        self.shared_unknown: dict[int, tuple[str, list[str]]] = {}  # those read by a shared table
        self.in_shared = False  # generating a shared table's partials (not a batch's query)

    def start_batch(self) -> None:
        self.unknown_by_node = {}

    def aggregate(self, node: ir.Aggregate, scope: Scope, outer: list[Val]) -> tuple[exp.Expr, exp.Expr]:
        """(the aggregate, how many elements its key matched) for each row of `scope`: the
        shared table's states joined on the outer key, folded here."""
        gen = self.gen
        cache_key = f"agg:{id(node)}:{':'.join(o.sql.sql() for o in outer)}"
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        shared, names = self._shared_aggregate(node)
        join_key = f"shared:{shared.name}:{':'.join(o.sql.sql() for o in outer)}"
        alias = scope.cache.get(join_key)
        if alias is None:
            alias = gen.fresh("a")
            if node.keys:
                on = and_(*[exp.EQ(this=col(alias, f"k{i}"), expression=paren(o.sql)) for i, o in enumerate(outer)])
                scope.joins.append(exp.Join(this=aliased(exp.Table(this=ident(shared.name)), alias), kind="LEFT", on=on))
            else:
                scope.joins.append(exp.Join(this=aliased(exp.Table(this=ident(shared.name)), alias), kind="CROSS"))
            scope.cache[join_key] = alias
        gen.uses.add(shared.name)
        combined: dict[str, exp.Expr] = {n: col(alias, column) for n, column in names.items()}
        if not node.keys:
            value = gen.final(node, combined)
        else:
            alone: dict[str, exp.Expr] = {n: exp.Null() if n == "agg" else num(0) for n in names}
            if not gen.keys_present(node):
                self._add_unmatched(node, scope, combined, alone)
            value = case((is_null(col(alias, "k0")), gen.final(node, alone)), default=gen.final(node, combined))
        result = (value, zero(col(alias, "n_all")))
        scope.cache[cache_key] = result
        return result

    def _add_unmatched(self, node: ir.Aggregate, scope: Scope, combined: dict[str, exp.Expr], alone: dict[str, exp.Expr]) -> None:
        """Add the states of the elements whose key is missing to both the matched states and
        those of an outer key no element has."""
        unknown = self._unknown_cte(node)
        u = scope.cache.get(f"u:{unknown}")
        if u is None:
            u = self.gen.fresh("z")
            scope.joins.append(exp.Join(this=aliased(exp.Table(this=ident(unknown[0])), u), kind="CROSS"))
            scope.cache[f"u:{unknown}"] = u
        for n in unknown[1]:
            combined[n] = exp.Add(this=zero(combined[n]), expression=zero(col(u, n))) if n in combined else zero(col(u, n))
            alone[n] = zero(col(u, n))

    def _shared_aggregate(self, node: ir.Aggregate) -> tuple[SharedAggregate, dict[str, str]]:
        """The shared partials table of the aggregate's collection and key fields; its columns for `node`."""
        gen = self.gen
        assert isinstance(node.source, ir.CollectionRef)
        collection = node.source.collection
        key = (collection, tuple(".".join(path) for path, _ in node.keys))
        shared = self.shared_aggregates.get(key)
        if shared is None:
            alias = gen.fresh("e")
            name = f"lawcode_ag{len(self.shared_aggregates)}_{collection}"
            shared = SharedAggregate(name, Scope(gen, gen.table(collection), alias, {"e": col(alias, POS)}), gen.key_columns(node, alias))
            self.shared_aggregates[key] = shared
            gen.shared[name] = None
        found = shared.nodes.get(id(node))
        if found is None:
            tag = f"a{len(shared.nodes)}"
            alias = shared.scope.alias
            env = {node.var: Val(col(alias, POS), T.entity_of(collection), collection, alias)}
            outside, self.in_shared = self.in_shared, True
            try:
                f, v = gen.filter_value(node, env, shared.scope)
                partials = gen.states(node, f, v, col(alias, POS), unmatched=False)
            finally:
                self.in_shared = outside
            found = {n: f"{tag}_{n}" for n in partials}
            for n, e in partials.items():
                shared.partials[found[n]] = e
            shared.nodes[id(node)] = found
        return shared, found

    def _unknown_cte(self, node: ir.Aggregate) -> tuple[str, list[str]]:
        """A one-row CTE of the batch: the partial states of the elements whose key is missing."""
        gen = self.gen
        found = (self.shared_unknown if self.in_shared else self.unknown_by_node).get(id(node))
        if found is not None:
            return found
        unknown_scope, unknown_env = gen.element_scope(node, {})
        uf, uv = gen.filter_value(node, unknown_env, unknown_scope)
        ukeys = gen.key_columns(node, unknown_scope.alias)
        forced = gen.states(node, uf, uv, col(unknown_scope.alias, POS), unmatched=True)
        unknown_rows = unknown_scope.from_(exp.select(*[exp.alias_(e, n, quoted=True, copy=False) for n, e in forced.items()], copy=False)).where(or_(*[is_null(k) for k in ukeys]), copy=False)
        name = gen.fresh("g") + "_u"
        if self.in_shared:  # read by a shared table: shared as well (per plan, not per batch)
            name = f"lawcode_{name}"
            gen.shared[name] = unknown_rows
            self.shared_unknown[id(node)] = (name, list(forced))
            return name, list(forced)
        gen.ctes.append((name, unknown_rows))
        self.unknown_by_node[id(node)] = (name, list(forced))
        return name, list(forced)

    def definitions(self) -> dict[str, exp.Select]:
        """The SELECT of each shared GROUP BY table."""
        defined: dict[str, exp.Select] = {}
        for shared in self.shared_aggregates.values():
            keys = shared.keys
            items = [exp.alias_(k, f"k{i}", quoted=True, copy=False) for i, k in enumerate(keys)]
            items += [exp.alias_(e, n, quoted=True, copy=False) for n, e in shared.partials.items()]
            items.append(exp.alias_(exp.Count(this=exp.Star()), "n_all", quoted=True, copy=False))
            grouped = shared.scope.from_(exp.select(*items, copy=False))
            if keys:
                grouped = grouped.where(and_(*[not_null(k) for k in keys]), copy=False).group_by(*keys, copy=False)
            defined[shared.name] = grouped
        return defined
