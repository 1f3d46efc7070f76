"""Shared fixtures, and which tests run.

Diagnostics print paths relative to the working directory, so every test runs from the
repository root and golden files stay the same wherever pytest is started.

A plain `pytest` is the author's fast loop: it leaves out the tests marked `spark`,
`browser` and `slow` (a JVM, a browser, whole-ruleset sweeps), which take most of the
suite's time. `pytest --all` (`-n auto` in the README's command and `.ci/run`) runs every
test; so does any run with `CI` set, or one that names markers with `-m`.
Hypothesis has two profiles: `dev` (random, as many examples as each test asks) and `ci`
(derandomized, so a CI failure is the same failure on the next run), chosen by `CI`
unless `HYPOTHESIS_PROFILE` names one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

from helpers import ROOT

SLOW_MARKERS = ("spark", "browser", "slow")

settings.register_profile("dev")
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

# Parsed modules are cached on disk (lawcode.dsl.cache); the suite keeps its own cache,
# shared with the CLI processes it starts, rather than the user's ~/.cache/lawcode.
os.environ.setdefault("LAWCODE_CACHE_DIR", tempfile.mkdtemp(prefix="lawcode-test-cache-"))


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(ROOT)
    yield




def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--all", action="store_true", default=False, help="also run the tests marked spark, browser and slow (CI does)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--all") or os.environ.get("CI") or config.getoption("-m"):
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest --all` (CI does)")
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(skip)
