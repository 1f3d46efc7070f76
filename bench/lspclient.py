"""A minimal Language Server Protocol client over a subprocess's stdio, as an editor is.

It speaks JSON-RPC with `Content-Length` framing to `lawcode lsp`, keeps every message
the server sends (notifications included), and answers nothing the tests do not need.
Used by tests/lsp and by `python -m bench.lsp`; it knows nothing of lawcode.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO


class ServerGone(RuntimeError):
    pass


class Client:
    """`lawcode lsp` in a subprocess, spoken to as an editor would."""

    def __init__(self, command: Sequence[str] | None = None, cwd: str | Path | None = None, env: dict[str, str] | None = None) -> None:
        command = list(command or [sys.executable, "-m", "lawcode", "lsp"])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env={**os.environ, **(env or {})})
        self.ids = itertools.count(1)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.responses: dict[int, dict[str, Any]] = {}
        self.stderr = b""
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()

    # ------------------------------------------------------------ the wire
    def _read(self, stream: BinaryIO) -> None:
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                self.inbox.put(json.loads(stream.read(length)))
        finally:
            self.inbox.put(None)

    def _drain(self, stream: BinaryIO) -> None:
        for chunk in iter(lambda: stream.read(4096), b""):
            self.stderr += chunk

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise ServerGone(self.stderr.decode(errors="replace")) from exc

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        """Send a request and wait for its response; returns `result`, raises on `error`."""
        number = next(self.ids)
        self.send({"id": number, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == number and "method" not in m, timeout)
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error']}")
        return message.get("result")

    def wait(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
        """The next message (from now on, or already kept) that `wanted` accepts."""
        for kept in self.notifications:
            if wanted(kept):
                self.notifications.remove(kept)
                return kept
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no wanted message in {timeout} s; stderr: {self.stderr.decode(errors='replace')[-2000:]}")
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise ServerGone(self.stderr.decode(errors="replace"))
            if "method" in message and "id" in message:  # a request from the server: accept it
                self.send({"id": message["id"], "result": None})
            if wanted(message):
                return message
            if "method" in message:
                self.notifications.append(message)

    def diagnostics(self, uri: str, timeout: float = 60, version: int | None = None) -> list[dict[str, Any]]:
        """The next `publishDiagnostics` for `uri` (for `version`, if given)."""

        def wanted(m: dict[str, Any]) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            return version is None or m["params"].get("version") == version

        return self.wait(wanted, timeout)["params"]["diagnostics"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------ the session
    def initialize(self, root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.resolve().as_uri(),
                "capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}},
                "initializationOptions": options or {},
            },
        )
        self.notify("initialized", {})
        return result  # type: ignore[no-any-return]

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        uri = path.resolve().as_uri()
        content = path.read_text(encoding="utf-8") if text is None else text
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "lawcode", "version": version, "text": content}})
        return uri

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes})

    def close(self, timeout: float = 30) -> int:
        """`shutdown`, `exit`, and the server's exit code."""
        try:
            self.request("shutdown", None, timeout)
            self.notify("exit", None)
        except (ServerGone, TimeoutError):
            pass
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def position(text: str, needle: str, *, after: int = 0, occurrence: int = 0) -> dict[str, int]:
    """The LSP position (UTF-16 columns) of the `occurrence`-th `needle` in `text`, plus `after` characters."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    offset = start + after
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[line_start:offset].encode("utf-16-le")) // 2}
