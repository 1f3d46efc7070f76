"""`lawcode test`: run the rule tests (`*.test.yaml`) found under the paths given.

A thin command over `lawcode.testing`, which loads and runs the cases and shows the
results; this module only reads the options and turns the run into an exit code (0 all
passed, 1 a case failed, 2 a test file or its ruleset is unusable).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from lawcode.testing import print_run, run_tests


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--backend", "-b", default="python", show_default=True, help="Evaluator to run every case on (python, duckdb, spark).")
@click.option("--verbose", "-v", is_flag=True, help="List passing cases too.")
def test_command(paths: tuple[Path, ...], backend: str, verbose: bool) -> None:
    """Run rule tests (*.test.yaml): each case's exact expected violations. See docs/testing.md."""
    run = run_tests(paths, backend)
    print_run(run, Console(highlight=False, soft_wrap=True, emoji=False), verbose)
    sys.exit(run.exit_code)
