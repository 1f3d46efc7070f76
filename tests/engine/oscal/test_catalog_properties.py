"""Any document the language can write gives a valid catalog: random articles, paragraphs
and items with random summaries, not-applicable and partial notes and in-force dates
(the strategies of the formatter's tests), compiled, exported, validated, loaded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oscal_check import schema_errors, trestle_load

from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.oscal import build_catalog

from ...dsl.messy import Messy
from ...dsl.strategies import documents


def marked(document: ast.Document) -> int:
    """How many articles, paragraphs and items carry a note or a date."""
    parts: list[ast.Article | ast.Paragraph | ast.Item] = []
    for article in document.articles:
        parts.append(article)
        for paragraph in article.paragraphs:
            parts.append(paragraph)
            parts.extend(paragraph.items)
    return sum(1 for p in parts if p.not_applicable or p.partial or p.in_force_from or p.in_force_until)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents(), st.integers(0, 2**32))
def test_any_document_gives_a_valid_catalog(document: ast.Document, seed: int) -> None:
    # the header a compiled document needs (the strategies leave some of it out)
    document = dataclasses.replace(
        document,
        title=document.title or "A regulation",
        issuer="An issuer",
        source="https://example.org/regulation",
        issued=document.issued or dt.date(2020, 1, 1),
        in_force=document.in_force or dt.date(2020, 1, 1),
    )
    text = 'schema "snapshot.schema.json"\n' + Messy(random.Random(seed)).module((document,))
    try:
        program = compile_text(text, "doc.law", DATA / "mini")
    except LawcodeError:
        assume(False)  # the strategies build parseable documents, not always valid ones
        return
    catalog = build_catalog(program)
    assert schema_errors(catalog) == []
    trestle_load(catalog)
    (group,) = catalog["catalog"]["groups"]
    assert len(group["controls"]) == len(document.articles)
    shown = sum(1 for text_ in str(group["controls"]).split("'name': '")[1:] if text_.startswith(("not-applicable'", "partial'", "in-force-from'", "in-force-until'")))
    assert (shown > 0) == (marked(document) > 0)
