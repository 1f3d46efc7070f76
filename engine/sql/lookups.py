"""Reading other rows: an entity's row by position, and an element by id (`users[g.creator_id]`).

A lookup by id is the reference's: the first element with that id. Every lookup into a
collection reads one shared index (`lawcode_ix_<collection>`: each id with its first
position, built once per plan), LEFT JOINed on the key. On DuckDB the index also carries
the first element's fields that the plan reads (`arg_min_null`), so a lookup is one join
instead of two; which fields those are is known only once every query is generated,
so the index's SELECT is written last (`definition`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.engine.sql.builders import Unsupported, aliased, col, ident, not_null
from lawcode.engine.sql.probes import Probe, Trace
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.tables import POS, stored

if TYPE_CHECKING:
    from lawcode.engine.sql.generate import Generator


class Lookups:
    """The lookups of one plan, and the shared id indexes they read."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.indexes: dict[str, str] = {}  # shared id index → its collection
        self.carriers: dict[str, str] = {}  # alias of an index that carries fields → collection
        self.carried: dict[str, set[str]] = {}  # collection → fields read through its index

    def row(self, base: Val, scope: Scope, names: list[str]) -> str:
        """The alias of a row of the entity `base` in `scope` (joining its table by position if
        need be), on which its columns `names` are read."""
        alias = base.alias or self._by_position(base, scope)
        if alias in self.carriers:
            self.carried.setdefault(self.carriers[alias], set()).update(names)
        return alias

    def _by_position(self, base: Val, scope: Scope) -> str:
        assert base.entity is not None
        key = f"row:{base.entity}:{base.sql.sql()}"
        if key not in scope.cache:
            alias = self.gen.fresh("r")
            scope.joins.append(
                exp.Join(this=aliased(self.gen.table(base.entity), alias), kind="LEFT", on=exp.EQ(this=col(alias, POS), expression=base.sql))
            )
            scope.cache[key] = alias
        alias_name: str = scope.cache[key]
        return alias_name

    def lookup(self, node: ir.Lookup, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        gen = self.gen
        probe = Probe("lookup", node, collection=node.collection) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe)
        key = gen.expr(node.key, env, scope, trace)
        collection = gen.layout.collections.get(node.collection)
        if collection is None or collection.column(("id",)) is None:
            raise Unsupported(f"collection `{node.collection}` has no readable `id`", node.span)
        cache_key = f"lookup:{node.collection}:{key.sql.sql()}"
        if cache_key not in scope.cache:
            index, row = gen.fresh("k"), gen.fresh("l")
            scope.joins.append(exp.Join(this=aliased(exp.Table(this=ident(self._index(node.collection))), index), kind="LEFT", on=exp.EQ(this=col(index, "k"), expression=key.sql)))
            if self._carries(node.collection):
                row = index  # the index carries the fields the plan reads: no second join
                self.carriers[index] = node.collection
            else:
                scope.joins.append(exp.Join(this=aliased(gen.table(node.collection), row), kind="LEFT", on=exp.EQ(this=col(row, POS), expression=col(index, "p"))))
            scope.cache[cache_key] = (index, row)
        index, row = scope.cache[cache_key]
        found = col(index, "p")
        if probe is not None:
            probe.key = gen.emit(key.sql, node.key.type)
            probe.base = gen.emit(found, T.NUMBER)
        return Val(found, node.type, node.collection, row)

    def _index(self, collection: str) -> str:
        """The shared id index of a collection: the first position of every id (the reference's lookup)."""
        name = f"lawcode_ix_{collection}"
        if name not in self.gen.shared:
            self.gen.shared[name] = None  # defined by `definition`, once the fields read through it are known
            self.indexes[name] = collection
        self.gen.uses.add(name)
        return name

    def _carries(self, collection: str) -> bool:
        """DuckDB: the id index also holds the first element's fields the plan reads (`arg_min_null`,
        which keeps a null field of the first element where `arg_min` would skip to the next)."""
        names = {c.name for c in self.gen.layout.collections[collection].columns}
        return self.gen.target.name == "duckdb" and not names & {"k", "p"}

    def definition(self, name: str) -> exp.Select:
        """The SELECT of the shared index `name`."""
        collection = self.indexes[name]
        carried = self.carried.get(collection, set())
        items = [exp.alias_(col("i", "id"), "k", quoted=True, copy=False), exp.alias_(exp.Min(this=col("i", POS)), "p", quoted=True, copy=False)]
        for column in stored(self.gen.layout.collections[collection]):
            if column in carried:
                items.append(exp.alias_(exp.Anonymous(this="arg_min_null", expressions=[col("i", column), col("i", POS)]), column, quoted=True, copy=False))
        return (
            exp.select(*items, copy=False)
            .from_(aliased(self.gen.table(collection), "i"), copy=False)
            .where(not_null(col("i", "id")), copy=False)
            .group_by(col("i", "id"), copy=False)
        )
