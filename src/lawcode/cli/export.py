"""`lawcode export`: a ruleset in another tool's format; today an OSCAL catalog.

`lawcode export catalog RULESET... -o catalog.json` writes the regulations the rulesets
cite as one OSCAL 1.2.1 catalog (a group per document, a control per article), with the
rules as assessment methods and the parameters with their defaults (docs/oscal.md). A
run's assessment results and POA&M come from `lawcode check --format oscal|oscal-poam`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from lawcode.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    OutputFile,
    compile_or_exit,
    destination_or_exit,
    print_error,
    ruleset_files,
    ruleset_paths,
    write_or_exit,
)
from lawcode.cli.completion import typed_paths
from lawcode.dsl.diagnostics import LawcodeError


def complete_document_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Document keys of the rulesets named earlier on the command line (nothing on any error)."""
    from lawcode.api import load_ruleset

    paths = typed_paths(ctx)
    if not paths:
        return []
    try:
        documents = load_ruleset(paths).documents
    except (LawcodeError, OSError):
        return []
    return [CompletionItem(key, help=doc.title) for key, doc in sorted(documents.items()) if key.startswith(incomplete)]


@click.group("export")
def export_group() -> None:
    """Export rulesets for other tools (OSCAL)."""


@export_group.command("catalog")
@ruleset_paths
@click.option("--output", "-o", type=OutputFile(), help="Write the catalog to a file instead of stdout.")
@click.option("--document", "-d", "documents", multiple=True, metavar="KEY", shell_complete=complete_document_keys, help="Only this document (repeatable; default: every document the rulesets declare).")
@click.option("--title", default=None, help="The catalog's title (default: the documents' titles).")
def catalog_command(paths: tuple[Path, ...], output: Path | None, documents: tuple[str, ...], title: str | None) -> None:
    """Write the regulations of rulesets as an OSCAL catalog (JSON)."""
    from lawcode.engine.oscal import build_catalog, dumps

    ruleset = compile_or_exit(paths)
    target = destination_or_exit(output, ruleset_files(ruleset)) if output is not None else None
    try:
        text = dumps(build_catalog(ruleset.program, documents or None, title=title))
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    if target is not None:
        write_or_exit(target, text)
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_OK)
