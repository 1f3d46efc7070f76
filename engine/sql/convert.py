"""`lawcode snapshot convert`: JSON ⇄ JSON Lines ⇄ Parquet, validated on the way.

Any input form is loaded through DuckDB into the typed tables (`tables.py`), checked
against the schema exactly as `lawcode check --backend duckdb` checks it, then written:

- parquet: a directory with `<collection>.parquet` (the typed layout, `__pos` kept) and
  `root.snapshot.parquet` (one row; each scalar part — as_of, policy, … — as JSON text);
- jsonl: a directory with `<collection>.jsonl` (one element per line) and `root.snapshot.json`;
- json: one document, as the python backend reads it.

Values come out normalised, as the rules read them: date-times in UTC (`…Z`), durations
in days and seconds; fields of no one type and lists of objects are carried as their
JSON; fields the schema does not declare are not carried over.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.sql.duckdb_backend import DuckDBBackend, table
from lawcode.engine.sql.inputs import ROOT_FILE, detect
from lawcode.engine.sql.lazy import rebuild
from lawcode.engine.sql.tables import POS, Collection, layout

CHUNK = 50_000


def convert(source: str, schema: SnapshotSchema, form: str, dest: str) -> dict[str, int]:
    """Convert a snapshot; returns the number of elements written per collection."""
    from lawcode.engine.sql import validate_root

    backend = DuckDBBackend()
    try:
        tables = layout(schema)
        loaded = backend.load(detect(source), tables, schema)
        root = validate_root(schema, loaded.root, loaded.present, tables, source, loaded.problems)
        target = Path(dest)
        if form in ("parquet", "jsonl"):
            if target.exists() and not target.is_dir():
                raise LawcodeError([Diagnostic("S001", f"{dest} exists and is not a directory", where=dest)])
            target.mkdir(parents=True, exist_ok=True)
        if form == "parquet":
            _parquet(backend, tables.collections, root, target)
        elif form == "jsonl":
            _jsonl(backend, tables.collections, root, target, loaded.present)
        else:
            _json(backend, tables.collections, root, target, loaded.present)
        return dict(loaded.lengths)
    finally:
        backend.close()


def _rows(backend: DuckDBBackend, collection: Collection) -> Any:
    """The typed rows of a collection in position order, date-times as microseconds, in chunks."""
    items: list[exp.Expr] = []
    for c in collection.columns:
        items.append(backend.target.wire(exp.column(c.name, quoted=True), c.type))
    select = exp.select(*(items or [exp.Literal.number(1)]), copy=False).from_(table(collection.table), copy=False).order_by(exp.column(POS, quoted=True), copy=False)
    cursor = backend.con.execute(backend.sql(select))
    while True:
        chunk = cursor.fetchmany(CHUNK)
        if not chunk:
            return
        for row in chunk:
            yield rebuild(collection.columns, row) if collection.columns else {}


def _parquet(backend: DuckDBBackend, collections: dict[str, Collection], root: dict[str, Any], target: Path) -> None:
    for name, coll in collections.items():
        relation = backend.con.table(coll.table).order(POS)
        relation.write_parquet(str(target / f"{name}.parquet"))
    scalars = [exp.alias_(exp.Literal.string(orjson.dumps(v).decode()), k, quoted=True) for k, v in root.items()]
    if not scalars:
        scalars = [exp.alias_(exp.Null(), "as_of", quoted=True)]
    backend.con.sql(backend.sql(exp.select(*scalars, copy=False))).write_parquet(str(target / f"{ROOT_FILE}.parquet"))


def _jsonl(backend: DuckDBBackend, collections: dict[str, Collection], root: dict[str, Any], target: Path, present: set[str]) -> None:
    for name, coll in collections.items():
        if name not in present:
            continue
        tmp = target / f".{name}.jsonl.tmp"
        with tmp.open("wb") as handle:
            for element in _rows(backend, coll):
                handle.write(orjson.dumps(element) + b"\n")
        os.replace(tmp, target / f"{name}.jsonl")
    (target / f"{ROOT_FILE}.json").write_bytes(orjson.dumps(root, option=orjson.OPT_INDENT_2))


def _json(backend: DuckDBBackend, collections: dict[str, Collection], root: dict[str, Any], target: Path, present: set[str]) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(b"{")
        first = True
        for key, value in root.items():
            handle.write((b"" if first else b",\n ") + orjson.dumps(key) + b": " + orjson.dumps(value))
            first = False
        for name, coll in collections.items():
            if name not in present:
                continue
            handle.write((b"" if first else b",\n ") + orjson.dumps(name) + b": [")
            first = False
            sep = b"\n  "
            for element in _rows(backend, coll):
                handle.write(sep + orjson.dumps(element))
                sep = b",\n  "
            handle.write(b"]")
        handle.write(b"}\n")
    shutil.move(str(tmp), str(target))
