"""What a DuckDB backend keeps from one load for the next: rendered statements, typed tables.

`lawcode test` evaluates hundreds of snapshots of one ruleset, most of them a base
snapshot with a few elements patched. Loading one (`duckdb_backend.py`) reads each
collection's JSON Lines into a typed table, checking every element against the schema;
for the CAC rulesets that was most of a case's time, and nearly all of it repeated work:

- the statements that read, convert and check a collection depend only on its layout (the
  frozen `Collection`, which holds every column's type and schema), so they are rendered
  once per layout (`typed_statements`, `empty_statement`), not once per load;
- a reusing backend (`DuckDBBackend(reuse=True)`, one connection for many evaluations in
  turn) keeps each collection's typed table under a key made of everything the table is
  a function of: the schema document, the collection's layout and the exact bytes of its
  lines (`KeptTables.key`). A later load whose lines hash the same gets a view over the
  kept table instead of reading them again. Tables whose lines had schema errors are not
  kept (the errors are reported on every load), nor collections over `REUSE_BYTES`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.engine.sql import validate
from lawcode.engine.sql.tables import POS, Collection, sql_type, typed_sql_type

REUSE_BYTES = 8 << 20  # a collection's lines beyond this are read every time (and not held twice)
REUSE_KEPT = 512  # kept tables at most; the least recently used go first
REUSE_PREFIX = "lawcode_reuse_"

# Rendered statements by collection layout, bounded (first in, first out).
_RENDERED: dict[tuple[str, str], tuple[str, str | None]] = {}
_RENDERED_KEPT = 1024


def table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def struct_path(base: exp.Expr, path: tuple[str, ...]) -> exp.Expr:
    out = base
    for part in path:
        out = exp.Anonymous(this="struct_extract", expressions=[out, exp.Literal.string(part)])
    return out


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remember(key: tuple[str, str], texts: tuple[str, str | None]) -> tuple[str, str | None]:
    if len(_RENDERED) >= _RENDERED_KEPT:
        _RENDERED.pop(next(iter(_RENDERED)))
    _RENDERED[key] = texts
    return texts


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
    key = ("typed", repr(coll))
    found = _RENDERED.get(key)
    if found is not None:
        return found
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
    return _remember(key, (create.sql(dialect="duckdb"), flagged))


def empty_statement(coll: Collection) -> str:
    """`CREATE TABLE t_<name>` with the typed columns and no rows (a collection absent or empty)."""
    key = ("empty", repr(coll))
    found = _RENDERED.get(key)
    if found is not None:
        return found[0]
    items = [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build("BIGINT")), POS, quoted=True, copy=False)]
    items += [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(sql_type(c), dialect="duckdb")), c.name, quoted=True, copy=False) for c in coll.columns]
    items += [exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(typed_sql_type(c), dialect="duckdb")), c.typed_name, quoted=True, copy=False) for c in coll.columns if c.typed_name]
    create = exp.Create(this=table(coll.table), kind="TABLE", expression=exp.select(*items, copy=False).limit(0, copy=False))
    return _remember(key, (create.sql(dialect="duckdb"), None))[0]


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


__all__ = ["REUSE_BYTES", "REUSE_KEPT", "KeptTables", "empty_statement", "struct_path", "table", "typed_checks", "typed_statements"]
