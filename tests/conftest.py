"""Shared fixtures.

Diagnostics print paths relative to the working directory, so every test runs from the
repository root and golden files stay the same wherever pytest is started.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from helpers import ROOT

# Parsed modules are cached on disk (lawcode.dsl.cache); the suite keeps its own cache,
# shared with the CLI processes it starts, rather than the user's ~/.cache/lawcode.
os.environ.setdefault("LAWCODE_CACHE_DIR", tempfile.mkdtemp(prefix="lawcode-test-cache-"))


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(ROOT)
    yield


