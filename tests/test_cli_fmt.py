"""`lawcode fmt` as a writer and CI use it: in-process (CliRunner) and as a real process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpers import DATA
from lawcode.cli import cli

UNTIDY = 'rule a {  require  x   # why\n  cites d art 1 }\n'
TIDY = "rule a {\n  cites d art 1\n  require x  # why\n}\n"


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_fmt_rewrites_files_and_keeps_their_permissions(tmp_path: Path) -> None:
    path = tmp_path / "a.law"
    path.write_text(UNTIDY)
    path.chmod(0o640)
    code, _, err = invoke("fmt", str(path))
    assert code == 0, err
    assert path.read_text() == TIDY
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "reformatted" in err and "1 file(s) reformatted" in err
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    code, _, err = invoke("fmt", str(path))
    assert code == 0 and "0 file(s) reformatted, 1 already formatted" in err


def test_fmt_check_exits_1_with_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.law"
    path.write_text(UNTIDY)
    code, out, _ = invoke("fmt", "--check", str(path))
    assert code == 1
    assert out.startswith(f"--- {path} (as written)\n+++ {path} (formatted)\n")
    assert "+  require x  # why\n" in out and "-rule a {  require  x   # why\n" in out
    assert path.read_text() == UNTIDY
    path.write_text(TIDY)
    assert invoke("fmt", "--check", str(path))[:2] == (0, "")


def test_fmt_diff_prints_without_writing_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "a.law"
    path.write_text(UNTIDY)
    code, out, _ = invoke("fmt", "--diff", str(path))
    assert code == 0 and "+  cites d art 1\n" in out
    assert path.read_text() == UNTIDY


def test_fmt_folders_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.law").write_text(UNTIDY)
    (tmp_path / "c.law").write_text(TIDY)
    code, out, _ = invoke("fmt", "--check", str(tmp_path))
    assert code == 1 and "sub/b.law" in out and "c.law (as written)" not in out
    code, out, _ = invoke("fmt", "-", input=UNTIDY)
    assert (code, out) == (0, TIDY)


def test_fmt_syntax_error_exits_2_with_position_and_formats_the_rest(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.law", tmp_path / "good.law"
    bad.write_text("rule x {\n  require a = b\n}\n")
    good.write_text(UNTIDY)
    code, _, err = invoke("fmt", str(bad), str(good))
    assert code == 2
    assert "bad.law:2:13: error[E002]" in err and "hint: compare with `==`" in err
    assert "1 file(s) reformatted, 0 already formatted, 1 with errors" in err
    assert good.read_text() == TIDY
    assert bad.read_text() == "rule x {\n  require a = b\n}\n"


def test_fmt_as_a_real_process(tmp_path: Path) -> None:
    path = tmp_path / "a.law"
    path.write_text(UNTIDY)
    run = subprocess.run([sys.executable, "-m", "lawcode", "fmt", "--check", str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "+++" in run.stdout and "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, "-m", "lawcode", "fmt", str(tmp_path / "missing.law")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "no such file or folder" in run.stderr and "Traceback" not in run.stderr
    mini = DATA / "mini" / "mini.law"
    run = subprocess.run([sys.executable, "-m", "lawcode", "fmt", "--check", str(mini)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout
