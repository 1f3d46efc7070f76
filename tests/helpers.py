"""Helpers shared by the tests (importable as `helpers`: pytest puts tests/ on the path)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REGENERATE = os.environ.get("LAWCODE_REGEN") == "1"


def golden(path: Path, actual: str) -> None:
    """Compare with a golden file; `LAWCODE_REGEN=1 pytest` rewrites them."""
    if REGENERATE or not path.exists():
        if not REGENERATE:
            pytest.fail(f"golden file {path} is missing; run with LAWCODE_REGEN=1 to create it")
        path.write_text(actual, encoding="utf-8")
        return
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path} (LAWCODE_REGEN=1 to update)"


class PlaygroundServer:
    """`lawcode playground --port 0` in a subprocess, started through `main()` as the console
    script starts it: its URL (read from the line it prints once listening), and everything
    it printed. `args` follow `--port 0`; the caller stops it (`stop()`)."""

    STARTUP_SECONDS = 90

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-c", "from lawcode.cli import main; main()", "playground", "--port", "0", *args]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.output: list[str] = []
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.STARTUP_SECONDS
        while not (line := self._next(lines, deadline)).startswith("lawcode playground: http"):
            pass
        self.url = line.split(": ", 1)[1].strip()
        parts = urlsplit(self.url)
        self.host, self.port, self.host_header = parts.hostname or "", parts.port or 0, parts.netloc

    def _next(self, lines: queue.Queue[str], deadline: float) -> str:
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                return lines.get(timeout=0.2)
            except queue.Empty:
                continue
        self.stop()
        time.sleep(0.2)  # the pump thread's last lines
        raise RuntimeError("the playground did not print its URL:\n" + "".join(self.output))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
