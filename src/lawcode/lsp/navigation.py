"""Go to definition, find references and the outline of a file, from `lawcode.lsp.index`.

A file whose text does not parse now is navigated with its last good tree; an
occurrence from it is used only where the current text still spells the name there, so
a half-typed line never sends the cursor to the wrong place.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from lawcode.dsl import ast
from lawcode.dsl.formatter import format_expression
from lawcode.dsl.spans import Span
from lawcode.lsp.index import Occurrence, at, occurrences, refers_to, symbol_kinds
from lawcode.lsp.positions import LineIndex
from lawcode.lsp.workspace import Analysis


@dataclass(frozen=True, slots=True)
class Place:
    """A span in a module of an analysis (a module name and where in it)."""

    module: str
    span: Span


class Navigator:
    """Occurrences of every module, kept per tree: a keystroke re-walks one file."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[ast.Module, tuple[tuple[str, str], ...], list[Occurrence]]] = {}

    def of(self, analysis: Analysis, name: str) -> list[Occurrence]:
        module = analysis.modules.get(name)
        if module is None:
            return []
        kinds = symbol_kinds(analysis.modules)
        signature = tuple(sorted(kinds.items()))
        kept = self._kept.get(name)
        if kept is not None and kept[0] is module and kept[1] == signature:
            return kept[2]
        found = occurrences(module, kinds)
        self._kept[name] = (module, signature, found)
        return found

    def under(self, analysis: Analysis, name: str, lines: LineIndex, offset: int) -> Occurrence | None:
        """The occurrence under the cursor, if the text still spells it there."""
        found = at(self.of(analysis, name), lines, offset)
        if found is None or not _still_there(found, lines):
            return None
        return found

    def definition(self, analysis: Analysis, name: str, lines: LineIndex, offset: int) -> list[Place]:
        found = self.under(analysis, name, lines, offset)
        if found is None:
            return []
        if found.declaration:
            return [Place(name, found.span)]
        if found.target.startswith("import:"):
            return _imported(analysis, name, found.target.removeprefix("import:"))
        return [Place(module, o.span) for module in analysis.modules for o in self.of(analysis, module) if o.declaration and o.target == found.target]

    def references(self, analysis: Analysis, name: str, lines: LineIndex, offset: int, include_declaration: bool) -> list[Place]:
        found = self.under(analysis, name, lines, offset)
        if found is None:
            return []
        modules = [name] if found.target.startswith("local:") else list(analysis.modules)
        return [
            Place(module, o.span)
            for module in modules
            for o in self.of(analysis, module)
            if refers_to(o, found.target) and (include_declaration or not o.declaration)
        ]

    def outline(self, analysis: Analysis, name: str, lines: LineIndex) -> list[types.DocumentSymbol]:
        """Documents (articles, paragraphs, items), parameters, definitions, ladders (steps),
        rules; the rules of an `applies when` block under it."""
        module = analysis.modules.get(name)
        if module is None:
            return []
        names = {o.target: o.span for o in self.of(analysis, name) if o.declaration}
        out: list[tuple[ast.Scope | None, list[types.DocumentSymbol]]] = []  # runs of one scope (or none)
        for decl in module.declarations:
            symbol = _declaration_symbol(decl, names, lines)
            if symbol is None:
                continue
            inside = decl.scope if isinstance(decl, ast.Rule) else None
            if inside is None or not out or out[-1][0] != inside:
                out.append((inside, []))
            out[-1][1].append(symbol)
        return [
            _symbol(f"applies when {format_expression(scope.condition)}", "scope", types.SymbolKind.Namespace, scope.span, scope.head_span, lines, symbols)
            if scope is not None else symbols[0]
            for scope, symbols in out
        ]


def _imported(analysis: Analysis, name: str, written: str) -> list[Place]:
    """The start of the file an `import` in module `name` names, if the ruleset loaded it."""
    importer = analysis.paths.get(name)
    if importer is None:
        return []
    target = (importer.parent / written).resolve()
    module = next((m for m, p in analysis.paths.items() if p == target), None)
    return [Place(module, Span(module, 1, 1, 1, 1))] if module is not None else []


def _still_there(found: Occurrence, lines: LineIndex) -> bool:
    if found.target.startswith(("cite:", "document:", "import:")):
        return True
    expected = found.target.split(":", 1)[1].rsplit(".", 1)[-1]
    if found.target.startswith("local:"):
        return True
    start = lines.span_offset(found.span.line, found.span.column)
    end = lines.span_offset(found.span.end_line, found.span.end_column)
    return lines.text[start:end] == expected


def _symbol(name: str, detail: str | None, kind: types.SymbolKind, span: Span, selection: Span | None, lines: LineIndex, children: list[types.DocumentSymbol] | None = None) -> types.DocumentSymbol:
    whole = lines.span_range(span)
    chosen = lines.span_range(selection) if selection is not None else whole
    if not (_le(whole.start, chosen.start) and _le(chosen.end, whole.end)):
        chosen = whole  # an outline must select inside what it covers
    return types.DocumentSymbol(name=name or "?", kind=kind, range=whole, selection_range=chosen, detail=detail, children=children or None)


def _le(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) <= (b.line, b.character)


def _declaration_symbol(decl: ast.Declaration, names: dict[str, Span], lines: LineIndex) -> types.DocumentSymbol | None:
    match decl:
        case ast.Document():
            articles = [_article_symbol(decl.key, art, names, lines) for art in decl.articles]
            return _symbol(decl.key, decl.title, types.SymbolKind.Module, decl.span, names.get(f"document:{decl.key}"), lines, articles)
        case ast.Parameter():
            return _symbol(decl.name, "parameter", types.SymbolKind.Constant, decl.span, names.get(f"symbol:{decl.name}"), lines)
        case ast.Definition():
            return _symbol(decl.name, "def", types.SymbolKind.Function, decl.span, names.get(f"symbol:{decl.name}"), lines)
        case ast.Ladder():
            steps = [_symbol(s.name, None, types.SymbolKind.EnumMember, s.span, None, lines) for s in decl.steps]
            return _symbol(decl.name, "ladder", types.SymbolKind.Enum, decl.span, names.get(f"symbol:{decl.name}"), lines, steps)
        case ast.Rule():
            return _symbol(decl.id, decl.title, types.SymbolKind.Event, decl.span, names.get(f"rule:{decl.id}"), lines)
    return None


def _article_symbol(document: str, art: ast.Article, names: dict[str, Span], lines: LineIndex) -> types.DocumentSymbol:
    key = f"cite:{document}/{art.number}"
    paragraphs = []
    for para in art.paragraphs:
        items = [
            _symbol(f"item {it.number}", it.summary, types.SymbolKind.Field, it.span, names.get(f"{key}/{para.number}/{it.number}"), lines)
            for it in para.items
        ]
        paragraphs.append(_symbol(f"paragraph {para.number}", para.summary, types.SymbolKind.Namespace, para.span, names.get(f"{key}/{para.number}"), lines, items))
    return _symbol(f"{art.unit} {art.number}", art.summary, types.SymbolKind.Namespace, art.span, names.get(key), lines, paragraphs)


__all__ = ["Navigator", "Place"]
