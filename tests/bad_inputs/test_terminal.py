"""Control characters and markup reaching a terminal, and excerpts of long lines.

A ruleset or a snapshot is untrusted text: an escape sequence in a subject id, a title or
a string literal must be shown (`\\x1b`, `\\u202e`), never obeyed, in every text output
(`check` text and markdown, `explain`, `lint`, `test`, `coverage`, `graph`, progress);
the JSON forms keep the exact text. A source excerpt is shown verbatim (`:x:` stays
`:x:`) and cut to a window around its column.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_inputs.support import MINI, MINI_SNAPSHOT, assert_user_error, lawcode
from rich.console import Console

from lawcode.progress import TerminalProgress

# An OSC 8 hyperlink, a screen clear, a C1 CSI, bidi override and isolate, DEL, CR, BEL.
POISON = "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07\x1b[2J\x9b31m\u202eevil\u2066\x7f\r\x07"
# A ruleset is read with universal newlines, where a CR ends a line (and a string).
IN_RULESET = POISON.replace("\r", "")
SHOWN = "\\x1b]8;;http://evil.example\\x07link\\x1b]8;;\\x07\\x1b[2J\\x9b31m\\u202eevil\\u2066\\x7f\\x0d\\x07"
EXCERPT_CHARS = 120  # lawcode.diagnostics.EXCERPT_CHARS: characters of a long line shown
# What a terminal obeys: C0 but tab and newline, DEL, C1, bidi controls, line separators.
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _poisoned_mini(folder: Path) -> Path:
    """The mini ruleset with POISON in a document title, an article summary and a rule title."""
    for source in MINI.iterdir():
        shutil.copy(source, folder / source.name)
    documents = folder / "documents.law"
    text = documents.read_text(encoding="utf-8")
    text = text.replace('title    "Provisions', f'title    "[bold]{IN_RULESET} :x: Provisions')
    text = text.replace('"No dissemination service to unverified users."', f'"No dissemination {IN_RULESET}"')
    documents.write_text(text, encoding="utf-8")
    ruleset = folder / "mini.law"
    ruleset.write_text(ruleset.read_text(encoding="utf-8").replace('title "Users are', f'title "{IN_RULESET} Users are'), encoding="utf-8")
    snapshot = json.loads(MINI_SNAPSHOT.read_text(encoding="utf-8"))
    snapshot["users"][1]["id"] = f"u2{POISON}"
    (folder / "poisoned.json").write_text(json.dumps(snapshot), encoding="utf-8")
    return ruleset


def _check(folder: Path, ruleset: Path, fmt: str) -> list[str | Path]:
    return ["check", ruleset, "-s", folder / "poisoned.json", "-f", fmt]


def _explain(folder: Path, ruleset: Path) -> list[str | Path]:
    return ["explain", "verified-before-posting", ruleset, "-s", folder / "poisoned.json"]


def _test_file(folder: Path, ruleset: Path) -> list[str | Path]:
    case = folder / "poisoned.test.yaml"
    case.write_text(json.dumps({"ruleset": "mini.law", "base": "poisoned.json", "cases": [
        {"name": f"a failing case {POISON}", "rule": "verified-before-posting", "expect": []},
    ]}), encoding="utf-8")
    return ["test", case]


COMMANDS: dict[str, Callable[[Path, Path], list[str | Path]]] = {
    "check text": lambda folder, ruleset: _check(folder, ruleset, "text"),
    "check markdown": lambda folder, ruleset: _check(folder, ruleset, "markdown"),
    "explain": _explain,
    "test": _test_file,
    "coverage": lambda folder, ruleset: ["coverage", folder],
    "graph": lambda folder, ruleset: ["graph", folder, "--rule", "verified-before-posting"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_control_characters_from_rulesets_and_snapshots_are_shown_not_obeyed(command: str, tmp_path: Path) -> None:
    ruleset = _poisoned_mini(tmp_path)
    result = lawcode(*COMMANDS[command](tmp_path, ruleset))
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed and result.returncode in (0, 1), printed[-4000:]
    assert not OBEYED.findall(printed), f"raw controls {sorted(set(OBEYED.findall(printed)))} in:\n{printed[-4000:]!r}"
    assert "\\x1b]8;;http://evil.example" in printed.replace("\\\\", "\\"), printed[-4000:]
    assert "\\u202eevil" in printed.replace("\\\\", "\\"), printed[-4000:]


def test_json_keeps_the_exact_text_the_text_report_escapes(tmp_path: Path) -> None:
    ruleset = _poisoned_mini(tmp_path)
    report = json.loads(lawcode(*_check(tmp_path, ruleset, "json")).stdout)
    assert f"u2{POISON}" in {v["subject"]["id"] for v in report["violations"] if v["subject"]}
    text = lawcode(*_check(tmp_path, ruleset, "text")).stdout
    unwrapped = re.sub(r"\n +", "", text)  # the report wraps at 100 columns, folding the long escaped id
    assert f"u2{SHOWN}" in unwrapped and "[users " in text
    assert "[bold]" in text, "markup in a title is shown as typed"


def test_a_diagnostic_shows_controls_and_its_excerpt_verbatim(tmp_path: Path) -> None:
    ruleset = tmp_path / "bad.law"
    ruleset.write_text(f'rule r {{\n  title "t {IN_RULESET} [red]x[/] :x:"\n  for each u in users\n  require "{IN_RULESET}" :x: == 1\n}}\n', encoding="utf-8")
    result = lawcode("lint", ruleset)
    assert_user_error(result, "bad.law:4:", "\\x1b]8;;http://evil.example")
    assert not OBEYED.findall(result.stderr), repr(result.stderr)
    assert "❌" not in result.stderr, "an excerpt is shown as written, not with emoji"
    line, marker = _excerpt_rows(result.stderr)
    assert marker.index("^") == line.index(":x: =="), f"\n{line}\n{marker}"


def _excerpt_rows(printed: str) -> tuple[str, str]:
    """The source row and the marker row of the first excerpt, without their gutters."""
    rows = printed.splitlines()
    at = next(i for i, row in enumerate(rows) if re.match(r"^ \d+ \| ", row))
    return rows[at].split(" | ", 1)[1], rows[at + 1].split(" | ", 1)[1]


@pytest.mark.parametrize(("before", "after"), [(1_000_000, 10), (10, 1_000_000), (500_000, 500_000)])
def test_a_syntax_error_on_a_long_line_prints_a_window_around_its_column(before: int, after: int, tmp_path: Path) -> None:
    ruleset = tmp_path / "long.law"
    ruleset.write_text("rule r {\n  for each u in users\n  require " + "u" * before + " @" + "1" * after + "\n}\n", encoding="utf-8")
    result = lawcode("lint", ruleset)
    assert_user_error(result, "unexpected character `@`")
    assert len(result.stderr) < 2000, f"{len(result.stderr)} characters printed"
    line, marker = _excerpt_rows(result.stderr)
    assert len(line) <= EXCERPT_CHARS + 2
    assert marker.index("^") == line.index("@"), f"\n{line}\n{marker}"
    assert line.startswith("…") == (before > EXCERPT_CHARS) and line.endswith("…") == (after > EXCERPT_CHARS)


def test_a_progress_label_is_shown_not_obeyed() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, emoji=False)
    with TerminalProgress(label=f"checking {POISON} :x: [red]", console=console, delay=0) as progress:
        progress(1, 2)
    shown = buffer.getvalue()
    assert "\x1b]8;;" not in shown and "\u202e" not in shown and "\x9b" not in shown, repr(shown)
    assert "\\x1b]8;;http://evil.example" in shown and ":x: [red]" in shown, repr(shown)


def test_a_megabyte_token_quoted_in_a_message_is_cut_in_its_middle(tmp_path: Path) -> None:
    ruleset = tmp_path / "token.law"
    ruleset.write_text("rule r {\n  for each u in users\n  require 1 " + "x" * 1_000_000 + "\n}\n", encoding="utf-8")
    result = lawcode("lint", ruleset)
    assert_user_error(result, "token.law:3:13:", "unexpected `xxx", " … ")
    assert len(result.stderr) < 3000, f"{len(result.stderr)} characters printed"
    line, marker = _excerpt_rows(result.stderr)
    assert marker.index("^") == line.index("x") and line.endswith("…"), f"\n{line}\n{marker}"
