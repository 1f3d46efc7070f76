"""Snapshot loading: every schema error at once, each with its JSON pointer."""

from __future__ import annotations

from pathlib import Path

import pytest

import lawcode
from helpers import DATA
from lawcode.engine.jsontext import pointer
from lawcode.engine.snapshot import Snapshot

RULESET = DATA / "mini" / "mini.law"


def test_all_schema_errors_are_reported_with_pointers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"as_of": "2024-1-1", "users": [{"id": 3}, {"id": "u", "verified_at": "yesterday"}], "groups": [], "memberships": [], "logs": [], "sanctions": [], "policy": {"log_retention": "six months"}}')
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(RULESET).evaluate(bad)
    where = sorted(d.where or "" for d in caught.value.diagnostics)
    assert where == sorted(f"{bad} {p}" for p in ["/as_of", "/policy/log_retention", "/users/0/id", "/users/1/verified_at"])
    text = caught.value.render()
    assert "dates are YYYY-MM-DD" in text and "durations are ISO 8601" in text


def test_malformed_json_points_at_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "as_of": "2024-01-01",\n  "users": [\n    {"id": "a"}\n    {"id": "b"}\n  ]\n}\n')
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(RULESET).evaluate(bad)
    (d,) = caught.value.diagnostics
    assert d.code == "S002" and d.span is not None and d.span.line == 5


def test_snapshot_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b'{"as_of": "2024-01-01", "pad": "' + b"x" * 2000 + b'"}')
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(RULESET).evaluate(big, max_bytes=1000)
    assert caught.value.diagnostics[0].code == "S005"


def test_not_an_object() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        Snapshot.load(b"[1, 2]")
    assert "JSON object" in caught.value.render()


def test_json_pointer_escaping() -> None:
    assert pointer("a/b", "c~d", 3) == "/a~1b/c~0d/3"
