"""Short fuzz runs of every target, and every kept crash reproducer replayed.

The long runs are `python -m bench.fuzz` (100,000 inputs per target); here each target
runs a few hundred seeded inputs, so a change that makes lawcode crash on a mutated
ruleset, snapshot or request fails the suite. A reproducer in tests/bad_inputs/fuzz/
is named `<target>--…`: the replay runs it through that target, and those still
crashing are listed in STILL_CRASHING with their defect (strict xfail: fixing one
fails its test until it leaves the list).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from helpers import ROOT

if str(ROOT) not in sys.path:  # `bench` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # StarletteDeprecationWarning: its TestClient on httpx
    from bench.fuzz.campaign import attempt, campaign
    from bench.fuzz.targets import REPRODUCERS, TARGETS

# Inputs per target in the short run: the DuckDB targets cost ~0.1 s an input, the others ~5 ms.
SHORT_RUN = {"lint": 300, "python": 300, "http": 300, "duckdb": 60, "jsonl": 60}

# Reproducers that crash lawcode still: file name → the defect. Empty: every one kept
# here is fixed (deep values in messages, a malformed JSON Lines line read when DuckDB
# binds its view), and a new crash found by a campaign is fixed before it is kept.
STILL_CRASHING: dict[str, str] = {}

# Short runs that still find a crash: target → the defect.
SHORT_RUN_CRASHES: dict[str, str] = {}


def _xfail(table: dict[str, str], key: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(reason=table[key], strict=True)] if key in table else []


@pytest.mark.slow
@pytest.mark.parametrize("name", [pytest.param(n, marks=_xfail(SHORT_RUN_CRASHES, n)) for n in SHORT_RUN])
def test_a_short_fuzz_run_finds_no_crash(name: str) -> None:
    result = campaign(TARGETS[name], SHORT_RUN[name], seed=15, timeout=20, minimise_seconds=0, replay=False)
    assert result.inputs == SHORT_RUN[name]
    if result.crashes:
        found = "\n\n".join(f"{c.kind} at {c.where}: {c.message}\n{c.trace[-1500:]}\ninput: {c.data[:300]!r}" for c in result.crashes.values())
        pytest.fail(f"{name}: {len(result.crashes)} distinct crash(es); keep each input in {REPRODUCERS} (python -m bench.fuzz --crashes DIR)\n{found}", pytrace=False)


def _reproducers() -> list[Path]:
    return sorted(p for p in REPRODUCERS.glob("*--*") if p.suffix != ".txt")


def test_every_reproducer_names_a_target() -> None:
    for path in _reproducers():
        assert path.name.split("--")[0] in TARGETS, path.name
    assert set(STILL_CRASHING) <= {p.name for p in _reproducers()}


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name, marks=_xfail(STILL_CRASHING, p.name)) for p in _reproducers()])
def test_a_kept_reproducer_no_longer_crashes(path: Path) -> None:
    target = TARGETS[path.name.split("--")[0]]
    with target.open() as run:
        outcome, exc = attempt(run, path.read_bytes(), timeout=20)
    assert exc is None, f"{type(exc).__name__}: {exc}"
    assert outcome
