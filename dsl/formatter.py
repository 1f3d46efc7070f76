"""AST → text: the one canonical layout of a ruleset (`lawcode fmt`).

The layout is a function of the syntax tree alone, so formatting is idempotent and two
writers who mean the same thing write the same text; diffs in review show changes of
meaning, not of taste. The rules, all visible in `tests/data/mini/mini.law`:

- two spaces per level, one clause per line (`not_applicable` too), a blank line around
  every block (rule, document, ladder, parameter with clauses) and after a document's
  header; one-line declarations (`def`, `import`, …) and articles keep the grouping the
  writer gave them with blank lines (at most one);
- clauses in a fixed order (rule: title, cites, see, severity, kind, in_force, for each /
  on platform, require, unless, message; parameter: cites, from, unit; article, paragraph
  and item: not_applicable, partial, in_force), several `cites` (or `see`) clauses merged
  into one; document header values aligned;
- expressions on one line with the fewest parentheses the grammar needs; strings and
  messages re-escaped one way (a placeholder's strings unescaped, as the lexer reads
  them); `article` in a citation written `art`;
- the rules of an `applies when … {` scope one level in, the first right below its head,
  its `}` right after the last; a run of rules with one scope is one block.

Line breaks are the formatter's too: an expression is printed on one line while it fits
in 100 columns; past that, it is broken at its outermost construct first, and a piece
that still does not fit in turn (`expression_text.split_expression`): an `and`/`or`
chain, `implies` or a comparison before each operator (one operand a line, continuation
lines one level deeper), `else if` one branch a line, a call, aggregate or list after its
opening bracket (its contents one level deeper, the closing bracket on a line of its own).
A long `def` body moves below its head; a long message becomes several strings (read as
one), broken between words, and a long `cites`/`see` continues on the next lines, after a
comma; a long title, summary or note becomes several strings too, and a long ladder
continues with `< step`. Nothing else is broken (a parameter's default, an import).

Comments survive, as written: one on its own line goes above the clause, article or
declaration that follows it (or above the clause it sits inside); one at the end of a line
stays at the end of the line it annotates. The comments of a file are exactly kept, in
order within each place, and never re-wrapped: a comment's layout is its writer's (section
rulers, lists, tables, text in two scripts), which the formatter cannot read.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, is_dataclass

from lawcode.dsl import ast
from lawcode.dsl.diagnostics import LawcodeError, error
from lawcode.dsl.expression_text import (
    format_expression,
    format_template,
    quote,
    split_expression,
    string_pieces,
    template_pieces,
)
from lawcode.dsl.parser import parse_module
from lawcode.dsl.spans import Span

__all__ = ["format_expression", "format_module", "format_template", "format_text", "quote"]  # the first, fourth and fifth from `expression_text`

INDENT = "  "
WIDTH = 100  # past this, a condition is broken at its top-level `and`/`or`/`else`
Position = tuple[int, int]

# ---------------------------------------------------------------- layout


@dataclass(frozen=True, slots=True)
class Anchor:
    """A piece of source text that one output line stands for; comments attach to it."""

    start: Position
    end: Position


@dataclass(slots=True)
class _Line:
    depth: int
    text: str
    anchors: list[Anchor]
    blank_before: bool = False
    closes: bool = False  # a `}`: comments above it belong to the block's body


def _start(span: Span) -> Position:
    return (span.line, span.column)


def _end(span: Span) -> Position:
    return (span.end_line, span.end_column)


def _anchor(span: Span) -> Anchor:
    return Anchor(_start(span), _end(span))


def _point(span: Span) -> Anchor:
    """The first character of a construct (its header line, not its whole body)."""
    return Anchor(_start(span), _start(span))


def _closing(span: Span) -> Anchor:
    """The `}` that ends a block."""
    at = (span.end_line, span.end_column - 1)
    return Anchor(at, at)


def _period(start: object, until: object) -> str:
    """`in_force from DATE until DATE`, either bound alone."""
    text = "in_force"
    if start is not None:
        text += f" from {start}"
    if until is not None:
        text += f" until {until}"
    return text


def _document_in_force(doc: ast.Document) -> str | None:
    if doc.in_force is None:
        return None
    text = doc.in_force.isoformat()
    return text + (f" until {doc.in_force_until.isoformat()}" if doc.in_force_until is not None else "")


def _citations(cites: tuple[ast.Citation, ...], word: str = "cites") -> str:
    """`cites groups-2017 art 8 para 1, art 5`: a document named once for the citations
    of it that follow one another."""
    return f"{word} " + ", ".join(citation_parts(cites))


def citation_parts(cites: tuple[ast.Citation, ...]) -> list[str]:
    """Each citation's text, its document left out when the one before names it."""
    parts = []
    previous = None
    for c in cites:
        unit = f"{'task' if c.unit == 'task' else 'art'} {c.article}"
        text = unit if c.document == previous else f"{c.document} {unit}"
        previous = c.document
        if c.paragraph is not None:
            text += f" para {c.paragraph}"
        if c.item is not None:
            text += f" item {c.item}"
        parts.append(text)
    return parts


def _type(t: ast.TypeRef) -> str:
    return t.name if t.arg is None else f"{t.name} of {_type(t.arg)}"


def _clauses(written: tuple[tuple[str, Span], ...], kind: str) -> list[Anchor]:
    return [_anchor(span) for k, span in written if k == kind]


class _Layout:
    def __init__(self, source: str, width: int) -> None:
        self.lines: list[_Line] = []
        self.source_lines = source.split("\n")
        self.width = width

    def fits(self, depth: int, text: str) -> bool:
        return len(INDENT * depth) + len(text) <= self.width

    def clause(self, depth: int, head: str, expr: ast.Expr, anchors: list[Anchor], blank: bool = False) -> None:
        """`head expr` on one line, or, when too long, broken with continuation lines."""
        one = f"{head} {format_expression(expr)}"
        if self.fits(depth, one):
            self.add(depth, one, anchors, blank)
            return
        room = self.width - len(INDENT * depth)
        pieces = split_expression(expr, room - len(head) - 1, room)
        self.add(depth, f"{head} {pieces[0][1]}", anchors, blank)
        for relative, text in pieces[1:]:
            self.add(depth + relative, text, [])

    def message(self, template: ast.Template, anchors: list[Anchor]) -> None:
        """`message "…"`, or, past the width, its strings on continuation lines."""
        one = f"message {format_template(template)}"
        if self.fits(1, one):
            self.add(1, one, anchors)
            return
        pieces = template_pieces(template, self.width - len(INDENT + "message "))
        self.add(1, f"message {pieces[0]}", anchors)
        for piece in pieces[1:]:
            self.add(2, piece, [])

    def text(self, depth: int, head: str, string: str | None, anchors: list[Anchor], blank: bool = False, tail: str = "", value: str | None = None) -> None:
        """`head "string"` then `tail` (or `head value`, or `head` alone), on one line; past
        the width, the string as several (read as one), broken between words, the rest on
        continuation lines, as a message is."""
        one = head + (f" {quote(string)}" if string is not None else f" {value}" if value is not None else "") + tail
        if string is None or self.fits(depth, one):
            self.add(depth, one, anchors, blank)
            return
        pieces = string_pieces(string, self.width - len(INDENT * depth) - len(head) - 1 - len(tail))
        self.add(depth, f"{head} {pieces[0]}" + (tail if len(pieces) == 1 else ""), anchors, blank)
        for n, piece in enumerate(pieces[1:], 2):
            self.add(depth + 1, piece + (tail if n == len(pieces) else ""), [])

    def citations(self, depth: int, cites: tuple[ast.Citation, ...], word: str, anchors: list[Anchor]) -> None:
        """`cites a art 1, art 2`, or, past the width, one document's citations a line."""
        one = _citations(cites, word)
        if self.fits(depth, one):
            self.add(depth, one, anchors)
            return
        parts = citation_parts(cites)
        lines = [f"{word} {parts[0]}"]
        for part in parts[1:]:
            if self.fits(depth + (len(lines) > 1), f"{lines[-1]}, {part},"):
                lines[-1] += f", {part}"
            else:
                lines[-1] += ","
                lines.append(part)
        self.add(depth, lines[0], anchors)
        for line in lines[1:]:
            self.add(depth + 1, line, [])

    def body(self, depth: int, head: str, expr: ast.Expr, anchors: list[Anchor], blank: bool) -> None:
        """`head = expr`, or, when too long, the expression on lines of its own below."""
        one = f"{head} = {format_expression(expr)}"
        if self.fits(depth, one):
            self.add(depth, one, anchors, blank)
            return
        self.add(depth, f"{head} =", anchors, blank)
        room = self.width - len(INDENT * (depth + 1))
        pieces = split_expression(expr, room, room, block=isinstance(expr, ast.Conditional))
        for relative, text in pieces:
            self.add(depth + 1 + relative, text, [])

    def gap(self, end_line: int, start_line: int) -> bool:
        """Whether the source has an empty line between two constructs (kept, at most one)."""
        return any(not line.strip() for line in self.source_lines[end_line : start_line - 1])

    def add(self, depth: int, text: str, anchors: list[Anchor], blank_before: bool = False) -> None:
        self.lines.append(_Line(depth, text, anchors, blank_before, closes=text == "}"))

    def scope(self, scope: ast.Scope) -> None:
        """`applies when CONDITION {`, the condition broken as any other when too long."""
        self.width -= len(" {")
        self.clause(0, "applies when", scope.condition, [_point(scope.span)])
        self.width += len(" {")
        self.lines[-1].text += " {"

    def declaration(self, decl: ast.Declaration, blank: bool, nested: bool = False) -> None:
        """One declaration; `nested`, one level in (a rule of a scope), fitted to the width
        left there."""
        if nested:
            first = len(self.lines)
            self.width -= len(INDENT)
            self.declaration(decl, blank)
            self.width += len(INDENT)
            for line in self.lines[first:]:
                line.depth += 1
            return
        match decl:
            case ast.Import(path=path, span=span):
                self.add(0, f"import {quote(path)}", [_anchor(span)], blank)
            case ast.SchemaDecl(path=path, span=span):
                self.add(0, f"schema {quote(path)}", [_anchor(span)], blank)
            case ast.Document():
                self.document(decl, blank)
            case ast.Parameter():
                self.parameter(decl, blank)
            case ast.Definition():
                self.definition(decl, blank)
            case ast.Ladder():
                self.ladder(decl, blank)
            case ast.Rule():
                self.rule(decl, blank)

    def document(self, doc: ast.Document, blank: bool) -> None:
        self.add(0, f"document {doc.key} {{", [_point(doc.span)], blank)
        header = [
            ("title", quote(doc.title) if doc.title is not None else None),
            ("issuer", quote(doc.issuer) if doc.issuer is not None else None),
            ("issued", doc.issued.isoformat() if doc.issued is not None else None),
            ("in_force", _document_in_force(doc)),
            ("source", quote(doc.source) if doc.source is not None else None),
        ]
        width = max(len(k) for k, _ in header)
        present = [(k, v) for k, v in header if v is not None]
        for key, value in present:
            written = getattr(doc, key) if key in ("title", "issuer", "source") else None
            self.text(1, key.ljust(width), written, _clauses(doc.clauses, key), value=value)
        previous: ast.Article | None = None
        for article in doc.articles:
            blank = bool(present) if previous is None else self.gap(previous.span.end_line, article.span.line)
            self.article(article, blank)
            previous = article
        self.add(0, "}", [_closing(doc.span)])

    def entry(self, depth: int, head: str, unit: ast.Article | ast.Paragraph | ast.Item, anchors: list[Anchor], opens: bool, blank: bool = False) -> None:
        """An article, paragraph or item line; each of its clauses (`not_applicable`,
        `partial`, `in_force`) goes on a line of its own, the `{` at the end of the last."""
        extra: list[tuple[str, str, str | None]] = []  # kind, words, the string after them
        if unit.not_applicable is not None:
            extra.append(("not_applicable", "not_applicable", unit.not_applicable))
        if unit.partial is not None:
            extra.append(("partial", "partial", unit.partial))
        if unit.in_force_from is not None or unit.in_force_until is not None:
            extra.append(("period", _period(unit.in_force_from, unit.in_force_until), None))
        brace = " {" if opens else ""
        if not extra:
            self.text(depth, head, unit.summary, anchors, blank, brace)
            return
        # Each clause line stands for the source from the line after the clause written
        # before it (the first: from the unit's start), so a comment anywhere among the
        # clauses stays with the clause it preceded, however the clauses were ordered.
        # A comment after a clause on its line stays at the end of that clause's line.
        regions: dict[str, Anchor] = {}
        previous = _start(unit.span)
        for kind, span in sorted(unit.clauses, key=lambda c: _start(c[1])):
            regions[kind] = Anchor(min(previous, _start(span)), _end(span))
            previous = (span.end_line + 1, 1)
        self.text(depth, head, unit.summary, [Anchor(anchors[0].start, anchors[0].start)], blank)
        for i, (kind, words, value) in enumerate(extra):
            self.text(depth + 1, words, value, [regions[kind]] if kind in regions else [], tail=brace if i == len(extra) - 1 else "")

    def article(self, art: ast.Article, blank: bool) -> None:
        head = f"{art.unit} {art.number}"
        if not art.paragraphs:
            self.entry(1, head, art, [_anchor(art.span)], False, blank)
            return
        self.entry(1, head, art, [_point(art.span)], True, blank)
        for para in art.paragraphs:
            head = f"paragraph {para.number}"
            if not para.items:
                self.entry(2, head, para, [_anchor(para.span)], False)
                continue
            self.entry(2, head, para, [_point(para.span)], True)
            for item in para.items:
                self.entry(3, f"item {item.number}", item, [_anchor(item.span)], False)
            self.add(2, "}", [_closing(para.span)])
        self.add(1, "}", [_closing(art.span)])

    def parameter(self, p: ast.Parameter, blank: bool) -> None:
        header = Anchor(_start(p.span), _end(p.default.span))
        self.add(0, f"parameter {p.name}: {_type(p.type)} = {format_expression(p.default)}", [header], blank)
        if p.citations:
            self.citations(1, p.citations, "cites", _clauses(p.clauses, "cites"))
        if p.source is not None:
            self.add(1, "from " + ".".join(p.source), _clauses(p.clauses, "from"))
        if p.unit is not None:
            self.add(1, f"unit {quote(p.unit)}", _clauses(p.clauses, "unit"))

    def definition(self, d: ast.Definition, blank: bool) -> None:
        text = f"def {d.name}"
        if d.params is not None:
            text += "(" + ", ".join(f"{p.name}: {_type(p.type)}" for p in d.params) + ")"
        if d.returns is not None:
            text += f": {_type(d.returns)}"
        self.body(0, text, d.body, [_anchor(d.span)], blank)

    def ladder(self, ladder: ast.Ladder, blank: bool) -> None:
        cites = f" {_citations(ladder.citations)}" if ladder.citations else ""
        self.add(0, f"ladder {ladder.name}{cites} {{", [_point(ladder.span)], blank)
        if ladder.steps:
            first, last = ladder.steps[0].span, ladder.steps[-1].span
            lines = [ladder.steps[0].name]
            for step in ladder.steps[1:]:  # past the width, `< step` on continuation lines
                if self.fits(1 + (len(lines) > 1), f"{lines[-1]} < {step.name}"):
                    lines[-1] += f" < {step.name}"
                else:
                    lines.append(f"< {step.name}")
            self.add(1, lines[0], [Anchor(_start(first), _end(last))])
            for line in lines[1:]:
                self.add(2, line, [])
        self.add(0, "}", [_closing(ladder.span)])

    def rule(self, rule: ast.Rule, blank: bool) -> None:
        self.add(0, f"rule {rule.id} {{", [_point(rule.span)], blank)
        written = rule.clauses
        if rule.title is not None:
            self.text(1, "title", rule.title, _clauses(written, "title"))
        if rule.citations:
            self.citations(1, rule.citations, "cites", _clauses(written, "cites"))
        if rule.related:
            self.citations(1, rule.related, "see", _clauses(written, "see"))
        if rule.severity is not None:
            self.add(1, f"severity {rule.severity}", _clauses(written, "severity"))
        if rule.kind is not None:
            self.add(1, f"kind {rule.kind}", _clauses(written, "kind"))
        if rule.in_force_from is not None or rule.in_force_until is not None:
            self.add(1, _period(rule.in_force_from, rule.in_force_until), _clauses(written, "period"))
        if rule.subject is not None:
            s = rule.subject
            text = f"for each {s.var} in {s.collection}"
            if s.where is not None:
                self.clause(1, text + " where", s.where, _clauses(written, "subject"))
            else:
                self.add(1, text, _clauses(written, "subject"))
        if rule.on_platform:
            self.add(1, "on platform", _clauses(written, "platform"))
        for expr, anchor in zip(rule.requires, _clauses(written, "require"), strict=True):
            self.clause(1, "require", expr, [anchor])
        for expr, anchor in zip(rule.own_unless, _clauses(written, "unless"), strict=True):
            self.clause(1, "unless", expr, [anchor])
        if rule.message is not None:
            self.message(rule.message, _clauses(written, "message"))
        self.add(0, "}", [_closing(rule.span)])


# ---------------------------------------------------------------- comments


@dataclass(slots=True)
class _Attached:
    leading: dict[int, list[ast.Comment]] = field(default_factory=dict)  # line index → comments
    trailing: dict[int, ast.Comment] = field(default_factory=dict)
    end: list[ast.Comment] = field(default_factory=list)  # after the last declaration


def _attach(lines: list[_Line], comments: tuple[ast.Comment, ...], source: str) -> _Attached:
    """Give each comment a home line: the clause it trails, sits inside, or precedes."""
    anchors = sorted((a.start, a.end, i) for i, line in enumerate(lines) for a in line.anchors)
    starts = [a[0] for a in anchors]
    text_lines = source.split("\n")
    found = _Attached()
    trailing: dict[int, list[ast.Comment]] = {}
    for comment in comments:
        at = _start(comment.span)
        line_text = text_lines[at[0] - 1] if at[0] - 1 < len(text_lines) else ""
        code_before = line_text[: at[1] - 1].strip() != ""
        before = bisect.bisect_right(starts, at)  # anchors[:before] start at or before the comment
        if code_before and before:
            trailing.setdefault(anchors[before - 1][2], []).append(comment)
            continue
        inside = [a for a in anchors[:before] if a[0] < at < a[1]]
        if inside:
            target = max(inside)[2]
        elif before < len(anchors):
            target = anchors[before][2]
        else:
            found.end.append(comment)
            continue
        found.leading.setdefault(target, []).append(comment)
    for index, group in trailing.items():
        if len(group) == 1:
            found.trailing[index] = group[0]
        else:  # several comments on one joined line: keep them all, above it
            found.leading.setdefault(index, []).extend(group)
    for group in found.leading.values():
        group.sort(key=lambda c: _start(c.span))
    return found


def _blank_above(source_lines: list[str], line: int) -> bool:
    """Whether the source line just above `line` (1-based) is empty."""
    return line >= 2 and line - 2 < len(source_lines) and source_lines[line - 2].strip() == ""


# ---------------------------------------------------------------- modules


def format_module(module: ast.Module, width: int = WIDTH) -> str:
    """The canonical text of a parsed file, its comments included."""
    lines = _declaration_lines(module, width)
    return _with_comments(lines, module)


def _declaration_lines(module: ast.Module, width: int) -> list[_Line]:
    """The declarations laid out, scope blocks opened and closed, blank lines decided;
    no comment yet (they attach to these lines afterwards, by position)."""
    layout = _Layout(module.source, width)
    previous: ast.Declaration | None = None
    previous_lines = 0
    scope: ast.Scope | None = None  # the `applies when` block open in the output
    for decl in module.declarations:
        inside = decl.scope if isinstance(decl, ast.Rule) else None
        if scope is not None and inside != scope:
            layout.add(0, "}", [_closing(scope.span)])
        first = len(layout.lines)
        if inside is not None and inside != scope:
            layout.scope(inside)
        layout.declaration(decl, blank=False, nested=inside is not None)
        scope = inside
        count = len(layout.lines) - first
        if previous is not None:
            # blocks stand apart; one-line declarations keep the grouping they were written in
            apart = count > 1 or previous_lines > 1 or layout.gap(previous.span.end_line, decl.span.line)
            layout.lines[first].blank_before = apart
        previous, previous_lines = decl, count
    if scope is not None:
        layout.add(0, "}", [_closing(scope.span)])
    return layout.lines


def _with_comments(lines: list[_Line], module: ast.Module) -> str:
    """The lines as text, each comment above (or after) the line it belongs to, keeping
    the blank line the writer left between a comment and what it describes."""
    attached = _attach(lines, module.comments, module.source)
    source_lines = module.source.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        if line.blank_before:
            out.append("")
        group = attached.leading.get(index, [])
        _leading_comments(out, group, INDENT * (line.depth + line.closes), source_lines)
        if group and line.anchors:
            begins = min(a.start for a in line.anchors)[0]
            if begins > group[-1].span.line + 1 and _blank_above(source_lines, begins):
                out.append("")
        text = INDENT * line.depth + line.text
        if index in attached.trailing:
            text += "  " + attached.trailing[index].text.rstrip()
        out.append(text)
    for i, comment in enumerate(attached.end):
        if out and (i == 0 or _blank_above(source_lines, comment.span.line)):
            out.append("")
        out.append(comment.text.rstrip())
    return "\n".join(out) + "\n" if out else ""


def _leading_comments(out: list[str], group: list[ast.Comment], pad: str, source_lines: list[str]) -> None:
    """A run of comments above a line, with the blank lines the writer left between them."""
    for i, comment in enumerate(group):
        if i and _blank_above(source_lines, comment.span.line):
            out.append("")
        out.append(pad + comment.text.rstrip())


def format_text(text: str, path: str = "<input>", width: int = WIDTH) -> str:
    """Parse and format; raises `LawcodeError` (with positions) on a syntax error.

    The result is parsed again and compared with the original tree: should the
    formatter ever print something that means another thing, the writer gets an error
    and keeps the file as written, instead of a silently changed ruleset.
    """
    module = parse_module(text, path)
    formatted = format_module(module, width)
    try:
        again = parse_module(formatted, path)
    except LawcodeError:
        again = None
    if again is None or _layout_free(again.declarations) != _layout_free(module.declarations):
        raise LawcodeError([error("E090", "the formatter would change the meaning of this file; it is left as written", Span(path, 1, 1, 1, 2), "please report this as a lawcode bug, with the file")])
    return formatted


def _layout_free(value: object) -> list[object]:
    """A syntax tree without its positions and raw spellings: what the text means, as a flat
    list of tokens (built and compared without recursion: a long chain is a deep tree)."""
    out: list[object] = []
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Close):
            out.append(item)
            continue
        if isinstance(item, ast.Citation) and item.unit == "article":  # `art` and `article` are one word
            item = ast.Citation(item.document, "art", item.article, item.paragraph, item.item, item.span)
        if is_dataclass(item) and not isinstance(item, type):
            kept = [f.name for f in fields(item) if f.name not in ("span", "clauses", "raw") and not f.name.endswith("_span")]
            out.append(type(item).__name__)
            stack.append(_CLOSE)
            for name in reversed(kept):
                stack.extend((getattr(item, name), name))
        elif isinstance(item, tuple | list):
            out.append(len(item))
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


class _Close:
    """The end of a node in `_layout_free`'s tokens."""

    def __repr__(self) -> str:
        return ")"


_CLOSE = _Close()
