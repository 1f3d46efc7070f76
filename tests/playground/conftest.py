"""A real playground server for the tests: `lawcode playground` in a subprocess.

The server is started through the CLI exactly as a reviewer would (port 0: any free
port), and the tests read the URL it prints once it is listening (`helpers.PlaygroundServer`,
shared with tests/bad_inputs/test_server.py). Its share store is a file under pytest's
temporary folder, never the user's. The mini ruleset is
offered beside whatever is bundled, so the tests work before and after the CAC rulesets
land.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from browser_session import artifacts, browser  # the browser tests' fixtures
from jsonschema import Draft202012Validator

from helpers import DATA, PlaygroundServer

__all__ = ["artifacts", "browser"]


class Server(PlaygroundServer):
    """The playground offering the mini ruleset, its share store in `store` (None: `--no-store`)."""

    def __init__(self, *args: str, store: Path | None = None) -> None:
        where = ("--store", str(store)) if store is not None else ("--no-store",)
        super().__init__("--rulesets", str(DATA / "mini"), *where, *args)
        self.store = store


@pytest.fixture(scope="session")
def store_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    folder.chmod(0o700)
    return folder


@pytest.fixture(scope="session")
def server(store_folder: Path) -> Iterator[Server]:
    running = Server("--timeout", "20", store=store_folder / "shares.sqlite3")
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
