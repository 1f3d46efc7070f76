"""The `lawcode` command line.

Exit codes are a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error, 130 interrupted (Ctrl-C). User
mistakes print diagnostics, never a traceback. Files are written by `lawcode.engine.output`
only, and `-o` is checked before any evaluation starts.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console

from lawcode.api import Ruleset, load_ruleset
from lawcode.compiler.ir import SEVERITIES
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.formats import FORMATS, render
from lawcode.engine.output import Destination, destination, write_text

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C

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
    target = destination_or_exit(output, [*ruleset_files(ruleset), snapshot]) if output is not None else None
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
    if target is not None:
        write_or_exit(target, text)
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


def ruleset_files(ruleset: Ruleset) -> list[str]:
    """Every file a ruleset was compiled from (its `.law` files and schema): never an output."""
    schema = ruleset.program.schema.path
    return [*ruleset.program.sources, *([schema] if schema else [])]


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


def register(command: Any) -> None:
    """Add a command defined in another module (keeps this file small)."""
    cli.add_command(command)


class _Interrupts:
    """Whether Ctrl-C was pressed during this run.

    Libraries turn the KeyboardInterrupt into their own errors (DuckDB raises
    `RuntimeError: Query interrupted`, click an `Abort`), so the signal itself is
    remembered: whatever error then ends the run, the run was interrupted.
    """

    seen = False

    @classmethod
    def handle(cls, signum: int, frame: FrameType | None) -> None:
        cls.seen = True
        raise KeyboardInterrupt


def main(prog_name: str | None = None) -> None:
    """Run the command line; Ctrl-C anywhere exits 130 with one line and no traceback."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started ignoring it (`cmd &`)
        signal.signal(signal.SIGINT, _Interrupts.handle)
    try:
        from lawcode import commands  # noqa: F401  (registers the other commands)

        code = cli.main(prog_name=prog_name, standalone_mode=False)
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except click.Abort:
        if not _Interrupts.seen:
            click.echo("Aborted!", err=True)
        code = EXIT_INTERRUPTED if _Interrupts.seen else EXIT_FAIL
    except SystemExit as done:
        code = EXIT_INTERRUPTED if _Interrupts.seen and done.code else done.code
    except BaseException:
        if not _Interrupts.seen:
            raise
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        click.echo("lawcode: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
