"""The `lawcode` command line: the group, its commands listed in one place, and `main`.

Each command lives in a module of this package (`check` and `lint` in `check`, then
`fmt`, `graph`, `explain`, `snapshot`, `test`, `coverage`, `history`, `export`, `playground`) and is added
below by name: this file lists every command there is, and importing a command's module
registers nothing. A command's function is named `<name>_command`, never after its
module, so `lawcode.cli.check` stays the module. What the commands share (exit codes,
printing diagnostics, compiling, writing outputs) is in `common`; the work itself is in
the libraries (`lawcode.api`, `lawcode.testing`, `lawcode.coverage`, `lawcode.engine`,
`lawcode.playground`), which know nothing of click.

Exit codes are a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click

from lawcode.cli.check import check_command, lint_command
from lawcode.cli.common import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK
from lawcode.cli.coverage import coverage_command
from lawcode.cli.explain import explain_command
from lawcode.cli.export import export_group
from lawcode.cli.fmt import fmt_command
from lawcode.cli.graph import graph_command
from lawcode.cli.history import history_command
from lawcode.cli.init import init_command
from lawcode.cli.lsp import lsp_command
from lawcode.cli.playground import playground_command
from lawcode.cli.schema import schema_group
from lawcode.cli.snapshot import snapshot_group
from lawcode.cli.test import test_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="lawcode")
def cli() -> None:
    """lawcode: regulations as declarative, cited, checkable rules."""


cli.add_command(init_command)
cli.add_command(check_command)
cli.add_command(lint_command)
cli.add_command(fmt_command)
cli.add_command(graph_command)
cli.add_command(explain_command)
cli.add_command(snapshot_group)
cli.add_command(schema_group)
cli.add_command(test_command)
cli.add_command(coverage_command)
cli.add_command(history_command)
cli.add_command(export_group)
cli.add_command(playground_command)
cli.add_command(lsp_command)


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
