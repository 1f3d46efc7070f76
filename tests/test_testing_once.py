"""`run_tests` evaluates each distinct snapshot of a ruleset once, whatever the backend."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import DATA
from lawcode import testing
from lawcode.api import Ruleset
from lawcode.engine.report import Report


def test_one_evaluation_per_distinct_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def counting(ruleset: Ruleset, snapshot: dict[str, Any]) -> Report:
        seen.append(snapshot["as_of"])
        return ruleset.evaluate(snapshot)

    monkeypatch.setitem(testing.BACKENDS, "counting", counting)
    run = testing.run_tests([DATA / "testing" / "same_snapshot.test.yaml"], backend="counting")
    outcome = {r.case.name: r for r in run.results}
    assert len(seen) == 4  # the first two cases share one evaluation; 2.0 and the date are apart
    assert outcome["the same snapshot, stated again"].passed
    assert outcome["above the cap, the cap a float"].passed
    dated = outcome["as_of a YAML date, not text"]  # the schema wants text: not the first case's report
    assert not dated.passed and dated.error is not None and "as_of" in dated.error
    assert run.passed == 4


def test_a_report_is_not_shared_across_rulesets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file run twice loads its ruleset twice: each run evaluates for itself."""
    calls: list[int] = []

    def counting(ruleset: Ruleset, snapshot: dict[str, Any]) -> Report:
        calls.append(id(ruleset))
        return ruleset.evaluate(snapshot)

    monkeypatch.setitem(testing.BACKENDS, "counting", counting)
    path = DATA / "testing" / "same_snapshot.test.yaml"
    testing.run_tests([path], backend="counting")
    testing.run_tests([path], backend="counting")
    assert len(calls) == 8
