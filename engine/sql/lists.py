"""Aggregates over a list value: `count(t in u.tags where …)`, `all(d.ok for d in u.devices)`.

A list is one value of its row (a LIST column, or a list computed from one), so most list
aggregates are computed in place, with the target's list functions (`list_filter_count`,
`list_reduce`: `aggregates.ListTally`) and no join at all.

A filter that looks things up (`any(groups[t].open for t in u.tags)`) or aggregates over a
collection cannot run inside a list function: the list is then unnested, one row per
element next to its owner, joined with what the filter reads, and grouped back by the
owner (`unnested`). The owner is the one row the list and the filter's other variables
come from (see `Decorrelator.owner`), or, inside another aggregate, a row of the
enclosing FROM clause named by its key (`_within_scope`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.engine.sql.aggregates import AGGREGATES, ListTally
from lawcode.engine.sql.builders import Unsupported, canonical, case, col, is_null, not_null
from lawcode.engine.sql.inlining import free_vars, walk_inlined
from lawcode.engine.sql.probes import Probe, Trace
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.tables import POS, stored

if TYPE_CHECKING:
    from lawcode.engine.sql.generate import Generator


class ListAggregates:
    """Aggregates whose source is a list value, for one generator."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen

    def aggregate(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, trace: Trace | None, probe: Probe | None) -> Val:
        gen = self.gen
        source = gen.expr(node.source, env, scope, trace)
        element = source.type.element if isinstance(source.type, T.ListType) else T.UNKNOWN
        reads_tables = any(isinstance(n, ir.Aggregate | ir.Lookup) for part in (node.where, node.value) if part is not None for n in walk_inlined(part, gen.program))
        sql = self._unnested(node, env, scope, source, element) if reads_tables else self._in_place(node, env, scope, source, element)
        if probe is not None:
            probe.value = gen.emit(sql, node.type)
            probe.key = gen.emit(not_null(source.sql), T.BOOL)
            probe.source = gen.emit(source.raw if source.raw is not None else source.sql, source.type)
            probe.source_json = source.raw is not None
            free = free_vars(node.where, gen.program) | free_vars(node.value, gen.program)
            free.discard(node.var)
            gen.bindings(probe, free, env)
        return Val(sql, node.type)

    def _in_place(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, source: Val, element: T.Type) -> exp.Expr:
        """The aggregate computed by the target's list functions, the element a lambda variable."""
        gen = self.gen
        inner = dict(env)
        var = f"x_{node.var}"
        inner[node.var] = Val(exp.column(var), element, record=source.record)
        f = gen.expr(node.where, inner, scope, None).sql if node.where is not None else exp.true()
        v = gen.expr(node.value, inner, scope, None).sql if node.value is not None else None
        sql = AGGREGATES[node.func]
        value = sql.final(sql.states(f, v, ListTally(gen.target, source.sql, var)))
        return case((is_null(source.sql), exp.Null()), default=value)

    def _unnested(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, source: Val, element: T.Type) -> exp.Expr:
        """A list aggregate whose filter looks things up: unnest the list, join, group by its owner.

        The owner is the one row the list and the filter's other variables come from (the
        rule's subject, an element: see `Decorrelator.owner`): a copy of its table computes
        the list again, one row per element, next to the owner's fields. A list that reads
        no row (a parameter, a literal) is unnested once per query and cross-joined.
        """
        gen = self.gen
        free = free_vars(node.source, gen.program) | free_vars(node.where, gen.program) | free_vars(node.value, gen.program)
        free.discard(node.var)
        rows, alias = gen.fresh("o"), gen.fresh("le")
        if not free:
            one_row = exp.select(exp.alias_(exp.Literal.number(0), POS, quoted=True, copy=False)).subquery()
            listing = Scope(gen, one_row, rows, {"o": col(rows, POS)})
            items = gen.expr(node.source, {}, listing, None).sql
            inner = Scope(gen, listing.from_(gen.target.unnest(None, items)).subquery(), alias, {"i": col(alias, "i")})
            inner_env: dict[str, Val] = {}
            owner: exp.Expr | None = None
        else:
            owner, inner, inner_env = self._owned(node, env, free, scope, rows, alias)
        inner_env[node.var] = Val(col(alias, "x"), element, record=source.record)
        f, v = gen.filter_value(node, inner_env, inner)
        partials = gen.states(node, f, v, col(alias, "i"), unmatched=False)
        if owner is None:
            grouped = inner.from_(exp.select(*[exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()], copy=False))
        else:
            selected = [exp.alias_(col(alias, "o"), "k0", quoted=True, copy=False)] + [exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()]
            grouped = inner.from_(exp.select(*selected, copy=False)).group_by(col(alias, "o"), copy=False)
        # Two rules asking the same of the same list (`all(credit_scopes[f]… for f in a.features)`
        # in two rulesets) join one grouped subquery: at 1M accounts each is an unnest of 5.5M
        # elements and a GROUP BY of 1M owners, about 2 s of CPU.
        same = f"unnested:{canonical(grouped)}:{owner.sql() if owner is not None else ''}"
        name = scope.cache.get(same)
        if name is None:
            name = gen.fresh("a")
            if owner is None:
                scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="CROSS"))
            else:
                scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="LEFT", on=exp.EQ(this=col(name, "k0"), expression=owner)))
            scope.cache[same] = name
        refs: dict[str, exp.Expr] = {n: col(name, n) for n in partials}
        return case((is_null(source.sql), exp.Null()), default=gen.final(node, refs))

    def _owned(self, node: ir.Aggregate, env: dict[str, Val], free: set[str], scope: Scope, rows: str, alias: str) -> tuple[exp.Expr, Scope, dict[str, Val]]:
        """The unnested list of one owner row: (the owner's key in `scope`, the FROM clause of
        its elements (`alias`), the filter's variables rebound to it); `rows` names the owner's table."""
        gen = self.gen
        first, rebind = gen.decorrelator.owner(free, env)
        if first is None or first.entity is None or rebind is None:
            within = self._within_scope(node, env, free, scope, alias)
            if within is None:
                raise Unsupported("an aggregate over a list whose filter reads values of more than one row", node.span)
            return within
        collection = gen.layout.collections[first.entity]
        listing = Scope(gen, gen.table(first.entity), rows, {"o": col(rows, POS)})
        items = gen.expr(node.source, {n: rebind(n, rows) for n in free}, listing, None).sql
        unnest = listing.from_(gen.target.unnest(col(rows, POS), items))
        # The owner's fields ride along with its elements (no join back to the owner's
        # table by position), unless one of them is named like the unnest's own columns.
        if not ({"o", "i", "x"} & {c.name for c in collection.columns}):
            carried = [POS, *stored(collection)]
            unnest = unnest.select(*[exp.alias_(col(rows, c), c, quoted=True, copy=False) for c in carried], copy=False)
            return first.sql, Scope(gen, unnest.subquery(), alias, _unnested_key(alias)), {n: rebind(n, alias) for n in free}
        if all(env[n].entity is not None for n in free):
            return first.sql, Scope(gen, unnest.subquery(), alias, _unnested_key(alias)), {n: Val(col(alias, "o"), env[n].type, first.entity) for n in free}
        raise Unsupported("an aggregate over a list whose filter reads values computed from a row with a field named o, i or x", node.span)

    def _within_scope(self, node: ir.Aggregate, env: dict[str, Val], free: set[str], scope: Scope, alias: str) -> tuple[exp.Expr, Scope, dict[str, Val]] | None:
        """A list aggregate whose list and filter read values of more than one row of the
        enclosing FROM clause: inside another list aggregate, a filter reading both elements
        (`any(groups[t].x == groups[x].x for t in u.tags)` within `all(… for x in u.tags)`), or
        inside a collection aggregate, one reading the element and the subject.

        The owner is then one row of the enclosing clause, named by its key (`Scope.key`: the
        positions or list indexes it joins). A copy of the clause computes the list again,
        one row per element, next to the values the filter reads (renamed `alias.column`;
        entities by position, their fields joined again), grouped by that key.
        """
        gen = self.gen
        reads: dict[tuple[str, str], str] = {}
        for n in sorted(free):  # sorted: the same SQL text in every process
            for e in (env[n].sql, env[n].raw):
                for c in e.find_all(exp.Column) if e is not None else ():
                    reads[(c.table, c.name)] = f"{c.table}.{c.name}"
        visible = {scope.alias} | {j.alias_or_name for j in scope.joins}
        if not {t for t, _ in reads} <= visible:
            return None
        listing = scope.copy_for({t for t, _ in reads})
        items = gen.expr(node.source, {n: env[n] for n in free}, listing, None).sql
        unnest = listing.from_(gen.target.unnest(gen.target.row_key(scope.key), items))
        unnest = unnest.select(*[exp.alias_(col(t, c), name, quoted=True, copy=False) for (t, c), name in reads.items()], copy=False)
        inner = Scope(gen, unnest.subquery(), alias, _unnested_key(alias))

        def moved(val: Val) -> Val:
            def move(e: exp.Expr) -> exp.Expr:
                return e.transform(lambda n: col(alias, reads[(n.table, n.name)]) if isinstance(n, exp.Column) and (n.table, n.name) in reads else n)

            raw = move(val.raw) if val.raw is not None else None
            return dataclasses.replace(val, sql=move(val.sql), alias=None if val.entity is not None else val.alias, raw=raw)

        return gen.target.row_key(scope.key), inner, {n: moved(env[n]) for n in free}


def _unnested_key(alias: str) -> dict[str, exp.Expr]:
    """An unnested list's rows: its owner's key (`o`) and the element's index (`i`)."""
    return {"o": col(alias, "o"), "i": col(alias, "i")}
