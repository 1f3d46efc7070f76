"""Shared fixtures.

Diagnostics print paths relative to the working directory, so every test runs from the
repository root and golden files stay the same wherever pytest is started.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers import ROOT


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(ROOT)
    yield


