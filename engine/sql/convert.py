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

Nothing is lost on the way (`lawcode.engine.output`): the destination is checked before the
snapshot is loaded (an existing one is refused unless `force`), the new snapshot is built
in a hidden sibling and renamed into place once complete, and a folder carries a manifest
(`manifest.py`) so that the partial files of a killed conversion are never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import orjson
from sqlglot import exp

from lawcode.compiler.schema import SnapshotSchema
from lawcode.engine.output import file_destination, folder_destination, opened, staged_folder
from lawcode.engine.sql import manifest
from lawcode.engine.sql.duckdb_backend import DuckDBBackend, table
from lawcode.engine.sql.inputs import ROOT_FILE, detect
from lawcode.engine.sql.lazy import rebuild
from lawcode.engine.sql.tables import POS, Collection, layout

CHUNK = 50_000


def convert(source: str, schema: SnapshotSchema, form: str, dest: str, *, force: bool = False) -> dict[str, int]:
    """Convert a snapshot; returns the number of elements written per collection.

    `dest` must not hold anything yet unless `force`; it is replaced only once the new
    snapshot is complete.
    """
    from lawcode.engine.sql import validate_root

    inputs = [source, *([schema.path] if schema.path else [])]
    if form == "json":
        target = file_destination(Path(dest), force=force, inputs=inputs)
    else:
        folder = folder_destination(Path(dest), force=force, inputs=inputs)
    backend = DuckDBBackend()
    try:
        tables = layout(schema)
        loaded = backend.load(detect(source), tables, schema)
        root = validate_root(schema, loaded.root, loaded.present, tables, source, loaded.problems)
        if form == "json":
            with opened(target) as handle:
                _json(backend, tables.collections, root, handle, loaded.present)
        else:
            with staged_folder(folder, Path(dest)) as stage:
                manifest.begin(stage, form)
                if form == "parquet":
                    write_parquet_files(backend, tables.collections, root, stage, loaded.present)
                else:
                    _jsonl(backend, tables.collections, root, stage, loaded.present)
                manifest.finish(stage, form, loaded.lengths)
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


def write_parquet_files(backend: DuckDBBackend, collections: dict[str, Collection], root: dict[str, Any], target: Path, present: set[str] | None = None) -> None:
    """One Parquet file per collection (`present`: only those the snapshot holds, so an absent one stays absent)."""
    for name, coll in collections.items():
        if present is not None and name not in present:
            continue
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
        with (target / f"{name}.jsonl").open("wb") as handle:
            for element in _rows(backend, coll):
                handle.write(orjson.dumps(element) + b"\n")
    (target / f"{ROOT_FILE}.json").write_bytes(orjson.dumps(root, option=orjson.OPT_INDENT_2))


def _json(backend: DuckDBBackend, collections: dict[str, Collection], root: dict[str, Any], handle: IO[bytes], present: set[str]) -> None:
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
