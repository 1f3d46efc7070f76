"""The formatter: canonical layout, comments kept, idempotent, meaning unchanged."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meaning import first_difference, meaning, without_spans

from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.dsl import ast, parse_expression, parse_module
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.formatter import format_expression, format_module, format_template, format_text

from .messy import Messy
from .strategies import conditions, documents, expressions, message_holes, rules, templates

MINI = DATA / "mini"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def law_files() -> list[Path]:
    return sorted(DATA.rglob("*.law"))


def parses(path: Path) -> bool:
    try:
        parse_module(path.read_text(encoding="utf-8"), str(path))
    except LawcodeError:
        return False
    return True


# ---------------------------------------------------------------- the layout itself


def test_mini_ruleset_is_already_canonical() -> None:
    """mini.law is the style guide: formatting it changes nothing."""
    for name in ("mini.law", "documents.law"):
        text = (MINI / name).read_text(encoding="utf-8")
        assert format_text(text, name) == text


def test_canonical_layout_of_an_untidy_ruleset() -> None:
    messy = """# header comment

# about the schema
schema   "snapshot.schema.json"
import "documents.law"   # docs
import "more.law"
ladder group_measures cites groups-2017 article 11 para 1 { warning <
  suspend_posting < close_group }  # end of ladder
parameter max_group_members: number =
   # the default
   500 from policy.max_group_members cites groups-2017 art 8 para 1
def members(g: groups) = count(m in memberships where ((m.group_id) == g.id))
rule group-member-cap { severity high  # why high
  # the subject
  for each g in groups where g.status == "active"
  require members(g) <= max_group_members and
     # inside
     (not (g.id == "x")) # trailing one
     or g.id == "y"  # trailing two
  cites groups-2017 art 8 para 1 cites groups-2017 art 6
  unless g.id in ["a",
                  "b"]
  message "group {  g.id } has {members(g)} members; {{literal}} \\{ \\t"
  title "A \\"quoted\\" title"
  # dangling
}
document d { source "s"  title "T"
  article 2 "two" { paragraph 1 "p" { item 1 "i" } }
  # before three
  article 3 not_applicable "n/a"
}
# the end
"""
    expected = """# header comment

# about the schema
schema "snapshot.schema.json"
import "documents.law"  # docs
import "more.law"

ladder group_measures cites groups-2017 art 11 para 1 {
  warning < suspend_posting < close_group
}  # end of ladder

# the default
parameter max_group_members: number = 500
  cites groups-2017 art 8 para 1
  from policy.max_group_members

def members(g: groups) = count(m in memberships where m.group_id == g.id)

rule group-member-cap {
  title "A \\"quoted\\" title"
  cites groups-2017 art 8 para 1, art 6
  severity high  # why high
  # the subject
  for each g in groups where g.status == "active"
  # inside
  # trailing one
  # trailing two
  require members(g) <= max_group_members and not g.id == "x" or g.id == "y"
  unless g.id in ["a", "b"]
  message "group {g.id} has {members(g)} members; {{literal}} {{ \\t"
  # dangling
}

document d {
  title    "T"
  source   "s"

  article 2 "two" {
    paragraph 1 "p" {
      item 1 "i"
    }
  }
  # before three
  article 3
    not_applicable "n/a"
}

# the end
"""
    assert format_text(messy) == expected
    assert format_text(expected) == expected


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("not (a and b)", "not (a and b)"),
        ("not (a == b)", "not a == b"),
        ("(not a) == b", "(not a) == b"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a * (b + c)", "a * (b + c)"),
        ("-(a + b)", "-(a + b)"),
        ("-(a.b)", "-a.b"),
        ("(a + b).c", "(a + b).c"),
        ("(if a then b else c) + 1", "(if a then b else c) + 1"),
        ("if a then b else (c or d)", "if a then b else c or d"),
        ("(a ?? b) ?? c", "a ?? b ?? c"),
        ("a ?? (b ?? c)", "a ?? (b ?? c)"),
        ("a ?? (b + c)", "a ?? b + c"),
        ("(a ?? b) + c", "(a ?? b) + c"),
        ("(a in b) == c", "(a in b) == c"),
        ("a  not   in [1,2]", "a not in [1, 2]"),
        ("count( m in ms where (m.x) )", "count(m in ms where m.x)"),
        ("sum(m.n for m in ms)", "sum(m.n for m in ms)"),
        ("{1:a,3:b}", "{1: a, 3: b}"),
        ("1 month + 2 months + 1   day", "1 month + 2 months + 1 day"),
        ('"tab\\there \\"q\\" back\\\\slash"', '"tab\\there \\"q\\" back\\\\slash"'),
        ("2024-05-01T10:00+08:00", "2024-05-01T10:00+08:00"),
        ("f( a , b )[ 0 ]", "f(a, b)[0]"),
    ],
)
def test_expressions_take_the_fewest_parentheses(source: str, canonical: str) -> None:
    assert format_expression(parse_expression(source)) == canonical


def test_long_conditions_are_broken_at_the_top_level_operator() -> None:
    source = """def status(s: string): string = if a(s) then "in order" else if b(s) then "late" else "missing"
rule r {
  for each g in groups where g.status == "active" and present(g.member_count) and g.member_count > 10
  require (a or b) or c or (d and e)
  require x
}
"""
    assert format_text(source, width=60) == """def status(s: string): string =
  if a(s) then "in order"
  else if b(s) then "late"
  else "missing"

rule r {
  for each g in groups where g.status == "active"
    and present(g.member_count)
    and g.member_count > 10
  require a or b or c or d and e
  require x
}
"""
    assert format_text(source, width=28).count("\n    or ") == 3


def test_syntax_errors_raise_diagnostics_with_positions() -> None:
    with pytest.raises(LawcodeError) as caught:
        format_text("rule x {\n  require a = b\n}\n", "bad.law")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.span is not None and (diagnostic.span.line, diagnostic.span.column) == (2, 13)


def test_empty_and_comment_only_files() -> None:
    assert format_text("") == ""
    assert format_text("\n\n") == ""
    assert format_text("# only\n\n\n# comments  \n") == "# only\n\n# comments\n"


# ---------------------------------------------------------------- fixed files


@pytest.mark.parametrize("path", [p for p in law_files() if parses(p)], ids=lambda p: str(p.relative_to(DATA)))
def test_every_test_ruleset_formats_idempotently_and_keeps_comments(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    assert format_text(once, str(path)) == once
    before = [c.text.rstrip() for c in parse_module(text, "a").comments]
    after = [c.text for c in parse_module(once, "b").comments]
    assert Counter(before) == Counter(after)
    assert without_spans(parse_module(text, "x").declarations) == without_spans(parse_module(once, "x").declarations)


def test_formatting_mini_keeps_its_ir() -> None:
    text = (MINI / "mini.law").read_text(encoding="utf-8")
    scrambled = Messy(random.Random(7)).module(parse_module(text, "mini.law").declarations)
    assert scrambled != text
    original = compile_text(scrambled, "mini.law", MINI)
    formatted = compile_text(format_text(scrambled), "mini.law", MINI)
    assert meaning(original) == meaning(formatted)


# ---------------------------------------------------------------- properties


@SETTINGS
@given(expressions())
def test_printed_expressions_parse_back_to_the_same_tree(expr: ast.Expr) -> None:
    printed = format_expression(expr)
    reparsed = parse_expression(printed)
    assert without_spans(reparsed) == without_spans(expr), printed
    assert format_expression(reparsed) == printed


@SETTINGS
@given(expressions(), st.integers(0, 2**32))
def test_untidy_expressions_format_to_one_canonical_text(expr: ast.Expr, seed: int) -> None:
    untidy = Messy(random.Random(seed), comments=False).expr(expr)
    assert format_expression(parse_expression(untidy)) == format_expression(expr)


@SETTINGS
@given(templates(expressions(in_message=True)))
def test_messages_round_trip(template: ast.Template) -> None:
    text = f"rule r {{\n  message {format_template(template)}\n}}\n"
    (rule,) = parse_module(text, "m.law").declarations
    assert isinstance(rule, ast.Rule) and rule.message is not None
    assert without_spans(rule.message.parts) == without_spans(template.parts)
    assert format_text(text, width=10_000) == text  # on one line: wrapping is the next test's


@given(templates(expressions(in_message=True)), st.sampled_from([30, 60, 100]))
def test_long_messages_break_into_strings_that_read_back_as_one(template: ast.Template, width: int) -> None:
    text = f"rule r {{\n  message {format_template(template)}\n}}\n"
    wrapped = format_text(text, width=width)
    (rule,) = parse_module(wrapped, "m.law").declarations
    assert isinstance(rule, ast.Rule) and rule.message is not None
    assert without_spans(rule.message.parts) == without_spans(template.parts)
    assert format_text(wrapped, width=width) == wrapped


def test_messages_and_citations_wrap_at_100_columns() -> None:
    words = " ".join(f"word{i}" for i in range(40))
    cites = ", ".join(f"groups-2017 art {i} para 1" for i in range(1, 12))
    source = f'rule r-1 {{\n  cites {cites}\n  message "{{g.id}}: {words}"\n}}\n'
    formatted = format_text(source)
    assert max(len(line) for line in formatted.splitlines()) <= 100
    assert formatted.count("groups-2017") == 1, "the document is named once for its citations"
    assert formatted.count('"') == 2 * len([line for line in formatted.splitlines() if '"' in line])
    assert "\n    art 9 para 1" in formatted or "\n    art" in formatted
    rule = parse_module(formatted, "r.law").declarations[0]
    assert isinstance(rule, ast.Rule) and rule.message is not None
    assert rule.message.parts[-1] == f": {words}"
    assert [c.article for c in rule.citations] == list(range(1, 12))


PRELUDE = parse_module((MINI / "mini.law").read_text(encoding="utf-8"), "mini.law").declarations


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.lists(st.sampled_from(["r-one", "r-two", "r-three"]), min_size=1, max_size=3, unique=True).flatmap(
    lambda ids: st.tuples(*(rules(i) for i in ids))
), st.integers(0, 2**32), st.sampled_from([40, 70, 100]))
def test_formatting_never_changes_meaning(generated: tuple[ast.Rule, ...], seed: int, width: int) -> None:
    """An untidy ruleset and its formatted text compile to the same IR; format is idempotent.

    Narrow widths make the formatter break many conditions over lines.
    """
    messy = Messy(random.Random(seed))  # layout from a seed: cheap for hypothesis to draw
    untidy = messy.module((*PRELUDE, *generated))
    formatted = format_text(untidy, "gen.law", width)
    assert format_text(formatted, "gen.law", width) == formatted
    kept = [c.text for c in parse_module(formatted, "gen.law").comments]
    assert Counter(kept) == Counter(messy.written), f"{untidy}\n---\n{formatted}"
    try:
        original = compile_text(untidy, "gen.law", MINI)
    except LawcodeError as error:  # the strategies only build well-typed rules
        pytest.fail(f"generated ruleset does not compile:\n{error}\n---\n{untidy}")
    again = compile_text(formatted, "gen.law", MINI)
    assert meaning(original) == meaning(again), first_difference(meaning(original), meaning(again))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 2**32))
def test_documents_with_unit_clauses_format_to_the_same_tree(document: ast.Document, seed: int) -> None:
    """`not_applicable`, `partial` and `in_force from/until` on articles, paragraphs and items,
    in any order, and header lines anywhere among the articles (a bare `in_force DATE` after
    an article without a body is still the document's): formatting keeps the tree."""
    messy = Messy(random.Random(seed))
    untidy = messy.module((document,))
    (parsed,) = parse_module(untidy, "doc.law").declarations
    assert without_spans(parsed) == without_spans(document), untidy
    formatted = format_text(untidy, "doc.law")
    assert format_text(formatted, "doc.law") == formatted
    (again,) = parse_module(formatted, "doc.law").declarations
    assert without_spans(again) == without_spans(document)
    assert Counter(c.text for c in parse_module(formatted, "doc.law").comments) == Counter(messy.written)


@SETTINGS
@given(conditions)
def test_typed_conditions_print_and_parse_back(expr: ast.Expr) -> None:
    assert without_spans(parse_expression(format_expression(expr))) == without_spans(expr)


@SETTINGS
@given(templates(message_holes))
def test_typed_messages_print_and_parse_back(template: ast.Template) -> None:
    (rule,) = parse_module(f"rule r {{ message {format_template(template)} }}", "m").declarations
    assert isinstance(rule, ast.Rule) and rule.message is not None
    assert without_spans(rule.message.parts) == without_spans(template.parts)


def test_format_module_uses_the_parsed_comments() -> None:
    module = parse_module("rule a { require x }  # why\n", "a.law")
    assert format_module(module) == "rule a {\n  require x\n}  # why\n"


CAC = DATA.parent.parent / "rulesets" / "cac"
CAC_FILES = sorted(CAC.rglob("*.law"))


@pytest.mark.skipif(not CAC_FILES, reason="rulesets/cac has no rules yet")
def test_formatting_the_cac_rulesets_keeps_their_meaning(tmp_path: Path) -> None:
    """The bundled rulesets, formatted in a copy, compile to the same IR and stay put."""
    import shutil

    from lawcode.compiler import compile_paths

    copy = tmp_path / "cac"
    shutil.copytree(CAC, copy)
    for path in sorted(copy.rglob("*.law")):
        text = path.read_text(encoding="utf-8")
        formatted = format_text(text, str(path))
        assert format_text(formatted, str(path)) == formatted, path
        before = Counter(c.text.rstrip() for c in parse_module(text, "a").comments)
        assert before == Counter(c.text for c in parse_module(formatted, "b").comments), path
        path.write_text(formatted, encoding="utf-8")
    original, formatted_program = compile_paths([CAC]), compile_paths([copy])
    assert meaning(original) == meaning(formatted_program), first_difference(meaning(original), meaning(formatted_program))


def test_a_formatter_bug_cannot_change_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: a printer that changes meaning is caught before anything is written."""
    import lawcode.dsl.formatter as formatter

    real = formatter.format_module
    monkeypatch.setattr(formatter, "format_module", lambda module, width=100: real(module, width).replace("<=", "<"))
    with pytest.raises(LawcodeError) as caught:
        formatter.format_text((MINI / "mini.law").read_text(encoding="utf-8"), "mini.law")
    assert caught.value.diagnostics[0].code == "E090"
