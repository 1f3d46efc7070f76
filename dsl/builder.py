"""Lark's parse tree → the AST of `lawcode.dsl.ast`, each node with its span.

`Builder` is the parser's Transformer (`parser.parse_module` runs it): one method per
grammar rule, each building one node, checking what the grammar cannot say (a clause
written twice, a reserved word used as a name, a date that is not in the calendar, an
unknown escape) and collecting those problems as diagnostics rather than stopping at
the first. Message placeholders (`{u.id}`) are parsed here too, each text once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from lark import Token, Tree, v_args
from lark.exceptions import VisitError
from lark.visitors import Transformer_NonRecursive

from lawcode.dsl import ast, templates
from lawcode.dsl.diagnostics import Diagnostic, error
from lawcode.dsl.expression_text import quote
from lawcode.dsl.spans import Span
from lawcode.dsl.syntax_errors import unquote

__all__ = ["RESERVED_NAMES", "Builder"]

# Words an expression reads as something other than a name: a definition, parameter,
# ladder or binding called `true` or `count` could be declared but never used.
RESERVED_NAMES = frozenset(
    {"true", "false", "null", "if", "then", "else", "and", "or", "implies", "not", "in", "for", "where"}
    | {"count", "exists", "sum", "min", "max", "all", "any"}
)

DURATION_UNITS = {
    "year": "years",
    "month": "months",
    "week": "weeks",
    "day": "days",
    "hour": "hours",
    "minute": "minutes",
    "second": "seconds",
}


# ---------------------------------------------------------------- tree → AST


def _span(path: str, meta: Any, line_shift: tuple[int, int] | None = None) -> Span:
    line, col = meta.line, meta.column
    end_line, end_col = meta.end_line, meta.end_column
    if line_shift is not None:
        base_line, base_col = line_shift
        col = base_col + col - 1 if line == 1 else col
        end_col = base_col + end_col - 1 if end_line == 1 else end_col
        line, end_line = base_line + line - 1, base_line + end_line - 1
    return Span(path, line, col, end_line, end_col)


@v_args(meta=True)
class Builder(Transformer_NonRecursive[Token, Any]):
    """Lark's tree → AST nodes. Non-recursive: a chain of 10,000 `+` is a Lark tree
    10,000 deep (the grammar is left-recursive), which Lark's recursive Transformer
    cannot walk."""

    def __init__(self, path: str, shift: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.path = path
        self.shift = shift
        self.diagnostics: list[Diagnostic] = []
        # where each message string starts → where it ends (offsets in the text): the
        # comment scanner's only strings that a plain string's pattern would misread
        self.messages: dict[int, int] = {}

    def run(self, tree: Tree[Token]) -> Any:
        try:
            return self.transform(tree)
        except VisitError as exc:  # pragma: no cover - a bug in a callback below
            raise exc.orig_exc from None

    def _s(self, meta: Any) -> Span:
        return _span(self.path, meta, self.shift)

    def _t(self, token: Token) -> Span:
        return _span(self.path, token, self.shift)

    def _name(self, token: Token, what: str) -> str:
        """A declared name; a literal or keyword is refused (an expression would read it as that)."""
        name = str(token)
        if name in RESERVED_NAMES:
            self.diagnostics.append(
                error("E071", f"`{name}` cannot name {what}: expressions read it as a literal or keyword", self._t(token), f"choose another name, e.g. `{name}_value`")
            )
        return name

    def _str(self, token: Token) -> str:
        return unquote(token, self.path, self.diagnostics)

    def text(self, meta: Any, c: list[Token]) -> Token:
        """Several strings read as one (a title, summary or note): one string token with
        their joined text, spanning them all. Each is unquoted on its own first, so a bad
        escape is reported where it is."""
        if len(c) == 1:
            return c[0]
        joined = quote("".join(self._str(t) for t in c))
        first, last = c[0], c[-1]
        return Token("STRING", joined, first.start_pos, first.line, first.column, last.end_line, last.end_column, last.end_pos)

    def _date(self, token: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(token))
        except ValueError:
            self.diagnostics.append(
                error("E004", f"`{token}` is not a calendar date", self._t(token), "dates are YYYY-MM-DD")
            )
            return dt.date(1, 1, 1)

    # -- module
    def start(self, meta: Any, children: list[Any]) -> list[Any]:
        out: list[Any] = []
        for child in children:
            out.extend(child if isinstance(child, list) else [child])  # a scope's rules take its place
        return out

    # -- scopes
    def scope(self, meta: Any, c: list[Any]) -> list[ast.Rule]:
        """`applies when CONDITION { rule … }`: the block's rules, each carrying the scope
        and, first among its `unless` clauses, `not CONDITION` (what the scope means, so
        every later stage reads the rule as if it were written so)."""
        condition, *entries = c
        span = self._s(meta)
        head = Span(span.file, span.line, span.column, condition.span.end_line, condition.span.end_column)
        scope = ast.Scope(condition, head, span)
        rules: list[ast.Rule] = []
        for entry in entries:
            if isinstance(entry, list):  # a scope inside this one: refused, its rules kept for the other checks
                inner = entry[0].scope.head_span if entry else head
                self.diagnostics.append(
                    error("E008", "a scope cannot hold another scope", inner, "join the conditions in one: `applies when A and B { … }`")
                )
                rules.extend(entry)
                continue
            # the `not` spans the head: explanations quote it as the clause (`applies when …`)
            rules.append(replace(entry, scope=scope, unless=(ast.Not(condition, head), *entry.unless)))
        if not entries:
            self.diagnostics.append(
                error("E008", "this scope holds no rule", head, "put the rules it governs between its braces, or delete it")
            )
        return rules

    def import_decl(self, meta: Any, c: list[Any]) -> ast.Import:
        return ast.Import(self._str(c[0]), self._s(meta))

    def schema_decl(self, meta: Any, c: list[Any]) -> ast.SchemaDecl:
        return ast.SchemaDecl(self._str(c[0]), self._s(meta))

    # -- documents
    def document(self, meta: Any, c: list[Any]) -> ast.Document:
        fields: dict[str, Any] = {}
        articles: list[ast.Article] = []
        clauses: list[tuple[str, Span]] = []
        entries: list[Any] = []
        for entry in c[1:]:
            entries.extend(entry if isinstance(entry, list) else [entry])  # an article and the header line it took in
        for entry in entries:
            if isinstance(entry, ast.Article):
                articles.append(entry)
            else:
                name, value, span = entry
                clauses.append((name, span))
                if name in fields:
                    self.diagnostics.append(error("E005", f"`{name}` is given twice in document `{c[0]}`", span))
                fields[name] = value
        in_force, in_force_until = fields.get("in_force", (None, None))
        return ast.Document(
            key=str(c[0]),
            title=fields.get("title"),
            issuer=fields.get("issuer"),
            issued=fields.get("issued"),
            in_force=in_force,
            source=fields.get("source"),
            articles=tuple(articles),
            span=self._s(meta),
            clauses=tuple(clauses),
            in_force_until=in_force_until,
        )

    def doc_title(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("title", self._str(c[0]), self._s(meta))

    def doc_issuer(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("issuer", self._str(c[0]), self._s(meta))

    def doc_source(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("source", self._str(c[0]), self._s(meta))

    def doc_issued(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("issued", self._date(c[0]), self._s(meta))

    def doc_in_force(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        until = self._date(c[1]) if c[1] is not None else None
        return ("in_force", (self._date(c[0]), until), self._s(meta))

    def not_applicable(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("not_applicable", self._str(c[0]), self._s(meta))

    def partial(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("partial", self._str(c[0]), self._s(meta))

    def unit_period(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        until = self._date(c[1]) if c[1] is not None else None
        return ("period", (self._date(c[0]), until), self._s(meta))

    def unit_until(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("period", (None, self._date(c[0])), self._s(meta))

    def _unit_clauses(self, what: str, clauses: list[Any], end: Span, trailing_ok: bool) -> tuple[dict[str, Any], list[tuple[str, Span]], list[Any]]:
        """The clauses of an article, paragraph or item, by keyword, with the (keyword, span)
        list the formatter reads. A bare `in_force DATE` after an article without a body is
        the document's own date (what it always meant there): it is handed back to go up."""
        fields: dict[str, Any] = {}
        written: list[tuple[str, Span]] = []
        hoisted: list[Any] = []
        for clause in clauses:
            kind, value, span = clause
            if kind == "in_force":
                if trailing_ok and (span.end_line, span.end_column) == (end.end_line, end.end_column):
                    hoisted.append(clause)
                    continue
                self.diagnostics.append(
                    error("E007", f"{what} gives a bare date after `in_force`", span, "an article's or paragraph's own dates are `in_force from DATE`, `in_force until DATE` or both")
                )
                continue
            if kind in fields:
                self.diagnostics.append(error("E005", f"{what} has two `{'in_force' if kind == 'period' else kind}` clauses", span, "keep one"))
            fields[kind] = value
            written.append((kind, span))
        return fields, written, hoisted

    def article(self, meta: Any, c: list[Any]) -> ast.Article | list[Any]:
        unit, number, summary, *rest = c
        span = self._s(meta)
        clauses = [x for x in rest if isinstance(x, tuple)]
        fields, written, hoisted = self._unit_clauses(f"{unit} {number}", clauses, span, trailing_ok=True)
        if hoisted:  # the article ends where its own text does, before the document's line
            last = max([self._t(t) for t in (number, summary) if t is not None] + [s for _, s in written], key=lambda s: (s.end_line, s.end_column))
            span = Span(span.file, span.line, span.column, last.end_line, last.end_column)
        start, until = fields.get("period", (None, None))
        article = ast.Article(
            str(unit),
            int(number),
            self._str(summary) if summary is not None else None,
            fields.get("not_applicable"),
            tuple(p for p in rest if isinstance(p, ast.Paragraph)),
            span,
            fields.get("partial"),
            start,
            until,
            tuple(written),
        )
        return [article, *hoisted] if hoisted else article

    def paragraph(self, meta: Any, c: list[Any]) -> ast.Paragraph:
        number, summary, *rest = c
        clauses = [x for x in rest if isinstance(x, tuple)]
        fields, written, _ = self._unit_clauses(f"paragraph {number}", clauses, self._s(meta), trailing_ok=False)
        start, until = fields.get("period", (None, None))
        return ast.Paragraph(
            int(number),
            self._str(summary) if summary is not None else None,
            fields.get("not_applicable"),
            tuple(i for i in rest if isinstance(i, ast.Item)),
            self._s(meta),
            fields.get("partial"),
            start,
            until,
            tuple(written),
        )

    def item(self, meta: Any, c: list[Any]) -> ast.Item:
        number, summary, *rest = c
        fields, written, _ = self._unit_clauses(f"item {number}", [x for x in rest if isinstance(x, tuple)], self._s(meta), trailing_ok=False)
        start, until = fields.get("period", (None, None))
        return ast.Item(
            int(number),
            self._str(summary) if summary is not None else None,
            fields.get("not_applicable"),
            self._s(meta),
            fields.get("partial"),
            start,
            until,
            tuple(written),
        )

    # -- citations
    def citations(self, meta: Any, c: list[Any]) -> tuple[ast.Citation, ...]:
        return self._grouped(c)

    def related(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("see", self._grouped(c), self._s(meta))

    def _grouped(self, cites: list[ast.Citation]) -> tuple[ast.Citation, ...]:
        """A citation written without its document (`…, art 5`) cites the one before it
        names; the first must name one."""
        done: list[ast.Citation] = []
        for c in cites:
            if not c.document:
                if not done:
                    self.diagnostics.append(
                        error("E002", "the first citation must name its document", c.span, "write the document's key first, like `cites groups-2017 art 8`")
                    )  # kept, keyless: the module is refused for the diagnostic anyway
                else:
                    c = replace(c, document=done[-1].document)
            done.append(c)
        return tuple(done)

    def citation(self, meta: Any, c: list[Any]) -> ast.Citation:
        key, unit, art, para, item = c
        return ast.Citation(
            str(key) if key is not None else "",  # filled in by `_grouped`
            str(unit),
            int(art),
            int(para) if para is not None else None,
            int(item) if item is not None else None,
            self._s(meta),
        )

    # -- parameters and definitions
    def parameter(self, meta: Any, c: list[Any]) -> ast.Parameter:
        name, type_, default, *clauses = c
        citations: tuple[ast.Citation, ...] = ()
        source: tuple[str, ...] | None = None
        source_span: Span | None = None
        unit: str | None = None
        seen: set[str] = set()
        written: list[tuple[str, Span]] = []
        for clause in clauses:
            kind = "cites" if isinstance(clause, tuple) and (not clause or isinstance(clause[0], ast.Citation)) else clause[0]
            written.append((kind, _cover(clause) if kind == "cites" else clause[-1]))
            if kind in seen:
                self.diagnostics.append(
                    error("E005", f"parameter `{name}` has two `{kind}` clauses", self._s(meta), "keep one")
                )
            seen.add(kind)
            if kind == "cites":
                citations = clause
            elif kind == "from":
                source, source_span = clause[1], clause[2]
            else:
                unit = clause[1]
        return ast.Parameter(self._name(name, "a parameter"), type_, default, citations, source, source_span, unit, self._s(meta), tuple(written))

    def param_from(self, meta: Any, c: list[Any]) -> tuple[str, tuple[str, ...], Span]:
        return ("from", c[0], self._s(meta))

    def param_unit(self, meta: Any, c: list[Any]) -> tuple[str, str, Span]:
        return ("unit", self._str(c[0]), self._s(meta))

    def field_path(self, meta: Any, c: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    def definition(self, meta: Any, c: list[Any]) -> ast.Definition:
        name, params, returns, body = c
        return ast.Definition(self._name(name, "a definition"), params, returns, body, self._s(meta))

    def def_params(self, meta: Any, c: list[Any]) -> tuple[ast.DefParam, ...]:
        return tuple(p for p in c if p is not None)

    def def_param(self, meta: Any, c: list[Any]) -> ast.DefParam:
        return ast.DefParam(self._name(c[0], "a definition's parameter"), c[1], self._s(meta))

    def simple_type(self, meta: Any, c: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(str(c[0]), None, self._s(meta))

    def generic_type(self, meta: Any, c: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(str(c[0]), c[1], self._s(meta))

    # -- ladders
    def ladder(self, meta: Any, c: list[Any]) -> ast.Ladder:
        name, citations, *steps = c
        return ast.Ladder(
            self._name(name, "a ladder"),
            citations or (),
            tuple(ast.Step(str(s), self._t(s)) for s in steps),
            self._s(meta),
        )

    # -- rules
    def rule(self, meta: Any, c: list[Any]) -> ast.Rule:
        rule_id = str(c[0])
        fields: dict[str, Any] = {}
        requires: list[ast.Expr] = []
        unless: list[ast.Expr] = []
        citations: list[ast.Citation] = []
        related: list[ast.Citation] = []
        written: list[tuple[str, Span]] = []
        for clause in c[1:]:
            if isinstance(clause, tuple) and (not clause or isinstance(clause[0], ast.Citation)):
                citations.extend(clause)
                written.append(("cites", _cover(clause)))
                continue
            kind, value, span = clause
            written.append((kind, span))
            if kind == "see":
                related.extend(value)
            elif kind == "require":
                requires.append(value)
            elif kind == "unless":
                unless.append(value)
            else:
                if kind in fields or (kind in ("subject", "platform") and ("subject" in fields or "platform" in fields)):
                    self.diagnostics.append(
                        error("E005", f"rule `{rule_id}` has more than one `{_CLAUSE_WORD[kind]}` clause", span, "keep one")
                    )
                fields[kind] = (value, span)
        period = fields.get("period", ((None, None), None))[0]
        severity = fields.get("severity")
        kind_ = fields.get("kind")
        message = fields.get("message")
        return ast.Rule(
            id=rule_id,
            citations=tuple(citations),
            title=fields["title"][0] if "title" in fields else None,
            severity=severity[0] if severity else None,
            severity_span=severity[1] if severity else None,
            kind=kind_[0] if kind_ else None,
            kind_span=kind_[1] if kind_ else None,
            in_force_from=period[0],
            in_force_until=period[1],
            subject=fields["subject"][0] if "subject" in fields else None,
            on_platform="platform" in fields,
            requires=tuple(requires),
            unless=tuple(unless),
            message=message[0] if message else None,
            span=self._s(meta),
            clauses=tuple(written),
            related=tuple(related),
        )

    def rule_title(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("title", self._str(c[0]), self._s(meta))

    def rule_severity(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("severity", str(c[0]), self._t(c[0]))

    def rule_kind(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("kind", str(c[0]), self._t(c[0]))

    def rule_period(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        start = self._date(c[0]) if c[0] is not None else None
        end = self._date(c[1]) if c[1] is not None else None
        return ("period", (start, end), self._s(meta))

    def subject(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        var, coll, where = c
        span = self._s(meta)
        return ("subject", ast.Subject(self._name(var, "a rule's subject"), self._t(var), str(coll), self._t(coll), where, span), span)

    def platform_subject(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("platform", True, self._s(meta))

    def require(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("require", c[0], self._s(meta))

    def unless(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        return ("unless", c[0], self._s(meta))

    def message(self, meta: Any, c: list[Any]) -> tuple[str, Any, Span]:
        self.messages.update((token.start_pos or 0, token.end_pos or 0) for token in c)
        holes = templates.hole_parser(self.path, self.diagnostics, lambda shift: Builder(self.path, shift))
        pieces = [templates.template(token, self.path, self.diagnostics, holes) for token in c]
        return ("message", templates.join(pieces), self._s(meta))

    # -- expressions
    def if_expr(self, meta: Any, c: list[Any]) -> ast.Conditional:
        return ast.Conditional(c[0], c[1], c[2], self._s(meta))

    def or_(self, meta: Any, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("or", c[0], c[1], self._s(meta))

    def implies(self, meta: Any, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("implies", c[0], c[1], self._s(meta))

    def and_(self, meta: Any, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("and", c[0], c[1], self._s(meta))

    def not_expr(self, meta: Any, c: list[Any]) -> ast.Not:
        return ast.Not(c[0], self._s(meta))

    def compare(self, meta: Any, c: list[Any]) -> ast.Compare:
        return ast.Compare(str(c[1]), c[0], c[2], self._s(meta))

    def member(self, meta: Any, c: list[Any]) -> ast.Member:
        return ast.Member(c[0], c[1], False, self._s(meta))

    def not_member(self, meta: Any, c: list[Any]) -> ast.Member:
        return ast.Member(c[0], c[1], True, self._s(meta))

    def default(self, meta: Any, c: list[Any]) -> ast.Default:
        return ast.Default(c[0], c[1], self._s(meta))

    def arith(self, meta: Any, c: list[Any]) -> ast.Arith:
        return ast.Arith(str(c[1]), c[0], c[2], self._s(meta))

    def negate(self, meta: Any, c: list[Any]) -> ast.Negate:
        return ast.Negate(c[0], self._s(meta))

    def attribute(self, meta: Any, c: list[Any]) -> ast.Attribute:
        return ast.Attribute(c[0], str(c[1]), self._t(c[1]), self._s(meta))

    def index(self, meta: Any, c: list[Any]) -> ast.Index:
        return ast.Index(c[0], c[1], self._s(meta))

    def call(self, meta: Any, c: list[Any]) -> ast.Call:
        return ast.Call(str(c[0]), self._t(c[0]), tuple(a for a in c[1:] if a is not None), self._s(meta))

    def name(self, meta: Any, c: list[Any]) -> ast.Name:
        return ast.Name(str(c[0]), self._s(meta))

    def int_lit(self, meta: Any, c: list[Any]) -> ast.IntLit:
        return ast.IntLit(int(c[0]), self._s(meta))

    def decimal_lit(self, meta: Any, c: list[Any]) -> ast.DecimalLit:
        return ast.DecimalLit(str(c[0]), self._s(meta))

    def string_lit(self, meta: Any, c: list[Any]) -> ast.StringLit:
        return ast.StringLit(self._str(c[0]), self._s(meta))

    def true_lit(self, meta: Any, c: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(True, self._s(meta))

    def false_lit(self, meta: Any, c: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(False, self._s(meta))

    def date_lit(self, meta: Any, c: list[Any]) -> ast.DateLit:
        return ast.DateLit(self._date(c[0]), self._s(meta))

    def datetime_lit(self, meta: Any, c: list[Any]) -> ast.DateTimeLit:
        text = str(c[0])
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
        except ValueError:
            self.diagnostics.append(error("E004", f"`{text}` is not a valid date-time", self._s(meta)))
            value = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        return ast.DateTimeLit(text, value, self._s(meta))

    def duration_lit(self, meta: Any, c: list[Any]) -> ast.DurationLit:
        match = re.fullmatch(r"(\d+)\s*([a-z]+?)s?", str(c[0]))
        assert match is not None
        return ast.DurationLit(int(match.group(1)), DURATION_UNITS[match.group(2)], self._s(meta))

    def list_lit(self, meta: Any, c: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(x for x in c if x is not None), self._s(meta))

    def map_lit(self, meta: Any, c: list[Any]) -> ast.MapLit:
        return ast.MapLit(tuple(e for e in c if e is not None), self._s(meta))

    def map_entry(self, meta: Any, c: list[Any]) -> tuple[Any, Any]:
        return (c[0], c[1])

    def count(self, meta: Any, c: list[Any]) -> ast.Aggregate:
        return ast.Aggregate("count", self._name(c[0], "an element"), self._t(c[0]), c[1], c[2], None, self._s(meta))

    def exists(self, meta: Any, c: list[Any]) -> ast.Aggregate:
        return ast.Aggregate("exists", self._name(c[0], "an element"), self._t(c[0]), c[1], c[2], None, self._s(meta))

    def aggregate(self, meta: Any, c: list[Any]) -> ast.Aggregate:
        func, value, var, coll, where = c
        return ast.Aggregate(func, self._name(var, "an element"), self._t(var), coll, where, value, self._s(meta))

    def aggregate_fn(self, meta: Any, c: list[Any]) -> str:
        return str(c[0])




def _cover(citations: tuple[ast.Citation, ...]) -> Span:
    """The span of a `cites` clause: from its first citation to its last."""
    return citations[0].span.cover(citations[-1].span)


_CLAUSE_WORD = {
    "title": "title",
    "severity": "severity",
    "kind": "kind",
    "period": "in_force",
    "subject": "for each / on platform",
    "platform": "for each / on platform",
    "message": "message",
}


