"""lawcode's diagnostics as the Language Server Protocol shows them.

The code, the range and the message are the compiler's; the hint follows the message
on its own line (editors show both), notes become related information pointing at their
own places, and a did-you-mean hint is kept in `data` for the quick fix
(`lawcode.lsp.actions`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lsprotocol import types

from lawcode.dsl.diagnostics import Diagnostic, Level
from lawcode.lsp.positions import LineIndex

SOURCE = "lawcode"
_SUGGESTION = re.compile(r"did you mean `([^`]+)`\?")


def suggestion(hint: str | None) -> str | None:
    """The spelling a did-you-mean hint proposes, if the hint is one."""
    found = _SUGGESTION.search(hint or "")
    return found.group(1) if found else None


def to_lsp(d: Diagnostic, lines: LineIndex, locate: Callable[[str], tuple[str, LineIndex] | None]) -> types.Diagnostic:
    """One diagnostic of a file whose text `lines` indexes; `locate(module)` gives another
    module's URI and text, for notes that point elsewhere."""
    where = lines.span_range(d.span) if d.span is not None else types.Range(types.Position(0, 0), types.Position(0, 0))
    message = d.message if d.span is not None or not d.where else f"{d.where}: {d.message}"
    if d.hint:
        message += f"\nhint: {d.hint}"
    related = []
    for text, span in d.notes:
        place = locate(span.file) if span is not None else None
        if place is not None and span is not None:
            uri, other = place
            related.append(types.DiagnosticRelatedInformation(types.Location(uri, other.span_range(span)), text))
        else:
            message += f"\nnote: {text}"
    fix = suggestion(d.hint)
    return types.Diagnostic(
        range=where,
        message=message,
        severity=types.DiagnosticSeverity.Error if d.level is Level.ERROR else types.DiagnosticSeverity.Warning,
        code=d.code,
        source=SOURCE,
        related_information=related or None,
        data={"suggestion": fix} if fix else None,
    )


__all__ = ["SOURCE", "suggestion", "to_lsp"]
