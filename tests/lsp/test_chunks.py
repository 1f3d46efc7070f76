"""Parsing declaration by declaration gives what parsing the whole file gives: the same
declarations at the same spans, or the same diagnostics, on the CAC files as written and
after random edits (most of which break them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.parser import parse_module
from lawcode.lsp.chunks import ChunkedParser, pieces

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "rulesets" / "cac").rglob("*.law")) + sorted((ROOT / "tests" / "data" / "mini").glob("*.law"))
SMALL = [p for p in FILES if p.stat().st_size < 6000]
PIECES = ["{", "}", "\n", "\nrule x {", "\ndef", '"', "(", ")", ".", "rule", " and ", "\n\n", "9", "art", "cites x art 1", "#", "item"]


def outcome(parse, text: str, name: str) -> tuple[str, object]:
    try:
        return "module", parse(text, name).declarations
    except LawcodeError as exc:
        return "errors", [d.to_json() for d in exc.diagnostics]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_as_written(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "".join(piece for _, _, piece in pieces(text)) == text
    assert outcome(ChunkedParser().parse, text, str(path)) == outcome(parse_module, text, str(path))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SMALL), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 12), st.sampled_from(PIECES)), min_size=1, max_size=3))
def test_after_random_edits(path: Path, edits: list[tuple[float, int, str]]) -> None:
    text = path.read_text(encoding="utf-8")
    parser = ChunkedParser()
    parser.parse(text, "f.law")  # the pieces as written are kept, as in an editing session
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        assert outcome(parser.parse, text, "f.law") == outcome(parse_module, text, "f.law")
