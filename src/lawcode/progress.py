"""Progress on stderr for long checks — only for a person at a terminal.

Never in a pipe, a file or a CI log (stderr not a terminal, or `CI` set), and not for
quick checks either: loading shows a spinner only for a snapshot over `BIG_SNAPSHOT`
bytes, and the bar over subjects appears only once checking has run for `DELAY`
seconds. Both vanish when done, so the report on stdout is all that stays. A label is
shown as typed (no markup, no emoji) and with its control characters escaped (`visible`),
as every line lawcode prints on a terminal.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from lawcode.dsl.diagnostics import visible

DELAY = 0.5  # seconds before a bar is worth showing
BIG_SNAPSHOT = 5_000_000  # bytes: loading and validating a larger one takes a while
T = TypeVar("T")


def wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class TerminalProgress:
    """`progress(done, total)` for `Ruleset.evaluate`; a context manager that cleans up."""

    def __init__(self, label: str = "checking subjects", console: Console | None = None, delay: float = DELAY, enabled: bool = True) -> None:
        self.label = visible(label)
        self.enabled = enabled
        self.console = console or Console(stderr=True, emoji=False)
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def loading(self, label: str, work: Callable[[], T], path: Path) -> T:
        """Run `work` (loading a snapshot) under a spinner when the file is big."""
        try:
            big = path.stat().st_size > BIG_SNAPSHOT
        except OSError:
            big = False
        if not (self.enabled and big):
            return work()
        with self.console.status(Text(visible(label))):
            result = work()
        self.started = time.monotonic()
        return result

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            self.bar = Progress(
                TextColumn("{task.description}", style="bold", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console, transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total)

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()
