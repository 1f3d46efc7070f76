"""`lawcode check` (a snapshot against rulesets) and `lawcode lint` (the rulesets alone).

`check` is the command CI runs: its exit code says whether anything at or above
`--fail-on` was found; `-o` is checked before the evaluation, so a bad output path costs
nothing. `lint` compiles and prints every diagnostic, for an editor or a pre-commit hook.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from lawcode.api import load_ruleset
from lawcode.cli.common import (
    EXIT_ERROR,
    EXIT_FAIL,
    EXIT_OK,
    FOLDER_HINT,
    compile_or_exit,
    destination_or_exit,
    ends_as_folder,
    print_error,
    ruleset_files,
    ruleset_paths,
)
from lawcode.compiler import Program
from lawcode.compiler.ir import SEVERITIES
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.formats import FORMATS, View, pieces, render
from lawcode.engine.formats.view import COLORS, EVIDENCE_SHOWN, MAX_BYTES
from lawcode.engine.output import Destination, folder_destination, staged_folder, stream_to, write_pieces
from lawcode.engine.report import Report, ReportStream, Undetermined, Violation, Written
from lawcode.engine.snapshot import Snapshot

if TYPE_CHECKING:  # baselines and waivers (and YAML) are imported only for a run that has them
    from lawcode.engine.cycle import Baseline, WaiverFile

_Item = TypeVar("_Item", Violation, Undetermined)


@click.command("check")
@ruleset_paths
@click.option("--snapshot", "-s", "snapshot", required=True, type=click.Path(path_type=Path), help="Platform state snapshot: a JSON file, or a directory of JSON Lines or Parquet files (see `lawcode snapshot convert`).")
@click.option("--format", "-f", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True, help="Report format (json and jsonl are written as they are produced; jsonl: one record per line, the summary last).")
@click.option("--output", "-o", type=click.Path(), help="Write the report to a file instead of stdout. With --backend spark --format jsonl, a path ending in / (or an empty folder) is a new folder of JSON Lines parts, written by Spark.")
@click.option("--fail-on", type=click.Choice([*SEVERITIES, "new"]), default="info", show_default=True, help="Lowest severity that makes the exit code 1; `new`: only violations new since --baseline (actively waived ones never fail).")
@click.option("--baseline", type=click.Path(path_type=Path), help="A previous JSON report: mark violations new or unchanged (by rule and subject), list the resolved ones, carry first_seen.")
@click.option("--waivers", type=click.Path(path_type=Path), help="A waivers file (YAML, docs/waivers.schema.json): waived violations are reported as waived, stale and expired waivers said so.")
@click.option("--max-snapshot-mb", type=click.IntRange(min=1), default=1024, show_default=True, help="Refuse larger JSON snapshots on the python backend (the SQL backends stream any size).")
@click.option("--backend", "-b", type=click.Choice(["auto", "python", "duckdb", "spark"]), default="auto", show_default=True, help="Evaluator: python for small JSON, duckdb/spark (SQL) for large JSON, JSON Lines or Parquet directories.")
@click.option("--spark-master", metavar="URL", default=None, help="Spark master for --backend spark (default local[*]).")
@click.option("--color", type=click.Choice(COLORS), default="auto", show_default=True, help="Colour the text report: auto = on a terminal, unless NO_COLOR is set.")
@click.option("--evidence", default=str(EVIDENCE_SHOWN), show_default=True, metavar="N|all", callback=lambda _c, _p, v: _evidence(v), help="Evidence values shown per violation in the text report.")
@click.option("--max-bytes", type=click.IntRange(min=0), default=MAX_BYTES, show_default=True, help="Cut the markdown report to fit (a GitHub comment takes 65,536); 0: no limit.")
def check_command(paths: tuple[Path, ...], snapshot: Path, fmt: str, output: str | None, fail_on: str, baseline: Path | None, waivers: Path | None, max_snapshot_mb: int, backend: str, spark_master: str | None, color: str, evidence: int | None, max_bytes: int) -> None:
    """Check a snapshot against rulesets (files or folders of .law files)."""
    from lawcode.progress import TerminalProgress, wanted

    ruleset = compile_or_exit(paths)
    if fail_on == "new" and baseline is None:
        raise click.UsageError("--fail-on new needs --baseline PREVIOUS_REPORT.json (new since what?)")
    inputs: list[str | Path] = [*ruleset_files(ruleset), snapshot, *([baseline] if baseline else []), *([waivers] if waivers else [])]
    folder = _folder_or_exit(output, fmt, backend, inputs)  # Spark writes the parts there
    if output is not None and folder is None and ends_as_folder(output):
        raise click.BadParameter(f"{output!r} names a folder; {FOLDER_HINT.format(output)} (a folder of parts is for --backend spark --format jsonl)", param_hint="'--output' / '-o'")
    target = destination_or_exit(Path(output), inputs) if output is not None and folder is None else None
    cycle = Cycle.load_or_exit(ruleset.program, baseline, waivers) if (baseline or waivers or fmt == "html") else None
    gate = Gate(SEVERITIES.index(fail_on) if fail_on != "new" else 0)
    terminal = output is None and sys.stdout.isatty()
    view = View.for_output(terminal=terminal, color=color, evidence=evidence, max_bytes=max_bytes)
    try:
        if backend != "python":
            from lawcode.engine.sql import choose

            backend = choose(str(snapshot), backend, ruleset.program)
        if backend != "python":
            from lawcode.engine.sql import evaluating

            # the report is written inside the block: each violation is built as it is written
            with evaluating(ruleset.program, str(snapshot), backend=backend, rulesets=ruleset.paths, spark_master=spark_master, spark_writes=folder is not None) as stream:
                if folder is not None:
                    _write_folder(cycle.mark(stream.collect(), None).stream() if cycle is not None else stream, folder, gate)
                    sys.exit(EXIT_FAIL if gate.failing else EXIT_OK)
                if cycle is not None:  # baselines and waivers read the whole report
                    report = cycle.mark(stream.collect(), None)
                    _write(iter([render(fmt, report, ruleset.program, view=view).encode()]), target)
                    sys.exit(EXIT_FAIL if cycle.failing(report, gate.threshold, fail_on == "new") else EXIT_OK)
                _write(pieces(fmt, gate.watch(stream), ruleset.program, view=view), target)
        else:
            with TerminalProgress(enabled=wanted()) as progress:
                loaded = progress.loading("loading the snapshot", lambda: ruleset.load_snapshot(snapshot, max_bytes=max_snapshot_mb * 1_000_000), snapshot)
                report = ruleset.evaluate(loaded, progress=progress)
            if cycle is not None:
                report = cycle.mark(report, loaded)
                _write(iter([render(fmt, report, ruleset.program, view=view).encode()]), target)
                sys.exit(EXIT_FAIL if cycle.failing(report, gate.threshold, fail_on == "new") else EXIT_OK)
            _write(pieces(fmt, gate.watch(report.stream()), ruleset.program, view=view), target)
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:  # `lawcode check -f jsonl … | head`: the reader left; say so, and stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        click.echo("lawcode: the output was closed before the report was complete", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FAIL if gate.failing else EXIT_OK)


def _evidence(value: str) -> int | None:
    """`--evidence`: a count, or `all` (None)."""
    if value == "all":
        return None
    if value.isdigit():
        return int(value)
    raise click.BadParameter(f"{value!r} is neither a count nor `all`", param_hint="--evidence")


def _folder_or_exit(output: str | None, fmt: str, backend: str, inputs: list[str | Path]) -> Path | None:
    """The folder Spark writes the JSON Lines parts in (checked before any work), when `-o`
    names one (a trailing slash, or an existing folder) and Spark writes jsonl; else None."""
    if output is None or fmt != "jsonl" or backend != "spark" or not (ends_as_folder(output) or os.path.isdir(output)):
        return None
    try:
        return folder_destination(Path(output), force=False, inputs=inputs, not_empty_hint="name a new folder (or empty this one): parts are never mixed with other files")
    except LawcodeError as error:
        print_error(error)
        sys.exit(EXIT_ERROR)


def _write_folder(stream: ReportStream, folder: Path, gate: Gate) -> None:
    """The jsonl report as a folder of parts (`spark_written.write_folder`), staged beside
    the folder and renamed into place once complete; the gate learns Spark's counts."""
    from lawcode.engine.sql.spark_written import write_folder

    with staged_folder(folder) as stage:
        summary = write_folder(gate.watch(stream), stage)
    gate.counted(summary["by_severity"])


def _write(report: Iterator[bytes], target: Destination | None) -> None:
    """The report's bytes to the checked file (atomically) or to stdout, as they come."""
    if target is not None:
        write_pieces(target, report)
    else:
        stream_to(click.get_binary_stream("stdout"), report)


@dataclasses.dataclass(frozen=True, slots=True)
class Cycle:
    """The baseline and waivers `check` was given, read and checked before the evaluation."""

    program: Program
    baseline: Baseline | None
    waivers: WaiverFile | None

    @classmethod
    def load_or_exit(cls, program: Program, baseline: Path | None, waivers: Path | None) -> Cycle:
        from lawcode.engine.cycle import Baseline, load_waivers

        try:
            return cls(program, Baseline.load(baseline) if baseline else None, load_waivers(waivers, program) if waivers else None)
        except LawcodeError as error:
            print_error(error)
            sys.exit(EXIT_ERROR)

    def mark(self, report: Report, snapshot: Snapshot | None) -> Report:
        from lawcode.engine.cycle import annotate

        return annotate(report, self.program, baseline=self.baseline, waivers=self.waivers, snapshot=snapshot)

    @staticmethod
    def failing(report: Report, threshold: int, new_only: bool) -> bool:
        """Whether the marked report fails `--fail-on` (waived violations never do)."""
        from lawcode.engine.cycle import failing

        return failing(report, threshold, new_only=new_only)


class Gate:
    """Whether anything at or above `--fail-on` was reported, noted as the report streams by."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.failing = False

    def watch(self, stream: ReportStream) -> ReportStream:
        parts = stream.parts
        return dataclasses.replace(
            stream,
            violations=lambda: self._see(stream.violations()),
            undetermined=lambda: self._see(stream.undetermined()),
            parts=(lambda: self._see_parts(parts())) if parts is not None else None,
        )

    def _see(self, items: Iterator[_Item]) -> Iterator[_Item]:
        for item in items:
            if SEVERITIES.index(item.severity) >= self.threshold:
                self.failing = True
            yield item

    def _see_parts(self, parts: Iterator[Violation | Written]) -> Iterator[Violation | Written]:
        """The violations the engine wrote count too: a rule's block, once it wrote one."""
        for part in parts:
            if isinstance(part, Violation):
                yield from self._see(iter([part]))
            elif SEVERITIES.index(part.severity) < self.threshold:
                yield part
            else:
                yield dataclasses.replace(part, chunks=self._seen_chunks(part.chunks))

    def _seen_chunks(self, chunks: Callable[[str], Iterator[tuple[bytes, int]]]) -> Callable[[str], Iterator[tuple[bytes, int]]]:
        def seen(form: str) -> Iterator[tuple[bytes, int]]:
            for text, count in chunks(form):
                self.failing = self.failing or count > 0
                yield text, count

        return seen

    def counted(self, by_severity: dict[str, int]) -> None:
        """Counts of violations by severity that passed elsewhere (a folder Spark wrote)."""
        if any(count and SEVERITIES.index(severity) >= self.threshold for severity, count in by_severity.items()):
            self.failing = True


@click.command("lint")
@ruleset_paths
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--waivers", type=click.Path(path_type=Path), help="Also check a waivers file against the rulesets (rule ids, subjects, `where` expressions).")
def lint_command(paths: tuple[Path, ...], fmt: str, waivers: Path | None) -> None:
    """Compile rulesets and print every diagnostic (exit 2 if any is an error)."""
    import orjson

    try:
        ruleset = load_ruleset(list(paths))
        if waivers is not None:
            from lawcode.engine.cycle import load_waivers

            load_waivers(waivers, ruleset.program)
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
        checked = f", waivers in {waivers} checked" if waivers is not None else ""
        click.echo(f"ok: {rules} rule{'s' if rules != 1 else ''}, {len(ruleset.documents)} document(s), {len(warnings)} warning(s){checked}")
    sys.exit(EXIT_OK)
