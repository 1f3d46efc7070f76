"""Where each name of a file is declared and used: the table behind definition,
references, hover and the outline.

One walk of a module's tree gives its `Occurrence`s: a span (the name as written) and a
`target`, a key shared by a declaration and all its uses:

- `symbol:NAME`: a parameter, definition or ladder (unique across a ruleset);
- `local:FILE:LINE:COLUMN`: a rule's subject, an aggregate's element or a definition's
  argument, keyed by where it is bound, so shadowing is followed as the compiler does;
- `step:LADDER.STEP`, `rule:ID`, `collection:NAME`;
- `cite:DOC/ARTICLE[/PARAGRAPH[/ITEM]]`: a document's article, paragraph or item, and a
  citation of it (a citation of `art 8 para 1` is also a reference to `art 8`);
- `import:PATH`: an `import`, whose definition is the file it names.

The walk keeps its own stack: expressions nest as deep as the parser allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lawcode.dsl import ast
from lawcode.dsl.spans import Span
from lawcode.lsp.positions import LineIndex


@dataclass(frozen=True, slots=True)
class Occurrence:
    span: Span  # the name as written (for a citation or an article: its whole reference)
    target: str
    declaration: bool
    kind: str  # parameter, definition, ladder, step, rule, collection, local, document, article, citation


def cite_key(document: str, article: int, paragraph: int | None = None, item: int | None = None) -> str:
    parts = [str(n) for n in (article, paragraph, item) if n is not None]
    return "cite:" + "/".join([document, *parts])


def refers_to(occurrence: Occurrence, target: str) -> bool:
    """Whether an occurrence refers to `target`: a citation of a paragraph refers to its article too."""
    if occurrence.target == target:
        return True
    return target.startswith("cite:") and not occurrence.declaration and occurrence.target.startswith(target + "/")


class _Walker:
    def __init__(self, module: ast.Module, symbols: Mapping[str, str]) -> None:
        self.module = module
        self.symbols = symbols  # name → parameter | definition | ladder
        self.lines = LineIndex(module.source)
        self.found: list[Occurrence] = []
        self.scopes: set[ast.Scope] = set()  # the `applies when` blocks whose condition is indexed

    def add(self, span: Span, target: str, kind: str, declaration: bool = False) -> None:
        self.found.append(Occurrence(span, target, declaration, kind))

    def name_after(self, span: Span, name: str) -> Span:
        """The span of `name` where a declaration starting at `span` spells it (after its keyword)."""
        text = self.module.source
        start = self.lines.span_offset(span.line, span.column)
        stop = self.lines.span_offset(span.end_line, span.end_column)
        found = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])").search(text, start, max(stop, start))
        if found is None:
            return span
        line, column = self.span_position(found.start())
        return Span(span.file, line, column, line, column + len(name))

    def span_position(self, offset: int) -> tuple[int, int]:
        return self.lines.span_position(offset)

    def head(self, span: Span, words: int) -> Span:
        """The first `words` words of a declaration (`article 8`, `paragraph 1`): what names it."""
        text = self.module.source
        start = self.lines.span_offset(span.line, span.column)
        found = re.compile(r"\S+(?:[ \t]+\S+){" + str(words - 1) + "}").match(text, start)
        end = found.end() if found else start + 1
        line, column = self.span_position(start)
        end_line, end_column = self.span_position(end)
        return Span(span.file, line, column, end_line, end_column)

    # ------------------------------------------------------------ declarations
    def run(self) -> list[Occurrence]:
        for decl in self.module.declarations:
            match decl:
                case ast.Document():
                    self.document(decl)
                case ast.Parameter():
                    self.add(self.name_after(decl.span, decl.name), f"symbol:{decl.name}", "parameter", True)
                    self.type_ref(decl.type)
                    self.citations(decl.citations)
                    self.expr(decl.default, {})
                case ast.Definition():
                    self.definition(decl)
                case ast.Ladder():
                    self.add(self.name_after(decl.span, decl.name), f"symbol:{decl.name}", "ladder", True)
                    self.citations(decl.citations)
                    for step in decl.steps:
                        self.add(step.span, f"step:{decl.name}.{step.name}", "step", True)
                case ast.Rule():
                    self.rule(decl)
                case ast.Import():
                    self.add(decl.span, f"import:{decl.path}", "import")
        return self.found

    def document(self, doc: ast.Document) -> None:
        self.add(self.name_after(doc.span, doc.key), f"document:{doc.key}", "document", True)
        for art in doc.articles:
            self.add(self.head(art.span, 2), cite_key(doc.key, art.number), "article", True)
            for para in art.paragraphs:
                self.add(self.head(para.span, 2), cite_key(doc.key, art.number, para.number), "paragraph", True)
                for item in para.items:
                    self.add(self.head(item.span, 2), cite_key(doc.key, art.number, para.number, item.number), "item", True)

    def citations(self, cites: tuple[ast.Citation, ...]) -> None:
        for cite in cites:
            self.add(cite.span, cite_key(cite.document, cite.article, cite.paragraph, cite.item), "citation")

    def definition(self, decl: ast.Definition) -> None:
        self.add(self.name_after(decl.span, decl.name), f"symbol:{decl.name}", "definition", True)
        env: dict[str, str] = {}
        for param in decl.params or ():
            span = Span(param.span.file, param.span.line, param.span.column, param.span.line, param.span.column + len(param.name))
            env[param.name] = _local(span)
            self.add(span, env[param.name], "local", True)
            self.type_ref(param.type)
        if decl.returns is not None:
            self.type_ref(decl.returns)
        self.expr(decl.body, env)

    def rule(self, decl: ast.Rule) -> None:
        self.add(self.name_after(decl.span, decl.id), f"rule:{decl.id}", "rule", True)
        self.citations(decl.citations)
        env: dict[str, str] = {}
        if decl.subject is not None:
            subject = decl.subject
            env[subject.var] = _local(subject.var_span)
            self.add(subject.var_span, env[subject.var], "local", True)
            self.add(subject.collection_span, f"collection:{subject.collection}", "collection")
            if subject.where is not None:
                self.expr(subject.where, env)
        if decl.scope is not None and decl.scope not in self.scopes:  # its rules share it: one occurrence each
            self.scopes.add(decl.scope)
            self.expr(decl.scope.condition, env)
        for e in (*decl.requires, *decl.own_unless):
            self.expr(e, env)
        if decl.message is not None:
            for part in decl.message.parts:
                if not isinstance(part, str):
                    self.expr(part, env)

    def type_ref(self, ref: ast.TypeRef) -> None:
        if ref.arg is not None:
            self.type_ref(ref.arg)
        elif ref.name in self.symbols:
            self.add(ref.span, f"symbol:{ref.name}", self.symbols[ref.name])

    # ------------------------------------------------------------ expressions
    def expr(self, root: ast.Expr, env: dict[str, str]) -> None:
        stack: list[tuple[ast.Expr, dict[str, str]]] = [(root, env)]
        while stack:
            e, scope = stack.pop()
            match e:
                case ast.Name(name=name):
                    self.name(name, e.span, scope)
                case ast.Call(func=func):
                    if func in self.symbols and func not in scope:
                        self.add(e.func_span, f"symbol:{func}", self.symbols[func])
                case ast.Attribute(obj=ast.Name(name=base)) if self.symbols.get(base) == "ladder" and base not in scope:
                    self.add(e.name_span, f"step:{base}.{e.name}", "step")
                case ast.Aggregate():
                    inner = {**scope, e.var: _local(e.var_span)}
                    self.add(e.var_span, inner[e.var], "local", True)
                    stack.append((e.collection, scope))
                    stack.extend((x, inner) for x in (e.where, e.value) if x is not None)
                    continue
            stack.extend((child, scope) for child, _ in reversed(ast.operands(e)))

    def name(self, name: str, span: Span, scope: Mapping[str, str]) -> None:
        if name in scope:
            self.add(span, scope[name], "local")
        elif name in self.symbols:
            self.add(span, f"symbol:{name}", self.symbols[name])


def _local(span: Span) -> str:
    return f"local:{span.file}:{span.line}:{span.column}"


def occurrences(module: ast.Module, symbols: Mapping[str, str]) -> list[Occurrence]:
    """Every declaration and use of a name in `module`; `symbols` maps the ruleset's
    parameter, definition and ladder names to which of the three each is."""
    return _Walker(module, symbols).run()


def symbol_kinds(modules: Mapping[str, ast.Module]) -> dict[str, str]:
    """Parameter, definition and ladder names of the modules, each to its kind."""
    kinds: dict[str, str] = {}
    for module in modules.values():
        for decl in module.declarations:
            if isinstance(decl, ast.Parameter):
                kinds.setdefault(decl.name, "parameter")
            elif isinstance(decl, ast.Definition):
                kinds.setdefault(decl.name, "definition")
            elif isinstance(decl, ast.Ladder):
                kinds.setdefault(decl.name, "ladder")
    return kinds


def at(found: list[Occurrence], lines: LineIndex, offset: int) -> Occurrence | None:
    """The occurrence under the cursor (the innermost, when a citation holds a name)."""
    best: Occurrence | None = None
    for occurrence in found:
        if lines.span_contains(occurrence.span, offset) and (best is None or _size(occurrence.span) < _size(best.span)):
            best = occurrence
    return best


def _size(span: Span) -> tuple[int, int]:
    return (span.end_line - span.line, span.end_column - span.column)


def declarations(found: Mapping[str, list[Occurrence]]) -> Iterator[tuple[str, Occurrence]]:
    for name, items in found.items():
        for occurrence in items:
            if occurrence.declaration:
                yield name, occurrence


__all__ = ["Occurrence", "at", "cite_key", "declarations", "occurrences", "refers_to", "symbol_kinds"]
