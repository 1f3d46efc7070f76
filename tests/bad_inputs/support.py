"""What every bad-input test asks of lawcode: one clear message, the right exit code, no
traceback, nothing of the user's touched.

The corpus runs the real command line in a subprocess, as a careless or hostile user
would, so what is asserted is what a terminal or a CI log shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

MINI = ROOT / "tests" / "data" / "mini"
MINI_RULESET = MINI / "mini.law"
MINI_SNAPSHOT = MINI / "violations.json"
CORPUS = Path(__file__).resolve().parent


def lawcode(*args: str | Path, stdin: bytes | None = None, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m lawcode ARGS` from the repository root and capture what it prints."""
    environment = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "lawcode", *map(str, args)],
        input=stdin, capture_output=True, timeout=timeout, cwd=ROOT, env=environment,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode,
        result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"),
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *needles: str, code: int = 2) -> None:
    """A user's mistake: exit `code`, no traceback, and each needle in what was printed."""
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed, printed[-4000:]
    assert result.returncode == code, f"exit {result.returncode}, expected {code}:\n{printed[-4000:]}"
    for needle in needles:
        assert needle in printed, f"{needle!r} not in:\n{printed[-4000:]}"


__all__ = ["CORPUS", "MINI", "MINI_RULESET", "MINI_SNAPSHOT", "assert_user_error", "lawcode"]
