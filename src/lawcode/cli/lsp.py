"""`lawcode lsp`: the language server for editors, over stdin and stdout.

An editor starts it and speaks the Language Server Protocol to it (docs/editors.md);
the server itself is `lawcode.lsp`. Nothing is printed to stdout but protocol messages.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Speak over stdin/stdout (the default and only transport; accepted because clients pass it).")
@click.option("--ruleset", "rulesets", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="A ruleset folder (repeatable); by default a file's ruleset is the highest folder above it that holds `.law` files.")
def lsp_command(stdio: bool, rulesets: tuple[Path, ...]) -> None:
    """Run the language server (diagnostics, hover, completion, …) for an editor."""
    from lawcode.lsp.server import serve

    serve(rulesets)
