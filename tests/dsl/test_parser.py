"""Parser: text → typed AST with spans; only `LawcodeError` for bad text."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import DATA
from lawcode.dsl import ast, parse_expression, parse_module
from lawcode.dsl.diagnostics import LawcodeError


def test_mini_ruleset_parses_into_typed_nodes() -> None:
    path = DATA / "mini" / "mini.law"
    module = parse_module(path.read_text(encoding="utf-8"), "mini.law")
    kinds = [type(d).__name__ for d in module.declarations]
    assert kinds[:3] == ["SchemaDecl", "Import", "Ladder"]
    assert kinds.count("Rule") == 4
    rule = next(d for d in module.declarations if isinstance(d, ast.Rule) and d.id == "log-retention")
    assert rule.on_platform and rule.subject is None
    assert len(rule.requires) == 2
    assert rule.citations[0].document == "groups-2017" and rule.citations[0].paragraph == 2


def test_every_node_knows_its_position() -> None:
    text = 'rule r {\n  cites d art 1\n  for each g in groups where g.status == "active"\n  require g.n <= 5\n}\n'
    rule = parse_module(text, "x.law").declarations[0]
    assert isinstance(rule, ast.Rule)
    assert (rule.span.line, rule.span.column, rule.span.end_line) == (1, 1, 5)
    assert rule.subject is not None and rule.subject.collection_span.column == 17
    require = rule.requires[0]
    assert isinstance(require, ast.Compare)
    assert (require.span.line, require.span.column, require.span.end_column) == (4, 11, 19)
    assert isinstance(require.left, ast.Attribute) and require.left.name_span.column == 13


def test_message_placeholders_are_parsed_with_real_columns() -> None:
    text = 'rule r {\n  cites d art 1\n  on platform\n  require true\n  message "已有 {count(x in users)} 个用户 {{literal}}"\n}\n'
    rule = parse_module(text, "x.law").declarations[0]
    assert isinstance(rule, ast.Rule) and rule.message is not None
    parts = rule.message.parts
    assert parts[0] == "已有 " and parts[2] == " 个用户 {literal}"
    hole = parts[1]
    assert isinstance(hole, ast.Aggregate) and hole.func == "count"
    assert hole.span.column == len('  message "已有 {') + 1


def test_a_placeholder_repeated_across_messages_has_each_ones_own_position() -> None:
    # One placeholder text is parsed once and its tree reused; the spans must still be each message's own.
    text = (
        'rule a {\n  cites d art 1\n  for each u in users\n  require true\n  message "user {u.id}"\n}\n'
        'rule b {\n  cites d art 1\n  for each u in users\n  require true\n  message "again, {u.id} and {u.id}"\n}\n'
    )
    holes = []
    for rule in parse_module(text, "x.law").declarations:
        assert isinstance(rule, ast.Rule) and rule.message is not None
        holes += [p for p in rule.message.parts if isinstance(p, ast.Expr)]
    expected = [
        (n, m.start() + 2, m.end())  # 1-based: the `u` after `{`, and the `}` (spans end before it)
        for n, line in enumerate(text.splitlines(), 1)
        for m in re.finditer(r"\{u\.id\}", line)
    ]
    assert len(expected) == 3
    assert [(h.span.line, h.span.column, h.span.end_column) for h in holes] == expected
    assert all(isinstance(h, ast.Attribute) and h.name == "id" for h in holes)


def test_chinese_text_in_strings_and_comments() -> None:
    text = '# 群组信息服务\ndocument groups-2017 {\n  title "互联网群组信息服务管理规定" # 标题\n  article 1 "目的。"\n}\n'
    module = parse_module(text, "zh.law")
    doc = module.declarations[0]
    assert isinstance(doc, ast.Document) and doc.title == "互联网群组信息服务管理规定"
    assert [c.text for c in module.comments] == ["# 群组信息服务", "# 标题"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 months", ast.DurationLit(6, "months", None)),  # type: ignore[arg-type]
        ("1 year", ast.DurationLit(1, "years", None)),  # type: ignore[arg-type]
        ("15 days", ast.DurationLit(15, "days", None)),  # type: ignore[arg-type]
        ("2 hours", ast.DurationLit(2, "hours", None)),  # type: ignore[arg-type]
    ],
)
def test_duration_literals(text: str, expected: ast.DurationLit) -> None:
    node = parse_expression(text)
    assert isinstance(node, ast.DurationLit)
    assert (node.amount, node.unit) == (expected.amount, expected.unit)


def test_precedence_and_associativity() -> None:
    node = parse_expression("a or b and not c == 1 + 2 * 3")
    assert isinstance(node, ast.BoolOp) and node.op == "or"
    right = node.right
    assert isinstance(right, ast.BoolOp) and right.op == "and"
    assert isinstance(right.right, ast.Not)
    cmp = right.right.operand
    assert isinstance(cmp, ast.Compare) and isinstance(cmp.right, ast.Arith) and cmp.right.op == "+"
    minus = parse_expression("10 - 3 - 2")
    assert isinstance(minus, ast.Arith) and isinstance(minus.left, ast.Arith)  # left-associative


def test_dates_and_datetimes() -> None:
    d = parse_expression("2024-02-29")
    assert isinstance(d, ast.DateLit) and d.value == dt.date(2024, 2, 29)
    t = parse_expression("2024-05-01T10:00:00+08:00")
    assert isinstance(t, ast.DateTimeLit) and t.value == dt.datetime(2024, 5, 1, 2, tzinfo=dt.UTC)


def test_impossible_date_is_a_diagnostic() -> None:
    with pytest.raises(LawcodeError) as caught:
        parse_expression("2023-02-29")
    assert caught.value.diagnostics[0].code == "E004"


def test_keywords_are_field_names_after_a_dot() -> None:
    node = parse_expression('x.source == "a" and x.item > 1 and x.kind in ["a"]')
    assert isinstance(node, ast.BoolOp)


def test_duplicate_clause_is_reported() -> None:
    with pytest.raises(LawcodeError) as caught:
        parse_module("rule r {\n  cites d art 1\n  severity high\n  severity low\n  on platform\n  require true\n}\n", "x.law")
    assert "more than one `severity`" in caught.value.diagnostics[0].message


ALPHABET = st.sampled_from([*list('rule document {}()[]"#.:,=<>!?+-*/ \n\tabcxyz019_-'), "require", "for each", "cites", "art", "count(", "中文", "6 months", "2024-01-01"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_parser_raises_only_lawcode_errors_on_token_soup(text: str) -> None:
    try:
        parse_module(text, "fuzz.law")
    except LawcodeError as error:
        for d in error.diagnostics:
            assert d.span is not None and d.span.line >= 1
            assert d.render()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_raises_only_lawcode_errors_on_any_text(text: str) -> None:
    with contextlib.suppress(LawcodeError):
        parse_module(text, "fuzz.law")


def test_the_grammars_one_conflict_is_in_force_after_an_article(caplog: pytest.LogCaptureFixture) -> None:
    """LALR resolves shift/reduce conflicts silently, as shift. The grammar has one on
    purpose (`in_force` after an article without a body: the parser hands a bare date
    back to the document); any other would change what some text means without a word."""
    import logging

    from lark import Lark, logger

    from lawcode.dsl.tables import OPTIONS, grammar_text

    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(grammar_text(), debug=True, **OPTIONS)
    finally:
        logger.setLevel(level)
    conflicts = {r.getMessage() for r in caplog.records if "conflict" in r.getMessage()}
    assert conflicts == {"Shift/Reduce conflict for terminal IN_FORCE: (resolving as shift)"}
