"""A snapshot whose collections stay in the database: rows come to Python on demand.

The report needs one thing SQL cannot cheaply say: for an aggregate that is missing for
an undetermined subject, the first few JSON pointers of the missing facts behind it
(`TracingEvaluator._missing_in`, which walks candidate elements in order until it has
five). Rather than re-implement that walk, the SQL backends run the reference code on
a `LazySnapshot`: it has the small scalar part of the snapshot in memory and fetches
elements by position, by id and by join key with small queries, in batches. Elements
are rebuilt as the JSON objects the reference evaluator reads (dates as ISO text, …), so
its parsers give back exactly the values the SQL saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

import orjson
from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.engine.snapshot import Snapshot, index_key
from lawcode.engine.sql.dialects import Target
from lawcode.engine.sql.tables import POS, TYPED_STRINGS, Collection, Layout

BATCH = 512
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Engine(Protocol):
    """What the SQL backends provide: run a query built as a sqlglot tree."""

    target: Target

    def query(self, select: exp.Expr, cache: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query; `cache` keeps its rendered SQL per dialect for the next run."""
        ...


def _col(alias: str, name: str) -> exp.Column:
    return exp.Column(this=exp.to_identifier(name, quoted=True), table=exp.to_identifier(alias))


def _table(collection: Collection) -> exp.Table:
    return exp.Table(this=exp.to_identifier(collection.table, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("t")))


def literal(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value) if value >= 0 else exp.Neg(this=exp.Literal.number(-value))
    return exp.Literal.string(str(value))


class LazyRows(Sequence[Any]):
    """A collection's elements by position, fetched in batches."""

    def __init__(self, snapshot: LazySnapshot, collection: Collection, length: int) -> None:
        self.snapshot = snapshot
        self.collection = collection
        self.length = length
        self._cache: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        if index not in self._cache:
            self._cache.update(self.snapshot.fetch(self.collection, index, index + BATCH))
        return self._cache[index]

    def __iter__(self) -> Iterator[Any]:
        for i in range(self.length):
            yield self[i]


class LazyIndex:
    """`Snapshot.keyed`'s index as a mapping whose `get` asks the database."""

    def __init__(self, snapshot: LazySnapshot, collection: Collection, paths: tuple[tuple[str, ...], ...]) -> None:
        self.snapshot = snapshot
        self.collection = collection
        self.paths = paths

    def get(self, key: tuple[Any, ...], default: Any = None) -> list[int]:
        conditions: list[exp.Expr] = []
        for path, value in zip(self.paths, key, strict=True):
            if isinstance(value, tuple) and value and value[0] == "bool":
                value = value[1]
            conditions.append(exp.EQ(this=_col("t", ".".join(path)), expression=literal(value)))
        return self.snapshot.positions(self.collection, exp.and_(*conditions, copy=False))


class LazySnapshot(Snapshot):
    def __init__(self, data: dict[str, Any], name: str, engine: Engine, layout: Layout, lengths: dict[str, int], present: set[str] | None = None) -> None:
        super().__init__(data, name)
        self.engine = engine
        self.layout = layout
        self.lengths = lengths
        self.present = frozenset(layout.collections if present is None else present)  # the collections the input holds
        self._rows: dict[str, LazyRows] = {}

    def has_collection(self, name: str) -> bool:
        return name in self.present

    def collection(self, name: str) -> list[Any]:
        found = self.layout.collections.get(name)
        if found is None:
            return []
        if name not in self._rows:
            self._rows[name] = LazyRows(self, found, self.lengths.get(name, 0))
        rows: Any = self._rows[name]
        return rows  # type: ignore[no-any-return]

    def lookup(self, collection: str, key: Any) -> Any:
        from lawcode.engine.snapshot import Entity

        found = self.layout.collections.get(collection)
        if found is None or found.column(("id",)) is None or index_key(key) is None:
            return None
        hits = self.positions(found, exp.EQ(this=_col("t", "id"), expression=literal(key)), limit=1)
        if not hits:
            return None
        return Entity(collection, hits[0], self.collection(collection)[hits[0]])

    def keyed(self, collection: str, paths: tuple[tuple[str, ...], ...]) -> Any:
        found = self.layout.collections[collection]
        unknown = self.positions(found, exp.or_(*[exp.Is(this=_col("t", ".".join(p)), expression=exp.Null()) for p in paths], copy=False))
        return LazyIndex(self, found, paths), unknown

    # -- queries
    def positions(self, collection: Collection, condition: exp.Expr, limit: int | None = None) -> list[int]:
        select = exp.select(_col("t", POS), copy=False).from_(_table(collection), copy=False).where(condition, copy=False).order_by(_col("t", POS), copy=False)
        if limit is not None:
            select = select.limit(limit, copy=False)
        return [int(row[0]) for row in self.engine.query(select)]

    def fetch(self, collection: Collection, start: int, stop: int) -> dict[int, dict[str, Any]]:
        columns = [c for c in collection.columns]
        items: list[exp.Expr] = [_col("t", POS)]
        for c in columns:
            items.append(self.engine.target.wire(_col("t", c.name), c.type))
        condition = exp.and_(
            exp.GTE(this=_col("t", POS), expression=exp.Literal.number(start)),
            exp.LT(this=_col("t", POS), expression=exp.Literal.number(stop)),
        copy=False,
        )
        select = exp.select(*items, copy=False).from_(_table(collection), copy=False).where(condition, copy=False)
        out: dict[int, dict[str, Any]] = {}
        for row in self.engine.query(select):
            out[int(row[0])] = rebuild(columns, row[1:])
        return out


def rebuild(columns: Sequence[Any], row: Sequence[Any]) -> dict[str, Any]:
    """An element as the JSON object the reference evaluator would have parsed."""
    obj: dict[str, Any] = {}
    absent: set[tuple[str, ...]] = set()
    for column, value in zip(columns, row, strict=True):
        path = column.path
        if any(path[:i] in absent for i in range(1, len(path))):
            continue
        if column.is_record:
            if value is None:
                absent.add(path)  # absent or null: written as absent (null may not be allowed)
            else:
                _put(obj, path, {})
            continue
        if value is None:
            continue
        _put(obj, path, raw_value(value, column.type, column.kind))
    return obj


def _put(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        nxt = obj.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            obj[part] = nxt
        obj = nxt
    if path[-1] not in obj or value is not None:
        obj[path[-1]] = value if not (isinstance(value, dict) and isinstance(obj.get(path[-1]), dict)) else obj[path[-1]]


def raw_value(value: Any, t: T.Type, kind: str) -> Any:
    if kind == "json":
        return orjson.loads(value) if isinstance(value, str | bytes) else value
    if kind == "array" and isinstance(t, T.ListType) and isinstance(value, list):
        return [raw_value(v, t.element, "string") for v in value] if t.element in TYPED_STRINGS else value
    if kind != "string":
        return value
    if t == T.DATE and isinstance(value, dt.date):
        return value.isoformat()
    if t == T.DATETIME and isinstance(value, int):
        moment = EPOCH + dt.timedelta(microseconds=value)
        return moment.isoformat().replace("+00:00", "Z")  # strftime's %Y does not pad year 1
    if t == T.DURATION and isinstance(value, int):
        days, us = divmod(value, 86_400_000_000)
        seconds, micro = divmod(us, 1_000_000)
        return f"P{days}DT{seconds}.{micro:06d}S"
    if t == T.PERIOD and isinstance(value, int):
        return f"P{value}M"
    return value
