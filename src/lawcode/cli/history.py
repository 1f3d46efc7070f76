"""`lawcode history SOURCE...`: timelines over dated snapshots or saved JSON reports.

Thin: `lawcode.engine.cycle.sources` reads (and, for snapshots, evaluates once, with an
optional SQLite cache), `history` builds the timelines, and the text, JSON or HTML
renderer writes them. Errors are the user's to fix: diagnostics and exit 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import orjson

from lawcode.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    OutputFile,
    compile_or_exit,
    destination_or_exit,
    print_error,
    write_or_exit,
)
from lawcode.dsl.diagnostics import LawcodeError


@click.command("history")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules", "-r", "rules", multiple=True, type=click.Path(path_type=Path), help="The ruleset (files or folders) to check snapshots with; not needed for saved reports.")
@click.option("--cache", type=click.Path(path_type=Path), help="An SQLite file keeping each snapshot's report by content hash, so it is evaluated once.")
@click.option("--waivers", type=click.Path(path_type=Path), help="A waivers file: each report's violations marked on its own day (needs --rules).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--output", "-o", type=OutputFile(), help="Write to a file instead of stdout.")
def history_command(sources: tuple[Path, ...], rules: tuple[Path, ...], cache: Path | None, waivers: Path | None, fmt: str, output: Path | None) -> None:
    """Timelines of violations over dated snapshots or saved JSON reports (files or folders)."""
    from lawcode.engine.cycle import history, load_waivers
    from lawcode.engine.cycle import sources as reading
    from lawcode.engine.cycle.history_text import render as render_text

    started = time.perf_counter()
    ruleset = compile_or_exit(rules) if rules else None
    if waivers is not None and ruleset is None:
        raise click.UsageError("--waivers needs --rules RULESET (the waivers are checked against its rules)")
    target = destination_or_exit(output, [*sources, *([cache] if cache else []), *([waivers] if waivers else [])]) if output is not None else None
    try:
        waiver_file = load_waivers(waivers, ruleset.program) if waivers is not None and ruleset is not None else None
        loaded = reading.load(list(sources), ruleset.program if ruleset else None, ruleset.paths if ruleset else (), cache=cache, waivers=waiver_file)
        built = history.history_of(loaded.reports)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    data = built.to_json()
    data["inputs"] = {"reports_read": loaded.read, "snapshots_cached": loaded.cached, "snapshots_evaluated": loaded.evaluated}
    if fmt == "json":
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif fmt == "html":
        from lawcode.engine.formats.html import render_history

        text = render_history(data)
    else:
        text = render_text(data, color=True if output is None and sys.stdout.isatty() else None)
    if target is not None:
        write_or_exit(target, text)
    else:
        click.echo(text, nl=False)
    if fmt == "text":
        click.echo(f"{loaded.read} report(s) read, {loaded.cached} from the cache, {loaded.evaluated} snapshot(s) evaluated, in {time.perf_counter() - started:.2f} s", err=True)
    sys.exit(EXIT_OK)
