"""Spans (1-based, `\\n` lines, code points) against LSP positions (0-based, `\\r\\n`/`\\r`/`\\n`
lines, UTF-16 units unless agreed otherwise)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from lawcode.dsl.spans import Span
from lawcode.lsp.positions import LineIndex, apply_change, units

TEXT = st.lists(st.sampled_from([*'ab \t\n\r{}"处罚𠀀é', "\r\n", "\u2028", "\x0c"]), max_size=40).map("".join)
ENCODINGS = st.sampled_from([types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf32])


def test_columns_count_utf16_units_after_chinese_and_astral_characters() -> None:
    text = 'rule r {\n  title "处罚𠀀" x\n}\n'
    index = LineIndex(text)
    x = text.index(" x") + 1
    assert index.position(x) == types.Position(line=1, character=len('  title "') + 2 + 2 + 2)
    assert LineIndex(text, types.PositionEncodingKind.Utf32).position(x).character == len('  title "处罚𠀀" ')
    assert LineIndex(text, types.PositionEncodingKind.Utf8).position(x).character == len(b'  title "') + 3 + 3 + 4 + 2
    line, column = index.span_position(x)
    assert (line, column) == (2, len('  title "处罚𠀀" ') + 1)
    span = Span("f", line, column, line, column + 1)
    assert index.span_range(span) == types.Range(types.Position(1, 15), types.Position(1, 16))


def test_a_lone_carriage_return_ends_an_lsp_line_but_not_a_span_line() -> None:
    text = "ab\rcd\nef"
    index = LineIndex(text)
    assert index.position(text.index("c")) == types.Position(1, 0)
    assert index.span_position(text.index("c")) == (1, 4)  # the parser's line 1
    assert index.position(text.index("e")) == types.Position(2, 0)
    assert index.span_position(text.index("e")) == (2, 1)


def test_positions_past_the_end_are_clamped() -> None:
    index = LineIndex("ab\ncd")
    assert index.offset(types.Position(7, 0)) == 5
    assert index.offset(types.Position(0, 99)) == 2
    assert index.span_offset(99, 99) == 5


@given(TEXT, ENCODINGS)
def test_every_offset_survives_a_round_trip(text: str, encoding: str) -> None:
    index = LineIndex(text, encoding)
    for offset in range(len(text) + 1):
        if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n":
            continue  # between `\r` and `\n` is no position of the protocol
        assert index.offset(index.position(offset)) == offset


@given(TEXT)
def test_span_offsets_follow_the_parser_lines(text: str) -> None:
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line, column = index.span_position(offset)
        assert index.span_offset(line, column) == offset
        assert line == text.count("\n", 0, offset) + 1


@given(TEXT, st.integers(0, 80), st.integers(0, 80), st.text(alphabet="x处\n𠀀", max_size=4), ENCODINGS)
def test_an_incremental_change_replaces_exactly_its_range(text: str, a: int, b: int, new: str, encoding: str) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    index = LineIndex(text, encoding)
    if any(0 < o < len(text) and text[o - 1 : o + 1] == "\r\n" for o in (start, end)):
        return
    change = types.TextDocumentContentChangePartial(range=types.Range(index.position(start), index.position(end)), text=new)
    assert apply_change(text, change, encoding) == text[:start] + new + text[end:]
    assert apply_change(text, types.TextDocumentContentChangeWholeDocument(text=new), encoding) == new


def test_units() -> None:
    assert units("处𠀀a", types.PositionEncodingKind.Utf16) == 4
    assert units("处𠀀a", types.PositionEncodingKind.Utf8) == 8
    assert units("处𠀀a", types.PositionEncodingKind.Utf32) == 3
