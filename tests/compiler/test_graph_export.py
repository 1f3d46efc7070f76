"""The dependency graph's questions (impact, what a rule reads) and its formats."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

import lawcode
from helpers import DATA
from lawcode.compiler.graph_export import (
    Answer,
    find,
    impact,
    rule_inputs,
    schema_fields,
    to_dot,
    to_json,
    to_mermaid,
    whole,
)
from lawcode.dsl.diagnostics import LawcodeError

RULESET = lawcode.load_ruleset(DATA / "mini" / "mini.law")
G = RULESET.graph
SCHEMA = RULESET.program.schema


def labels(answer: Answer, kind: str) -> list[str]:
    return [G.nodes[n]["label"] for n in answer.by_kind().get(kind, [])]


def test_impact_of_a_policy_field_reaches_parameter_rule_and_article() -> None:
    answer = impact(G, "policy.max_group_members", SCHEMA)
    assert answer.focus == {"field:policy.max_group_members"}
    assert labels(answer, "param") == ["max_group_members"]
    assert labels(answer, "rule") == ["group-member-cap"]
    assert labels(answer, "article") == ["groups-2017 art 8 para 1"]


def test_impact_of_a_collection_field_goes_through_definitions() -> None:
    answer = impact(G, "memberships.group_id", SCHEMA)
    assert labels(answer, "def") == ["members"]
    assert labels(answer, "rule") == ["group-member-cap"]


def test_impact_accepts_node_ids_bare_names_and_record_prefixes() -> None:
    assert impact(G, "param:log_retention", SCHEMA).focus == {"param:log_retention"}
    assert impact(G, "log_retention", SCHEMA).focus == {"param:log_retention"}
    assert impact(G, "group_measures", SCHEMA).focus == {"ladder:group_measures"}
    assert labels(impact(G, "verified", SCHEMA), "rule") == ["verified-before-posting"]
    # `policy` covers every field below it
    assert impact(G, "policy", SCHEMA).focus == {"field:policy.escalation", "field:policy.log_retention", "field:policy.max_group_members"}


def test_a_declared_field_no_rule_reads_has_no_impact() -> None:
    assert "groups.member_count" in schema_fields(SCHEMA)
    answer = impact(G, "groups.member_count", SCHEMA)
    assert answer.focus == frozenset() and len(answer.graph) == 0


@pytest.mark.parametrize(("name", "hint"), [("max_group_member", "max_group_members"), ("groups.membr_count", "groups.member_count"), ("field:users.verifed_at", "users.verified_at")])
def test_unknown_names_get_did_you_mean(name: str, hint: str) -> None:
    with pytest.raises(LawcodeError) as caught:
        impact(G, name, SCHEMA)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "G001" and diagnostic.hint == f"did you mean `{hint}`?"


def test_rule_inputs_are_its_ancestors_and_its_citations() -> None:
    answer = rule_inputs(G, "sanction-step")
    assert set(answer.graph) == {"rule:sanction-step", *nx.ancestors(G, "rule:sanction-step"), "article:groups-2017 art 11 para 1"}
    assert labels(answer, "ladder") == ["group_measures"]
    assert labels(answer, "param") == ["group_escalation"]
    with pytest.raises(LawcodeError, match="no rule `sanction-stp`"):
        rule_inputs(G, "sanction-stp")
    assert find(G, "rule:log-retention") == {"rule:log-retention"}


def test_json_lists_every_node_and_edge_sorted() -> None:
    doc = json.loads(to_json(whole(G)))
    assert doc["lawcode_graph"] == 1
    assert {n["id"] for n in doc["nodes"]} == set(G.nodes)
    assert {(e["from"], e["to"]) for e in doc["edges"]} == set(G.edges)
    assert doc["edges"] == sorted(doc["edges"], key=lambda e: (e["from"], e["to"]))
    rule = next(n for n in doc["nodes"] if n["id"] == "rule:group-member-cap")
    assert rule == {"id": "rule:group-member-cap", "kind": "rule", "label": "group-member-cap", "severity": "high",
                    "span": {"file": "tests/data/mini/mini.law", "line": 35, "column": 1}}
    kinds = [n["kind"] for n in doc["nodes"]]
    assert kinds == sorted(kinds, key=["field", "param", "ladder", "def", "rule", "article"].index)
    assert to_json(whole(G)) == to_json(whole(G))


_DOT_NODE = re.compile(r'^  "((?:[^"\\]|\\.)*)" \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
_DOT_EDGE = re.compile(r'^  "((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)";$')


def parse_dot(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """A strict reader for the dot we write: every line is a node, an edge or framing."""
    lines = text.splitlines()
    assert lines[0] == "digraph lawcode {" and lines[-1] == "}"
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    for line in lines[1:-1]:
        if node := _DOT_NODE.match(line):
            nodes[node.group(1)] = node.group(2)
        elif edge := _DOT_EDGE.match(line):
            edges.add((edge.group(1), edge.group(2)))
        else:
            assert line in ("  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];') or line.startswith("  // "), line
    assert all(a in nodes and b in nodes for a, b in edges), "an edge names an undeclared node"
    return nodes, edges


def test_dot_declares_every_node_once_and_draws_every_edge() -> None:
    nodes, edges = parse_dot(to_dot(whole(G)))
    assert set(nodes) == set(G.nodes) and edges == set(G.edges)
    assert nodes["rule:group-member-cap"] == "group-member-cap"


def test_dot_escapes_quotes_and_marks_the_focus() -> None:
    g = nx.DiGraph()
    g.add_node('field:a"b', kind="field", label='a"b\\c', span=None)
    g.add_node("rule:r", kind="rule", label="r", span=None)
    g.add_edge('field:a"b', "rule:r")
    text = to_dot(impact(g, 'field:a"b'))
    nodes, edges = parse_dot(text)
    assert edges == {('field:a\\"b', "rule:r")}
    assert nodes == {'field:a\\"b': 'a\\"b\\\\c', "rule:r": "r"}
    assert 'penwidth=3];' in text.splitlines()[4]


def test_mermaid_is_a_flowchart_with_safe_labels() -> None:
    text = to_mermaid(rule_inputs(G, "group-member-cap"))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for line in lines if (m := re.match(r"^  (n\d+)\W", line)) and "-->" not in line}
    arrows = [re.fullmatch(r"  (n\d+) --> (n\d+)", line) for line in lines if "-->" in line]
    assert all(a is not None and a.group(1) in declared and a.group(2) in declared for a in arrows)
    assert len(arrows) == rule_inputs(G, "group-member-cap").graph.number_of_edges()
    assert any(re.fullmatch(r'  n\d+\[\["group-member-cap"\]\]', line) for line in lines)
    g = nx.DiGraph()
    g.add_node("article:x", kind="article", label='a "quoted" [label] #1', span=None)
    assert '>"a #34;quoted#34; #91;label#93; #35;1"]' in to_mermaid(whole(g))
