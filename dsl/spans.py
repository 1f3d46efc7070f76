"""Source positions.

Every AST node, IR node and diagnostic carries a `Span`, so that any message about a
ruleset (a type error, a violation, an explain tree) can point at the exact text that
caused it. Lines and columns are 1-based, as editors show them; `end_column` is
exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def cover(self, other: Span) -> Span:
        """The smallest span holding both (used for binary expressions)."""
        start = min((self.line, self.column), (other.line, other.column))
        end = max((self.end_line, self.end_column), (other.end_line, other.end_column))
        return Span(self.file, start[0], start[1], end[0], end[1])


NO_SPAN = Span("<builtin>", 1, 1, 1, 1)


def text_at(sources: dict[str, str], span: Span) -> str:
    """The source text a span covers, its lines joined by one space (none after an opening
    bracket or before a closing one): an expression `lawcode fmt` broke over lines reads
    as it would on one line (`exists(a in …)`, not `exists( a in … )`)."""
    text = sources.get(span.file)
    if text is None:
        return ""
    return _cut(text, span)


@lru_cache(maxsize=8192)
def _cut(text: str, span: Span) -> str:
    """Kept per (text, span): a report names the same few expressions for every subject."""
    lines = text.splitlines()[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.column - 1 : span.end_column - 1]
    lines[0] = lines[0][span.column - 1 :]
    lines[-1] = lines[-1][: span.end_column - 1]
    joined = lines[0].strip()
    for line in lines[1:]:
        piece = line.strip()
        joined += piece if joined.endswith(("(", "[")) or piece.startswith((")", "]")) else " " + piece
    return joined
