"""`lawcode schema infer`: a draft snapshot JSON Schema from sample snapshots.

A thin command over `lawcode.engine.schema_infer` (where the playground can use it
too): it reads the samples, prints the draft or writes it with `-o`. A schema file is
edited by hand once drafted, so `-o` never replaces an existing file unless `--force`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lawcode.cli.common import EXIT_ERROR, EXIT_OK, OutputFile, print_error
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.output import file_destination, write_text


@click.group("schema")
def schema_group() -> None:
    """Snapshot schema tools (a draft from sample data)."""


@schema_group.command("infer")
@click.argument("samples", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", type=OutputFile(), help="Write the draft to this file (new, unless --force) instead of stdout.")
@click.option("--title", default="Platform snapshot", show_default=True, help="The schema's title.")
@click.option("--force", is_flag=True, help="Replace the --output file if it exists.")
def infer_command(samples: tuple[Path, ...], output: Path | None, title: str, force: bool) -> None:
    """Draft a JSON Schema from SAMPLES (JSON files, or folders of JSON Lines or Parquet files).

    Types come from the values, `date`/`date-time`/`duration` formats from the strings the
    engine parses as such, `enum` from small sets of repeated strings, `required` from
    fields every sampled object holds, `[T, "null"]` where null appears. Review the draft:
    it only knows the samples.
    """
    from lawcode.engine.schema_infer import infer_schema, schema_text

    try:
        target = file_destination(output, force=force, inputs=samples) if output is not None else None
        text = schema_text(infer_schema(samples, title=title))
        if target is not None:
            write_text(target, text)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    if target is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {target.path}: review it, then name it in the ruleset with `schema \"{target.path.name}\"`", err=True)
    sys.exit(EXIT_OK)
