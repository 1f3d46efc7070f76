"""docs/cli.md documents every command, with output produced by docs/generate_cli.py."""

from __future__ import annotations

import importlib.util
import re

import pytest

from helpers import ROOT
from lawcode.cli import all_commands

PAGE = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_every_command_has_a_section_with_a_real_run() -> None:
    for name in all_commands():
        assert f"\n## lawcode {name}\n" in PAGE, f"docs/cli.md has no section for `lawcode {name}` (run python docs/generate_cli.py)"
        section = PAGE.split(f"\n## lawcode {name}\n", 1)[1].split("\n## ", 1)[0]
        assert re.search(rf"^\$ lawcode {name}\b.*\n(.*\n)*?\[exit \d\]$", section, re.MULTILINE), name


def test_no_example_crashed() -> None:
    """Exit 2 only where the example shows a mistake and its diagnostic."""
    assert "Traceback" not in PAGE
    for block in re.findall(r"```console\n(.*?)```", PAGE, re.DOTALL):
        exit_code = int(block.strip().splitlines()[-1].removeprefix("[exit ").removesuffix("]"))
        assert exit_code in (0, 1) or "did you mean" in block or "error[" in block, block


@pytest.mark.slow
def test_the_page_is_what_the_generator_writes() -> None:
    """The whole page comes from docs/generate_cli.py: nothing spliced in by hand, nothing
    left behind by a change of a command's output (timings aside). Slow: it runs every
    example, in this process (the generator uses click's CliRunner), not one
    interpreter per example."""
    spec = importlib.util.spec_from_file_location("generate_cli", ROOT / "docs" / "generate_cli.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    diff = generator.stale(PAGE, generator.written())
    assert not diff, "docs/cli.md is not what docs/generate_cli.py writes; run it:\n" + "\n".join(diff[:60])
