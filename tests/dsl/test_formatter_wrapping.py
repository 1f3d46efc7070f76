"""`lawcode fmt` breaks long expressions at the width: at the outermost operator first,
continuation lines indented, the same tree read back, the same text when run again."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meaning import without_spans

from helpers import DATA, golden
from lawcode.dsl import ast, parse_expression, parse_module
from lawcode.dsl.expression_text import format_expression, split_expression
from lawcode.dsl.formatter import format_text

from .strategies import S as _S
from .strategies import expressions

CASES = DATA / "formatting"
LONG = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_long_expressions_are_broken_as_the_golden_file_shows() -> None:
    """Aggregates, calls, lists, chains, `implies`, comparisons, conditionals, parentheses."""
    source = (CASES / "long_expressions.law").read_text(encoding="utf-8")
    formatted = format_text(source, "long_expressions.law")
    golden(CASES / "long_expressions.formatted.law", formatted)
    assert format_text(formatted, "long_expressions.formatted.law") == formatted
    deep = formatted.split("rule deep-nesting", 1)[0]
    assert max(len(line) for line in deep.splitlines()) <= 100, "every line but the pathological one fits"


def test_a_bracket_takes_the_rest_of_a_comparison() -> None:
    """`x in [`…`]` keeps the operator on the first line; `sum(`…`) <= 1000` after the bracket."""
    lines = split_expression(parse_expression("g.status in [" + ", ".join(f'"s{i:02}"' for i in range(30)) + "]"), 60, 60)
    assert lines[0] == (0, "g.status in [") and lines[-1] == (0, "]")
    assert all(depth == 1 for depth, _ in lines[1:-1])
    lines = split_expression(parse_expression("sum(p.amount for p in payments where p.account_id == a.id) <= 1000"), 40, 40)
    assert lines[0] == (0, "sum(") and lines[-1] == (0, ") <= 1000")


def test_short_expressions_stay_on_one_line() -> None:
    expr = parse_expression("a and (b or c) and f(x, y)")
    assert split_expression(expr, 100, 100) == [(0, format_expression(expr))]


def test_an_and_chain_puts_each_operand_on_a_line_and_breaks_a_long_one_deeper() -> None:
    text = "first_condition and second(alpha_value, beta_value, gamma_value) and third_operand_with_a_long_name > 10"
    assert split_expression(parse_expression(text), 30, 40) == [
        (0, "first_condition"),
        (1, "and second("),
        (2, "alpha_value, beta_value, gamma_value"),
        (1, ")"),
        (1, "and third_operand_with_a_long_name"),
        (2, "> 10"),
    ]


@LONG
@given(expressions(), st.sampled_from([20, 40, 60, 100]))
def test_broken_expressions_read_back_as_the_same_tree(expr: ast.Expr, width: int) -> None:
    """The property behind `format_text`'s own check: lines, joined, parse to the same tree."""
    lines = split_expression(expr, width - 10, width)
    text = "\n".join("  " * depth + line for depth, line in lines)
    assert without_spans(parse_expression(text)) == without_spans(expr), text
    assert all(depth >= 0 for depth, _ in lines)


def _long_expressions() -> st.SearchStrategy[ast.Expr]:
    """Expressions of 20 to 60 leaves, built as chains and calls of generated parts."""
    part = expressions()
    return st.one_of(
        st.lists(part, min_size=4, max_size=8).map(lambda xs: _chain("and", xs)),
        st.lists(part, min_size=4, max_size=8).map(lambda xs: ast.Call("f", _S, tuple(xs), _S)),
        st.tuples(part, st.lists(part, min_size=3, max_size=6)).map(lambda p: ast.Member(p[0], ast.ListLit(tuple(p[1]), _S), False, _S)),
        st.lists(part, min_size=3, max_size=6).map(lambda xs: ast.BoolOp("implies", _chain("or", xs[:-1]), xs[-1], _S)),
    )


def _chain(op: str, operands: list[ast.Expr]) -> ast.Expr:
    node = operands[0]
    for right in operands[1:]:
        node = ast.BoolOp(op, node, right, _S)
    return node


@LONG
@given(_long_expressions(), st.sampled_from([40, 70, 100]))
def test_long_generated_expressions_format_idempotently_keeping_the_tree(expr: ast.Expr, width: int) -> None:
    """In a `require`, a `where` and a `def` body: the formatted file parses to the same
    tree, and formatting it again changes nothing."""
    printed = format_expression(expr)
    source = f"def d = {printed}\nrule r {{\n  for each g in groups where {printed}\n  require {printed}\n}}\n"
    formatted = format_text(source, "long.law", width)
    assert format_text(formatted, "long.law", width) == formatted
    definition, rule = parse_module(formatted, "long.law").declarations
    assert isinstance(definition, ast.Definition) and isinstance(rule, ast.Rule) and rule.subject is not None
    for tree in (definition.body, rule.subject.where, rule.requires[0]):
        assert without_spans(tree) == without_spans(expr), formatted


# ---------------------------------------------------------------- titles, summaries, notes


def test_long_texts_and_ladders_are_broken_as_the_golden_file_shows() -> None:
    """Titles, summaries, `partial` and `not_applicable` notes become several strings; a
    ladder continues with `< step`. A parameter's default stays on its line (so that
    tests/data/mini/mini.law keeps the line numbers many golden files quote)."""
    source = (CASES / "long_texts.law").read_text(encoding="utf-8")
    formatted = format_text(source, "long_texts.law")
    golden(CASES / "long_texts.formatted.law", formatted)
    assert format_text(formatted, "long_texts.formatted.law") == formatted
    over = [line for line in formatted.splitlines() if len(line) > 100]
    assert over == [line for line in formatted.splitlines() if line.startswith("parameter escalation_of_measures")]


def test_several_strings_read_as_one_wherever_a_text_is_written() -> None:
    source = 'document d {\n  title "a " "b"\n  source "s" "t"\n  article 1 "x " "y" partial "p" "q" {\n    paragraph 1 "m" "n" not_applicable "u" "v"\n  }\n}\nrule r {\n  title "T " "U"\n}\n'
    document, rule = parse_module(source, "t.law").declarations
    assert isinstance(document, ast.Document) and isinstance(rule, ast.Rule)
    article = document.articles[0]
    assert (document.title, document.source, article.summary, article.partial) == ("a b", "st", "x y", "pq")
    assert (article.paragraphs[0].summary, article.paragraphs[0].not_applicable, rule.title) == ("mn", "uv", "T U")


words = st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]) | st.sampled_from(['"', "\\", "\t", "{", "国"]), max_size=14), min_size=1, max_size=30)


@LONG
@given(words.map(" ".join), words.map("  ".join), st.sampled_from([30, 60, 100]))
def test_long_texts_read_back_the_same_and_format_idempotently(title: str, summary: str, width: int) -> None:
    """Any text (quotes, backslashes, braces, runs of spaces, CJK) survives being cut into
    strings: the pieces join back to it, and formatting again changes nothing."""
    from lawcode.dsl.expression_text import quote

    source = (
        f"document d {{\n  title {quote(title)}\n  article 1 {quote(summary)} not_applicable {quote(title)} {{\n"
        f"    paragraph 2 {quote(title)} partial {quote(summary)}\n  }}\n}}\nrule r {{\n  title {quote(summary)}\n}}\n"
    )
    formatted = format_text(source, "t.law", width)
    assert format_text(formatted, "t.law", width) == formatted
    document, rule = parse_module(formatted, "t.law").declarations
    assert isinstance(document, ast.Document) and isinstance(rule, ast.Rule)
    article = document.articles[0]
    assert (document.title, article.summary, article.not_applicable, rule.title) == (title, summary, title, summary)
    assert (article.paragraphs[0].summary, article.paragraphs[0].partial) == (title, summary)


def test_a_message_run_without_spaces_moves_whole_or_breaks_between_placeholders() -> None:
    """`{a} ` after a full line goes to the next line whole instead of overflowing by its
    space; a run of placeholders longer than a line breaks between them."""
    from lawcode.dsl.expression_text import template_pieces

    (rule,) = parse_module('rule r {\n  message "' + "word " * 9 + "words " + '{platform.metrics.daily_active_users} tail"\n}\n', "m.law").declarations
    assert isinstance(rule, ast.Rule) and rule.message is not None
    pieces = template_pieces(rule.message, 90)
    assert max(len(p) for p in pieces) <= 90 and pieces[1].startswith('"{platform')
    holes = "/".join(f"{{policy.groups.max_members_per_group_{i}}}" for i in range(4))
    (rule,) = parse_module(f'rule r {{\n  message "caps {holes}; end"\n}}\n', "m.law").declarations
    assert isinstance(rule, ast.Rule) and rule.message is not None
    pieces = template_pieces(rule.message, 90)
    assert max(len(p) for p in pieces) <= 90 and len(pieces) > 1
    formatted = format_text(f'rule r {{\n  message "caps {holes}; end"\n}}\n')
    (again,) = parse_module(formatted, "m.law").declarations
    assert isinstance(again, ast.Rule) and again.message is not None
    assert without_spans(again.message.parts) == without_spans(rule.message.parts)
