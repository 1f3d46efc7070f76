"""A message's strings → an `ast.Template`: literal text and `{expr}` placeholders.

The lexer already knows where a message ends (the grammar's `MESSAGE` terminal, the
pattern below): a placeholder is an expression, and the strings inside it are quoted as
anywhere else (`{attestation_status("x")}`), so a quote between braces does not end the
message. This module cuts a message's text at the same places, and hands each
placeholder's text, with its line and column in the file, to the builder to parse with
the expression grammar: spans point at the file's own columns.

The older spelling, written before the lexer knew placeholders, escaped those quotes
(`{attestation_status(\\"x\\")}`). It still reads the same; `lawcode fmt` rewrites it
without the backslashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, error
from lawcode.dsl.spans import Span
from lawcode.dsl.syntax_errors import ESCAPES, syntax_error
from lawcode.dsl.tables import lark_parser

__all__ = ["MESSAGE", "HoleParser", "hole_parser", "join", "template"]

_STRING = r'"(?:\\.|[^"\\\n])*"'
_HOLE = r'\{(?:' + _STRING + r'|\\.|[^{}"\\\n])*\}'
# The grammar's `MESSAGE` terminal (a test holds them equal): a string in which a
# placeholder may hold strings; each step atomic, so a quote that never closes costs
# linear time.
MESSAGE = r'"(?>\\.|\{\{|' + _HOLE + r'|[^"\\\n])*"'

# One piece of a message's text (between its quotes), in the order the lexer reads them.
_PIECE = re.compile(
    r"(?P<escape>\\.)|(?P<open>\{\{)|(?P<close>\}\})|(?P<hole>" + _HOLE + r")|(?P<brace>\{)|(?P<text>[^\\{}]+|\})"
)
_BARE_QUOTE = re.compile(r'(?<!\\)"')

# (placeholder text, line, column of its first character) → its expression, or None
# when it does not parse (the parser has said why, in the diagnostics).
HoleParser = Callable[[str, int, int], "ast.Expr | None"]


@lru_cache(maxsize=4096)
def _hole_tree(hole: str) -> Tree[Token]:
    """A message placeholder's parse tree, kept by its text: placeholders repeat (`{a.id}`
    stands in a fifth of the CAC messages) and the tree is only read, never changed, so
    one parse serves every message with the same text (its spans are shifted when built)."""
    return lark_parser().parse(hole, start="expr")


def hole_parser(path: str, diagnostics: list[Diagnostic], builder: Callable[[tuple[int, int]], Any]) -> HoleParser:
    """Parses a placeholder with the expression grammar; `builder(shift)` is the builder
    of its tree, its spans moved to (line, column) of the placeholder in the file."""

    def parse(hole: str, line: int, column: int) -> ast.Expr | None:
        try:
            tree = _hole_tree(hole)
        except UnexpectedInput as exc:
            diag = syntax_error(exc, hole, path)
            col = column + ((diag.span.column - 1) if diag.span else 0)
            diagnostics.append(
                error("E006", f"in message placeholder `{{{hole}}}`: {diag.message}", Span(path, line, col, line, col + 1), diag.hint)
            )
            return None
        sub = builder((line, column))
        expr = sub.run(tree)
        diagnostics.extend(sub.diagnostics)
        return expr  # type: ignore[no-any-return]

    return parse


def hole_text(written: str) -> str:
    """The expression a placeholder holds. Quotes escaped as the older spelling wrote
    them (`status(\\"x\\")`: no bare quote at all) lose their backslashes; a placeholder
    with a bare quote is in the newer spelling and is the expression as it stands."""
    if '\\"' in written and _BARE_QUOTE.search(written) is None:
        return written.replace('\\"', '"')
    return written


def template(token: Token, path: str, diagnostics: list[Diagnostic], parse_hole: HoleParser) -> ast.Template:
    """One message string, its placeholders parsed at their place in the file."""
    raw = str(token)[1:-1]
    line, first = token.line or 1, (token.column or 1) + 1  # the column of raw[0]
    parts: list[str | ast.Expr] = []
    text: list[str] = []
    for piece in _PIECE.finditer(raw):
        kind, value = piece.lastgroup, piece.group()
        if kind == "escape":
            text.append(ESCAPES.get(value[1], value))
        elif kind in ("open", "close"):
            text.append(value[0])
        elif kind == "brace":
            col = first + piece.start()
            diagnostics.append(
                error("E006", "`{` in a message has no closing `}`", Span(path, line, col, line, col + 1), "write `{{` for a literal brace")
            )
            break
        elif kind == "hole":
            if text:
                parts.append("".join(text))
                text = []
            expr = parse_hole(hole_text(value[1:-1]), line, first + piece.start() + 1)
            if expr is not None:
                parts.append(expr)
        else:
            text.append(value)
    if text:
        parts.append("".join(text))
    return ast.Template(tuple(parts), raw, Span(path, line, first - 1, token.end_line or line, token.end_column or first + len(raw) + 1))


def join(pieces: list[ast.Template]) -> ast.Template:
    """A message written as several strings, read as one: text split across two strings
    is one text."""
    if len(pieces) == 1:
        return pieces[0]
    parts: list[str | ast.Expr] = []
    for part in (p for piece in pieces for p in piece.parts):
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        else:
            parts.append(part)
    return ast.Template(tuple(parts), "".join(p.raw for p in pieces), pieces[0].span.cover(pieces[-1].span))
