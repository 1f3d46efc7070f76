"""No edit stops the server: random incremental edits (ranges past the end, reversed,
inside a surrogate pair's units, CJK, lone `\\r`, control characters, half tokens) and
every request at random places, on the mini ruleset, answered without an error."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.lspclient import Client

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini"
PIECES = [
    "rule", "def", "cites", "groups-2017", "art", "para", "item", "{", "}", "(", ")", ".", ",", ":", "=",
    '"', "\\", "\n", "\r", "\r\n", "\t", " ", "g.", "u.", "count(", "for each", "in", "where", "require",
    "severity", "处罚", "𠀀", "\x00", "\x1b[2J", "\u202e", "#", "6 months", "2017-10-08", "9" * 30, "??",
]  # fmt: skip
POSITION = st.fixed_dictionaries({"line": st.integers(0, 70), "character": st.integers(0, 120)})
CHANGE = st.fixed_dictionaries(
    {
        "range": st.fixed_dictionaries({"start": POSITION, "end": POSITION}),
        "text": st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    }
)
METHODS = ["textDocument/hover", "textDocument/definition", "textDocument/completion", "textDocument/references", "textDocument/codeAction", "textDocument/documentSymbol", "textDocument/formatting"]
versions = itertools.count(2)


@pytest.fixture(scope="module")
def mini() -> Iterator[tuple[Client, str]]:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    client.initialize(MINI)
    uri = client.open(MINI / "mini.law")
    client.diagnostics(uri)
    yield client, uri
    assert client.close() == 0
    assert b"Traceback" not in client.stderr


def params(method: str, uri: str, where: dict[str, int]) -> dict[str, Any]:
    document = {"textDocument": {"uri": uri}}
    if method in ("textDocument/documentSymbol",):
        return document
    if method == "textDocument/formatting":
        return {**document, "options": {"tabSize": 2, "insertSpaces": True}}
    if method == "textDocument/codeAction":
        return {**document, "range": {"start": where, "end": where}, "context": {"diagnostics": []}}
    if method == "textDocument/references":
        return {**document, "position": where, "context": {"includeDeclaration": True}}
    return {**document, "position": where}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.lists(CHANGE, min_size=1, max_size=4), asks=st.lists(st.tuples(st.sampled_from(METHODS), POSITION), max_size=4))
def test_random_edits_never_stop_the_server(mini: tuple[Client, str], changes: list[dict[str, Any]], asks: list[tuple[str, dict[str, int]]]) -> None:
    client, uri = mini
    version = next(versions)
    client.change(uri, version, changes)
    for method, where in asks:
        client.request(method, params(method, uri, where), timeout=60)  # raises on a JSON-RPC error
    diagnostics = client.diagnostics(uri, version=version)
    assert all(d["range"]["start"]["line"] >= 0 and d["range"]["start"]["character"] >= 0 for d in diagnostics)
    errors = [m for m in client.notifications if m.get("method") == "window/logMessage" and "internal error" in m["params"]["message"]]
    assert not errors, errors[0]["params"]["message"]
    # back to the file as written, so each example starts from a ruleset that compiles
    client.change(uri, next(versions), [{"text": (MINI / "mini.law").read_text(encoding="utf-8")}])
