"""Aggregates over a collection whose filter also reads the outer row, without correlated subqueries.

`count(m in memberships where m.group_id == g.id and m.joined >= g.created)` reads the
outer group `g` beyond its join key, so its partial states differ per outer row and no
shared GROUP BY (`grouping.py`) can hold them. Written as SQL reads, it is a correlated
scalar subquery; Spark refuses one whose aggregate reads both the outer and the inner
rows, and DuckDB's plans for many of them grow large. So the generator decorrelates by
hand, trying in order:

1. `rebased`: the filter reads one outer entity (or values computed from one row that is
   always there): a copy of that entity's table is joined with the elements of its key
   and grouped by the entity's position. When keys are shared widely that join is
   quadratic, so `_Pregrouping` groups the elements first by key and by the few
   expressions the filter reads of them.
2. `rescoped`: the filter reads several rows of the enclosing FROM clause (an aggregate
   inside another's filter, a definition given a looked-up value): a copy of that clause
   is joined with the elements, grouped by the clause's row key (`Scope.key`; every
   clause has one, so no correlated subquery is ever needed).

Either way the states are folded as `grouping.py` folds them; elements whose key is
missing are a second part, added to the matched one (`_folded`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.engine.sql.aggregates import AGGREGATES, States, integral
from lawcode.engine.sql.builders import (
    Unsupported,
    aliased,
    and_,
    canonical,
    case,
    col,
    is_null,
    is_true,
    not_null,
    or_,
    selectable,
    tables_of,
    zero,
)
from lawcode.engine.sql.dialects import num, paren
from lawcode.engine.sql.inlining import free_vars
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.tables import POS

if TYPE_CHECKING:
    from lawcode.engine.sql.generate import Generator

Rebind = Callable[[str, str], Val]  # a free variable's value, read from a copy of its row under another alias


class Decorrelator:
    """Collection aggregates whose filter reads the outer row, for one generator."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.shapes: list[tuple[ir.Aggregate, str]] = []  # each aggregate planned, and how (tests read it)

    def aggregate(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr]:
        """(the aggregate, how many elements its key matched) for each row of `scope`."""
        found = self.rebased(node, env, scope) or self.rescoped(node, env, scope)
        if found is None:  # every value an expression is given is read from its own FROM clause: never so far
            raise Unsupported("an aggregate whose filter reads rows its FROM clause does not hold", node.span)
        return found

    def rebased(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr] | None:
        """A filter reading one outer entity (`m.joined >= g.created`): join that entity's table
        with the elements and group by its position, instead of a correlated subquery (which
        Spark refuses and which grows DuckDB's plans)."""
        gen = self.gen
        assert isinstance(node.source, ir.CollectionRef)
        names = self._outer_reads(node)
        first, rebind = self.owner(names, env)
        if first is None or first.entity is None or rebind is None:
            return None
        owner = first.entity
        cache_key = f"rebased:{id(node)}:" + ":".join(sorted(f"{n}={env[n].sql.sql()}" for n in names))
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        parts: list[tuple[str, States]] = []
        # Elements whose key is missing make the aggregate unknown unless the filter is false:
        # none exist when every key field is required and not nullable (loading checked it).
        forcing = (False, True) if node.keys and not gen.keys_present(node) else (False,)
        for forced in forcing:
            owner_alias, element_alias = gen.fresh("o"), gen.fresh("e")
            inner = Scope(gen, gen.table(owner), owner_alias, {"o": col(owner_alias, POS)})
            inner_env = {n: rebind(n, owner_alias) for n in names}
            inner_env[node.var] = Val(col(element_alias, POS), T.entity_of(node.source.collection), node.source.collection, element_alias)
            keys, okeys = self._join_elements(node, inner, inner_env, element_alias, forced)
            element_join = len(inner.joins) - 1
            inner.key = {"o": col(owner_alias, POS), "e": col(element_alias, POS)}
            f, v = gen.filter_value(node, inner_env, inner)
            partials = gen.states(node, f, v, col(element_alias, POS), unmatched=forced)
            grouped = _Pregrouping(gen, node, inner, element_join, element_alias).query(owner, keys, okeys, f, v, forced)
            self.shapes.append((node, "pregrouped" if grouped is not None else "by owner"))
            if grouped is None:
                grouped = self._by_owner(inner, col(owner_alias, POS), partials, forced)
            parts.append((self._join_grouped(scope, grouped, first.sql), partials))
        result = self._folded(node, parts)
        scope.cache[cache_key] = result
        return result

    def rescoped(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr] | None:
        """A filter reading more than one row of the enclosing FROM clause (`m.joined > u.born`
        within `count(g in groups where count(m in memberships where m.group_id == g.id and …) > 0)`):
        a copy of that clause joined with the elements, grouped by its row key (`Scope.key`).
        This is the correlated scalar subquery the filter reads as, decorrelated by hand:
        Spark refuses one whose aggregate reads both the outer and the inner rows.
        """
        gen = self.gen
        assert isinstance(node.source, ir.CollectionRef)
        names = self._outer_reads(node)
        visible = {scope.alias} | {j.alias_or_name for j in scope.joins}
        if not set().union(*(tables_of(env[n].sql) for n in names)) <= visible:
            return None
        cache_key = f"rescoped:{id(node)}:" + ":".join(sorted(f"{n}={env[n].sql.sql()}" for n in names))
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        collection = node.source.collection
        key = gen.target.row_key(scope.key)
        parts: list[tuple[str, States]] = []
        forcing = (False, True) if node.keys and not gen.keys_present(node) else (False,)
        for forced in forcing:
            element_alias = gen.fresh("e")
            inner = scope.copy_for(set().union(*(tables_of(env[n].sql) for n in names)))
            inner_env = {n: env[n] for n in names}
            inner_env[node.var] = Val(col(element_alias, POS), T.entity_of(collection), collection, element_alias)
            self._join_elements(node, inner, inner_env, element_alias, forced)
            f, v = gen.filter_value(node, inner_env, inner)
            partials = gen.states(node, f, v, col(element_alias, POS), unmatched=forced)
            grouped = self._by_owner(inner, key.copy(), partials, forced)
            self.shapes.append((node, "rescoped"))
            parts.append((self._join_grouped(scope, grouped, key.copy()), partials))
        result = self._folded(node, parts)
        scope.cache[cache_key] = result
        return result

    def owner(self, names: set[str], env: dict[str, Val]) -> tuple[Val | None, Rebind | None]:
        """The one outer row the free variables come from, and how to rebind them to a copy of it.

        Either every variable is that entity itself (`m.joined >= g.created`), or they are the
        entity and values computed from its row alone (`listed_at_least(c, listing_due(c))`:
        `step` is a CASE over `c`'s columns): those are re-read from the owner's copy.
        """
        entities = [env[n] for n in names if env[n].entity is not None]
        first = entities[0] if entities else None
        if first is not None and all(env[n].sql.sql() == first.sql.sql() for n in names):
            assert first.entity is not None
            entity = first.entity

            def same(name: str, alias: str) -> Val:
                return Val(col(alias, POS), env[name].type, entity, alias)

            return first, same
        # Otherwise: values computed from one row that is always there (a scope's base, such
        # as the rule's subject): `reported_by("comment", c.id, c.discovered_at + limit)`.
        aliases = set().union(*(tables_of(env[n].sql) for n in names))
        if len(aliases) != 1 or next(iter(aliases)) not in self.gen.bases:
            return None, None
        base = next(iter(aliases))
        based = self.gen.bases[base]
        row = col(base, POS)
        if any(e.sql.sql() != row.sql() for e in entities):
            return None, None

        def rebound(name: str, alias: str) -> Val:
            val = env[name]
            if val.entity is not None:
                return Val(col(alias, POS), val.type, based, alias)
            moved = val.sql.transform(lambda n: col(alias, n.name) if isinstance(n, exp.Column) and n.table == base else n)
            return Val(moved, val.type, const=val.const, closed=val.closed)

        return Val(row, T.entity_of(based), based, base), rebound

    def _outer_reads(self, node: ir.Aggregate) -> set[str]:
        """The outer variables a collection aggregate's filter, value and join keys read."""
        program = self.gen.program
        names = free_vars(node.where, program) | free_vars(node.value, program)
        for _, expr in node.keys:
            names |= free_vars(expr, program)
        names.discard(node.var)
        return names

    def _join_elements(self, node: ir.Aggregate, inner: Scope, inner_env: dict[str, Val], element_alias: str, forced: bool) -> tuple[list[exp.Expr], list[exp.Expr]]:
        """Join the aggregate's elements into an owner's FROM clause: those whose key matches
        the owner's (`forced`: those whose key is missing), or all of them when it has none.
        Returns the elements' key columns and the owner's key values."""
        gen = self.gen
        assert isinstance(node.source, ir.CollectionRef)
        elements = aliased(gen.table(node.source.collection), element_alias)
        keys = gen.key_columns(node, element_alias)
        okeys: list[exp.Expr] = []
        if keys and not forced:
            okeys = [gen.expr(expr, inner_env, inner, None).sql for _, expr in node.keys]
            on = and_(*[exp.EQ(this=k, expression=paren(o)) for k, o in zip(keys, okeys, strict=True)])
            inner.joins.append(exp.Join(this=elements, kind="INNER", on=on))
        elif keys:
            inner.joins.append(exp.Join(this=elements, kind="INNER", on=or_(*[is_null(k) for k in keys])))
        else:
            inner.joins.append(exp.Join(this=elements, kind="CROSS"))
        return keys, okeys

    def _by_owner(self, inner: Scope, owner: exp.Expr, partials: States, forced: bool) -> exp.Select:
        """The partial states of an owner × element clause, grouped by the owner (`o`)."""
        items = [exp.alias_(owner, "o", quoted=True, copy=False)] + [exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()]
        if not forced:
            items.append(exp.alias_(exp.Count(this=exp.Star()), "n_all", quoted=True, copy=False))
        return inner.from_(exp.select(*items, copy=False)).group_by(owner.copy(), copy=False)

    def _join_grouped(self, scope: Scope, grouped: exp.Select, owner: exp.Expr) -> str:
        """LEFT JOIN a grouped-by-owner subquery to the scope on the owner; its alias. A
        subquery built alike before (another rule's copy of the same aggregate) is joined once."""
        same = f"grouped:{canonical(grouped)}:{owner.sql()}"
        found: str | None = scope.cache.get(same)
        if found is not None:
            return found
        name = self.gen.fresh("d")
        scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="LEFT", on=exp.EQ(this=col(name, "o"), expression=owner)))
        scope.cache[same] = name
        return name

    def _folded(self, node: ir.Aggregate, parts: list[tuple[str, States]]) -> tuple[exp.Expr, exp.Expr]:
        """(the aggregate, its matched count) from the joined partials: the key-matched part,
        plus the part of elements whose key is missing when there is one. An owner with no
        matching element has no row: its partials count as zero, the fold of an empty match."""
        (matched, partials), *rest = parts
        refs: dict[str, exp.Expr] = {n: col(matched, n) if n == "agg" else zero(col(matched, n)) for n in partials}
        for name, forced_partials in rest:
            for n in forced_partials:
                refs[n] = exp.Add(this=refs[n], expression=zero(col(name, n))) if n in refs else zero(col(name, n))
        return self.gen.final(node, refs), zero(col(matched, "n_all"))


class _Pregrouping:
    """The owner × element aggregate of `rebased`, with the elements grouped first.

    Joining every owner with every element of its key is quadratic when keys are shared
    widely (`t.violation_type == s.violation_type and t.prior_violations == s.prior_violations`:
    every sanction with every sanction of the same history). But the filter reads the
    element only through a few expressions (`t.measure`, `cases[t.case_id].serious`), so
    the elements are grouped first by key and those expressions, with each group's
    partial states computed twice: as if the filter were true, and as if it were unknown
    (a false filter contributes nothing). Each owner then joins the groups of its key,
    evaluates the filter once per group, and adds up the matching variant. Counts add
    exactly, min/max are associative, and sums are used only when they are whole numbers
    (exact in any order), so the result is the row-by-row one.
    """

    def __init__(self, gen: Generator, node: ir.Aggregate, inner: Scope, element_join: int, element_alias: str) -> None:
        self.gen = gen
        self.node = node
        self.inner = inner
        self.element_join = element_join  # the index in `inner.joins` of the elements' own join
        self.element_alias = element_alias
        self.group_alias = ""
        self.lifted: dict[str, tuple[str, exp.Expr]] = {}  # SQL text → (column of the groups, expression)

    def query(self, owner: str, keys: list[exp.Expr], okeys: list[exp.Expr], f: exp.Expr, v: exp.Expr | None, forced: bool) -> exp.Select | None:
        """The grouped-by-owner partial states; None when the shape does not allow grouping
        first: a join mixes both sides, the value reads the owner, a sum of fractions. (Once
        the joins are split, every alias the filter reads is on one side or the other.)"""
        sides = self._sides()
        if sides is None:
            return None
        element_side, element_joins, owner_joins = sides
        if v is not None and not tables_of(v) <= element_side:
            return None
        if self.node.func == "sum" and self.node.type == T.NUMBER and not integral(self.node.value, self.gen.program, self.gen.layout):
            return None
        self.group_alias = self.gen.fresh("pg")
        owner_filter = self._lift(f.copy(), element_side)
        if tables_of(owner_filter) & (element_side - {self.group_alias}):
            return None
        groups, states = self._groups(keys, v, element_joins, forced)
        return self._owners(owner, owner_filter, groups, states, owner_joins, okeys if keys and not forced else None, forced)

    def _sides(self) -> tuple[set[str], list[exp.Join], list[exp.Join]] | None:
        """The joins of the owner × element clause, split into those that read the element
        side and those that read the owner side (with the aliases of each); None if a join
        reads both. Returns the element side's aliases, its joins and the owner side's."""
        owner_alias = self.inner.alias
        element_side, owner_side = {self.element_alias}, {owner_alias}
        element_joins: list[exp.Join] = []
        owner_joins: list[exp.Join] = []
        for i, join in enumerate(self.inner.joins):
            if i == self.element_join:
                continue
            alias = join.this.alias
            condition = join.args.get("on")
            refs = tables_of(condition) if condition is not None else set()
            refs.discard(alias)
            if refs and refs <= element_side:
                element_side.add(alias)
                element_joins.append(join)
            elif refs and refs <= owner_side:
                owner_side.add(alias)
                owner_joins.append(join)
            else:
                return None
        return element_side, element_joins, owner_joins

    def _lift(self, e: exp.Expr, element_side: set[str]) -> exp.Expr:
        """`e` with every largest sub-expression that reads only the element side replaced by
        a column of the groups (`pg.g0`), which the groups are grouped by."""
        used = tables_of(e)
        if used and used <= element_side and selectable(e):
            text = e.sql()
            if text not in self.lifted:
                self.lifted[text] = (f"g{len(self.lifted)}", e.copy())
            return col(self.group_alias, self.lifted[text][0])
        for key, child in list(e.args.items()):
            if isinstance(child, exp.Expr):
                e.set(key, self._lift(child, element_side))
            elif isinstance(child, list):
                e.set(key, [self._lift(c, element_side) if isinstance(c, exp.Expr) else c for c in child])
        return e

    def _groups(self, keys: list[exp.Expr], v: exp.Expr | None, element_joins: list[exp.Join], forced: bool) -> tuple[exp.Select, list[str]]:
        """The elements grouped by key and lifted expressions, with the states of each group
        as if the filter were true (`_t`) and as if it were unknown (`_u`), and its size;
        and the names of the states."""
        gen, node = self.gen, self.node
        assert isinstance(node.source, ir.CollectionRef)
        order = col(self.element_alias, POS)
        when_true = gen.states(node, exp.true(), v, order, unmatched=forced)
        when_unknown = gen.states(node, exp.Null(), v, order, unmatched=forced)
        grouped_keys = keys if not forced else []
        items = [exp.alias_(k, f"k{i}", quoted=True, copy=False) for i, k in enumerate(grouped_keys)]
        items += [exp.alias_(e, name, quoted=True, copy=False) for name, e in self.lifted.values()]
        items += [exp.alias_(e, f"{n}_t", quoted=True, copy=False) for n, e in when_true.items()]
        items += [exp.alias_(e, f"{n}_u", quoted=True, copy=False) for n, e in when_unknown.items()]
        items.append(exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True, copy=False))
        elements = exp.select(*items, copy=False).from_(aliased(gen.table(node.source.collection), self.element_alias), copy=False)
        for join in element_joins:
            elements = elements.join(join, copy=False)
        if keys:
            elements = elements.where(or_(*[is_null(k) for k in keys]) if forced else and_(*[not_null(k) for k in keys]), copy=False)
        group_by = [*grouped_keys, *(e for _, e in self.lifted.values())]
        if group_by:
            elements = elements.group_by(*group_by, copy=False)
        return elements, list(when_true)

    def _owners(
        self, owner: str, owner_filter: exp.Expr, groups: exp.Select, states: list[str], owner_joins: list[exp.Join], okeys: list[exp.Expr] | None, forced: bool,
    ) -> exp.Select:
        """Each owner joined with the groups of its key (`okeys`; None: with all of them),
        adding up per group the states of the variant its filter selects."""
        gen, node, g = self.gen, self.node, self.group_alias
        owner_alias = self.inner.alias
        is_t, is_u = is_true(owner_filter), is_null(owner_filter)
        combine = AGGREGATES[node.func].combine
        out = [exp.alias_(col(owner_alias, POS), "o", quoted=True, copy=False)]
        for n in states:
            if n == "agg":
                out.append(exp.alias_(combine(this=case((is_t, col(g, f"{n}_t")))), n, quoted=True, copy=False))
            else:
                chosen = case((is_t, col(g, f"{n}_t")), (is_u, col(g, f"{n}_u")), default=num(0))
                out.append(exp.alias_(exp.Sum(this=chosen), n, quoted=True, copy=False))
        if not forced:
            out.append(exp.alias_(exp.Sum(this=col(g, "n")), "n_all", quoted=True, copy=False))
        query = exp.select(*out, copy=False).from_(aliased(gen.table(owner), owner_alias), copy=False)
        for join in owner_joins:
            query = query.join(join, copy=False)
        grouped = exp.alias_(groups.subquery(), g, table=True, copy=False)
        if okeys is not None:
            on = and_(*[exp.EQ(this=col(g, f"k{i}"), expression=paren(o)) for i, o in enumerate(okeys)])
            query = query.join(exp.Join(this=grouped, kind="INNER", on=on), copy=False)
        else:
            query = query.join(exp.Join(this=grouped, kind="CROSS"), copy=False)
        return query.group_by(col(owner_alias, POS), copy=False)
