"""`applies when CONDITION { rule … }`: a block of rules that apply only when CONDITION
holds, meaning exactly what `unless not CONDITION` on each rule means."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meaning import first_difference, meaning

from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.dsl import ast, parse_module
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.dsl.formatter import format_expression, format_text
from lawcode.dsl.spans import Span
from lawcode.engine import Snapshot, evaluate

from .messy import Messy
from .strategies import S, conditions, rules

MINI = DATA / "mini"
PRELUDE = (MINI / "mini.law").read_text(encoding="utf-8")

SCOPED = """\
# Rules for groups, when the platform offers them.
applies when max_group_members > 0 {  # the one condition
  # the cap
  rule cap {
    cites groups-2017 art 8 para 1
    for each g in groups
    require members(g) <= max_group_members
    message "group {g.id} has {members(g)} members; the cap is {max_group_members}"
  }

  rule cap-active {
    cites groups-2017 art 8 para 1
    for each g in groups where g.status == "active"
    require members(g) <= max_group_members
    unless g.member_count == 0
  }
  # last words inside
}

rule after {
  cites groups-2017 art 8 para 1
  for each g in groups
  require present(g.id)
}
"""


def test_each_rule_of_a_scope_reads_unless_not_its_condition_first() -> None:
    module = parse_module(SCOPED, "s.law")
    cap, cap_active, after = module.declarations
    assert isinstance(cap, ast.Rule) and isinstance(cap_active, ast.Rule) and isinstance(after, ast.Rule)
    assert cap.scope is not None and cap.scope == cap_active.scope and after.scope is None
    condition = cap.scope.condition
    assert cap.unless == (ast.Not(condition, cap.scope.head_span),) and cap.own_unless == ()
    assert cap_active.unless[0] == ast.Not(condition, cap.scope.head_span) and len(cap_active.own_unless) == 1
    assert (cap.scope.head_span.line, cap.scope.head_span.column) == (2, 1)
    assert (cap.scope.head_span.end_line, cap.scope.head_span.end_column) == (2, 35)
    assert (cap.scope.span.end_line, cap.scope.span.end_column) == (18, 2)


def test_a_scope_formats_to_itself_with_its_comments() -> None:
    assert format_text(SCOPED, "s.law") == SCOPED


def test_untidy_scopes_are_laid_out_one_level_in() -> None:
    untidy = 'applies when true { rule a { on platform require x }\nrule b { on platform require y } }\napplies when true {rule c {on platform require z}}'
    assert format_text(untidy) == (
        "applies when true {\n  rule a {\n    on platform\n    require x\n  }\n\n  rule b {\n    on platform\n"
        "    require y\n  }\n}\n\napplies when true {\n  rule c {\n    on platform\n    require z\n  }\n}\n"
    )


GUARDED = """\
rule cap {
  cites groups-2017 art 8 para 1
  for each g in groups
  require members(g) <= max_group_members
  unless not max_group_members > 0
  message "group {g.id} has {members(g)} members; the cap is {max_group_members}"
}

rule cap-active {
  cites groups-2017 art 8 para 1
  for each g in groups where g.status == "active"
  require members(g) <= max_group_members
  unless not max_group_members > 0
  unless g.member_count == 0
}

rule after {
  cites groups-2017 art 8 para 1
  for each g in groups
  require present(g.id)
}
"""


def test_a_scope_means_its_unless_guards() -> None:
    scoped_program = compile_text(PRELUDE + SCOPED, "s.law", MINI)
    guarded_program = compile_text(PRELUDE + GUARDED, "s.law", MINI)
    assert meaning(scoped_program) == meaning(guarded_program), first_difference(meaning(scoped_program), meaning(guarded_program))
    for name in ("violations.json", "compliant.json"):
        snapshot = Snapshot.load(MINI / name, scoped_program.schema)
        scoped, plain = (_placeless(evaluate(program, snapshot).to_json()) for program in (scoped_program, guarded_program))
        assert scoped == plain
        if name == "violations.json":  # the scope's rules are read, not skipped
            assert "cap" in {v["rule"] for v in scoped["violations"]}


def _placeless(report: str) -> Any:
    """A report's JSON without the rules' places in the source (`source`), which move."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "source"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(report))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(conditions, st.lists(st.sampled_from(["r-one", "r-two", "r-three"]), min_size=1, max_size=3, unique=True).flatmap(
    lambda ids: st.tuples(*(rules(i) for i in ids))
))
def test_any_scope_compiles_to_its_guards(condition: ast.Expr, generated: tuple[ast.Rule, ...]) -> None:
    """Kleene's three values included: the IR of a scope's rules is that of the same rules
    each written with `unless not CONDITION` first."""
    guard = ast.Not(condition, S)
    guarded = tuple(replace(r, unless=(guard, *r.unless)) for r in generated)
    rules_text = Messy(random.Random(0)).module(generated)
    texts = [
        f"applies when {format_expression(condition)} {{\n{rules_text}\n}}\n",
        Messy(random.Random(0)).module(guarded),
    ]
    formatted = format_text(texts[0], "gen.law")
    assert formatted.startswith("applies when ") and format_text(formatted, "gen.law") == formatted
    try:
        programs = [compile_text(PRELUDE + text, "gen.law", MINI) for text in texts]
    except LawcodeError as error:
        pytest.fail(f"generated ruleset does not compile:\n{error}\n---\n{texts[0]}")
    assert meaning(programs[0]) == meaning(programs[1]), first_difference(meaning(programs[0]), meaning(programs[1]))


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("applies when x {\n}\n", "this scope holds no rule", (1, 1)),
        ("applies when x {\n  applies when y {\n    rule a { on platform require z }\n  }\n}\n", "a scope cannot hold another scope", (2, 3)),
    ],
)
def test_empty_and_nested_scopes_are_refused_where_they_are(text: str, message: str, at: tuple[int, int]) -> None:
    with pytest.raises(LawcodeError) as caught:
        parse_module(text)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "E008" and diagnostic.message == message
    assert isinstance(diagnostic.span, Span) and (diagnostic.span.line, diagnostic.span.column) == at


def test_only_rules_go_in_a_scope() -> None:
    with pytest.raises(LawcodeError) as caught:
        parse_module("applies when x {\n  def y = 1\n}\n")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "E002" and diagnostic.span is not None and diagnostic.span.line == 2


def test_a_condition_error_is_reported_once_for_the_block() -> None:
    text = PRELUDE + 'applies when "groups" {\n' + "\n".join(
        f"  rule r-{n} {{\n    cites groups-2017 art 8 para 1\n    for each g in groups\n    require present(g.id)\n  }}" for n in range(3)
    ) + "\n}\n"
    with pytest.raises(LawcodeError) as caught:
        compile_text(text, "s.law", MINI)
    assert [d.code for d in caught.value.diagnostics] == ["E035"]
    assert "`applies when`" in caught.value.diagnostics[0].message
