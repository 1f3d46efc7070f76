"""A `lawcode lsp` subprocess per test module, spoken to over stdio as an editor would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.lspclient import Client

ROOT = Path(__file__).resolve().parents[2]
CAC = ROOT / "rulesets" / "cac"


@pytest.fixture(scope="module")
def cac() -> Iterator[Client]:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    client.initialize(CAC)
    yield client
    assert client.close() == 0
