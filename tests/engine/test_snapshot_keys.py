"""The python backend's quick test for keys written twice (`snapshot.no_key_dropped`).

orjson keeps one value of a repeated key; `no_key_dropped` compares the colons of the text
with those of orjson's own writing of the tree, and only when it cannot say "none dropped"
does the exact check (a second parse with a hook on every object) run. It must never say
"none dropped" for a text that repeats a key, however the key and the strings are written
(colons in keys and values, colons escaped as `\\u003a`, quotes and backslashes), and it
should say so for every text that repeats none and escapes no colon (or the quick path
would be no quicker). S040 must come out the same either way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.snapshot import no_key_dropped, parse_json

KEYS = st.sampled_from(["a", "b", 'q"', "c:d", ":", "\\", "", "键", 'x\\":'])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.sampled_from(["", ":", "::", '"', "\\", '\\":{', "a,b", "]", "用"]))


class Pairs(list[tuple[str, Any]]):
    """An object as written: its pairs in order, repeats allowed."""


def string(value: str, escape: bool) -> str:
    """A JSON string, its colons written `\\u003a` when `escape` (both are the same string)."""
    written = json.dumps(value, ensure_ascii=False)
    return written.replace(":", "\\u003a") if escape else written


def text(value: Any, escape: bool) -> str:
    if isinstance(value, Pairs):
        return "{" + ",".join(string(k, escape) + ": " + text(v, escape) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(text(v, escape) for v in value) + "]"
    if isinstance(value, str):
        return string(value, escape)
    return json.dumps(value)


VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(st.tuples(KEYS, inner), max_size=4).map(Pairs)), max_leaves=12)
DOCUMENTS = st.lists(st.tuples(KEYS, VALUES), max_size=6).map(Pairs)


def repeats(value: Any) -> bool:
    if isinstance(value, Pairs):
        keys = [k for k, _ in value]
        return len(set(keys)) != len(keys) or any(repeats(v) for _, v in value)
    if isinstance(value, list):
        return any(repeats(v) for v in value)
    return False


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS, st.booleans())
def test_a_repeated_key_is_never_missed(document: Pairs, escape: bool) -> None:
    raw = text(document, escape).encode()
    expected = repeats(document)
    if expected:
        assert not no_key_dropped(raw, orjson.loads(raw))
    elif b"\\u003a" not in raw:
        assert no_key_dropped(raw, orjson.loads(raw)), "no key repeated: the quick path says so"
    if expected:
        with pytest.raises(LawcodeError) as caught:
            parse_json(raw, "snap.json")
        assert caught.value.diagnostics[0].code == "S040"
    else:
        assert parse_json(raw, "snap.json") == orjson.loads(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": {"x": "1:2"}, "a": 3}',  # the dropped value's own colons count too
        b'{"a": 1, "a": 2, "b": "\\u003a"}',  # an escaped colon that would balance the count
        b'{"a": 1, "a": 2, "b": "\\u003A"}',
        b'[{"k": 1}, {"k": 1, "k": 1}]',
    ],
)
def test_texts_that_would_balance_the_count_go_to_the_exact_check(raw: bytes) -> None:
    assert not no_key_dropped(raw, orjson.loads(raw))
    with pytest.raises(LawcodeError) as caught:
        parse_json(raw, "snap.json")
    assert caught.value.diagnostics[0].code == "S040"
