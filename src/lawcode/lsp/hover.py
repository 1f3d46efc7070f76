"""Hover: what the text under the cursor stands for, in Markdown.

- a citation (or an article, paragraph or item of a document): the document's title and
  issuer, the article / paragraph / item summary, and the dates it was issued and came
  into force;
- a field (`g.member_count`): its type and the schema's description;
- a parameter, definition or ladder: its declaration as written, its type, and the
  citations it carries with their summaries;
- a ladder step, a rule, a collection, a bound name: what they are.

Every text shown comes from the ruleset or its schema and is put in a code block or
escaped, so a summary cannot inject links or markup into the editor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lsprotocol import types

from lawcode.compiler import ir
from lawcode.dsl import ast
from lawcode.dsl.formatter import format_expression
from lawcode.dsl.spans import Span
from lawcode.lsp.index import Occurrence
from lawcode.lsp.navigation import Navigator
from lawcode.lsp.positions import LineIndex, line_index
from lawcode.lsp.scope import Fields, bindings, chain_before, word_at
from lawcode.lsp.workspace import Analysis

MAX_DECLARATION_LINES = 12
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def escape(text: str) -> str:
    """Text shown as Markdown without any of its characters acting as markup."""
    return _MARKDOWN.sub(r"\\\1", text)


def hover(analysis: Analysis, navigator: Navigator, name: str, lines: LineIndex, offset: int) -> types.Hover | None:
    found = navigator.under(analysis, name, lines, offset)
    text: str | None = None
    if found is not None:
        text = _occurrence(analysis, found)
    if text is None:
        text = _field(analysis, lines, offset)
    if text is None:
        return None
    word = word_at(lines.text, offset)
    shown = found.span if found is not None else None
    where = lines.span_range(shown) if shown is not None else (types.Range(lines.position(word[0]), lines.position(word[1])) if word else None)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=where)


def _occurrence(analysis: Analysis, found: Occurrence) -> str | None:
    kind, _, key = found.target.partition(":")
    if kind == "cite":
        return citation_text(analysis, key)
    if kind == "symbol":
        return _symbol(analysis, key)
    if kind == "step":
        ladder, _, step = key.partition(".")
        return _step(analysis, ladder, step)
    if kind == "rule":
        return _rule(analysis, key)
    if kind == "document":
        return citation_text(analysis, key)
    if kind == "collection":
        return _collection(analysis, key)
    return None


def citation_text(analysis: Analysis, key: str) -> str | None:
    """`groups-2017/8/1` → the document, the article / paragraph / item and their dates."""
    compiler = analysis.compiler
    parts = key.split("/")
    document = compiler.documents.get(parts[0]) if compiler else None
    if document is None:
        return None
    lines = [f"**{escape(document.title or document.key)}**", ""]
    lines.append(f"`{document.key}` · {escape(document.issuer)}" if document.issuer else f"`{document.key}`")
    dates = [f"issued {document.issued}" if document.issued else "", f"in force from {document.in_force}" if document.in_force else ""]
    if any(dates):
        lines.append("")
        lines.append(", ".join(d for d in dates if d))
    numbers = [int(p) for p in parts[1:] if p.isdigit()]
    for heading, summary, not_applicable in _places(document, numbers):
        lines += ["", f"**{heading}**: {escape(summary or '(no summary)')}"]
        if not_applicable:
            lines.append(f"*not applicable*: {escape(not_applicable)}")
    if document.source:
        lines += ["", f"source: `{document.source}`"]
    return "\n".join(lines)


def _places(document: ir.Document, numbers: list[int]) -> Iterable[tuple[str, str | None, str | None]]:
    if not numbers:
        return
    art = document.articles.get(numbers[0])
    if art is None:
        return
    yield f"{art.unit} {art.number}", art.summary, art.not_applicable
    if len(numbers) > 1 and (para := art.paragraphs.get(numbers[1])) is not None:
        yield f"paragraph {para.number}", para.summary, para.not_applicable
        if len(numbers) > 2 and (item := para.items.get(numbers[2])) is not None:
            yield f"item {item.number}", item.summary, item.not_applicable


def _cited(citations: Iterable[ir.Citation]) -> list[str]:
    return [f"- `{c.label}`: {escape(c.summary or '')}" for c in citations]


def _declaration(analysis: Analysis, span: Span) -> str:
    text = analysis.texts.get(span.file, "")
    index = line_index(text)
    start = index.span_offset(span.line, span.column)
    end = index.span_offset(span.end_line, span.end_column)
    shown = text[start:end].splitlines()
    if len(shown) > MAX_DECLARATION_LINES:
        shown = [*shown[:MAX_DECLARATION_LINES], "…"]
    body = "\n".join(shown).replace("```", "`\u200b``")
    return f"```lawcode\n{body}\n```"


def _symbol(analysis: Analysis, name: str) -> str | None:
    compiler = analysis.compiler
    if compiler is None:
        return None
    parameter, ladder, definition = compiler.parameters.get(name), compiler.ladders.get(name), compiler.definitions.get(name)
    declared = compiler.symbols.get(name)
    if declared is None:
        return None
    lines = [_declaration(analysis, declared.decl.span)]
    if parameter is not None:
        lines.append(f"parameter · {escape(str(parameter.type))}" + (f" · unit {escape(parameter.unit)}" if parameter.unit else ""))
        if parameter.source:
            lines.append(f"read from the snapshot at `{'.'.join(parameter.source)}` when there")
        citations: tuple[ir.Citation, ...] = parameter.citations
    elif ladder is not None:
        lines.append(f"ladder of {len(ladder.steps)} steps: " + " < ".join(f"`{s}`" for s in ladder.steps))
        citations = ladder.citations
    elif definition is not None:
        arguments = ", ".join(f"{p}: {t}" for p, t in definition.params)
        lines.append(f"def · ({escape(arguments)}) → {escape(str(definition.type))}" if definition.params else f"def · {escape(str(definition.type))}")
        citations = ()
    else:
        citations = ()
    lines.append(f"declared in `{declared.module}`")
    if citations:
        lines.append("\n".join(["cites:", *_cited(citations)]))
    return "\n\n".join(lines)


def _step(analysis: Analysis, ladder_name: str, step: str) -> str | None:
    ladder = analysis.compiler.ladders.get(ladder_name) if analysis.compiler else None
    if ladder is None or step not in ladder.steps:
        return None
    position = ladder.steps.index(step) + 1
    return f"step `{step}` of ladder `{ladder.name}` ({position} of {len(ladder.steps)})\n\n" + " < ".join(f"`{s}`" for s in ladder.steps)


def _rule(analysis: Analysis, rule_id: str) -> str | None:
    for module in analysis.modules.values():
        for decl in module.declarations:
            if isinstance(decl, ast.Rule) and decl.id == rule_id:
                head = f"rule `{rule_id}`" + (f": {escape(decl.title)}" if decl.title else "")
                parts = [head, f"severity {decl.severity or 'medium'} · kind {decl.kind or 'data'}"]
                if decl.scope is not None:
                    parts.append(f"applies when `{format_expression(decl.scope.condition)}`")
                if decl.in_force_from or decl.in_force_until:
                    parts.append(f"in force {'from ' + str(decl.in_force_from) if decl.in_force_from else ''} {'until ' + str(decl.in_force_until) if decl.in_force_until else ''}".strip())
                documents = analysis.compiler.documents if analysis.compiler else {}
                cited = [f"- `{_label(c)}`" + (f" ({escape(documents[c.document].title)})" if c.document in documents else "") for c in decl.citations]
                if cited:
                    parts.append("\n".join(["cites:", *cited]))
                return "\n\n".join(parts)
    return None


def _label(cite: ast.Citation) -> str:
    text = f"{cite.document} {'task' if cite.unit == 'task' else 'art'} {cite.article}"
    text += f" para {cite.paragraph}" if cite.paragraph is not None else ""
    return text + (f" item {cite.item}" if cite.item is not None else "")


def _collection(analysis: Analysis, name: str) -> str | None:
    compiler = analysis.compiler
    if compiler is None or name not in compiler.schema.collections():
        return None
    node = compiler.schema.resolve(compiler.schema.properties(compiler.schema.root)[name])
    description = node.get("description")
    fields = sorted(compiler.schema.properties(compiler.schema.collections()[name]))
    text = f"collection `{name}` ({len(fields)} fields)"
    if isinstance(description, str):
        text += f"\n\n{escape(description)}"
    return text


def _field(analysis: Analysis, lines: LineIndex, offset: int) -> str | None:
    """A dotted name under the cursor: the field's type and description from the schema."""
    compiler = analysis.compiler
    word = word_at(lines.text, offset)
    if compiler is None or word is None:
        return None
    name = lines.text[word[0] : word[1]]
    scope = bindings(lines.text, offset)
    fields = Fields(compiler.schema, scope)
    before = lines.text[: word[0]].rstrip()
    if before.endswith("."):
        chain = chain_before(lines.text, len(before))
        node = fields.node(chain[0]) if chain is not None else None
        prop = fields.fields(node).get(name) if node is not None else None
        path = [*(chain[0] if chain else []), name]
    else:
        binding = scope.get(name)
        if binding is not None:
            what = {"each": f"each element of `{binding.source}`", "element": f"each element of `{binding.source}`", "argument": f"an argument of type `{binding.source}`"}[binding.how]
            return f"`{name}`: {what}"
        prop = fields.root.get(name) if name not in fields.collections else None
        path = [name]
    if prop is None:
        return None
    kind, description = fields.describe(prop, name)
    text = f"field `{'.'.join(path)}`: {escape(kind)}"
    enum = compiler.schema.resolve(prop).get("enum")
    if isinstance(enum, list) and enum:
        text += "\n\none of: " + ", ".join(f"`{escape(str(v))}`" for v in enum[:20])
    if description:
        text += f"\n\n{escape(description)}"
    return text


__all__ = ["citation_text", "escape", "hover"]
