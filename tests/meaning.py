"""Compare trees of frozen dataclasses (AST, IR) by meaning: every field but positions.

Used by the formatter's properties: formatting may move text, so spans change, but the
tree the text stands for must not.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lawcode.compiler import Program

# Fields that say where or how text was written, not what it means (`raw`: a message as
# written, escapes and spacing included).
POSITION_FIELDS = {"span", "clauses", "raw"}


def without_spans(value: Any) -> Any:
    """A plain, comparable copy of `value` with every span (and `*_span`) dropped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kept = tuple(
            (f.name, without_spans(getattr(value, f.name)))
            for f in dataclasses.fields(value)
            if f.name not in POSITION_FIELDS and not f.name.endswith("_span")
        )
        return (type(value).__name__, kept)
    if isinstance(value, dict):
        return {key: without_spans(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return tuple(without_spans(item) for item in value)
    return value


def meaning(program: Program) -> dict[str, Any]:
    """What a compiled program says, with positions removed (the IR, not the text)."""
    return {
        "documents": without_spans(program.documents),
        "parameters": without_spans(program.parameters),
        "ladders": without_spans(program.ladders),
        "definitions": without_spans(program.definitions),
        "rules": without_spans(program.rules),
    }


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two stripped trees first differ (for a readable assertion message)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}: only on one side"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"
