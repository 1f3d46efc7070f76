"""What a DuckDB backend keeps from one load for the next: rendered statements, typed tables.

`lawcode test` evaluates hundreds of snapshots of one ruleset, most of them a base
snapshot with a few elements patched. Loading one (`duckdb_backend.py`) reads each
collection's JSON Lines into a typed table, checking every element against the schema;
for the CAC rulesets that was most of a case's time, and nearly all of it repeated work:

- the statements that read, convert and check a collection depend only on its layout (the
  frozen `Collection`, which holds every column's type and schema), so they are rendered
  once per layout (`typed_statements`, `empty_statement`), not once per load; so is the
  query that names the schema errors (`flagged_checks` for JSON and JSON Lines,
  `parquet_checks` for Parquet, keyed also on which columns the file already types and
  which checks its statistics leave): building its checks and rendering it took most of
  a refused snapshot's load (under cProfile, 108 of the 231 s of tests/engine/sql/test_inputs.py);
- a reusing backend (`DuckDBBackend(reuse=True)`, one connection for many evaluations in
  turn) keeps each collection's typed table under a key made of everything the table is
  a function of: the schema document, the collection's layout and the exact bytes of its
  lines (`KeptTables.key`). A later load whose lines hash the same gets a view over the
  kept table instead of reading them again. Tables whose lines had schema errors are not
  kept (the errors are reported on every load), nor collections over `REUSE_BYTES`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.engine.sql import validate
from lawcode.engine.sql.tables import POS, Collection, sql_type, typed_sql_type

REUSE_BYTES = 8 << 20  # a collection's lines beyond this are read every time (and not held twice)
REUSE_KEPT = 512  # kept tables at most; the least recently used go first
REUSE_PREFIX = "lawcode_reuse_"

RENDERED_KEPT = 256  # rendered statements (and checks) per kind at most; the least recently used go first

_V = TypeVar("_V")


class Rendered(Generic[_V]):
    """What is rendered from a collection's layout, by a key that holds every input of it;
    bounded, the least recently used entry going first (a `lawcode test` run alternates a
    few layouts, a long-lived process may see many)."""

    def __init__(self, size: int = RENDERED_KEPT) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, _V] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], _V]) -> _V:
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        made = make()
        self.entries[key] = made
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return made


def layout_key(coll: Collection) -> str:
    """A digest of everything a collection's statements are rendered from: its name, every
    column's path, type, JSON kind and schema (the frozen dataclasses' `repr` holds them all)."""
    return hashlib.sha256(repr(coll).encode()).hexdigest()


_TYPED: Rendered[tuple[str, str | None]] = Rendered()
_EMPTY: Rendered[str] = Rendered()
_FLAGGED: Rendered[tuple[str, str | None, list[validate.Check]]] = Rendered()
_PARQUET_CHECKS: Rendered[list[validate.Check]] = Rendered()
_PARQUET_QUERIES: Rendered[str | None] = Rendered()


def table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def struct_path(base: exp.Expr, path: tuple[str, ...]) -> exp.Expr:
    out = base
    for part in path:
        out = exp.Anonymous(this="struct_extract", expressions=[out, exp.Literal.string(part)])
    return out


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def typed_checks(coll: Collection) -> tuple[Callable[[tuple[str, ...]], exp.Expr], list[validate.Check], exp.Expr | None]:
    """The raw (JSON-level) value of each path of `coll`'s lines, its schema checks, and "some check fails"."""

    def json_of(p: tuple[str, ...]) -> exp.Expr:
        return struct_path(exp.column(p[0], quoted=True), p[1:])

    by_path = {c.path: c for c in coll.columns}

    def raw(p: tuple[str, ...]) -> exp.Expr:
        column = by_path.get(p)
        return validate.from_json(json_of(p), column) if column is not None else json_of(p)

    checks = validate.checks(coll, raw, json_of=json_of)
    return raw, checks, exp.or_(*[c.bad for c in checks], copy=False) if checks else None


def typed_statements(coll: Collection) -> tuple[str, str | None]:
    """`CREATE TABLE t_<name>` from the view `lawcode_lines` (typed columns and the
    `lawcode_bad` flag), and the count of flagged rows (None: the collection has no checks)."""
    return _TYPED.get(layout_key(coll), lambda: _typed_statements(coll))


def _typed_statements(coll: Collection) -> tuple[str, str | None]:
    raw, _, bad = typed_checks(coll)
    items = [exp.alias_(exp.column(POS, quoted=True), POS, quoted=True, copy=False)]
    items += [exp.alias_(validate.convert(raw(c.path), c), c.name, quoted=True, copy=False) for c in coll.columns]
    items += [exp.alias_(validate.convert_records(raw(c.path), c), c.typed_name, quoted=True, copy=False) for c in coll.columns if c.typed_name]
    flagged = None
    if bad is not None:
        items.append(exp.alias_(exp.Case(ifs=[exp.If(this=bad, true=exp.true())]), "lawcode_bad", quoted=True, copy=False))
        count = exp.select(exp.Count(this=exp.Star()), copy=False).from_(table(coll.table), copy=False).where(exp.column("lawcode_bad", quoted=True), copy=False)
        flagged = count.sql(dialect="duckdb")
    create = exp.Create(this=table(coll.table), kind="TABLE", expression=exp.select(*items, copy=False).from_(table("lawcode_lines"), copy=False))
    return create.sql(dialect="duckdb"), flagged


def flagged_checks(coll: Collection) -> tuple[str, str | None, list[validate.Check]]:
    """For lines some check flagged: `CREATE TABLE lawcode_flagged` (those rows of the view
    `lawcode_lines`, as read), the query naming their errors (`validate.check_query`: check
    index, position, value, element) and the checks its first column indexes."""
    return _FLAGGED.get(layout_key(coll), lambda: _flagged_checks(coll))


def _flagged_checks(coll: Collection) -> tuple[str, str | None, list[validate.Check]]:
    raw, checks, bad = typed_checks(coll)
    rows = exp.select(exp.Star(), copy=False).from_(table("lawcode_lines"), copy=False)
    if bad is not None:
        rows = rows.where(bad, copy=False)
    create = exp.Create(this=table("lawcode_flagged"), kind="TABLE", expression=rows).sql(dialect="duckdb")
    query, found = validate.check_query(coll, table("lawcode_flagged"), raw, found=checks)
    return create, None if query is None else query.sql(dialect="duckdb"), found


def parquet_raw(path: tuple[str, ...]) -> exp.Expr:
    """A leaf's raw value in a Parquet file: its column, named by the dotted path."""
    return exp.column(".".join(path), quoted=True)


def parquet_checks(coll: Collection, source: str, typed: frozenset[str], facts: dict[str, validate.ColumnFacts]) -> tuple[str | None, list[validate.Check]]:
    """The query naming the schema errors of a Parquet file's raw view `source`, with the
    checks its first column indexes: those of `coll` (columns in `typed` are stored as the
    schema's type already: no format check) that the file's statistics do not settle."""
    layout = layout_key(coll)
    every = _PARQUET_CHECKS.get((layout, typed), lambda: validate.checks(coll, parquet_raw, typed))
    pending = tuple(i for i, check in enumerate(every) if not validate.proven(check, facts))
    found = [every[i] for i in pending]

    def render() -> str | None:
        query, _ = validate.check_query(coll, table(source), parquet_raw, typed=typed, found=found)
        return None if query is None else query.sql(dialect="duckdb")

    return _PARQUET_QUERIES.get((layout, source, typed, pending), render), found


def empty_statement(coll: Collection) -> str:
    """`CREATE TABLE t_<name>` with the typed columns and no rows (a collection absent or empty)."""
    return _EMPTY.get(layout_key(coll), lambda: _empty_statement(coll))


def _empty_statement(coll: Collection) -> str:
    items = [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build("BIGINT")), POS, quoted=True, copy=False)]
    items += [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(c), dialect="duckdb")), c.name, quoted=True, copy=False) for c in coll.columns]
    items += [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(typed_sql_type(c), dialect="duckdb")), c.typed_name, quoted=True, copy=False) for c in coll.columns if c.typed_name]
    create = exp.Create(this=table(coll.table), kind="TABLE", expression=exp.select(*items, copy=False).limit(0, copy=False))
    return create.sql(dialect="duckdb")


class KeptTables:
    """The typed tables a reusing connection keeps, by content key, least recently used first."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.tables: dict[str, tuple[str, int]] = {}  # key -> (kept table, its row count)
        self.in_use: set[str] = set()  # keys the current load's views read: never evicted during it
        self.reused = 0  # collections served from a kept table (the tests check the path is taken)

    def clear(self) -> None:
        """Start a load: drop every table and view the previous evaluation left (all of them,
        after a failure), but not the kept tables."""
        self.in_use.clear()
        tables = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE (database_name = 'lawcode_db' OR temporary) AND NOT starts_with(table_name, ?)", [REUSE_PREFIX]
        ).fetchall()
        views = self.con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        for (view,) in views:
            self.con.execute(f"DROP VIEW IF EXISTS {_ident(view)}")
        for (name,) in tables:
            self.con.execute(f"DROP TABLE IF EXISTS {_ident(name)}")

    def key(self, coll: Collection, paths: tuple[str, ...], schema: SnapshotSchema) -> str | None:
        """What the typed table of `coll` is a function of: the schema document (the column
        spec, the conversions and the checks all come from it), the collection's layout and
        the exact bytes of its lines. None when the lines are too large to keep."""
        if sum(Path(p).stat().st_size for p in paths) > REUSE_BYTES:
            return None
        digest = hashlib.sha256()
        digest.update(orjson.dumps(schema.document, option=orjson.OPT_SORT_KEYS))
        digest.update(repr(coll).encode())
        for path in paths:
            digest.update(b"\0file\0")
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()

    def serve(self, coll: Collection, key: str) -> int | None:
        """A view named as `coll`'s typed table over the table kept under `key`: its row count, or None if none is kept."""
        found = self.tables.pop(key, None)
        if found is None:
            return None
        self.tables[key] = found  # most recently used last
        self.con.execute(f"CREATE VIEW {_ident(coll.table)} AS SELECT * FROM {_ident(found[0])}")
        self.in_use.add(key)
        self.reused += 1
        return found[1]

    def keep(self, coll: Collection, key: str, length: int) -> None:
        """Keep the typed table just loaded (renamed; a view takes its name), evicting the least recently used."""
        kept = REUSE_PREFIX + key[:32]
        self.con.execute(f"ALTER TABLE {_ident(coll.table)} RENAME TO {_ident(kept)}")
        self.con.execute(f"CREATE VIEW {_ident(coll.table)} AS SELECT * FROM {_ident(kept)}")
        self.tables[key] = (kept, length)
        self.in_use.add(key)
        for old in [k for k in self.tables if k not in self.in_use][: max(0, len(self.tables) - REUSE_KEPT)]:
            name, _ = self.tables.pop(old)
            self.con.execute(f"DROP TABLE IF EXISTS {_ident(name)}")


__all__ = [
    "RENDERED_KEPT",
    "REUSE_BYTES",
    "REUSE_KEPT",
    "KeptTables",
    "Rendered",
    "empty_statement",
    "flagged_checks",
    "layout_key",
    "parquet_checks",
    "parquet_raw",
    "struct_path",
    "table",
    "typed_checks",
    "typed_statements",
]
