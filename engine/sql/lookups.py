"""Reading other rows: an entity's row by position, and an element by id (`users[g.creator_id]`).

A lookup by id is the reference's: the first element with that id. Where the backend's
load refuses repeated ids (DuckDB: `Target.validated`) that element is the only one, and
the collection is LEFT JOINed on `id` itself. Otherwise (Spark reads Parquet unchecked)
every lookup into a collection reads one shared index (`lawcode_ix_<collection>`: each id
with its first position, defined once per plan), LEFT JOINed on the key, and the element's
row joined by that position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.engine.sql.builders import Unsupported, aliased, col, ident, not_null
from lawcode.engine.sql.probes import Probe, Trace
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.tables import POS

if TYPE_CHECKING:
    from lawcode.engine.sql.generate import Generator


class Lookups:
    """The lookups of one plan, and the shared id indexes they read."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.indexes: dict[str, str] = {}  # shared id index → its collection

    def row(self, base: Val, scope: Scope, names: list[str]) -> str:
        """The alias of a row of the entity `base` in `scope` (joining its table by position if
        need be), on which its columns `names` are read (a looked-up element's row is joined
        already: `_join`)."""
        return base.alias or self._by_position(base, scope)

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
            scope.cache[cache_key] = self._join(node.collection, key.sql, scope)
        found, row = scope.cache[cache_key]
        found = found.copy()
        if probe is not None:
            probe.key = gen.emit(key.sql, node.key.type)
            probe.base = gen.emit(found, T.NUMBER)
        return Val(found, node.type, node.collection, row)

    def _join(self, collection: str, key: exp.Expr, scope: Scope) -> tuple[exp.Expr, str]:
        """Join the element whose id is `key` into `scope`: (its position, the alias its fields
        are read on). Ids known unique (`Target.validated`) are joined on `id` directly; at 1M
        users that spares a `GROUP BY id` of each looked-up collection (1.6 s of CPU in all)."""
        gen = self.gen
        if gen.target.validated:
            row = gen.fresh("l")
            scope.joins.append(exp.Join(this=aliased(gen.table(collection), row), kind="LEFT", on=exp.EQ(this=col(row, "id"), expression=key)))
            return col(row, POS), row
        index, row = gen.fresh("k"), gen.fresh("l")
        scope.joins.append(exp.Join(this=aliased(exp.Table(this=ident(self._index(collection))), index), kind="LEFT", on=exp.EQ(this=col(index, "k"), expression=key)))
        scope.joins.append(exp.Join(this=aliased(gen.table(collection), row), kind="LEFT", on=exp.EQ(this=col(row, POS), expression=col(index, "p"))))
        return col(index, "p"), row

    def _index(self, collection: str) -> str:
        """The shared id index of a collection: the first position of every id (the reference's lookup)."""
        name = f"lawcode_ix_{collection}"
        if name not in self.gen.shared:
            self.gen.shared[name] = None  # its SELECT: `definition`
            self.indexes[name] = collection
        self.gen.uses.add(name)
        return name

    def definition(self, name: str) -> exp.Select:
        """The SELECT of the shared index `name`."""
        collection = self.indexes[name]
        items = [exp.alias_(col("i", "id"), "k", quoted=True, copy=False), exp.alias_(exp.Min(this=col("i", POS)), "p", quoted=True, copy=False)]
        return (
            exp.select(*items, copy=False)
            .from_(aliased(self.gen.table(collection), "i"), copy=False)
            .where(not_null(col("i", "id")), copy=False)
            .group_by(col("i", "id"), copy=False)
        )
