"""The `lawcode` command line: the group, its commands listed in one place, and `main`.

Each command lives in a module of this package (`check` and `lint` in `check`, then
`fmt`, `graph`, `explain`, `snapshot`, `test`, `coverage`, `history`, `export`, `playground`) and is listed
below by name (`COMMANDS`): this file lists every command there is, and importing a command's module
registers nothing. A command's function is named `<name>_command`, never after its
module, so `lawcode.cli.check` stays the module. What the commands share (exit codes,
printing diagnostics, compiling, writing outputs) is in `common`; the work itself is in
the libraries (`lawcode.api`, `lawcode.testing`, `lawcode.coverage`, `lawcode.engine`,
`lawcode.playground`), which know nothing of click.

A command's module is imported only when that command runs (click's lazily loading
group): `lawcode check` does not pay for networkx (`graph`), asyncio and Starlette
(`playground`) or pygls (`lsp`). `lawcode --help` imports none of them: it lists each
command with the first paragraph of its help kept here, which tests/test_cli_lazy.py
holds equal to the command's own.

Exit codes are a contract for CI: 0 compliant, 1 violations (or undetermined subjects)
at or above `--fail-on`, 2 a usage or input error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import importlib
import signal
import sys
from dataclasses import dataclass
from types import FrameType

import click

from lawcode.cli.exits import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK


@dataclass(frozen=True, slots=True)
class Entry:
    """Where a command is defined, and the first paragraph of its help (what `--help` lists)."""

    module: str
    attribute: str
    summary: str


# In the order they were added; `--help` lists them by name, as click does.
COMMANDS: dict[str, Entry] = {
    "init": Entry("init", "init_command", "Write a starter ruleset into FOLDER (default: here); refuses to replace any file."),
    "check": Entry("check", "check_command", "Check a snapshot against rulesets (files or folders of .law files)."),
    "lint": Entry("check", "lint_command", "Compile rulesets and print every diagnostic (exit 2 if any is an error)."),
    "fmt": Entry("fmt", "fmt_command", "Format rulesets (files, folders of .law files, or - for stdin → stdout)."),
    "graph": Entry("graph", "graph_command", "The dependency graph: snapshot fields → parameters, definitions → rules → articles."),
    "explain": Entry("explain", "explain_command", "Why RULE fired or stayed silent: the tree of sub-decisions, with values and sources."),
    "snapshot": Entry("snapshot", "snapshot_group", "Snapshot tools (conversion between input forms)."),
    "schema": Entry("schema", "schema_group", "Snapshot schema tools (a draft from sample data)."),
    "test": Entry("test", "test_command", "Run rule tests (*.test.yaml): each case's exact expected violations. See docs/testing.md."),
    "coverage": Entry("coverage", "coverage_command", "Show, per document, which articles are checked (data/attestation), not applicable, or NOT ENCODED."),
    "history": Entry("history", "history_command", "Timelines of violations over dated snapshots or saved JSON reports (files or folders)."),
    "export": Entry("export", "export_group", "Export rulesets for other tools (OSCAL)."),
    "playground": Entry("playground", "playground_command", "Serve the web playground: edit a ruleset and a snapshot, evaluate, explain, share."),
    "lsp": Entry("lsp", "lsp_command", "Run the language server (diagnostics, hover, completion, …) for an editor."),
}


def load_command(name: str) -> click.Command:
    """The command `name` (a key of `COMMANDS`), its module imported."""
    entry = COMMANDS[name]
    command = getattr(importlib.import_module(f"lawcode.cli.{entry.module}"), entry.attribute)
    if not isinstance(command, click.Command) or command.name != name:  # a slip in the table, not the user's
        raise TypeError(f"lawcode.cli.{entry.module}.{entry.attribute} is not the `{name}` command")
    return command


class LazyGroup(click.Group):
    """A group whose commands are imported when asked for (click's documented pattern:
    `list_commands` from the table, `get_command` imports one module)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(load_command(cmd_name))
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands' list in `--help`, each shortened as click shortens its own help,
        from the table: no command module is imported to print it."""
        listed = {name: self.commands.get(name) or click.Command(name, help=COMMANDS[name].summary) for name in self.list_commands(ctx)}
        original = self.commands
        self.commands = listed  # what click's own formatter reads through get_command
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = original


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="lawcode")
def cli() -> None:
    """lawcode: regulations as declarative, cited, checkable rules."""


def all_commands() -> dict[str, click.Command]:
    """Every command, each module imported (docs/generate_cli.py, tests)."""
    ctx = click.Context(cli)
    return {name: command for name in cli.list_commands(ctx) if (command := cli.get_command(ctx, name)) is not None}


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
