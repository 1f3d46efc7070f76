"""The embedding API: load a ruleset once, evaluate many snapshots.

    import lawcode
    ruleset = lawcode.load_ruleset("rulesets/cac")
    report = ruleset.evaluate("snapshot.json")
    for v in report.violations:
        print(v.rule, v.citation.label, v.message)

Every user mistake (ruleset or snapshot) raises `lawcode.LawcodeError`, which carries
all diagnostics with their spans.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lawcode.compiler import Program, compile_paths, compile_text
from lawcode.compiler.modules import display
from lawcode.dsl.diagnostics import Diagnostic
from lawcode.engine import Report, Snapshot, evaluate
from lawcode.engine.snapshot import DEFAULT_MAX_BYTES

SnapshotInput = Mapping[str, Any] | str | os.PathLike[str] | bytes | Snapshot


@dataclass(frozen=True, slots=True)
class Ruleset:
    """A compiled ruleset. Immutable and thread-safe: compile once, evaluate many."""

    program: Program
    paths: tuple[str, ...]

    @property
    def rules(self) -> tuple[Any, ...]:
        return self.program.rules

    @property
    def documents(self) -> dict[str, Any]:
        return self.program.documents

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self.program.warnings

    @property
    def graph(self) -> Any:
        """The dependency graph (`networkx.DiGraph`); see `lawcode.compiler.graph`."""
        return self.program.graph

    def load_snapshot(self, snapshot: SnapshotInput, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
        """Parse and validate a snapshot against this ruleset's schema."""
        if isinstance(snapshot, Snapshot):
            return snapshot
        if isinstance(snapshot, str) and snapshot.lstrip().startswith("{"):
            snapshot = snapshot.encode()
        return Snapshot.load(snapshot, self.program.schema, max_bytes=max_bytes)

    def evaluate(
        self,
        snapshot: SnapshotInput,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        progress: Callable[[int, int], None] | None = None,
        backend: str = "python",
        spark_master: str | None = None,
    ) -> Report:
        """Check a snapshot (a dict, a JSON path, JSON bytes/text) and return the report.

        `progress(done, total)`, if given, is called every few thousand subjects.
        `backend`: python (the reference), duckdb, spark, or auto (the one a cost model of
        the snapshot's size and the rules' size expects to be faster: python for small JSON,
        duckdb for large JSON or a directory of JSON Lines / Parquet); every backend gives
        the same report (see lawcode.engine.sql).
        """
        if backend != "python" and not isinstance(snapshot, Snapshot):
            from lawcode.engine import sql

            if isinstance(snapshot, str) and snapshot.lstrip().startswith("{"):
                snapshot = snapshot.encode()
            chosen = sql.choose(snapshot, backend, self.program)
            if chosen != "python":
                return sql.evaluate(self.program, snapshot, backend=chosen, rulesets=self.paths, spark_master=spark_master)
        loaded = self.load_snapshot(snapshot, max_bytes=max_bytes)
        return evaluate(self.program, loaded, self.paths, progress)


def load_ruleset(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    base_dir: str | os.PathLike[str] | None = None,
) -> Ruleset:
    """Compile a ruleset from files/folders, or from ruleset text.

    A `Path`, a sequence, or a string naming an existing file or folder is read from
    disk; any other string is ruleset text, whose relative paths (`schema`, `import`)
    start from `base_dir` (default: the working directory).
    """
    if isinstance(source, str) and not _is_path(source):
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        return Ruleset(compile_text(source, "<input>", base), ("<input>",))
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    paths = [Path(p) for p in items]
    return Ruleset(compile_paths(paths), tuple(display(p) for p in paths))


def _is_path(text: str) -> bool:
    """A string is a path only when it looks like one: a `.law` file or an existing folder.

    Anything else is ruleset text, so `load_ruleset("")` or `load_ruleset("/etc/passwd")`
    never reads files the caller did not mean (the playground passes user text here).
    """
    if not text.strip() or "\n" in text or "{" in text or len(text) > 4096:
        return False
    path = Path(text)
    if path.suffix == ".law":
        return True
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long for a file system, a NUL byte: not a path
        return False
