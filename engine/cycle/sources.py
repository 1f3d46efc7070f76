"""What a history is made of: saved JSON reports, or dated snapshots evaluated once.

Each source is a file or a folder of `.json` files (not recursive, by name). A file with
a `lawcode_report` member is a saved report and is read as is; any other is a snapshot,
checked with the ruleset given. A year of daily snapshots is evaluated once: with a
cache (an SQLite file), each report is kept under the digest of the ruleset's sources
and schema, lawcode's version and the snapshot's bytes, and found there the next time,
so adding one day to the history evaluates one snapshot. Nothing executable is stored:
the cache holds JSON text, and a row that does not parse is evaluated again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from lawcode.compiler import Program
from lawcode.compiler.reading import FileKind
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.cycle.baseline import MAX_REPORT_BYTES, is_report, read_report
from lawcode.engine.cycle.files import CycleFile, read_cycle_file
from lawcode.engine.cycle.waivers import WaiverFile, mark_report_json
from lawcode.engine.report import REPORT_VERSION
from lawcode.engine.run import evaluate
from lawcode.engine.snapshot import Snapshot

SCHEMA_SQL = "CREATE TABLE IF NOT EXISTS reports (ruleset TEXT NOT NULL, snapshot TEXT NOT NULL, as_of TEXT NOT NULL, report BLOB NOT NULL, PRIMARY KEY (ruleset, snapshot))"


@dataclass(frozen=True, slots=True)
class Loaded:
    """How the reports of a history were obtained (for the closing line and the docs)."""

    reports: list[tuple[dict[str, Any], str]]
    read: int  # saved reports read
    cached: int  # snapshots whose report was in the cache
    evaluated: int  # snapshots evaluated now


def files_of(sources: Sequence[Path]) -> list[Path]:
    """The JSON files named, and those directly in the folders named, by name."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found.extend(sorted(p for p in source.iterdir() if p.suffix == ".json" and p.is_file()))
        elif source.exists():
            found.append(source)
        else:
            raise LawcodeError([Diagnostic("E088", "no such file or folder", None, "name saved JSON reports or dated snapshots, or folders of them", where=str(source))])
    return found


def load(sources: Sequence[Path], program: Program | None, rulesets: tuple[str, ...] = (), *, cache: Path | None = None, waivers: WaiverFile | None = None) -> Loaded:
    """Every source as a parsed JSON report, waivers applied on each report's own day."""
    digest = ruleset_digest(program) if program is not None else ""
    reports: list[tuple[dict[str, Any], str]] = []
    read = cached = evaluated = 0
    with _cache(cache) as db:
        for path in files_of(sources):
            raw = _read(path)
            snapshot: Snapshot | None = None
            saved = raw.lstrip().startswith(b"{") and b'"lawcode_report"' in raw[:200]
            if saved:
                data, read = read_report(path), read + 1
            else:
                if program is None:
                    raise _unread_snapshot(raw, path)
                key = hashlib.sha256(raw).hexdigest()
                found = _cached(db, digest, key)
                if found is None:
                    snapshot = Snapshot.load(raw, program.schema, name=str(path))
                    data = evaluate(program, snapshot, rulesets).to_dict()
                    evaluated += 1
                    if db is not None:
                        db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?)", (digest, key, data["as_of"], orjson.dumps(data)))
                        db.commit()
                else:
                    data, cached = found, cached + 1
            if waivers is not None and program is not None:
                if snapshot is None and not saved and any(w.where is not None for w in waivers.waivers):
                    snapshot = Snapshot.load(raw, program.schema, name=str(path))
                data = mark_report_json(data, waivers, snapshot, program)
            reports.append((data, str(path)))
    return Loaded(reports, read, cached, evaluated)


def _unread_snapshot(raw: bytes, path: Path) -> LawcodeError:
    """E088 for a source that is no saved report, with no ruleset to check it as a snapshot."""
    if not raw.lstrip().startswith(b"{"):
        return LawcodeError([Diagnostic("E088", "this is neither a saved report nor a snapshot: it is not a JSON object", None, "name reports written by `lawcode check -f json -o FILE`, or snapshots with `--rules RULESET`", where=str(path))])
    return LawcodeError([Diagnostic("E088", "this is not a saved report (no `lawcode_report` member at its start) but a snapshot: give the ruleset to check it with", None, "add `--rules RULESET`, or name reports written by `lawcode check -f json -o FILE`", where=str(path))])


def ruleset_digest(program: Program) -> str:
    """What a cached report depends on besides the snapshot: the ruleset's text, its
    schema's, the report's version and lawcode's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("lawcode")
    except PackageNotFoundError:  # pragma: no cover - a bare source tree
        ours = "0+unknown"
    h = hashlib.sha256(f"{REPORT_VERSION}\0{ours}\0".encode())
    for name, text in sorted(program.sources.items()):
        h.update(f"{name}\0{text}\0".encode())
    if program.schema.path:
        h.update(Path(program.schema.path).read_bytes() if Path(program.schema.path).exists() else program.schema.path.encode())
    return h.hexdigest()


HISTORY_FILE = CycleFile(
    FileKind("saved report or snapshot", ".json", MAX_REPORT_BYTES, "report.json"), "E088",
    f"over {MAX_REPORT_BYTES >> 20} MB: history reads JSON snapshots and reports",
    "convert large snapshots and save their reports with `lawcode check -f json -o`",
    "cannot read it", "name readable JSON files",
)


def _read(path: Path) -> bytes:
    """A source's bytes, read as every named file is (`compiler/reading.py`: a `.json`
    name, also once symlinks are resolved, a regular file, bounded); E088 saying why not."""
    return read_cycle_file(path, HISTORY_FILE)


@contextmanager
def _cache(path: Path | None) -> Iterator[sqlite3.Connection | None]:
    if path is None:
        yield None
        return
    hint = "name a new file, or one an earlier `lawcode history --cache` made"
    try:
        db = sqlite3.connect(path)
        foreign = _foreign_tables(db)
        if not foreign:
            db.execute(SCHEMA_SQL)
    except sqlite3.Error as exc:
        raise LawcodeError([Diagnostic("E089", f"cannot use this file as the history cache: {exc}", None, hint, where=str(path))]) from None
    if foreign:  # another program's database: left exactly as it is
        db.close()
        raise LawcodeError([Diagnostic("E089", f"this SQLite file is not a history cache (it holds {', '.join(foreign)}); it was left unchanged", None, hint, where=str(path))])
    with closing(db):
        yield db


def _foreign_tables(db: sqlite3.Connection) -> list[str]:
    """What in an existing database is not a history cache's: other tables, or a `reports`
    table with other columns. Empty for a new file or one `--cache` made."""
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    foreign = [f"table `{name}`" for name in tables if name != "reports"]
    if "reports" in tables:
        columns = [row[1] for row in db.execute("PRAGMA table_info(reports)")]
        if columns != ["ruleset", "snapshot", "as_of", "report"]:
            foreign.append(f"a `reports` table with columns {', '.join(columns)}")
    return foreign


def _cached(db: sqlite3.Connection | None, ruleset: str, snapshot: str) -> dict[str, Any] | None:
    if db is None:
        return None
    row = db.execute("SELECT report FROM reports WHERE ruleset = ? AND snapshot = ?", (ruleset, snapshot)).fetchone()
    if row is None:
        return None
    try:
        data = orjson.loads(row[0])
    except orjson.JSONDecodeError:
        return None
    return data if is_report(data) else None
