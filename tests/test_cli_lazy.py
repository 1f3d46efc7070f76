"""The command line imports a command's module only when that command runs.

`lawcode --help` lists every command from the table in `lawcode.cli` (`COMMANDS`), each
with the first paragraph of its help; these tests hold the table equal to the commands
themselves, so it cannot drift, and check in fresh interpreters what is imported.
"""

from __future__ import annotations

import inspect
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import lawcode.cli
from helpers import DATA
from lawcode.cli import COMMANDS, all_commands, cli


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_each_entry_is_its_command_with_the_first_paragraph_of_its_help() -> None:
    for name, command in all_commands().items():
        assert name in COMMANDS, f"`{name}` is missing from lawcode.cli.COMMANDS"
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert COMMANDS[name].summary == first, f"COMMANDS[{name!r}].summary is not the first paragraph of the command's help"
        assert command.short_help is None  # click would show it instead of the help's start


def test_every_command_in_the_package_is_in_the_table() -> None:
    """A command defined in a module of lawcode.cli but not listed would never run."""
    defined: list[click.Command] = []
    for module in pkgutil.iter_modules(lawcode.cli.__path__):
        loaded = __import__(f"lawcode.cli.{module.name}", fromlist=["_"])
        defined += [value for key, value in vars(loaded).items() if isinstance(value, click.Command) and key.endswith(("_command", "_group"))]
    inside = {id(sub) for group in defined if isinstance(group, click.Group) for sub in group.commands.values()}  # `snapshot convert`, …
    assert {c.name for c in defined if id(c) not in inside} == set(COMMANDS)


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_help_lists_what_the_loaded_commands_would_say(width: int) -> None:
    """The listing from the table, in a fresh interpreter, is the one click writes from the
    commands themselves, at any terminal width; and it imported none of them."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from lawcode.cli import cli\n"
        f"out = CliRunner().invoke(cli, ['--help'], terminal_width={width}).output\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('lawcode.cli.') and m != 'lawcode.cli.exits')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('lawcode', 'networkx', 'starlette', 'pygls', 'duckdb', 'sqlglot', 'rich') and m not in ('lawcode', 'lawcode.cli', 'lawcode.cli.exits'))\n"
        "import json; print(json.dumps([out, loaded, heavy]))"
    )
    lazily, loaded, heavy = json.loads(run_python(code))
    assert loaded == [] and heavy == []
    all_commands()
    eagerly = CliRunner().invoke(cli, ["--help"], terminal_width=width).output
    assert lazily == eagerly
    assert all(f"\n  {name} " in lazily for name in COMMANDS)


def test_check_imports_neither_the_graph_the_playground_nor_the_language_server() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from lawcode.cli import cli\n"
        f"result = CliRunner().invoke(cli, ['check', {str(DATA / 'mini')!r}, '-s', {str(DATA / 'mini' / 'violations.json')!r}, '-f', 'json'])\n"
        "print(result.exit_code, sorted(m for m in sys.modules if m.split('.')[0] in ('networkx', 'starlette', 'uvicorn', 'pygls') or m.startswith(('lawcode.playground', 'lawcode.lsp', 'lawcode.cli.graph', 'lawcode.cli.playground'))))"
    )
    assert run_python(code).split(" ", 1) == ["1", "[]\n"]


def test_an_unknown_command_is_still_a_usage_error_with_a_suggestion() -> None:
    result = CliRunner().invoke(cli, ["chek"])
    assert result.exit_code == 2
    assert "No such command 'chek'" in result.output and "check" in result.output
