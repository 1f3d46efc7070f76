"""`lawcode fmt`: rewrite rulesets in the canonical layout (`lawcode.dsl.formatter`).

Exit codes follow `check`: 0 all formatted (or rewritten), 1 `--check` found files that
are not formatted, 2 a file could not be read, parsed or written (diagnostics on stderr;
the other files are still processed).

Files are rewritten by `lawcode.engine.output`: atomically, keeping their mode and owner; a
read-only file is refused (O004) and left as it is; through a symlink the link's target
is formatted and the link kept.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from lawcode.cli.common import EXIT_ERROR, EXIT_FAIL, EXIT_OK, print_error
from lawcode.compiler.modules import display, expand
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.formatter import format_text
from lawcode.engine.output import write_text


def unified_diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"{name} (as written)", f"{name} (formatted)"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 and print a diff if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the changes as a unified diff instead of writing them.")
def fmt_command(paths: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Format rulesets (files, folders of .law files, or - for stdin → stdout)."""
    if paths == (Path("-"),):
        _stdin(check, show_diff)
        return
    files, problems = expand(list(paths))
    failed = bool(problems)
    if problems:
        print_error(LawcodeError(problems))
    changed = unchanged = 0
    for path in files:
        name = display(path)
        try:
            before = path.read_text(encoding="utf-8")
            after = format_text(before, name)
        except LawcodeError as error:
            print_error(error)
            failed = True
            continue
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"{name}: error: cannot read: {exc}", err=True)
            failed = True
            continue
        if after == before:
            unchanged += 1
            continue
        if check or show_diff:
            changed += 1
            click.echo(unified_diff(before, after, name), nl=False)
            continue
        try:
            write_text(path, after)
        except LawcodeError as error:
            print_error(error)
            failed = True
            continue
        changed += 1
        click.echo(f"reformatted {name}", err=True)
    verb = "would reformat" if check or show_diff else "reformatted"
    errors = len(files) - changed - unchanged
    tail = f", {errors} with errors" if errors else ""
    click.echo(f"{changed} file(s) {verb}, {unchanged} already formatted{tail}", err=True)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FAIL if check and changed else EXIT_OK)


def _stdin(check: bool, show_diff: bool) -> None:
    before = sys.stdin.read()
    try:
        after = format_text(before, "<stdin>")
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    if check or show_diff:
        click.echo(unified_diff(before, after, "<stdin>"), nl=False)
        sys.exit(EXIT_FAIL if check and after != before else EXIT_OK)
    click.echo(after, nl=False)

