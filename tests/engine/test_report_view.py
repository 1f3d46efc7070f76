"""Reports for people (`engine/formats/view.py`, text and markdown): wrapping, colour, evidence, size.

The CLI runs below use a real pseudo-terminal where the terminal matters (colour on `auto`).
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest
from rich.cells import cell_len

import lawcode
from helpers import DATA, ROOT
from lawcode.engine.formats import View, render
from lawcode.engine.formats.view import EVIDENCE_SHOWN, MAX_BYTES

MINI = lawcode.load_ruleset(DATA / "mini" / "mini.law")
REPORT = MINI.evaluate(str((DATA / "mini" / "violations.json").relative_to(ROOT)))
ESCAPE = re.compile(r"\x1b\[")
ARGS = ["check", str(DATA / "mini" / "mini.law"), "-s", str(DATA / "mini" / "violations.json")]


@pytest.mark.parametrize("width", [40, 60, 100, 160])
def test_text_wraps_at_the_width_and_keeps_indentation(width: int) -> None:
    shown = render("text", REPORT, MINI.program, view=View(width=width))
    lines = shown.splitlines()
    assert all(cell_len(line) <= width for line in lines), [line for line in lines if cell_len(line) > width]
    assert all(line == line.rstrip() for line in lines), "no trailing spaces"
    starts = [i for i, line in enumerate(lines) if line.lstrip().startswith(("high ", "medium "))]
    assert starts, shown
    for i in starts:  # a violation and its wrapped lines stay under its article
        assert lines[i].startswith("    ") and not lines[i].startswith("     ")
        assert lines[i + 1].startswith("    ")
    words = " ".join(shown.split())
    assert "user u2 posted at 2024-01-02T00:00:00Z but was verified at 2024-03-01T00:00:00Z" in words


def test_evidence_is_cut_to_a_count_or_shown_whole() -> None:
    one = render("text", REPORT, MINI.program, view=View(evidence=1))
    assert "… 3 more (--evidence all)" in " ".join(one.split())
    everything = render("text", REPORT, MINI.program, view=View(evidence=None, width=300))
    assert "more (--evidence all)" not in everything
    assert "max_group_members = 2 (/policy/max_group_members)" in everything
    assert EVIDENCE_SHOWN == 4


@pytest.mark.parametrize(
    ("terminal", "choice", "no_color", "coloured"),
    [(True, "auto", None, True), (True, "auto", "1", False), (False, "auto", None, False), (True, "never", None, False), (False, "always", "1", True)],
)
def test_colour_choice(monkeypatch: pytest.MonkeyPatch, terminal: bool, choice: str, no_color: str | None, coloured: bool) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    view = View.for_output(terminal=terminal, color=choice)
    assert view.color is coloured
    assert bool(ESCAPE.search(render("text", REPORT, MINI.program, view=view))) is coloured


def _on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """`lawcode ARGS` with its stdout on a pseudo-terminal; what it wrote there."""
    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "lawcode", *args], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 1, done.stderr
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_color_is_honoured_on_a_terminal() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")} | {"TERM": "xterm-256color", "CI": "1"}
    assert ESCAPE.search(_on_a_terminal(*ARGS, env=env))
    assert not ESCAPE.search(_on_a_terminal(*ARGS, env={**env, "NO_COLOR": "1"}))
    assert ESCAPE.search(_on_a_terminal(*ARGS, "--color", "always", env={**env, "NO_COLOR": "1"}))
    narrow = _on_a_terminal(*ARGS, "--color", "never", env={**env, "COLUMNS": "50"})
    assert max(cell_len(line) for line in narrow.splitlines()) <= 50


def test_markdown_under_the_limit_is_whole() -> None:
    whole = render("markdown", REPORT, MINI.program, view=View(max_bytes=None))
    assert render("markdown", REPORT, MINI.program) == whole and len(whole.encode()) < MAX_BYTES
    assert "Cut to fit" not in whole


@pytest.mark.parametrize("limit", [1800, 2200, 2600])
def test_markdown_is_cut_to_fit_keeping_the_summary(limit: int) -> None:
    whole = render("markdown", REPORT, MINI.program, view=View(max_bytes=None))
    cut = render("markdown", REPORT, MINI.program, view=View(max_bytes=limit, full_report="the job's artifact report.md"))
    assert len(whole.encode()) > limit >= len(cut.encode())
    assert cut.split("\n## ", 1)[0] == whole.split("\n## ", 1)[0], "the summary is whole"
    shown = cut.count("\n| high |") + cut.count("\n| medium |") - whole.split("\n## ", 1)[0].count("\n| high |") - whole.split("\n## ", 1)[0].count("\n| medium |")
    assert f"**Cut to fit {limit:,} bytes:** {shown} of 4 violations are shown. The full report: the job's artifact report.md." in cut
    assert "more violation(s) of groups-2017 art 6 para 1 not shown here (2 in all)" in cut


def test_markdown_cut_from_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "lawcode", *ARGS, "-f", "markdown", "--max-bytes", "2200"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and len(done.stdout.encode()) <= 2200 and "--max-bytes 0" in done.stdout
    whole = subprocess.run([sys.executable, "-m", "lawcode", *ARGS, "-f", "markdown", "--max-bytes", "0"], capture_output=True, text=True, timeout=120)
    assert "Cut to fit" not in whole.stdout and len(whole.stdout.encode()) > 2200
    bad = subprocess.run([sys.executable, "-m", "lawcode", *ARGS, "--evidence", "some"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "neither a count nor `all`" in bad.stderr and "Traceback" not in bad.stderr


def test_the_cac_example_fits_a_github_comment_with_every_article() -> None:
    cac = lawcode.load_ruleset(ROOT / "rulesets" / "cac")
    report = cac.evaluate(str((ROOT / "rulesets" / "cac" / "examples" / "violations.json").relative_to(ROOT)))
    whole = render("markdown", report, cac.program, view=View(max_bytes=None))
    cut = render("markdown", report, cac.program)
    assert len(whole.encode()) > MAX_BYTES >= len(cut.encode()) > 0.9 * MAX_BYTES, "the budget is used, not overrun"
    assert cut.count("\n### ") == whole.count("\n### "), "every article keeps its heading"
    shown = re.search(r"\*\*Cut to fit 65,536 bytes:\*\* (\d+) of (\d+) violations", cut)
    assert shown and int(shown.group(2)) == len(report.violations) and int(shown.group(1)) >= cut.count("\n### ")
