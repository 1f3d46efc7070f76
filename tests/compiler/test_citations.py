"""Basis and related citations, dates of documents and of their parts, `partial`.

Each mistake a writer can make with them is a compile error at its place, saying how to
fix it; the citations carry the days their provision has effect.
"""

from __future__ import annotations

import datetime as dt

import pytest

import lawcode
from helpers import DATA
from lawcode.compiler import compile_text

SCHEMA = f'schema "{DATA / "mini" / "snapshot.schema.json"}"\n'
DOCS = """
document old {
  title "Old" issuer "R" issued 2017-01-01 source "s"
  in_force 2017-10-01 until 2022-12-14
  article 1 "One." {
    paragraph 1 "Replaced wording." in_force until 2019-12-31
    paragraph 2 "New wording." in_force from 2020-01-01 { item 1 "Added later." in_force from 2021-01-01 }
  }
  article 2 "Two." partial "roles are not checked"
}
document new {
  title "New" issuer "R" issued 2021-09-15 in_force 2021-09-15 source "s"
  task 1 "Also."
}
"""


def compile_rules(rules: str) -> lawcode.compiler.Program:  # type: ignore[name-defined]
    return compile_text(SCHEMA + DOCS + rules)


def errors(rules: str) -> list[tuple[str, int, str]]:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_rules(rules)
    return [(d.code, d.span.line if d.span else 0, d.message) for d in caught.value.errors]


def test_a_citation_carries_the_days_of_its_document_article_paragraph_and_item() -> None:
    program = compile_rules("rule r { cites old art 1 para 2 item 1, old art 1 para 1, new task 1 see old art 2 on platform require true }")
    (rule,) = program.rules
    assert [(c.label, c.in_force_from, c.in_force_until) for c in rule.citations] == [
        ("old art 1 para 2 item 1", dt.date(2021, 1, 1), dt.date(2022, 12, 14)),
        ("old art 1 para 1", dt.date(2017, 10, 1), dt.date(2019, 12, 31)),
        ("new task 1", dt.date(2021, 9, 15), None),
    ]
    assert [c.label for c in rule.related] == ["old art 2"]
    assert (rule.in_force_from, rule.in_force_until) == (dt.date(2017, 10, 1), None)
    assert [c.label for c in rule.citations_on(dt.date(2020, 6, 1))] == []  # a gap: para 1 ended, item 1 not yet
    assert not rule.in_force_on(dt.date(2020, 6, 1))
    assert [c.label for c in rule.citations_on(dt.date(2019, 12, 31))] == ["old art 1 para 1"]
    assert [c.label for c in rule.citations_on(dt.date(2022, 1, 1))] == ["old art 1 para 2 item 1", "new task 1"]
    assert [c.label for c in rule.citations_on(dt.date(2022, 12, 15))] == ["new task 1"]


def test_a_rules_own_dates_narrow_those_of_its_basis() -> None:
    (rule,) = compile_rules("rule r { cites old art 1, new task 1 in_force from 2018-01-01 until 2021-12-31 on platform require true }").rules
    assert (rule.in_force_from, rule.in_force_until) == (dt.date(2018, 1, 1), dt.date(2021, 12, 31))
    assert rule.citations_on(dt.date(2017, 12, 31)) == ()
    assert [c.label for c in rule.citations_on(dt.date(2021, 12, 31))] == ["old art 1", "new task 1"]
    assert rule.citations_on(dt.date(2022, 1, 1)) == ()


def test_a_rule_whose_dates_miss_its_basis_is_refused() -> None:
    found = errors("\nrule r { cites old art 1 in_force from 2023-01-01 on platform require true }")
    assert [(code, line) for code, line, _ in found] == [("E055", 17)]
    assert "never in force" in found[0][2] and "old art 1 2017-10-01 – 2022-12-14" in found[0][2]


def test_a_provision_cannot_be_both_basis_and_related() -> None:
    found = errors("\nrule r { cites old art 1, new task 1 see new task 1 on platform require true }")
    assert [(code, line) for code, line, _ in found] == [("E056", 17)]


def test_related_citations_are_resolved_like_the_basis() -> None:
    found = errors("\nrule r { cites old art 1 see old art 9 on platform require true }")
    assert [(code, line) for code, line, _ in found] == [("E025", 17)]


@pytest.mark.parametrize(
    ("clauses", "message"),
    [
        ('partial "x" not_applicable "y"', "both `partial` and `not_applicable`"),
        ('partial "  "', "without saying what is not checked"),
        ("in_force from 2020-01-01 until 2019-01-01", "stops being in force (2019-01-01) before it starts (2020-01-01)"),
    ],
)
def test_mistakes_in_a_parts_clauses_are_refused(clauses: str, message: str) -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(SCHEMA + f'document d {{ title "t" issuer "i" issued 2017-01-01 in_force 2017-01-01 source "s"\n  article 1 "a" {clauses}\n}}\n')
    (problem,) = caught.value.errors
    assert problem.code == "E027" and message in problem.message and problem.span is not None and problem.span.line == 3


def test_a_bare_date_on_a_paragraph_says_how_to_write_its_own_dates() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(SCHEMA + 'document d { title "t" in_force 2017-01-01\n  article 1 { paragraph 1 "p" in_force 2019-01-01 }\n}\n')
    (problem,) = caught.value.errors
    assert problem.code == "E007" and problem.hint is not None and "in_force from DATE" in problem.hint


def test_a_bare_date_after_an_article_is_still_the_documents() -> None:
    program = compile_text(SCHEMA + 'document d { title "t" issuer "i" issued 2017-01-01 source "s"\n  article 1 "a"\n  in_force 2017-10-08 until 2020-01-01\n}\n')
    doc = program.documents["d"]
    assert (doc.in_force, doc.in_force_until) == (dt.date(2017, 10, 8), dt.date(2020, 1, 1))
    assert (doc.articles[1].in_force_from, doc.articles[1].in_force_until) == (None, None)
