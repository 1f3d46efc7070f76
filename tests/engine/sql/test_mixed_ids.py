"""Subjects whose `id` admits strings and integers (`"type": ["string", "integer"]`).

Such a field has no one SQL type, so DuckDB holds it as JSON text; the report used to
show those subjects by position (`#1`) where the python backend shows the id itself (`7`,
`"a"`), so a baseline made on one backend did not match the other. Both reports must be
byte-identical, on the data file (ids of both kinds, one that is a number in one element
and a string in another, one missing) and on generated snapshots, with the violations
assembled in Python and with the engine's own writer in play (`written.MIN_SUBJECTS` 0).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA
from lawcode.engine import formats
from lawcode.engine.snapshot import index_key
from lawcode.engine.sql import evaluating, written

MIXED = DATA / "mixed_ids"
RULES = lawcode.load_ruleset(MIXED)
ENGINE_WRITES_FROM = written.MIN_SUBJECTS


def both(snapshot: Any) -> tuple[bytes, bytes]:
    expected = b"".join(formats.pieces("json", RULES.evaluate(snapshot).stream(), RULES.program))
    with evaluating(RULES.program, snapshot, backend="duckdb", rulesets=RULES.paths) as stream:
        actual = b"".join(formats.pieces("json", stream, RULES.program))
    return expected, actual


@pytest.mark.parametrize("threshold", [ENGINE_WRITES_FROM, 0])
def test_the_data_file_reports_the_ids_themselves(monkeypatch: pytest.MonkeyPatch, threshold: int) -> None:
    monkeypatch.setattr(written, "MIN_SUBJECTS", threshold)
    expected, actual = both(str(MIXED / "users.json"))
    assert actual.decode() == expected.decode()
    ids = [v["subject"]["id"] for v in orjson.loads(actual)["violations"]]
    assert ids == [-2, 7, "#4", "7", "a"]  # numbers first, then text; only the element without an id by position


ids = st.one_of(st.integers(-(2**40), 2**40), st.text(alphabet="ab7#", max_size=3))
users = st.lists(st.fixed_dictionaries({}, optional={"id": ids, "age": st.integers(0, 30)}), max_size=8).map(
    lambda items: [u for i, u in enumerate(items) if "id" not in u or index_key(u["id"]) not in {index_key(v["id"]) for v in items[:i] if "id" in v}]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(users, st.booleans())
def test_generated_ids_are_reported_alike(monkeypatch: pytest.MonkeyPatch, items: list[dict[str, Any]], engine_writes: bool) -> None:
    monkeypatch.setattr(written, "MIN_SUBJECTS", 0 if engine_writes else ENGINE_WRITES_FROM)
    expected, actual = both({"as_of": "2024-01-01", "users": items})
    assert actual.decode() == expected.decode()
