"""Completion: what may be written at the cursor, read from the text before it.

The line is usually unfinished when completion is asked for, so the context comes from
the text (`lawcode.lsp.scope`) and the answers from the last check of the ruleset:

- after `x.`: the fields of what `x` is (the schema's), or the steps of a ladder;
- in a `cites` list: documents, then `art`/`task`, article numbers, `para`, paragraph
  numbers, `item`, item numbers, each with its summary;
- after `severity`, `kind`, `for each x in`, `step of`, a `:` of a type: severities,
  rule kinds, collections, ladders, types;
- elsewhere: the names in scope (bound names, parameters, definitions and ladders this
  file sees, collections, top-level fields, functions) and the keywords.
"""

from __future__ import annotations

import re

from lsprotocol import types

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.operators import FUNCTIONS
from lawcode.lsp.positions import LineIndex
from lawcode.lsp.scope import Fields, bindings, chain_before
from lawcode.lsp.workspace import Analysis

_CITES = re.compile(r"\bcites\b([^\n{}]*(?:,[ \t]*\r?\n[^\n{}]*)*)$")
_SEVERITY = re.compile(r"\bseverity[ \t]+(\w*)$")
_KIND = re.compile(r"\bkind[ \t]+(\w*)$")
_COLLECTION = re.compile(r"\bfor\s+each\s+[A-Za-z_]\w*\s+in\s+(\w*)$")
_LADDER_TYPE = re.compile(r"\b(?:step|escalation)\s+of\s+(\w*)$")
_TYPE = re.compile(r"^[ \t]*(?:parameter|def)\b[^\n=]*:\s*(\w*)$")
_PREFIX = re.compile(r"[A-Za-z_]\w*$")
KEYWORDS = (
    "and", "or", "not", "in", "if", "then", "else", "true", "false", "count", "exists", "sum", "min",
    "max", "all", "any", "for", "each", "where", "require", "unless", "message", "cites", "title",
    "severity", "kind", "in_force", "from", "until", "on", "platform", "rule", "def", "parameter",
    "ladder", "document", "import", "schema", "unit", "as_of", "implies", "applies", "when",
)  # fmt: skip


def complete(analysis: Analysis, name: str, lines: LineIndex, offset: int) -> list[types.CompletionItem]:
    text = lines.text
    before = text[max(0, offset - 2000) : offset]
    for handler in (_citation, _after_word, _dotted):
        found = handler(analysis, name, before, text, offset)
        if found is not None:
            return found
    return _in_scope(analysis, name, text, offset)


def _item(label: str, kind: types.CompletionItemKind, detail: str | None = None, documentation: str | None = None, sort: str | None = None) -> types.CompletionItem:
    doc = types.MarkupContent(kind=types.MarkupKind.PlainText, value=documentation) if documentation else None
    return types.CompletionItem(label=label, kind=kind, detail=detail, documentation=doc, sort_text=sort)


# CC 25 (radon): one return per word of `cites doc art N para N item N`, read top to bottom.
def _citation(analysis: Analysis, name: str, before: str, text: str, offset: int) -> list[types.CompletionItem] | None:
    found = _CITES.search(before)
    compiler = analysis.compiler
    if found is None or compiler is None:
        return None
    current = found.group(1).rsplit(",", 1)[-1].lstrip()
    words = current.split()
    documents = compiler.documents
    if not current.endswith((" ", "\t")) and words:
        words = words[:-1]  # the word being typed
    if not words:
        return [_item(key, types.CompletionItemKind.Module, doc.title, _dates(doc)) for key, doc in sorted(documents.items())]
    document = documents.get(words[0])
    if document is None:
        return []
    unit = next(iter({a.unit for a in document.articles.values()}), "article")
    if len(words) == 1:
        return [_item("task" if unit == "task" else "art", types.CompletionItemKind.Keyword)]
    if len(words) == 2:
        return [_numbered(n, a.summary, a.not_applicable) for n, a in sorted(document.articles.items())]
    article = document.articles.get(int(words[2])) if words[2].isdigit() else None
    if article is None:
        return []
    if len(words) == 3:
        return [_item("para", types.CompletionItemKind.Keyword)] if article.paragraphs else []
    if len(words) == 4:
        return [_numbered(n, p.summary, p.not_applicable) for n, p in sorted(article.paragraphs.items())]
    paragraph = article.paragraphs.get(int(words[4])) if words[4].isdigit() else None
    if paragraph is None:
        return []
    if len(words) == 5:
        return [_item("item", types.CompletionItemKind.Keyword)] if paragraph.items else []
    if len(words) == 6:
        return [_numbered(n, i.summary, i.not_applicable) for n, i in sorted(paragraph.items.items())]
    return []


def _numbered(number: int, summary: str | None, not_applicable: str | None) -> types.CompletionItem:
    detail = (summary or "")[:80]
    documentation = summary if not not_applicable else f"{summary or ''}\n\nnot applicable: {not_applicable}"
    return _item(str(number), types.CompletionItemKind.EnumMember, detail, documentation, sort=f"{number:06d}")


def _dates(document: ir.Document) -> str:
    parts = [document.title, f"issued {document.issued}" if document.issued else "", f"in force from {document.in_force}" if document.in_force else ""]
    return "\n".join(p for p in parts if p)


def _after_word(analysis: Analysis, name: str, before: str, text: str, offset: int) -> list[types.CompletionItem] | None:
    compiler = analysis.compiler
    if _SEVERITY.search(before):
        return [_item(s, types.CompletionItemKind.EnumMember, "severity", sort=str(i)) for i, s in enumerate(ir.SEVERITIES)]
    if _KIND.search(before):
        return [_item(k, types.CompletionItemKind.EnumMember, "rule kind") for k in ir.RULE_KINDS]
    if compiler is None:
        return None
    if _COLLECTION.search(before):
        return [_item(c, types.CompletionItemKind.Class, "collection") for c in compiler.schema.collections()]
    if _LADDER_TYPE.search(before):
        return [_item(n, types.CompletionItemKind.Enum, "ladder") for n in compiler.visible_names(name) if n in compiler.ladders]
    if _TYPE.search(before.rsplit("\n", 1)[-1]):
        names = [*T.SCALARS, *T.TYPE_ALIASES, *compiler.schema.collections()]
        out = [_item(n, types.CompletionItemKind.TypeParameter, "type") for n in names]
        out += [_item(f"{g} of", types.CompletionItemKind.TypeParameter, "type") for g in ("step", "escalation", "list")]
        return out
    return None


def _dotted(analysis: Analysis, name: str, before: str, text: str, offset: int) -> list[types.CompletionItem] | None:
    chain = chain_before(text, offset)
    compiler = analysis.compiler
    if chain is None or compiler is None:
        return None
    parts, _ = chain
    ladder = compiler.ladders.get(parts[0]) if len(parts) == 1 else None
    if ladder is not None:
        return [_item(s, types.CompletionItemKind.EnumMember, f"step of {ladder.name}", sort=f"{i:04d}") for i, s in enumerate(ladder.steps)]
    fields = Fields(compiler.schema, bindings(text, offset))
    node = fields.node(parts)
    if node is None:
        return []
    out = []
    for field, prop in sorted(fields.fields(node).items()):
        kind, description = fields.describe(prop, field)
        out.append(_item(field, types.CompletionItemKind.Field, kind, description))
    return out


def _in_scope(analysis: Analysis, name: str, text: str, offset: int) -> list[types.CompletionItem]:
    out: list[types.CompletionItem] = []
    seen: set[str] = set()

    def add(item: types.CompletionItem) -> None:
        if item.label not in seen:
            seen.add(item.label)
            out.append(item)

    for binding in bindings(text, offset).values():
        add(_item(binding.name, types.CompletionItemKind.Variable, f"element of {binding.source}" if binding.how != "argument" else binding.source, sort="0"))
    compiler = analysis.compiler
    if compiler is not None:
        for symbol in compiler.visible_names(name):
            if symbol in compiler.parameters:
                add(_item(symbol, types.CompletionItemKind.Constant, f"parameter · {compiler.parameters[symbol].type}", sort="1"))
            elif symbol in compiler.ladders:
                add(_item(symbol, types.CompletionItemKind.Enum, "ladder", sort="1"))
            else:
                found = compiler.definitions.get(symbol)
                add(_item(symbol, types.CompletionItemKind.Function, f"def · {found.type}" if found else "def", sort="1"))
        for collection in compiler.schema.collections():
            add(_item(collection, types.CompletionItemKind.Class, "collection", sort="2"))
        fields = Fields(compiler.schema, {})
        for field, prop in fields.root.items():
            if not field.startswith("$"):
                add(_item(field, types.CompletionItemKind.Field, fields.describe(prop, field)[0], sort="2"))
    for function, operator in FUNCTIONS.items():
        add(_item(function, types.CompletionItemKind.Function, operator.doc, sort="3"))
    for keyword in KEYWORDS:
        add(_item(keyword, types.CompletionItemKind.Keyword, sort="4"))
    return out


__all__ = ["KEYWORDS", "complete"]
