"""The mark of a complete columnar snapshot: `_lawcode_snapshot.json`, written by `snapshot convert`.

A folder of JSON Lines or Parquet files is complete when every collection's file is
whole; nothing in the files says so. `lawcode snapshot convert` therefore writes a
manifest, first saying the build is incomplete and, once every file is written,
listing them with their sizes and row counts:

    {"lawcode_snapshot": 1, "complete": true, "form": "parquet",
     "files": {"users.parquet": {"bytes": 1234, "rows": 4}, …}}

Every reader of folders (`inputs.detect`, so every backend) calls `verify`:

- no manifest: a folder made by hand (a documented input form: docs/snapshot.md),
  read as it is;
- a manifest: it must say complete, list every snapshot file the folder holds and no
  other, each with the size recorded, or the folder is refused (S030–S035) before it is
  read. A convert that was killed leaves its incomplete manifest, so its partial files
  are never taken for a snapshot; a file truncated, added or removed later is noticed.

The name starts with `_`, so Spark's readers skip it as they skip `_SUCCESS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError

MANIFEST = "_lawcode_snapshot.json"
VERSION = 1
DATA_SUFFIXES = (".jsonl", ".ndjson", ".parquet", ".json")  # what a folder reader may read


def _write(folder: Path, document: Mapping[str, Any]) -> None:
    """The manifest is itself replaced atomically: it is never seen half-written."""
    temp = folder / f".{MANIFEST}.tmp"
    temp.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    os.replace(temp, folder / MANIFEST)


def begin(folder: Path, form: str) -> None:
    """Mark `folder` as a conversion in progress, before its first data file is written."""
    _write(folder, {"lawcode_snapshot": VERSION, "complete": False, "form": form, "files": {}})


def finish(folder: Path, form: str, rows: Mapping[str, int]) -> None:
    """Mark `folder` complete: every file in it, its size and (for collections) its row count."""
    files: dict[str, dict[str, int | None]] = {}
    for entry in sorted(folder.iterdir()):
        if _is_data(entry.name):
            stem = entry.name.rsplit(".", 1)[0]
            files[entry.name] = {"bytes": entry.stat().st_size, "rows": rows.get(stem)}
    _write(folder, {"lawcode_snapshot": VERSION, "complete": True, "form": form, "files": files})


def _is_data(name: str) -> bool:
    return not name.startswith((".", "_")) and name.endswith(DATA_SUFFIXES)


def verify(folder: Path, label: str) -> None:
    """Refuse a converted folder that is not exactly what its conversion wrote (no manifest: hand-made, accepted)."""
    path = folder / MANIFEST
    where = f"{label.rstrip('/')}/{MANIFEST}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _problem("S030", f"cannot read the snapshot's manifest: {exc.strerror or exc}", where) from None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or document.get("lawcode_snapshot") != VERSION or not isinstance(document.get("files"), dict):
        raise _problem("S031", "the snapshot's manifest is not one lawcode writes", where, "convert the snapshot again (lawcode snapshot convert)")
    if document.get("complete") is not True:
        raise _problem("S032", "this folder is an unfinished `lawcode snapshot convert`: its files are partial", where, "run the conversion again; remove this folder")
    listed: dict[str, Any] = document["files"]
    problems: list[Diagnostic] = []
    present = {entry.name: entry for entry in folder.iterdir() if _is_data(entry.name)}
    for name, facts in sorted(listed.items()):
        entry = present.get(name)
        shown = f"{label.rstrip('/')}/{name}"
        if entry is None:
            problems.append(Diagnostic("S033", "a file of the converted snapshot is missing", where=shown, hint="convert the snapshot again"))
        elif not isinstance(facts, dict) or entry.stat().st_size != facts.get("bytes"):
            problems.append(Diagnostic("S034", f"the file has changed since the conversion wrote it ({entry.stat().st_size} bytes, {facts.get('bytes') if isinstance(facts, dict) else '?'} written)", where=shown, hint="convert the snapshot again"))
    for name in sorted(set(present) - set(listed)):
        problems.append(Diagnostic("S035", "a file the conversion did not write is in the snapshot folder (it would be read with the snapshot)", where=f"{label.rstrip('/')}/{name}", hint=f"move it out of the folder, or delete {MANIFEST} to read the folder as one made by hand"))
    if problems:
        raise LawcodeError(problems)


def _problem(code: str, message: str, where: str, hint: str | None = None) -> LawcodeError:
    return LawcodeError([Diagnostic(code, message, where=where, hint=hint)])
