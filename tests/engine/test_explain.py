"""`explain`: the decision tree agrees with the report and points at snapshot and source."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA, golden
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine import explain_text
from lawcode.engine.explain import Node, explain, explain_subject

RULESET = lawcode.load_ruleset(DATA / "mini" / "mini.law")
PROGRAM = RULESET.program
VIOLATIONS = json.loads((DATA / "mini" / "violations.json").read_text())


def snapshot(data: dict[str, Any] | None = None) -> lawcode.Snapshot:
    return RULESET.load_snapshot(copy.deepcopy(data if data is not None else VIOLATIONS))


def walk(node: Node) -> list[Node]:
    return [node, *(n for c in node.children for n in walk(c))]


def test_a_violation_is_explained_down_to_snapshot_fields_and_source_lines() -> None:
    found = explain(PROGRAM, snapshot(), "group-member-cap")
    assert (found.subjects, found.failing) == (3, 1)
    (e,) = found.explanations
    assert e.subject is not None and (e.subject.id, e.subject.pointer) == ("g1", "/groups/0")
    assert e.outcome == "violated" and e.reason == "`where` is true and `require` is false"
    assert e.message == "group g1 has 3 members; the cap is 2"
    where, require = e.clauses
    assert (where.clause, where.tree.expr, where.tree.outcome) == ("where", 'g.status == "active"', "true")
    (status,) = where.tree.children
    assert (status.expr, status.value, status.pointer, str(status.span)) == ("g.status", "active", "/groups/0/status", "tests/data/mini/mini.law:38:30")
    assert (require.tree.expr, require.tree.outcome) == ("members(g) <= max_group_members", "false")
    members, cap = require.tree.children
    assert (members.expr, members.value) == ("members(g)", 3)
    (count,) = members.children
    assert count.pointer == "/memberships" and count.note == "3 element(s) matched the key"
    assert str(count.span) == "tests/data/mini/mini.law:24:26"  # inside the definition
    assert (cap.expr, cap.value, cap.pointer, cap.note) == ("max_group_members", 2, "/policy/max_group_members", "declared by the platform")


def test_subjects_by_id_pointer_or_position() -> None:
    for name in ("g2", "/groups/1", "#1"):
        (e,) = explain(PROGRAM, snapshot(), "group-member-cap", name).explanations
        assert e.subject is not None and e.subject.id == "g2"
        # a closed group: the rule does not apply, and only `where` was read
        assert e.outcome == "satisfied" and e.reason == "the rule does not apply to it: `where` is false"
        assert [c.clause for c in e.clauses] == ["where"]


def test_each_require_clause_is_shown_as_written() -> None:
    (e,) = explain(PROGRAM, snapshot(), "log-retention").explanations
    assert e.subject is None and e.outcome == "satisfied"
    assert [(c.clause, c.tree.expr) for c in e.clauses] == [
        ("require", "count(l in logs) > 0"),
        ("require", "date(min(l.at for l in logs)) <= as_of - log_retention"),
    ]
    data = copy.deepcopy(VIOLATIONS)
    data["logs"] = []
    (e,) = explain(PROGRAM, snapshot(data), "log-retention").explanations
    # `and` stops at the first false `require`: the second was never read
    assert e.outcome == "violated" and [c.tree.outcome for c in e.clauses] == ["false"]


def test_missing_facts_make_it_undetermined_and_are_listed() -> None:
    data = copy.deepcopy(VIOLATIONS)
    data["memberships"].append({"user_id": "u4"})  # no group_id: does it count for g1?
    (e,) = explain(PROGRAM, snapshot(data), "group-member-cap", "g1").explanations
    assert e.outcome == "undetermined"
    assert e.reason == "a needed fact is missing, so `require` is unknown"
    assert "/memberships/3/group_id" in e.missing
    assert any(n.outcome == "missing" for n in walk(e.clauses[-1].tree))


def test_aggregates_show_their_first_elements() -> None:
    (e,) = explain(PROGRAM, snapshot(), "verified-before-posting", "u3").explanations
    assert e.outcome == "violated"
    leaves = {n.expr: n for n in walk(e.clauses[-1].tree)}
    assert leaves["u.verified_at"].outcome == "missing" and leaves["u.verified_at"].pointer == "/users/2/verified_at"
    data = copy.deepcopy(VIOLATIONS)
    program = lawcode.load_ruleset(
        'schema "snapshot.schema.json"\nimport "documents.law"\n'
        "rule any-closed {\n  cites groups-2017 art 8 para 1\n  on platform\n"
        '  require exists(g in groups where len(g.id) > 8)\n}\n',
        base_dir=DATA / "mini",
    ).program
    (e,) = explain(program, RULESET.load_snapshot(data), "any-closed").explanations
    (clause,) = e.clauses
    exists = clause.tree
    assert exists.kind == "Aggregate" and exists.outcome == "false"
    per_element = [c for c in exists.children if c.note and c.note.startswith("g = ")]
    assert [c.note for c in per_element] == ["g = /groups/0", "g = /groups/1", "g = /groups/2"]
    assert [c.outcome for c in per_element] == ["false", "false", "false"]


def test_nothing_failing_and_not_in_force() -> None:
    compliant = json.loads((DATA / "mini" / "compliant.json").read_text())
    found = explain(PROGRAM, RULESET.load_snapshot(compliant), "verified-before-posting")
    assert found.explanations == () and found.failing == 0
    text = explain_text.render(found, color=False)
    assert "no subject is violated or undetermined: the rule holds for all" in text
    early = copy.deepcopy(VIOLATIONS)
    early["as_of"] = "2016-01-01"
    (e,) = explain(PROGRAM, snapshot(early), "log-retention").explanations
    assert e.outcome == "not_in_force" and e.clauses == () and "2017-10-08" in e.reason


@pytest.mark.parametrize(
    ("rule", "subject", "code", "hint"),
    [
        ("group-membr-cap", None, "X001", "did you mean `group-member-cap`?"),
        ("group-member-cap", "g11", "X002", "did you mean `g1`?"),
        ("group-member-cap", "zzzzzz", "X002", "`groups` holds 3 element(s), e.g. g1, g2, <script>"),
        ("log-retention", "g1", "X003", "drop --subject"),
    ],
)
def test_unknown_rule_or_subject(rule: str, subject: str | None, code: str, hint: str) -> None:
    with pytest.raises(LawcodeError) as caught:
        explain(PROGRAM, snapshot(), rule, subject)
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == (code, hint)


def test_one_subject_whatever_its_outcome() -> None:
    # What the playground asks: one decision, named by pointer, id or position.
    for name in ("/groups/0", "g1", "#0", "/groups/1"):
        one = explain_subject(PROGRAM, snapshot(), "group-member-cap", name)
        assert [one] == list(explain(PROGRAM, snapshot(), "group-member-cap", name).explanations)
    assert explain_subject(PROGRAM, snapshot(), "log-retention", None).outcome == "satisfied"
    with pytest.raises(LawcodeError) as caught:
        explain_subject(PROGRAM, snapshot(), "group-member-cap", None)  # not "every failing one"
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.hint) == ("X004", "its id, JSON pointer (/groups/0) or position (#0)")


def test_json_is_plain_data() -> None:
    for rule in PROGRAM.rules:
        doc = explain(PROGRAM, snapshot(), rule.id).to_json()
        assert json.loads(json.dumps(doc)) == doc
        for e in doc["explanations"]:  # a platform rule is always explained
            assert e["outcome"] in ("violated", "undetermined") or rule.collection is None
            assert all({"expr", "value", "pointer", "span", "children"} <= set(c["tree"]) for c in e["clauses"])


@pytest.mark.parametrize(("rule", "subject"), [("group-member-cap", None), ("verified-before-posting", None), ("sanction-step", "s2"), ("log-retention", None)])
def test_text_golden(rule: str, subject: str | None) -> None:
    text = explain_text.render(explain(PROGRAM, snapshot(), rule, subject), color=False)
    golden(DATA / "explain" / f"{rule}{'-' + subject if subject else ''}.txt", text)


# -- the explanation and the report never disagree

ids = st.sampled_from(["u1", "u2", "g1", "g2", "s1"])


def _id(element: dict[str, Any]) -> Any:
    """Ids are unique within a collection (a snapshot repeating one is refused, S041)."""
    return element["id"]


moments = st.sampled_from(["2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", None])
snapshots = st.builds(
    lambda as_of, cap, users, groups, members, sanctions: {
        "as_of": as_of,
        "policy": {"max_group_members": cap} if cap else {},
        "users": users, "groups": groups, "memberships": members, "logs": [{"at": "2024-02-01T00:00:00Z"}], "sanctions": sanctions,
    },
    st.sampled_from(["2016-05-01", "2024-08-31"]),
    st.none() | st.integers(1, 3),
    st.lists(st.builds(lambda i, v, p: {"id": i, "verified_at": v, "first_post_at": p}, ids, moments, moments), max_size=4, unique_by=_id),
    st.lists(st.builds(lambda i, s: {"id": i, "status": s}, ids, st.sampled_from(["active", "closed"])), max_size=3, unique_by=_id),
    st.lists(st.builds(lambda u, g: {"user_id": u, **({"group_id": g} if g else {})}, ids, st.none() | ids), max_size=6),
    st.lists(st.builds(lambda i, m, p: {"id": i, "group_id": "g1", "measure": m, **({"prior_violations": p} if p is not None else {})},
                       ids, st.sampled_from(["warning", "suspend_posting", "close_group"]), st.none() | st.integers(0, 6)), max_size=3, unique_by=_id),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots)
def test_explain_finds_exactly_the_subjects_the_report_flags(data: dict[str, Any]) -> None:
    report = RULESET.evaluate(copy.deepcopy(data))
    loaded = snapshot(data)
    for rule in PROGRAM.rules:
        found = explain(PROGRAM, loaded, rule.id, limit=1000)
        flagged = {(v.subject.pointer if v.subject else None, "violated") for v in report.violations if v.rule == rule.id}
        flagged |= {(u.subject.pointer if u.subject else None, "undetermined") for u in report.undetermined if u.rule == rule.id}
        explained = {(e.subject.pointer if e.subject else None, e.outcome) for e in found.explanations if e.outcome in ("violated", "undetermined")}
        assert explained == flagged, rule.id
