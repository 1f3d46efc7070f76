"""The CAC rulesets: python and duckdb reports are identical on mutated CAC examples.

Hypothesis removes fields, nulls them, moves dates to month ends and leap days, and
empties collections in `rulesets/cac/examples/compliant.json`; every mutation is a
realistic "missing fact" or boundary a platform's export could have.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import ROOT
from lawcode.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate

CAC = lawcode.load_ruleset(ROOT / "rulesets" / "cac")
BASE: dict[str, Any] = orjson.loads((ROOT / "rulesets" / "cac" / "examples" / "compliant.json").read_bytes())
COLLECTIONS = sorted(k for k, v in BASE.items() if isinstance(v, list) and v)
BOUNDARY = ["2022-02-28", "2020-02-29", "2022-05-31", "2022-11-30", "2022-08-31"]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(COLLECTIONS))
        items = data[name]
        if not items:
            continue
        action = draw(st.sampled_from(["remove", "null", "boundary", "empty", "drop"]))
        if action == "empty":
            data[name] = []
            continue
        index = draw(st.integers(0, len(items) - 1))
        if action == "drop":
            del items[index]
            continue
        element = items[index]
        keys = sorted(k for k in element if k != "id")
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        if action == "remove":
            del element[key]
        elif action == "null":
            element[key] = None
        elif isinstance(element[key], str) and len(element[key]) >= 10 and element[key][4] == "-":
            day = draw(st.sampled_from(BOUNDARY))
            element[key] = day + element[key][10:]
    return data


def run(fn: Any) -> Any:
    try:
        found = fn().to_dict()
        return found
    except LawcodeError as exc:
        return sorted(d.code for d in exc.errors)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_cac_python_equals_duckdb(snapshot: dict[str, Any]) -> None:
    expected = run(lambda: CAC.evaluate(snapshot))
    actual = run(lambda: evaluate(CAC.program, snapshot, rulesets=CAC.paths))
    if isinstance(expected, list) and isinstance(actual, list):
        return  # both rejected the snapshot (their messages may differ in order and wording)
    assert actual == expected


def test_cac_examples() -> None:
    for name in ("compliant.json", "violations.json"):
        path = str(ROOT / "rulesets" / "cac" / "examples" / name)
        assert evaluate(CAC.program, path, rulesets=CAC.paths).to_dict() == CAC.evaluate(path).to_dict()
