"""Documents and the citations that point into them.

A citation must name a document, article, paragraph and item that the ruleset has
declared: a rule that cites an article the regulation does not have is a compile error,
because a wrong citation in a violation report is worse than none.

A citation carries the days its provision has effect: the document's `in_force` (and
`until`, when a later text replaced it), narrowed by the article's, paragraph's and
item's own `in_force from/until` where a later text replaced just that part. Rules ask
their citations (`ir.Rule.citations_on`), so every backend decides alike.
"""

from __future__ import annotations

import datetime as dt

from lawcode.compiler import ir
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, did_you_mean, error
from lawcode.dsl.spans import Span

Period = tuple[dt.date | None, dt.date | None]  # the first and last day in force (None: open)


def lower_document(doc: ast.Document, problems: list[Diagnostic]) -> ir.Document:
    for field in ("title", "issuer", "issued", "in_force", "source"):
        if getattr(doc, field) is None:
            problems.append(
                error("E020", f"document `{doc.key}` has no `{field}`", doc.span, f"add `{field} …` inside the document block")
            )
    _check_period(f"document `{doc.key}`", doc.in_force, doc.in_force_until, doc.span, problems)
    articles: dict[int, ir.Article] = {}
    for art in doc.articles:
        if art.number in articles:
            problems.append(error("E021", f"{art.unit} {art.number} of `{doc.key}` is declared twice", art.span))
        paragraphs: dict[int, ir.Paragraph] = {}
        for para in art.paragraphs:
            if para.number in paragraphs:
                problems.append(error("E021", f"paragraph {para.number} of {art.unit} {art.number} is declared twice", para.span))
            items: dict[int, ir.Item] = {}
            for it in para.items:
                if it.number in items:
                    problems.append(error("E021", f"item {it.number} of paragraph {para.number} is declared twice", it.span))
                _check_unit(f"item {it.number} of paragraph {para.number}", it, problems)
                items[it.number] = ir.Item(it.number, it.summary, it.not_applicable, it.span, it.partial, it.in_force_from, it.in_force_until)
            _check_unit(f"paragraph {para.number} of {art.unit} {art.number}", para, problems)
            paragraphs[para.number] = ir.Paragraph(para.number, para.summary, para.not_applicable, items, para.span, para.partial, para.in_force_from, para.in_force_until)
        _check_unit(f"{art.unit} {art.number} of `{doc.key}`", art, problems)
        articles[art.number] = ir.Article(art.unit, art.number, art.summary, art.not_applicable, paragraphs, art.span, art.partial, art.in_force_from, art.in_force_until)
    units = {a.unit for a in articles.values()}
    if len(units) > 1:
        problems.append(error("E022", f"document `{doc.key}` mixes `article` and `task` numbering", doc.span, "use one unit per document"))
    return ir.Document(
        doc.key,
        doc.title or "",
        doc.issuer or "",
        doc.issued,
        doc.in_force,
        doc.source or "",
        articles,
        doc.span,
        doc.in_force_until,
    )


def _check_unit(what: str, unit: ast.Article | ast.Paragraph | ast.Item, problems: list[Diagnostic]) -> None:
    _check_period(what, unit.in_force_from, unit.in_force_until, unit.span, problems)
    if unit.partial is not None and unit.not_applicable is not None:
        problems.append(error("E027", f"{what} is both `partial` and `not_applicable`", unit.span, "a part that binds no platform has nothing partly checked: keep one"))
    if unit.partial is not None and not unit.partial.strip():
        problems.append(error("E027", f"{what} is `partial` without saying what is not checked", unit.span, 'name it: `partial "the marking of in-group roles"`'))


def _check_period(what: str, start: dt.date | None, until: dt.date | None, span: Span, problems: list[Diagnostic]) -> None:
    if start is not None and until is not None and until < start:
        problems.append(error("E027", f"{what} stops being in force ({until}) before it starts ({start})", span, "`until` is the last day in force, on or after `from`"))


def _narrow(period: tuple[dt.date | None, dt.date | None], start: dt.date | None, until: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """The days within both `period` and [start, until] (None: open)."""
    low, high = period
    if start is not None and (low is None or start > low):
        low = start
    if until is not None and (high is None or until < high):
        high = until
    return low, high


def resolve_citation(
    cite: ast.Citation, documents: dict[str, ir.Document], problems: list[Diagnostic]
) -> ir.Citation | None:
    doc = documents.get(cite.document)
    if doc is None:
        problems.append(
            error(
                "E023",
                f"unknown document `{cite.document}`",
                cite.span,
                did_you_mean(cite.document, documents) or "declare it with `document KEY { … }` or import the file that does",
            )
        )
        return None
    unit = next(iter({a.unit for a in doc.articles.values()}), "article")
    written = "task" if cite.unit == "task" else "article"
    if written != unit:
        problems.append(
            error("E024", f"`{doc.key}` is numbered in {unit}s, not {written}s", cite.span, f"write `{doc.key} {'task' if unit == 'task' else 'art'} {cite.article}`")
        )
        return None
    art = doc.articles.get(cite.article)
    if art is None:
        numbers = ", ".join(str(n) for n in sorted(doc.articles)) or "none"
        problems.append(
            error("E025", f"`{doc.key}` has no {unit} {cite.article}", cite.span, f"its {unit}s are: {numbers}")
        )
        return None
    found = _within_article(cite, doc, unit, art, _narrow((doc.in_force, doc.in_force_until), art.in_force_from, art.in_force_until), problems)
    if found is None:
        return None
    summary, period = found
    return ir.Citation(doc.key, unit, cite.article, cite.paragraph, cite.item, summary, cite.span, *period)


def _within_article(
    cite: ast.Citation, doc: ir.Document, unit: str, art: ir.Article, period: Period, problems: list[Diagnostic]
) -> tuple[str | None, Period] | None:
    """The summary and days in force of the paragraph and item cited inside `art` (the
    article's own when none is cited): the most specific summary wins, the days narrow.
    None, reported, when the paragraph or item is not declared."""
    if cite.paragraph is None:
        if cite.item is not None:
            problems.append(error("E026", "an item is cited without its paragraph", cite.span, "write `para N item M`"))
            return None
        return art.summary, period
    para = art.paragraphs.get(cite.paragraph)
    if para is None:
        have = ", ".join(str(n) for n in sorted(art.paragraphs)) or "none declared"
        problems.append(
            error("E025", f"{unit} {cite.article} of `{doc.key}` has no paragraph {cite.paragraph}", cite.span, f"its paragraphs: {have}")
        )
        return None
    summary = para.summary or art.summary
    period = _narrow(period, para.in_force_from, para.in_force_until)
    if cite.item is None:
        return summary, period
    item = para.items.get(cite.item)
    if item is None:
        have = ", ".join(str(n) for n in sorted(para.items)) or "none declared"
        problems.append(
            error("E025", f"paragraph {cite.paragraph} of {unit} {cite.article} has no item {cite.item}", cite.span, f"its items: {have}")
        )
        return None
    return item.summary or summary, _narrow(period, item.in_force_from, item.in_force_until)
