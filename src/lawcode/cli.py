"""The `lawcode` command line.

Exit codes are a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error. User mistakes print diagnostics,
never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from lawcode.api import Ruleset, load_ruleset
from lawcode.compiler.ir import SEVERITIES
from lawcode.diagnostics import LawcodeError
from lawcode.engine.formats import FORMATS, render

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2

ruleset_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))


def print_error(error: LawcodeError) -> None:
    console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    console.print(error.render(), markup=False)
    count = len(error.errors)
    if count > 1:
        console.print(f"\n{count} errors", style="bold red", markup=False)


def compile_or_exit(paths: tuple[Path, ...]) -> Ruleset:
    try:
        return load_ruleset(list(paths))
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="lawcode")
def cli() -> None:
    """lawcode: regulations as declarative, cited, checkable rules."""


@cli.command()
@ruleset_paths
@click.option("--snapshot", "-s", "snapshot", required=True, type=click.Path(path_type=Path), help="Platform state snapshot: a JSON file, or a directory of JSON Lines or Parquet files (see `lawcode snapshot convert`).")
@click.option("--format", "-f", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report to a file instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="info", show_default=True, help="Lowest severity that makes the exit code 1.")
@click.option("--max-snapshot-mb", type=click.IntRange(min=1), default=1024, show_default=True, help="Refuse larger JSON snapshots on the python backend (the SQL backends stream any size).")
@click.option("--backend", "-b", type=click.Choice(["auto", "python", "duckdb", "spark"]), default="auto", show_default=True, help="Evaluator: python for small JSON, duckdb/spark (SQL) for large JSON, JSON Lines or Parquet directories.")
@click.option("--spark-master", metavar="URL", default=None, help="Spark master for --backend spark (default local[*]).")
def check(paths: tuple[Path, ...], snapshot: Path, fmt: str, output: Path | None, fail_on: str, max_snapshot_mb: int, backend: str, spark_master: str | None) -> None:
    """Check a snapshot against rulesets (files or folders of .law files)."""
    from lawcode.progress import TerminalProgress, wanted

    ruleset = compile_or_exit(paths)
    try:
        if backend != "python":
            from lawcode.engine.sql import choose

            backend = choose(str(snapshot), backend)
        if backend != "python":
            report = ruleset.evaluate(str(snapshot), backend=backend, spark_master=spark_master)
        else:
            with TerminalProgress(enabled=wanted()) as progress:
                loaded = progress.loading("loading the snapshot", lambda: ruleset.load_snapshot(snapshot, max_bytes=max_snapshot_mb * 1_000_000), snapshot)
                report = ruleset.evaluate(loaded, progress=progress)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    text = render(fmt, report, ruleset.program, terminal=output is None and sys.stdout.isatty())
    if output is not None:
        _write_atomically(output, text)
    else:
        click.echo(text, nl=False)
    threshold = SEVERITIES.index(fail_on)
    severities = [v.severity for v in report.violations] + [u.severity for u in report.undetermined]
    failing = [s for s in severities if SEVERITIES.index(s) >= threshold]
    sys.exit(EXIT_FAIL if failing else EXIT_OK)


@cli.command()
@ruleset_paths
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def lint(paths: tuple[Path, ...], fmt: str) -> None:
    """Compile rulesets and print every diagnostic (exit 2 if any is an error)."""
    import orjson

    try:
        ruleset = load_ruleset(list(paths))
    except LawcodeError as error:
        if fmt == "json":
            click.echo(orjson.dumps([d.to_json() for d in error.diagnostics], option=orjson.OPT_INDENT_2).decode())
        else:
            print_error(error)
        sys.exit(EXIT_ERROR)
    warnings = ruleset.warnings
    if fmt == "json":
        click.echo(orjson.dumps([d.to_json() for d in warnings], option=orjson.OPT_INDENT_2).decode())
    else:
        for w in warnings:
            click.echo(w.render(ruleset.program.sources), err=True)
        rules = len(ruleset.rules)
        click.echo(f"ok: {rules} rule{'s' if rules != 1 else ''}, {len(ruleset.documents)} document(s), {len(warnings)} warning(s)")
    sys.exit(EXIT_OK)


def _write_atomically(path: Path, text: str) -> None:
    """Nothing half-written: write a sibling temp file, then rename over the target."""
    import os
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise click.FileError(str(path), hint=exc.strerror or str(exc)) from None


def register(command: Any) -> None:
    """Add a command defined in another module (keeps this file small)."""
    cli.add_command(command)


def main() -> None:
    from lawcode import commands  # noqa: F401  (registers the other commands)

    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
