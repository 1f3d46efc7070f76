"""Snapshot inputs for the SQL backends: JSON, JSON Lines per collection, Parquet.

| form | what it is | how it is read |
|---|---|---|
| JSON | one document, as for the python backend | DuckDB `read_json` with a column spec derived from the JSON Schema: no Python object tree |
| JSON Lines | a directory: `<collection>.jsonl` per collection, `root.snapshot.json` with the scalar parts | `read_json(format='newline_delimited')` |
| Parquet | a directory: `<collection>.parquet` per collection (the typed layout of `tables.py`), `root.snapshot.parquet` (one row, each scalar part as JSON text) | `read_parquet`, as views: nothing is copied |

JSON and JSON Lines are read as JSON-level values (dates still text), checked against the
schema in SQL (`validate.py`), then converted once into the typed tables `t_<collection>`.
The scalar parts (`as_of`, `policy`, …) are small: they come to Python as JSON and are
validated by `jsonschema`, exactly as the python backend does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.sql import manifest

ROOT_FILE = "root.snapshot"  # not `_…`: Spark skips files whose names start with `_` or `.`

FORMS = ("json", "jsonl", "parquet")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a snapshot comes from and in which form."""

    form: str  # json | jsonl | parquet | data (an in-memory document)
    path: str | None
    data: Any = None  # the document (a mapping or JSON bytes) for form == "data"
    label: str = "<snapshot>"

    @property
    def remote(self) -> bool:
        return self.path is not None and "://" in self.path and not self.path.startswith("file://")


def detect(source: str | os.PathLike[str] | bytes | Mapping[str, Any], label: str | None = None) -> Source:
    """The form of a snapshot argument: a JSON file, a directory of JSON Lines or Parquet files."""
    if isinstance(source, Mapping | bytes):
        return Source("data", None, source, label or "<snapshot>")
    text = os.fspath(source)
    name = label or ("<stdin>" if text == "-" else text)
    if "://" in text and not text.startswith("file://"):
        return Source("parquet", text.rstrip("/"), label=name)
    path = Path(text)
    if path.is_dir():
        manifest.verify(path, name)  # a converted folder must be whole (a hand-made one has no manifest)
        entries = [p.name for p in path.iterdir()]
        if any(e.endswith(".parquet") for e in entries):
            return Source("parquet", text, label=name)
        if any(e.endswith((".jsonl", ".ndjson")) for e in entries) or Path(root_file(text, "jsonl")).exists():
            return Source("jsonl", text, label=name)
        raise LawcodeError([Diagnostic("S001", "the snapshot folder holds no snapshot files", where=name, hint=f"a folder snapshot is <collection>.jsonl or <collection>.parquet files with {ROOT_FILE}.json or {ROOT_FILE}.parquet (lawcode snapshot convert writes one)")])
    if text.endswith(".parquet"):
        manifest.verify(path.parent, str(path.parent))
        return Source("parquet", str(path.parent), label=name)
    return Source("json", text, label=name)


def size_of(source: Source) -> int:
    """Bytes on disk (0 for in-memory or remote input)."""
    if source.path is None or source.remote:
        return len(source.data) if isinstance(source.data, bytes) else 0
    path = Path(source.path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    try:
        return path.stat().st_size
    except OSError:
        return 0


def collection_file(directory: str, collection: str, form: str) -> str:
    ext = {"jsonl": ".jsonl", "parquet": ".parquet"}[form]
    return f"{directory.rstrip('/')}/{collection}{ext}"


def root_file(directory: str, form: str) -> str:
    ext = {"jsonl": ".json", "parquet": ".parquet"}[form]
    return f"{directory.rstrip('/')}/{ROOT_FILE}{ext}"
