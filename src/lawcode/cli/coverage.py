"""`lawcode coverage`: which parts of each regulation the rulesets encode.

A thin command over `lawcode.coverage` (which computes and renders the coverage): it
compiles the rulesets, prints text or JSON, and exits 1 when a part is NOT ENCODED, so
CI can insist that every article is either checked or declared not applicable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.console import Console

from lawcode.cli.common import EXIT_FAIL, EXIT_OK, compile_or_exit
from lawcode.coverage import complete, compute, print_text, to_json


@click.command("coverage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def coverage_command(paths: tuple[Path, ...], fmt: str) -> None:
    """Show, per document, which articles are checked (data/attestation), not applicable, or NOT ENCODED."""
    ruleset = compile_or_exit(paths)
    coverage = compute(ruleset)
    if fmt == "json":
        click.echo(orjson.dumps(to_json(coverage), option=orjson.OPT_INDENT_2).decode())
    else:
        print_text(coverage, Console(highlight=False, soft_wrap=True, emoji=False))
    sys.exit(EXIT_OK if complete(coverage) else EXIT_FAIL)
