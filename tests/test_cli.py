"""The CLI as a user runs it: real subprocesses, real exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import DATA

MINI = str(DATA / "mini" / "mini.law")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *args], capture_output=True, text=True, timeout=120)


def test_check_with_violations_exits_1_and_cites() -> None:
    result = run("check", MINI, "--snapshot", str(DATA / "mini" / "violations.json"))
    assert result.returncode == 1, result.stderr
    assert "groups-2017" in result.stdout and "art 8 para 1" in result.stdout
    assert "group g1 has 3 members; the cap is 2" in result.stdout


def test_check_compliant_exits_0() -> None:
    result = run("check", MINI, "--snapshot", str(DATA / "mini" / "compliant.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compliant" in result.stdout


def test_json_format_is_the_contract() -> None:
    result = run("check", MINI, "-s", str(DATA / "mini" / "violations.json"), "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["summary"]["violations"] == len(doc["violations"]) > 0


def test_fail_on_severity() -> None:
    snapshot = str(DATA / "mini" / "violations.json")
    assert run("check", MINI, "-s", snapshot, "--fail-on", "critical").returncode == 0
    assert run("check", MINI, "-s", snapshot, "--fail-on", "high").returncode == 1


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("check", MINI, "-s", str(DATA / "mini" / "violations.json"), "-f", "json", "-o", str(out))
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(out.read_text())["violations"]


def test_input_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    cases = [
        run("check", MINI, "--snapshot", str(bad)),
        run("check", MINI, "--snapshot", str(tmp_path / "missing.json")),
        run("check", str(tmp_path / "missing.law"), "--snapshot", str(bad)),
        run("check", MINI),  # no --snapshot
        run("check", MINI, "-s", str(bad), "--format", "yaml"),
        run("lint", str(DATA / "diagnostics" / "four-mistakes.law")),
        run("frobnicate"),
    ]
    for result in cases:
        assert result.returncode == 2, (result.args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr


def test_lint_prints_every_diagnostic_with_position() -> None:
    result = run("lint", str(DATA / "diagnostics" / "four-mistakes.law"))
    assert result.returncode == 2
    for position in (":16:23:", ":19:9:", ":21:13:", ":22:11:"):
        assert position in result.stderr
    assert "4 errors" in result.stderr


def test_lint_json() -> None:
    result = run("lint", str(DATA / "diagnostics" / "unknown-field.law"), "--format", "json")
    (diagnostic,) = json.loads(result.stdout)
    assert diagnostic["code"] == "E031" and diagnostic["span"]["line"] == 7 and diagnostic["hint"] == "did you mean `member_count`?"


def test_lint_ok() -> None:
    result = run("lint", MINI)
    assert result.returncode == 0 and "ok: 4 rules" in result.stdout
