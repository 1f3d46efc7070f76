"""Compiler: resolution, types, IR shape and the dependency graph."""

from __future__ import annotations

import networkx as nx
import pytest

import lawcode
from helpers import DATA
from lawcode.compiler import compile_paths, compile_text, ir
from lawcode.compiler import types as T

MINI = DATA / "mini" / "mini.law"
HEADER = f'schema "{DATA / "mini" / "snapshot.schema.json"}"\nimport "{DATA / "mini" / "documents.law"}"\n'


def compile_rule(body: str, extra: str = "") -> ir.Rule:
    program = compile_text(HEADER + extra + "rule r {\n  cites groups-2017 art 8 para 1\n" + body + "\n}\n")
    return program.rules[0]


def test_definitions_are_listed_in_dependency_order() -> None:
    text = HEADER + (
        "def c = b + 1\n"
        "def b = a * 2\n"
        "def a = count(u in users)\n"
        "rule r {\n  cites groups-2017 art 8 para 1\n  on platform\n  require c > 0\n}\n"
    )
    program = compile_text(text)
    assert list(program.definitions) == ["a", "b", "c"]


def test_aggregate_filters_become_join_keys() -> None:
    rule = compile_rule('  for each g in groups\n  require count(m in memberships where m.group_id == g.id and m.user_id != "x") > 0')
    assert isinstance(rule.require, ir.Compare)
    agg = rule.require.left
    assert isinstance(agg, ir.Aggregate)
    assert [path for path, _ in agg.keys] == [("group_id",)]
    assert isinstance(agg.where, ir.Compare) and agg.where.op == "!="


def test_keys_are_not_taken_from_disjunctions() -> None:
    rule = compile_rule('  for each g in groups\n  require count(m in memberships where m.group_id == g.id or m.user_id == "x") > 0')
    assert isinstance(rule.require, ir.Compare)
    agg = rule.require.left
    assert isinstance(agg, ir.Aggregate) and agg.keys == ()


def test_operators_are_resolved_by_type() -> None:
    rule = compile_rule("  for each u in users\n  require u.first_post_at - u.verified_at <= 15 days and as_of - 6 months < as_of")
    ops = sorted({n.name for n in _walk(rule.require) if isinstance(n, ir.Op)})
    assert ops == ["date-period", "datetime-datetime"]


def test_field_types_come_from_the_schema() -> None:
    rule = compile_rule("  for each g in groups\n  require g.info.name == \"x\" and g.member_count > 1")
    fields = {n.path: n.type for n in _walk(rule.require) if isinstance(n, ir.Field)}
    assert fields == {("info", "name"): T.STRING, ("member_count",): T.NUMBER}


def test_rule_inherits_the_documents_in_force_date() -> None:
    rule = compile_rule("  on platform\n  require true")
    assert str(rule.in_force_from) == "2017-10-08" and rule.in_force_until is None


def test_parameter_source_type_is_checked() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(HEADER + "parameter cap: period = 6 months from policy.max_group_members\n")
    assert "holds a number in the schema" in caught.value.render()
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(HEADER + "parameter cap: number = 6 from policy.max_members\n")
    assert "did you mean `max_group_members`?" in caught.value.render()


def test_parameter_default_must_be_a_literal_of_its_type() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(HEADER + 'parameter cap: number = "five"\n')
    assert "its default is a string" in caught.value.render()


def test_ladder_cast_checks_the_schema_enum() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_rule("  for each s in sanctions\n  require short(s.measure) >= short.warning", "ladder short { warning < suspend_posting }\n")
    assert "close_group" in caught.value.render()


def test_names_are_unique_across_the_ruleset() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        compile_text(HEADER + "def x = 1\nparameter x: number = 2\n")
    assert "declared twice" in caught.value.render()


def test_graph_links_fields_to_rules_to_articles() -> None:
    program = compile_paths([MINI])
    g = program.graph
    assert nx.is_directed_acyclic_graph(g)
    assert {d["kind"] for _, d in g.nodes(data=True)} == {"field", "param", "ladder", "def", "rule", "article"}
    impact = nx.descendants(g, "field:memberships.group_id")
    assert {"def:members", "rule:group-member-cap", "article:groups-2017 art 8 para 1"} <= impact
    assert "rule:log-retention" not in impact
    reads = nx.ancestors(g, "rule:sanction-step")
    assert {"ladder:group_measures", "param:group_escalation", "field:sanctions.measure", "field:policy.escalation"} <= reads


def _walk(e: ir.Expr) -> list[ir.Expr]:
    from lawcode.compiler.lower import walk

    return list(walk(e))
