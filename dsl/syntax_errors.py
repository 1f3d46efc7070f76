"""Lark's syntax errors → diagnostics that say what was found, what was expected, and,
for the common slips (single quotes, `=` for `==`, `&&`, a missing `}`), how to fix it;
and the one lexical check Lark leaves to us, the escapes inside a string."""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from lawcode.dsl.diagnostics import Diagnostic, error
from lawcode.dsl.spans import Span
from lawcode.dsl.tables import lark_parser

__all__ = ["ESCAPES", "syntax_error", "unquote"]


_TERMINAL_NAMES = {
    "KEY": "a key such as `groups-2017`",
    "NAME": "a name",
    "STRING": 'a string in "double quotes"',
    "INT": "a whole number",
    "DECIMAL": "a number",
    "DATE": "a date such as 2017-10-08",
    "DATETIME": "a date-time such as 2024-05-01T10:00:00Z",
    "DURATION": "a duration such as `6 months`",
    "COMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "UNIT": "`article` or `task`",
    "CITE_UNIT": "`art` or `task`",
    "$END": "the end of the file",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    for terminal in lark_parser().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return f"`{terminal.pattern.value}`"
    return name.lower()


def syntax_error(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream or 0
        char = text[at] if at < len(text) else ""
        hint = None
        if char == "'":
            hint = 'strings take double quotes: "like this"'
        elif char == "=":
            hint = "compare with `==`; `=` only gives a parameter its default"
        elif char in ";":
            hint = "lawcode needs no `;` between clauses: remove it"
        return error("E001", f"unexpected character `{char}`", Span(path, line, column, line, column + 1), hint)
    if isinstance(exc, UnexpectedEOF):
        last = text.rstrip().splitlines() or [""]
        end_line = max(1, len(last))
        end_col = len(last[-1]) + 1
        expected = sorted({_describe_terminal(t) for t in exc.expected})
        return error(
            "E002",
            "the file ends too early; expected " + _one_of(expected),
            Span(path, end_line, end_col, end_line, end_col + 1),
            "a `{` may be missing its `}`",
        )
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    if token.type == "$END":
        lines = text.rstrip().splitlines() or [""]
        span = Span(path, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
        expected = sorted({_describe_terminal(t) for t in exc.expected})
        return error("E002", f"the file ends too early; expected {_one_of(expected)}", span, "a `{` may be missing its `}`")
    else:
        end_col = (token.end_column or column + len(str(token)))
        span = Span(path, line, column, token.end_line or line, end_col)
        found = f"`{token}`"
    expected_names = set(exc.expected)
    expected = sorted({_describe_terminal(t) for t in expected_names})
    hint = _hint_for(str(token), token.type, expected_names)
    return error("E002", f"unexpected {found}; expected {_one_of(expected)}", span, hint)


def _one_of(items: list[str]) -> str:
    # Punctuation first: a missing `}` or `)` is the likeliest fix and must not hide behind "…".
    items = sorted(items, key=lambda s: (s[1:2].isalnum() or not s.startswith("`"), s))
    if len(items) == 1:
        return items[0]
    if len(items) > 8:
        items = [*items[:8], "…"]
    return "one of " + ", ".join(items)


def _hint_for(value: str, kind: str, expected: set[str]) -> str | None:
    if kind == "EQUAL" and "COMP_OP" in expected:
        return "compare with `==`"
    if kind == "NAME" and "KEY" in expected:
        return "rule ids and document keys are lower case with dashes, like `log-retention`"
    if kind == "KEY" and "-" in value and "NAME" in expected:
        return f"names use underscores, not dashes: `{value.replace('-', '_')}`"
    if value in {"&&", "||", "!"}:
        return "write `and`, `or`, `not`"
    if kind == "RBRACE" or "RBRACE" in expected:
        return "check that every `{` has its `}` and every clause starts with its keyword"
    return None


# ---------------------------------------------------------------- strings' escapes

ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "{": "{", "}": "}"}


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unquote(token: Token, path: str, diagnostics: list[Diagnostic]) -> str:
    """A string literal's text without its quotes, escapes replaced; each unknown escape
    is an E003 in `diagnostics` (and stands for nothing), so every one is reported."""
    raw = str(token)[1:-1]
    if "\\" not in raw:
        return raw

    def replace(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped in ESCAPES:
            return ESCAPES[escaped]
        col = (token.column or 1) + 1 + match.start()
        diagnostics.append(
            error(
                "E003",
                f"unknown escape `\\{escaped}` in a string",
                Span(path, token.line or 1, col, token.line or 1, col + 2),
                'known escapes: \\" \\\\ \\n \\t \\{ \\}',
            )
        )
        return ""

    return _ESCAPE.sub(replace, raw)
