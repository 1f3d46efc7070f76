"""`lawcode snapshot convert`: move a snapshot between JSON, JSON Lines and Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lawcode.cli.common import EXIT_ERROR, EXIT_OK, print_error
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError


@click.group("snapshot")
def snapshot_group() -> None:
    """Snapshot tools (conversion between input forms)."""


@snapshot_group.command("convert")
@click.argument("source", type=str)
@click.option("--to", "form", type=click.Choice(["parquet", "jsonl", "json"]), required=True, help="Output form.")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--schema", "schema_path", type=click.Path(path_type=Path), help="The snapshot's JSON Schema.")
@click.option("--ruleset", "ruleset_paths", multiple=True, type=click.Path(path_type=Path), help="Take the schema from this ruleset instead.")
@click.option("--force", is_flag=True, help="Replace DEST if it exists (only once the new snapshot is complete).")
def convert_command(source: str, form: str, dest: Path, schema_path: Path | None, ruleset_paths: tuple[Path, ...], force: bool) -> None:
    """Convert SOURCE (a JSON file, or a directory of JSON Lines or Parquet files) to DEST.

    The snapshot is validated against the schema on the way; errors name the JSON path
    of each bad value, as `lawcode check` does. DEST must be new (or an empty folder)
    unless --force; it is written whole or not at all.
    """
    from lawcode.compiler.schema import SnapshotSchema
    from lawcode.engine.sql.convert import convert

    try:
        if ruleset_paths:
            from lawcode.api import load_ruleset

            schema = load_ruleset(list(ruleset_paths)).program.schema
        elif schema_path is not None:
            try:
                schema = SnapshotSchema.load(schema_path)
            except (OSError, ValueError) as exc:
                raise LawcodeError([Diagnostic("E013", f"cannot read the snapshot schema: {exc}", where=str(schema_path))]) from None
        else:
            raise LawcodeError([Diagnostic("E013", "convert needs the snapshot's schema", hint="pass --schema FILE or --ruleset PATH")])
        counts = convert(source, schema, form, str(dest), force=force)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    total = sum(counts.values())
    click.echo(f"wrote {dest} ({form}): {total} elements in {len(counts)} collections", err=True)
    sys.exit(EXIT_OK)

