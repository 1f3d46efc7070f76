"""The CAC rulesets' example snapshots and their realistic mutations, shared by the
differential tests of DuckDB (test_cac_differential.py) and Spark (test_cac_spark.py).

Hypothesis starts from either CAC example (compliant or with violations) and removes
fields, nulls them, moves dates to month ends, leap days and the six-month boundary
before `as_of`, puts Chinese and hostile text into string fields, gives an element an id
that looks like another's (or is another's), and empties or shortens collections: every
mutation is a realistic "missing fact", boundary or messy value a platform's export
could have.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import strategies as st

import lawcode
from helpers import ROOT
from lawcode.dsl.diagnostics import LawcodeError

CAC = lawcode.load_ruleset(ROOT / "rulesets" / "cac")
EXAMPLES = ROOT / "rulesets" / "cac" / "examples"
BASES: list[dict[str, Any]] = [orjson.loads((EXAMPLES / name).read_bytes()) for name in ("compliant.json", "violations.json")]
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.glob("*.json"))
COLLECTIONS = sorted({k for base in BASES for k, v in base.items() if isinstance(v, list) and v})
# Month ends, leap days, and the six-month boundaries before the examples' as_of (2022-11-30).
BOUNDARY = ["2022-02-28", "2020-02-29", "2022-05-31", "2022-11-30", "2022-08-31", "2022-05-30", "2022-06-01", "2022-12-01"]
HOSTILE = ["", "用户", "群组名称", "  ", "<script>alert(1)</script>", "'; DROP TABLE users; --", "a/b~c", 'q"q', "back\\slash", "new\nline", "emoji 😀", "İ", "ß"]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A CAC example after one to six of the mutations this module's docstring lists."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(COLLECTIONS))
        items = data.get(name) or []
        if not items:
            continue
        action = draw(st.sampled_from(["remove", "null", "boundary", "empty", "drop", "text", "id"]))
        if action == "empty":
            data[name] = []
            continue
        index = draw(st.integers(0, len(items) - 1))
        if action == "drop":
            del items[index]
            continue
        element = items[index]
        if action == "id":
            other = str(draw(st.sampled_from(items)).get("id", ""))
            element["id"] = draw(st.sampled_from([other, other.upper(), other + " ", " " + other, other + "\u200b"]))
            continue
        keys = sorted(k for k in element if k != "id")
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        if action == "remove":
            del element[key]
        elif action == "null":
            element[key] = None
        elif action == "text":
            if isinstance(element[key], str):
                element[key] = draw(st.sampled_from(HOSTILE))
        elif isinstance(element[key], str) and len(element[key]) >= 10 and element[key][4] == "-":
            day = draw(st.sampled_from(BOUNDARY))
            element[key] = day + element[key][10:]
    return data


def run(fn: Callable[[], Any]) -> Any:
    """The report as a dict, or the sorted codes of the problems that refused the snapshot."""
    try:
        return fn().to_dict()
    except LawcodeError as exc:
        return sorted(d.code for d in exc.errors)


def null_pointers(snapshot: dict[str, Any]) -> list[str] | None:
    """The pointers of `null`s the python backend alone rejects, or None if it rejects more.

    A documented difference (docs/performance.md): where the schema admits no null for an
    optional field, jsonschema rejects an explicit `null`, while the SQL backends read it
    as absent (typed columns do not tell the two apart).
    """
    try:
        CAC.evaluate(snapshot)
    except LawcodeError as exc:
        if all(d.code == "S010" and d.message.startswith("null is not of type") for d in exc.errors):
            return [str(d.where).split(" ", 1)[1] for d in exc.errors]
    return None


def without(snapshot: dict[str, Any], pointers: list[str]) -> dict[str, Any]:
    data = copy.deepcopy(snapshot)
    for found in pointers:
        *parents, last = found.strip("/").split("/")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]
    return data


def expected_of(snapshot: dict[str, Any], actual: Any) -> Any:
    """The python backend's verdict on `snapshot`, as a SQL backend's `actual` should equal it.

    Both refused it: the same kinds of problem (wording may differ), so `actual` itself.
    Python alone refused `null`s the schema admits for no optional field: the report of
    the snapshot without them (the SQL backends read such a null as absent).
    """
    expected = run(lambda: CAC.evaluate(snapshot))
    if isinstance(expected, list) and isinstance(actual, list):
        return actual if set(actual) == set(expected) else expected
    if isinstance(expected, list) and (nulls := null_pointers(snapshot)) is not None:
        return run(lambda: CAC.evaluate(without(snapshot, nulls)))
    return expected
