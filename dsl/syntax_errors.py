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
        return _unexpected_character(exc, text, path, line, column)
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
    slip = _token_slip(token, text, path, set(exc.expected))
    if slip is not None:
        return slip
    end_col = token.end_column or column + len(str(token))
    span = Span(path, line, column, token.end_line or line, end_col)
    found = f"`{token}`"
    expected_names = set(exc.expected)
    expected = sorted({_describe_terminal(t) for t in expected_names})
    hint = _hint_for(str(token), token.type, expected_names)
    return error("E002", f"unexpected {found}; expected {_one_of(expected)}", span, hint)


def _unexpected_character(exc: UnexpectedCharacters, text: str, path: str, line: int, column: int) -> Diagnostic:
    """E001 at a character no token starts with, and the fix for the common ones."""
    at = exc.pos_in_stream or 0
    char = text[at] if at < len(text) else ""
    hint = None
    if char == "'":
        hint = 'strings take double quotes: "like this"'
    elif char == "=":
        hint = "compare with `==`; `=` only gives a parameter its default"
    elif char in ";":
        hint = "lawcode needs no `;` between clauses: remove it"
    elif char in "&|!":
        return _symbol_operator(text, at, path, line, column)
    return error("E001", f"unexpected character `{char}`", Span(path, line, column, line, column + 1), hint)


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


# ---------------------------------------------------------------- other languages' habits
#
# Slips a writer brings from another notation get a diagnostic of their own, marking the
# slip's whole text and saying the form lawcode uses, rather than Lark's list of what
# could have come next (issue 22: `&&`, `30d`, `if` for `where`, `rule snake_case`).

_SYMBOL_WORDS = {"&&": "and", "&": "and", "||": "or", "|": "or", "!": "not"}
# A duration's unit abbreviated as other languages do; `m` is ambiguous, so both are named.
_SHORT_UNITS = {
    "d": "days", "day": "days", "w": "weeks", "wk": "weeks", "h": "hours", "hr": "hours", "hrs": "hours",
    "y": "years", "yr": "years", "yrs": "years", "s": "seconds", "sec": "seconds", "secs": "seconds",
    "min": "minutes", "mins": "minutes", "mo": "months", "mon": "months", "mth": "months",
}
_KEY_CHARS = re.compile(r"[a-z0-9-]*$")
_WORD_BEFORE = re.compile(r"([A-Za-z_]+)\s*$")


def _symbol_operator(text: str, at: int, path: str, line: int, column: int) -> Diagnostic:
    """`&&`, `||`, `!` (or one `&`, `|`): E001 on the symbol, naming the word to write."""
    symbol = text[at : at + 2] if text[at : at + 2] in ("&&", "||") else text[at]
    word = _SYMBOL_WORDS[symbol]
    return error(
        "E001",
        f"`{symbol}` is not an operator in lawcode; write `{word}`",
        Span(path, line, column, line, column + len(symbol)),
        "the logical operators are words: `and`, `or`, `not`, `implies`",
    )


def _token_slip(token: Token, text: str, path: str, expected: set[str]) -> Diagnostic | None:
    """A targeted E002 for a token that is a known slip, or None for the generic message."""
    start = token.start_pos
    unclosed = _open_placeholder(token, text, path)
    if unclosed is not None:
        return unclosed
    if token.type in ("NAME", "KEY") and start is not None and start > 0 and text[start - 1].isdigit():
        return _short_duration(token, text, path)
    if str(token) == "if" and "WHERE" in expected:
        return error(
            "E002",
            "unexpected `if`: a condition on the subjects is written with `where`",
            _token_span(token, path),
            "write `for each x in xs where <condition>`; `if … then … else …` chooses between two values",
        )
    if str(token) == "implies" and "IMPLIES" not in expected:
        return error(
            "E002",
            "`implies` does not chain: `a implies b implies c` reads two ways",
            _token_span(token, path),
            "parenthesise one side: `(a implies b) implies c` or `a implies (b implies c)`",
        )
    if token.type == "NAME" and str(token).startswith("_") and start is not None and "LBRACE" in expected:
        return _snake_case_key(token, text, path)
    if start is not None:
        return _scope_without_condition(text, start, path)
    return None


# `applies when { rule … }`: the block's `{` is read as a map literal standing for the
# condition, so the parser trips on the rule inside, far from the mistake.
_BARE_SCOPE = re.compile(r"\bapplies\s+when\s*(\{)\s*(?:rule\s*)?$")


def _scope_without_condition(text: str, start: int, path: str) -> Diagnostic | None:
    """E002 at the `{` of an `applies when` block written without its condition."""
    match = _BARE_SCOPE.search(text, 0, start)
    if match is None:
        return None
    at = match.start(1)
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    return error(
        "E002",
        "`applies when` has no condition before its `{`",
        Span(path, line, column, line, column + 1),
        'state when the block\'s rules apply: `applies when offers("groups") { … }`',
    )


# A message's placeholder left open before a quote: `message "a {f("x") b"` ends the
# message at the quote after `{f(` (the `{` was text), and the parser trips on `x`.
_OPEN_HOLE = re.compile(r'^\s*(?:message\s+)?(?:"(?:\\.|[^"\\\n])*"\s+)*"(?:\\.|\{\{|[^"\\\n{])*(\{)[^{}\n]*$')


def _open_placeholder(token: Token, text: str, path: str) -> Diagnostic | None:
    """E006 at a message placeholder's `{` that a quote inside it left unclosed."""
    start, line = token.start_pos, token.line or 1
    if start is None:
        return None
    before = text[text.rfind("\n", 0, start) + 1 : start]
    match = _OPEN_HOLE.match(before)
    if match is None or '"' not in before[match.start(1) :]:
        return None
    column = match.start(1) + 1
    return error(
        "E006",
        "a placeholder `{` in this message is not closed before the message's end",
        Span(path, line, column, line, column + 1),
        "close it with `}`, or write `{{` for a literal brace",
    )


def _short_duration(token: Token, text: str, path: str) -> Diagnostic | None:
    """`30d` lexes as `30` then the name `d`: say the duration literal (`30 days`)."""
    start = token.start_pos or 0
    digits = start
    while digits > 0 and text[digits - 1].isdigit():
        digits -= 1
    count, unit = text[digits:start], str(token)
    if unit.lower() in _SHORT_UNITS:
        literal = f"`{count} {_SHORT_UNITS[unit.lower()]}`"
    elif unit.lower() == "m":
        literal = f"`{count} minutes` or `{count} months`"
    else:
        return None
    column = (token.column or 1) - (start - digits)
    line = token.line or 1
    return error(
        "E002",
        f"`{count}{unit}` is not a duration; write {literal}",
        Span(path, line, column, line, column + len(count) + len(unit)),
        "a duration is a number, a space and a unit: years, months, weeks, days, hours, minutes or seconds",
    )


def _snake_case_key(token: Token, text: str, path: str) -> Diagnostic | None:
    """`rule complaints_trigger_review`: the key `complaints` then the name `_trigger_review`."""
    end = token.start_pos or 0
    match = _KEY_CHARS.search(text, 0, end)
    begin = match.start() if match is not None else end
    if begin == end:
        return None
    written = text[begin:end] + str(token)
    dashed = re.sub(r"[-_]+", "-", written.lower()).strip("-")
    before = _WORD_BEFORE.search(text, 0, begin)
    what = {"rule": "rule ids", "document": "document keys"}.get(before.group(1) if before else "", "keys")
    line = token.line or 1
    column = (token.column or 1) - (end - begin)
    return error(
        "E002",
        f"{what} use dashes, not underscores: `{dashed}`",
        Span(path, line, column, line, column + len(written)),
        f"write `{dashed}`; underscores belong in names (parameters, definitions, fields)",
    )


def _token_span(token: Token, path: str) -> Span:
    line = token.line or 1
    column = token.column or 1
    return Span(path, line, column, token.end_line or line, token.end_column or column + len(str(token)))


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
