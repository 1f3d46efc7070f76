"""`lawcode init [DIR]`: a starter ruleset that `lawcode check` and `lawcode test` pass at once.

A writer's first ruleset starts from something that works: a document, a parameter, a
rule, the snapshot schema, an example snapshot and rule tests (`lawcode/starter/`, package
data, so what is written is exactly what the package's own tests check). Nothing of the
user's is ever replaced: a file of the starter that already exists in DIR stops the whole
command (exit 2) before anything is written, and every file goes through the one safe
writer (`lawcode.engine.output`). Into a new or empty folder the starter is built in a
hidden sibling and renamed into place, so an interrupted `init` leaves no half a ruleset.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from lawcode.cli.common import EXIT_ERROR, EXIT_OK, print_error
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.output import destination, folder_destination, staged_folder, write_text


def starter_files() -> dict[str, str]:
    """The starter ruleset, relative path → text, in a stable order."""
    found: dict[str, str] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif not child.name.startswith(".") and child.name != "__pycache__":
                found[prefix + child.name] = child.read_text(encoding="utf-8")

    walk(files("lawcode").joinpath("starter"), "")
    return found


def _clashes(folder: Path, names: list[str]) -> list[str]:
    """The starter's files that already exist (as anything: file, folder, link) in `folder`."""
    return [name for name in names if (folder / name).exists() or (folder / name).is_symlink()]


def write_starter(folder: Path) -> list[str]:
    """Write the starter into `folder` (created if missing); `LawcodeError` if anything is in the way."""
    starter = starter_files()
    if folder.is_symlink() and not folder.exists():
        # A link to nowhere: following it would create a folder wherever it points (another
        # user's /tmp entry, say), and replacing it would drop the user's link.
        raise LawcodeError([Diagnostic("O007", f"the path is a symbolic link to {str(folder.readlink())!r}, which does not exist", where=str(folder), hint="create the folder it points to first, or name another folder")])
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        target = folder_destination(folder, force=False)
        with staged_folder(target, folder) as stage:
            for name, text in starter.items():
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                write_text(stage / name, text)
        return list(starter)
    if not folder.is_dir():
        raise LawcodeError([Diagnostic("O007", "the path exists and is not a folder", where=str(folder), hint="name a new folder, or an existing one")])
    clashes = _clashes(folder, list(starter))
    if clashes:
        shown = ", ".join(clashes[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5 else "")
        raise LawcodeError([Diagnostic("O006", f"the starter would replace what is there: {shown}", where=str(folder), hint="nothing was written; run `lawcode init` with a new folder, or move these files away")])
    for name in starter:  # every destination checked before the first file is written
        parent = (folder / name).parent
        if parent.exists():
            destination(folder / name)
    for name, text in starter.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_text(destination(folder / name), text)
    return list(starter)


@click.command("init")
@click.argument("name", metavar="[FOLDER]", required=False, default=".", type=click.Path())
def init_command(name: str) -> None:
    """Write a starter ruleset into FOLDER (default: here); refuses to replace any file."""
    folder = Path(name)
    try:
        if not name.strip():  # `lawcode init "$DIR"` with DIR unset would otherwise write here
            raise LawcodeError([Diagnostic("O007", "the folder name is empty", where=repr(name), hint="name a folder, or `.` for this one")])
        written = write_starter(folder)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    for name in written:
        click.echo(f"wrote {folder / name}")
    shown = str(folder)
    click.echo(f"\nnext:\n  lawcode check {shown} --snapshot {folder / 'examples' / 'snapshot.json'}\n  lawcode test {folder / 'tests'}")
    click.echo("then replace the document, rules and schema with yours (`lawcode schema infer` drafts a schema from sample data)")
    sys.exit(EXIT_OK)
