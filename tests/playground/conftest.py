"""A real playground server for the tests: `lawcode playground` in a subprocess.

The server is started through the CLI exactly as a reviewer would (port 0: any free
port), and the tests read the URL it prints once it is listening. The mini ruleset is
offered beside whatever is bundled, so the tests work before and after the CAC rulesets
land.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest
from jsonschema import Draft202012Validator

from helpers import DATA, ROOT

STARTUP_SECONDS = 90


class Server:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Through `main()`, as the console script starts it.
        command = [sys.executable, "-c", "from lawcode.cli import main; main()", "playground", "--port", "0", "--rulesets", str(DATA / "mini"), *args]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is None and time.monotonic() < deadline:
                    continue
                self.stop()
                time.sleep(0.2)
                raise RuntimeError("the playground did not print its URL:\n" + "".join(self.output)) from None
            if line.startswith("lawcode playground: "):
                self.url = line.split(": ", 1)[1].strip()
                return

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    running = Server("--timeout", "20")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def strict_url() -> Iterator[str]:
    """A server with a one-second time limit and a single worker (for the time-out tests)."""
    running = Server("--timeout", "1", "--workers", "1")
    yield running.url
    running.stop()


@pytest.fixture(scope="session")
def url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def mini_text() -> str:
    return (DATA / "mini" / "mini.law").read_text(encoding="utf-8")


class Checker(Protocol):
    def __call__(self, response: httpx.Response, path: str, method: str = "post") -> Any: ...


@pytest.fixture(scope="session")
def openapi(url: str) -> dict[str, Any]:
    return httpx.get(url + "openapi.json").json()


@pytest.fixture(scope="session")
def check(openapi: dict[str, Any]) -> Checker:
    """Assert a response is declared by the served OpenAPI document and fits its schema; return its JSON."""

    def checked(response: httpx.Response, path: str, method: str = "post") -> Any:
        responses = openapi["paths"][path][method]["responses"]
        status = str(response.status_code)
        assert status in responses, f"{method.upper()} {path} answered {status}, undeclared in the OpenAPI document: {response.text[:300]}"
        assert response.headers["content-type"].startswith("application/json")
        schema = responses[status]["content"]["application/json"]["schema"]
        body = response.json()
        validator = Draft202012Validator({**schema, "components": openapi["components"]})
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{path} {status} does not fit its schema: {errors[0].message} at {list(errors[0].absolute_path)}"
        return body

    return checked
