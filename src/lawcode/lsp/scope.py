"""What the text around the cursor binds and reads, without a parse.

Completion is asked for while the line is unfinished (`g.` is a syntax error), so the
names bound around the cursor and the field a dotted name reaches are read from the text
itself: the declaration the cursor is in (from the last line that starts with a
declaration's keyword), its `for each x in c`, the elements of its aggregates
(`count(m in g.members …)`, `sum(v for m in …)`) and its definition's arguments. The
schema (the last check's `SnapshotSchema`) then says what `x.a.b` is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lawcode.compiler import types as T
from lawcode.compiler.schema import SnapshotSchema, json_types

_DECLARATION = re.compile(r"^[ \t]*(rule|def|parameter|ladder|document|import|schema)\b", re.MULTILINE)
_SUBJECT = re.compile(r"\bfor\s+each\s+([A-Za-z_]\w*)\s+in\s+([A-Za-z_]\w*)")
_ELEMENT = re.compile(r"(?:\b(?:count|exists)\s*\(\s*|\bfor\s+)(?!each\b)([A-Za-z_]\w*)\s+in\s+([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)")
_DEF_PARAMS = re.compile(r"^\s*def\s+[A-Za-z_]\w*\s*\(([^)]*)\)")
_DEF_PARAM = re.compile(r"([A-Za-z_]\w*)\s*:\s*([A-Za-z_]\w*(?:\s+of\s+[A-Za-z_]\w*)*)")
_CHAIN = re.compile(r"([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\.\s*([A-Za-z_]\w*)?$")
_WORD = re.compile(r"[A-Za-z_][\w-]*")
MAX_DEPTH = 8  # an element bound from another element's field, and so on


@dataclass(frozen=True, slots=True)
class Binding:
    """A name bound in a declaration: `each` (a collection's element), `element` (of the
    dotted path `source`), or `argument` (of the type named `source`)."""

    name: str
    how: str
    source: str
    offset: int  # where it is bound, in the whole text


def declaration_at(text: str, offset: int) -> tuple[int, int]:
    """The start and end offsets of the declaration holding `offset`."""
    start, end = 0, len(text)
    for found in _DECLARATION.finditer(text):
        if found.start() <= offset:
            start = found.start()
        else:
            end = found.start()
            break
    return start, end


def bindings(text: str, offset: int) -> dict[str, Binding]:
    """The names bound in the declaration around `offset`; of two with one name, the
    nearest before the cursor (an aggregate's element may be bound after its value)."""
    start, end = declaration_at(text, offset)
    body = text[start:end]
    found: list[Binding] = []
    for match in _SUBJECT.finditer(body):
        found.append(Binding(match.group(1), "each", match.group(2), start + match.start()))
    for match in _ELEMENT.finditer(body):
        found.append(Binding(match.group(1), "element", re.sub(r"\s+", "", match.group(2)), start + match.start()))
    header = _DEF_PARAMS.match(body)
    if header:
        for match in _DEF_PARAM.finditer(header.group(1)):
            found.append(Binding(match.group(1), "argument", match.group(2), start))
    chosen: dict[str, Binding] = {}
    for binding in sorted(found, key=lambda b: (b.offset > offset, abs(offset - b.offset))):
        chosen.setdefault(binding.name, binding)
    return chosen


def chain_before(text: str, offset: int) -> tuple[list[str], str] | None:
    """`(["g", "owner"], "na")` when the text before the cursor ends in `g.owner.na`."""
    line_start = text.rfind("\n", 0, offset) + 1
    found = _CHAIN.search(text[line_start:offset])
    if found is None:
        return None
    return [p.strip() for p in found.group(1).split(".")], found.group(2) or ""


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The start and end of the name (letters, digits, `_`, `-`) under the cursor."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for found in _WORD.finditer(text, line_start, line_end):
        if found.start() <= offset <= found.end():
            return found.start(), found.end()
    return None


class Fields:
    """Dotted names resolved against the snapshot schema."""

    def __init__(self, schema: SnapshotSchema, scope: Mapping[str, Binding]) -> None:
        self.schema = schema
        self.scope = scope
        self.collections = schema.collections()
        self.root = schema.properties(schema.root)

    def node(self, parts: list[str], depth: int = 0) -> dict[str, Any] | None:
        """The schema of the object `a.b.c` names (an element's, a record's), or None."""
        if not parts or depth > MAX_DEPTH:
            return None
        head, rest = parts[0], parts[1:]
        node: dict[str, Any] | None
        binding = self.scope.get(head)
        if binding is not None:
            node = self._bound(binding, depth)
        elif head in self.root and head not in self.collections:
            node = self.schema.resolve(self.root[head])
        else:
            return None
        for part in rest:
            if node is None:
                return None
            prop = self.schema.properties(node).get(part)
            node = self.schema.resolve(prop) if prop is not None else None
        return node

    def _bound(self, binding: Binding, depth: int) -> dict[str, Any] | None:
        if binding.how == "each":
            return self.collections.get(binding.source)
        if binding.how == "argument":
            return self.collections.get(binding.source)
        parts = binding.source.split(".")
        if len(parts) == 1 and parts[0] in self.collections and parts[0] not in self.scope:
            return self.collections[parts[0]]
        inner = dict(self.scope)
        inner.pop(binding.name, None)  # `m in m.x` reads the outer `m`
        node = Fields(self.schema, inner).node(parts, depth + 1)
        if node is None or json_types(node) != {"array"}:
            return None
        return self.schema.resolve(node.get("items", {}))

    def fields(self, node: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return self.schema.properties(node)

    def describe(self, prop: dict[str, Any], name: str) -> tuple[str, str | None]:
        """A field's lawcode type and the schema's description of it."""
        resolved = self.schema.resolve(prop)
        kind = self.schema.type_of(resolved, f"lsp.{name}").type
        label = "record" if isinstance(kind, T.RecordType) else str(kind)
        description = resolved.get("description") if isinstance(resolved.get("description"), str) else None
        return label, description


__all__ = ["Binding", "Fields", "bindings", "chain_before", "declaration_at", "word_at"]
