"""Repeated keys found at C speed (`engine/sql/jsonl_keys.py`): the count of key-value
pairs before and after orjson keeps the last of each repeat says whether any object of a
block repeats a key; it must agree with a parse that sees every pair (the standard
library's, with a pairs hook), line by line, and S040 must still name the first one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawcode.engine.sql import jsonl_keys
from lawcode.engine.sql.stream import Part

KEYS = st.sampled_from(["a", "b", 'q"', "c:d", "\\", "", "键", 'x\\":'])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.sampled_from(["", ":", '"', "\\", '\\":{', "a,b", "]", "用"]))


class Pairs(list[tuple[str, Any]]):
    """An object as written: its pairs in order, repeats allowed."""


def text(value: Any) -> str:
    if isinstance(value, Pairs):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ": " + text(v) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(st.tuples(KEYS, inner), max_size=4).map(Pairs)), max_leaves=12)
LINES = st.lists(st.lists(st.tuples(KEYS, VALUES), max_size=5).map(Pairs), min_size=1, max_size=8)


def repeats(value: Any) -> bool:
    if isinstance(value, Pairs):
        keys = [k for k, _ in value]
        return len(set(keys)) != len(keys) or any(repeats(v) for _, v in value)
    if isinstance(value, list):
        return any(repeats(v) for v in value)
    return False


def part_of(tmp: Path, lines: list[str]) -> Part:
    path = tmp / "users.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return Part("users", (str(path),), None, max(len(line.encode()) for line in lines), None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(LINES)
def test_the_pair_count_agrees_with_a_parse_that_sees_every_pair(tmp_path: Path, items: list[Pairs]) -> None:
    part = part_of(tmp_path, [text(item) for item in items])
    expected = any(repeats(item) for item in items)
    assert jsonl_keys.none_repeated(part) is not expected
    found = jsonl_keys.repeated_keys([part], None, "snap")
    assert (found is not None) is expected
    if found is not None:
        first = next(i for i, item in enumerate(items) if repeats(item))
        assert found.diagnostics[0].code == "S040"
        assert f"/users/{first}" in (found.diagnostics[0].where or "")


def test_blocks_cut_between_lines(tmp_path: Path, monkeypatch: Any) -> None:
    """A file read in many blocks: a repeat in the last line of a late block is found."""
    monkeypatch.setattr(jsonl_keys, "BLOCK", 64)
    lines = [json.dumps({"id": f"u{i}", "note": 'a":"b'}) for i in range(500)]
    assert jsonl_keys.none_repeated(part_of(tmp_path, lines))
    lines[437] = '{"id": "u437", "id": "again"}'
    assert not jsonl_keys.none_repeated(part_of(tmp_path, lines))
    found = jsonl_keys.repeated_keys([part_of(tmp_path, lines)], None, "snap")
    assert found is not None and "/users/437/id" in (found.diagnostics[0].where or "")


def test_lines_that_are_not_one_value_each_go_to_the_exact_pass(tmp_path: Path) -> None:
    """`1,2` on one line, or a string cut by a line break, parse as an array of the wrong
    length: the block is not cleared, and the exact pass decides (here: nothing to say)."""
    for lines in (['{"a": 1}, {"b": 2}'], ['{"a": "x', 'y"}'], ["[1", "2]"]):
        part = part_of(tmp_path, lines)
        assert not jsonl_keys.none_repeated(part)
        assert jsonl_keys.repeated_keys([part], None, "snap") is None
