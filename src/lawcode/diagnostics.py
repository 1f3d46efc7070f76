"""One diagnostic type for every stage, and the one exception users catch.

Stages collect diagnostics in lists and raise them together (`LawcodeError`), so a
writer sees every mistake of a run at once instead of fixing them one by one.
Rendering follows the rustc/sqlglot habit: location, message, the offending line with
a marker under the exact text, then a hint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spans live in the dsl package, which itself reports through here
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
        where = f"{self.span}: " if self.span else (f"{self.where}: " if self.where else "")
        lines = [f"{where}{self.level.value}[{self.code}]: {self.message}"]
        if self.span is not None and sources and self.span.file in sources:
            lines.extend(_snippet(sources[self.span.file], self.span))
        for text, span in self.notes:
            lines.append(f"  = note: {text}" + (f" ({span})" if span else ""))
        if self.hint:
            lines.append(f"  = hint: {self.hint}")
        return "\n".join(lines)


def _snippet(text: str, span: Span) -> list[str]:
    source_lines = text.splitlines()
    if not 1 <= span.line <= len(source_lines):
        return []
    line = source_lines[span.line - 1]
    number = str(span.line)
    pad = " " * len(number)
    end = span.end_column if span.end_line == span.line else len(line) + 1
    width = max(1, end - span.column)
    # East Asian characters take two terminal cells; keep the marker under them.
    lead = "".join(_cells(ch) for ch in line[: span.column - 1])
    mark = "".join("^^" if _cells(ch) == "  " else "^" for ch in line[span.column - 1 : span.column - 1 + width])
    return [f" {pad} |", f" {number} | {line}", f" {pad} | {lead}{mark or '^'}"]


def _cells(ch: str) -> str:
    import unicodedata

    if ch == "\t":
        return "\t"
    return "  " if unicodedata.east_asian_width(ch) in ("W", "F") else " "


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
        super().__init__(self.render())

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
