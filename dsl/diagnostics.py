"""One diagnostic type for every stage, and the one exception users catch.

It lives in the lowest layer, beside the spans it points with, so the compiler, the
engine and the application all report through it without any layer importing upward
(`lawcode.diagnostics` re-exports it as the public name).

Stages collect diagnostics in lists and raise them together (`LawcodeError`), so a
writer sees every mistake of a run at once instead of fixing them one by one.
Rendering follows the rustc/sqlglot habit: location, message, the offending line with
a marker under the exact text, then a hint.

What is rendered is meant for a terminal, and rulesets and snapshots are untrusted: every
text renderer passes what it shows from them through `visible`, so an escape sequence, a
C1 control or a bidi override is shown as `\x1b` or `\u202e` instead of acting on the
terminal (the JSON and SARIF forms keep the exact text). An excerpt shows at most
`EXCERPT_CHARS` characters of its line around the marked column, so a 1 MB line costs a
line of output, not two megabytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lawcode.dsl.spans import Span


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    level: Level = Level.ERROR
    notes: tuple[tuple[str, Span | None], ...] = field(default=())
    where: str | None = None  # for input without spans: "snapshot.json /users/3/id"

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return (self.where or "", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "span": self.span.to_json() if self.span else None,
            "where": self.where,
            "notes": [
                {"message": text, "span": span.to_json() if span else None}
                for text, span in self.notes
            ],
        }

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        """The diagnostic for a terminal: controls in any part of it shown, never obeyed."""
        where = f"{self.span}: " if self.span else (f"{self.where}: " if self.where else "")
        lines = [visible(_clipped(f"{where}{self.level.value}[{self.code}]: {self.message}"))]
        if self.span is not None and sources and self.span.file in sources:
            lines.extend(_snippet(sources[self.span.file], self.span))
        for text, span in self.notes:
            lines.append(visible(_clipped(f"  = note: {text}" + (f" ({span})" if span else ""))))
        if self.hint:
            lines.append(visible(_clipped(f"  = hint: {self.hint}")))
        return "\n".join(lines)


EXCERPT_CHARS = 120  # of a source line, around the marked column
MESSAGE_CHARS = 1000  # a message quoting a megabyte token is cut in its middle
# What a terminal obeys rather than shows: C0 controls but tab, DEL, C1 controls, the
# line and paragraph separators, and the bidi marks, embeddings, overrides and isolates.
_UNSEEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_UNSEEN_BUT_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def visible(text: str, *, newlines: bool = False) -> str:
    """`text` safe to print on a terminal: each control character shown as its escape.

    ESC, CSI, OSC (hyperlinks, titles), C0 and C1 controls, DEL and bidi overrides from
    a ruleset or a snapshot would otherwise recolour, clear, relink or reorder what the
    reader sees. They become `\\x1b`, `\\x9b`, `\\u202e`: visible, and never obeyed.
    A newline is escaped too (one value cannot forge a line of a report) unless
    `newlines` says the text is a block of lines of our own making.
    """
    unseen = _UNSEEN_BUT_NEWLINE if newlines else _UNSEEN
    return unseen.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _clipped(text: str) -> str:
    if len(text) <= MESSAGE_CHARS:
        return text
    half = MESSAGE_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


def _snippet(text: str, span: Span) -> list[str]:
    # The parser counts lines by "\n" only: a form feed or U+2028 in a line is part of it.
    if span.line < 1 or text.count("\n") + 1 < span.line:
        return []
    start = 0
    for _ in range(span.line - 1):
        start = text.index("\n", start) + 1
    stop = text.find("\n", start)
    line = text[start : stop if stop >= 0 else len(text)].removesuffix("\r")
    number = str(span.line)
    pad = " " * len(number)
    end = span.end_column if span.end_line == span.line else len(line) + 1
    shown, marker = _excerpt(line, span.column - 1, max(1, end - span.column))
    return [f" {pad} |", f" {number} | {shown}", f" {pad} | {marker}"]


def _excerpt(line: str, start: int, width: int) -> tuple[str, str]:
    """The line as shown and the marker row under it.

    At most `EXCERPT_CHARS` characters around `start`, with an ellipsis for what is cut;
    each character is shown as `visible` shows it, and the marker counts the cells each
    takes (an escape its length, an East Asian character two, a tab stays a tab), so the
    carets stand under the characters `start` and `width` name.
    """
    first, last = 0, len(line)
    if len(line) > EXCERPT_CHARS:
        first = max(0, min(start - EXCERPT_CHARS // 3, len(line) - EXCERPT_CHARS))
        last = first + EXCERPT_CHARS
    shown, marker = ["…"] if first else [], [" "] if first else []
    for index in range(first, last):
        ch = line[index]
        seen = visible(ch)
        shown.append(seen)
        if index < start:
            marker.append("\t" if ch == "\t" else " " * _cells(seen))
        elif index < start + width:
            marker.append("^" * _cells(seen))
    if last < len(line):
        shown.append("…")
    row = "".join(marker)
    # The end of the line (or past it) is marked, or only zero-width characters were.
    return "".join(shown), row if "^" in row else row + "^"


def _cells(seen: str) -> int:
    """Terminal cells `seen` takes: East Asian wide characters two, a combining mark none."""
    if len(seen) > 1:
        return len(seen)
    if unicodedata.combining(seen):
        return 0
    return 2 if unicodedata.east_asian_width(seen) in ("W", "F") else 1


class LawcodeError(Exception):
    """Raised for any problem in user input: a ruleset, a snapshot, a CLI argument.

    Carries every diagnostic found, not only the first. `str(error)` renders them all
    with source snippets, which is what the CLI prints.
    """

    def __init__(
        self,
        diagnostics: Iterable[Diagnostic],
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(diagnostics, key=Diagnostic.sort_key)
        )
        self.sources: dict[str, str] = dict(sources or {})
        super().__init__()

    def __str__(self) -> str:
        """Rendered when asked, not when raised: a run that catches and prints the error
        (the CLI) would otherwise render every snippet twice, and one with thousands of
        diagnostics pays for each."""
        return self.render()

    def __reduce__(self) -> tuple[type[LawcodeError], tuple[tuple[Diagnostic, ...], dict[str, str]]]:
        """Whole across processes (the playground's workers raise it in another one)."""
        return (LawcodeError, (self.diagnostics, self.sources))

    def render(self) -> str:
        return "\n\n".join(d.render(self.sources) for d in self.diagnostics)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)


def error(code: str, message: str, span: Span | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code=code, message=message, span=span, hint=hint)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known spelling, or None when nothing is close."""
    import difflib

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


__all__ = ["Diagnostic", "LawcodeError", "Level", "did_you_mean", "error", "visible"]
