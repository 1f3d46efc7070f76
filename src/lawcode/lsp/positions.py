"""Between lawcode's spans and the positions of the Language Server Protocol.

Two ways of counting meet here. A `Span` is 1-based, counts lines by `\\n` only (as the
Lark lexer does) and columns in code points. An LSP position is 0-based, ends lines at
`\\n`, `\\r\\n` or a lone `\\r`, and counts columns in the code units the client and server
agreed on (UTF-16 unless the client offers another): `处罚` is two UTF-16 units, `𠀀` is
two as well, though each is one code point. Everything goes through a plain offset into
the text (code points), so the two line rules never have to agree.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from lsprotocol import types

from lawcode.dsl.spans import Span

_LSP_BREAK = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: str) -> int:
    """How many code units `text` takes in the negotiated position encoding."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def chars_for_units(text: str, count: int, encoding: str) -> int:
    """How many code points of `text` fit in `count` code units (a position inside a
    character, which a client should not send, falls back to the character's start)."""
    if encoding == types.PositionEncodingKind.Utf32:
        return min(max(count, 0), len(text))
    used = 0
    for index, char in enumerate(text):
        used += units(char, encoding)
        if used > count:
            return index
    return len(text)


class LineIndex:
    """One text's line starts under both rules, for conversions in either direction."""

    __slots__ = ("_lsp_starts", "_span_starts", "encoding", "text")

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self._span_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._lsp_starts = [0, *(m.end() for m in _LSP_BREAK.finditer(text))]

    # ------------------------------------------------------------ spans
    def span_offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column as the parser counts them (clamped)."""
        starts = self._span_starts
        index = min(max(line, 1), len(starts)) - 1
        start = starts[index]
        stop = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.text)
        return min(start + max(column, 1) - 1, stop)

    def span_position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column, as the parser counts them, of an offset."""
        starts = self._span_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def span_range(self, span: Span) -> types.Range:
        start = self.span_offset(span.line, span.column)
        end = max(start, self.span_offset(span.end_line, span.end_column))
        return types.Range(self.position(start), self.position(end))

    def span_contains(self, span: Span, offset: int) -> bool:
        """Whether `offset` is in the span or touches its end (the cursor after a name)."""
        return self.span_offset(span.line, span.column) <= offset <= self.span_offset(span.end_line, span.end_column)

    # ------------------------------------------------------------ LSP positions
    def position(self, offset: int) -> types.Position:
        """The LSP position of an offset into the text."""
        offset = min(max(offset, 0), len(self.text))
        starts = self._lsp_starts
        line = bisect.bisect_right(starts, offset) - 1  # between `\r` and `\n`: the line they end
        start = starts[line]
        return types.Position(line=line, character=units(self.text[start:offset], self.encoding))

    def offset(self, position: types.Position) -> int:
        """The offset an LSP position names; lines and columns past the end are clamped."""
        starts = self._lsp_starts
        if position.line >= len(starts):
            return len(self.text)
        start = starts[max(position.line, 0)]
        stop = starts[position.line + 1] if position.line + 1 < len(starts) else len(self.text)
        line = _LSP_BREAK.sub("", self.text[start:stop])
        return start + chars_for_units(line, position.character, self.encoding)

    def line_of(self, offset: int) -> str:
        """The LSP line holding an offset, without its line break."""
        line = self.position(offset).line
        starts = self._lsp_starts
        start = starts[line]
        stop = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return _LSP_BREAK.sub("", self.text[start:stop])


@lru_cache(maxsize=64)
def line_index(text: str, encoding: str = types.PositionEncodingKind.Utf16) -> LineIndex:
    """The `LineIndex` of a text, shared: a check and its publishing index the same texts."""
    return LineIndex(text, encoding)


def apply_change(text: str, change: types.TextDocumentContentChangeEvent, encoding: str) -> str:
    """The text after one `didChange` content change (a range replaced, or the whole text)."""
    if isinstance(change, types.TextDocumentContentChangePartial):
        index = LineIndex(text, encoding)
        start = index.offset(change.range.start)
        end = max(start, index.offset(change.range.end))
        return text[:start] + change.text + text[end:]
    return change.text


__all__ = ["LineIndex", "apply_change", "chars_for_units", "line_index", "units"]
