"""What every command shares: exit codes, how an error is printed, loading and writing.

Exit codes are a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error, 130 interrupted (Ctrl-C). User
mistakes print diagnostics, never a traceback. Files are written by
`lawcode.engine.output` only, and `-o` is checked before any evaluation starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click
from rich.console import Console

from lawcode.api import Ruleset, load_ruleset
from lawcode.cli.exits import EXIT_ERROR as EXIT_ERROR  # re-exported: the commands take them from here
from lawcode.cli.exits import EXIT_FAIL as EXIT_FAIL
from lawcode.cli.exits import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from lawcode.cli.exits import EXIT_OK as EXIT_OK
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.output import Destination, destination, write_text

ruleset_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))


def print_error(error: LawcodeError) -> None:
    """Every diagnostic on stderr, exactly as written (no rich markup, no emoji codes)."""
    console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    console.print(error.render(), markup=False)
    count = len(error.errors)
    if count > 1:
        console.print(f"\n{count} errors", style="bold red", markup=False)


def compile_or_exit(paths: tuple[Path, ...]) -> Ruleset:
    """The compiled ruleset, or exit 2 with its diagnostics: a bad ruleset is the user's to fix."""
    try:
        return load_ruleset(list(paths))
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)


def ruleset_files(ruleset: Ruleset) -> list[str]:
    """Every file a ruleset was compiled from (its `.law` files and schema): never an output."""
    schema = ruleset.program.schema.path
    return [*ruleset.program.sources, *([schema] if schema else [])]


FOLDER_HINT = "name a file, e.g. `{}report.json`"


def ends_as_folder(text: str) -> bool:
    """Whether the path as typed ends in a separator: `-o reports/` means a folder, and
    `Path` would drop the slash and write a file called `reports`."""
    return text.endswith(("/", os.sep))


class OutputFile(click.Path):
    """`-o FILE`: a `Path`, refused (exit 2, as a usage error) when typed as a folder."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: str | os.PathLike[str], param: click.Parameter | None, ctx: click.Context | None) -> str | bytes | os.PathLike[str]:
        if isinstance(value, str) and ends_as_folder(value):
            self.fail(f"{value!r} names a folder; {FOLDER_HINT.format(value)}", param, ctx)
        return super().convert(value, param, ctx)


def destination_or_exit(path: Path, inputs: Iterable[str | Path] = ()) -> Destination:
    """Check an output before any work: exit 2 with a diagnostic if it cannot or must not be written."""
    try:
        return destination(path, inputs=inputs)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)


def write_or_exit(target: Destination | Path, text: str, inputs: Iterable[str | Path] = ()) -> None:
    """Write an output whole (`lawcode.engine.output`), or exit 2 with a diagnostic, the old file unchanged."""
    try:
        write_text(target if isinstance(target, Destination) else destination(target, inputs=inputs), text)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
