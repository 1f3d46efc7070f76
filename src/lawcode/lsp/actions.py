"""Formatting (what `lawcode fmt` writes) and the quick fixes of did-you-mean hints.

Formatting answers with one edit replacing the whole text, or none: a file with a syntax
error is left as written (its diagnostics say why), as `lawcode fmt` leaves it.

A quick fix replaces, inside the diagnostic's range, the word closest to the suggested
spelling: the range of an unknown document is the whole citation (`grups-2017 art 8`),
and only `grups-2017` is to change; a misspelt string value keeps its quotes.
"""

from __future__ import annotations

import difflib
import re

from lsprotocol import types

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.dsl.formatter import format_text
from lawcode.lsp.diagnostics import suggestion
from lawcode.lsp.positions import LineIndex

_WORD = re.compile(r'[^\s"`,.:()\[\]{}]+')


def formatting(text: str, name: str, lines: LineIndex) -> list[types.TextEdit]:
    try:
        formatted = format_text(text, name)
    except LawcodeError:
        return []
    if formatted == text:
        return []
    whole = types.Range(types.Position(0, 0), lines.position(len(text)))
    return [types.TextEdit(range=whole, new_text=formatted)]


def quick_fix(d: Diagnostic, uri: str, lines: LineIndex) -> types.CodeAction | None:
    """The edit a did-you-mean hint proposes, as a preferred quick fix."""
    wanted = suggestion(d.hint)
    if wanted is None or d.span is None:
        return None
    start = lines.span_offset(d.span.line, d.span.column)
    end = lines.span_offset(d.span.end_line, d.span.end_column)
    words = [(m.start() + start, m.end() + start, m.group()) for m in _WORD.finditer(lines.text[start:end])]
    words = [w for w in words if w[2] != wanted]
    if not words:
        return None
    first, last, _ = max(words, key=lambda w: difflib.SequenceMatcher(None, w[2], wanted).ratio())
    edit = types.TextEdit(range=types.Range(lines.position(first), lines.position(last)), new_text=wanted)
    return types.CodeAction(
        title=f"Change to `{wanted}`",
        kind=types.CodeActionKind.QuickFix,
        is_preferred=True,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
    )


__all__ = ["formatting", "quick_fix"]
