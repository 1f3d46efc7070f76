"""Violations the engine writes (engine/sql/render.py, written.py) are byte-identical to the
python backend's `--format json` and `--format jsonl`.

`written.MIN_SUBJECTS` is lowered to 0 so that every collection, however small, takes the
engine's path; each test also says how many rules the engine wrote, so a change that sends
every rule back to Python (and would pass the byte comparison trivially) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from cac_snapshots import CAC, EXAMPLE_NAMES, EXAMPLES
from hypothesis import HealthCheck, given, settings
from snapshots import mini_snapshot, sql_snapshot

import lawcode
from helpers import DATA, ROOT
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import formats
from lawcode.engine.report import Written
from lawcode.engine.sql import evaluating, written

SQL_RULES = lawcode.load_ruleset(DATA / "sql")
MINI_RULES = lawcode.load_ruleset(DATA / "mini")
FIVE = lawcode.load_ruleset(ROOT / "bench" / "five")


@pytest.fixture(autouse=True)
def every_collection(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(written, "MIN_SUBJECTS", 0)
    yield


def compare(ruleset: lawcode.Ruleset, snapshot: Any) -> int:
    """Asserts both forms are byte-identical; returns how many rules the engine wrote."""
    try:
        reference = ruleset.evaluate(snapshot)
    except LawcodeError:
        return 0  # refused snapshots are the differential tests' business
    engine_wrote = 0
    for fmt in ("json", "jsonl"):
        expected = b"".join(formats.pieces(fmt, reference.stream(), ruleset.program))
        with evaluating(ruleset.program, snapshot, rulesets=ruleset.paths) as stream:
            actual = b"".join(formats.pieces(fmt, stream, ruleset.program))
            if stream.parts is not None:
                engine_wrote = sum(isinstance(p, Written) for p in stream.parts())
        assert actual.decode() == expected.decode()
    return engine_wrote


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(sql_snapshot())
def test_every_construct_written_as_python_writes(snapshot: dict[str, Any]) -> None:
    compare(SQL_RULES, snapshot)


@SETTINGS
@given(mini_snapshot())
def test_mini_written_as_python_writes(snapshot: dict[str, Any]) -> None:
    compare(MINI_RULES, snapshot)


def test_mini_example_is_written_by_the_engine() -> None:
    assert compare(MINI_RULES, str(DATA / "mini" / "violations.json")) >= 3


def test_five_rules_are_written_by_the_engine(tmp_path: Any) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench" / "five"))
    import generate

    path = tmp_path / "five.json"
    generate.write(path, 2000, rate=0.05)
    assert compare(FIVE, str(path)) == 4  # all but the platform rule (one subject: built in Python)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_cac_examples_written_as_python_writes(name: str) -> None:
    compare(CAC, str(EXAMPLES / name))


@pytest.mark.parametrize("odd", ["u\x0b2", "u\x1f2"])
def test_a_value_sql_cannot_write_sends_its_rule_to_python(odd: str) -> None:
    """DuckDB escapes these control characters in upper case, orjson in lower case: the
    user rule whose subject id holds one is built in Python, the others still by the engine."""
    snapshot = orjson.loads((DATA / "mini" / "violations.json").read_bytes())
    plain = compare(MINI_RULES, snapshot)
    for user in snapshot["users"]:
        if user["id"] == "u2":
            user["id"] = odd
    for membership in snapshot["memberships"]:
        if membership["user_id"] == "u2":
            membership["user_id"] = odd
    assert compare(MINI_RULES, snapshot) == plain - 1
