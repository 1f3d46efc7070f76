"""The reference semantics, rule by rule, on small inline rulesets.

Each case is a ruleset fragment over the mini schema and a snapshot; the expected
outcome per subject is written out. Missing facts must give "undetermined", never
"compliant".
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import lawcode
from helpers import DATA

HEADER = f'schema "{DATA / "mini" / "snapshot.schema.json"}"\nimport "{DATA / "mini" / "documents.law"}"\n'

BASE: dict[str, Any] = {
    "as_of": "2024-08-31",
    "policy": {},
    "users": [],
    "groups": [],
    "memberships": [],
    "logs": [],
    "sanctions": [],
}


def outcomes(rule_body: str, **data: Any) -> dict[Any, str]:
    """Compile one rule named `r` and return subject id → violated/undetermined."""
    text = HEADER + "rule r {\n  cites groups-2017 art 8 para 1\n" + rule_body + "\n}\n"
    ruleset = lawcode.load_ruleset(text)
    snapshot = copy.deepcopy(BASE)
    snapshot.update(data)
    report = ruleset.evaluate(snapshot)
    out: dict[Any, str] = {}
    for v in report.violations:
        out[v.subject.id if v.subject else "platform"] = "violated"
    for u in report.undetermined:
        out[u.subject.id if u.subject else "platform"] = "undetermined"
    return out


def test_missing_fact_is_undetermined_with_its_pointer() -> None:
    text = HEADER + "rule r {\n  cites groups-2017 art 8 para 1\n  for each g in groups\n  require g.member_count <= 10\n}\n"
    report = lawcode.load_ruleset(text).evaluate({**BASE, "groups": [{"id": "a", "status": "active"}, {"id": "b", "status": "active", "member_count": 11}]})
    assert [v.subject.id for v in report.violations if v.subject] == ["b"]
    (u,) = report.undetermined
    assert u.subject is not None and u.subject.id == "a"
    assert u.missing == ("/groups/0/member_count",)
    assert report.summary["status"] == "violations"


def test_kleene_logic_decides_when_it_can() -> None:
    groups = [{"id": "a", "status": "closed"}, {"id": "b", "status": "active"}]
    # false and missing = false → violated; true or missing = true → satisfied
    assert outcomes('  for each g in groups\n  require g.status == "active" and g.member_count > 0', groups=groups) == {"a": "violated", "b": "undetermined"}
    assert outcomes('  for each g in groups\n  require g.status == "active" or g.member_count > 0', groups=groups) == {"a": "undetermined"}


def test_where_false_means_not_applicable_even_if_require_is_unknown() -> None:
    groups = [{"id": "a", "status": "closed"}]
    assert outcomes('  for each g in groups where g.status == "active"\n  require g.member_count > 0', groups=groups) == {}


def test_unless_exempts() -> None:
    groups = [{"id": "a", "status": "closed", "member_count": 5}, {"id": "b", "status": "active", "member_count": 5}]
    assert outcomes('  for each g in groups\n  require g.member_count < 3\n  unless g.status == "closed"', groups=groups) == {"b": "violated"}


def test_default_handles_missing_explicitly() -> None:
    groups = [{"id": "a", "status": "active"}]
    assert outcomes("  for each g in groups\n  require (g.member_count ?? 0) <= 10", groups=groups) == {}
    assert outcomes("  for each g in groups\n  require present(g.member_count)", groups=groups) == {"a": "violated"}


MEMBERSHIPS = [{"user_id": "u1", "group_id": "g1"}, {"user_id": "u2", "group_id": "g1"}, {"user_id": "u1", "group_id": "g2"}]


def test_keyed_count_uses_the_join_key() -> None:
    groups = [{"id": "g1", "status": "active"}, {"id": "g2", "status": "active"}, {"id": "g3", "status": "active"}]
    body = "  for each g in groups\n  require count(m in memberships where m.group_id == g.id) < 2"
    assert outcomes(body, groups=groups, memberships=MEMBERSHIPS) == {"g1": "violated"}


def test_element_with_missing_key_makes_count_unknown_unless_filtered_out() -> None:
    groups = [{"id": "g1", "status": "active"}]
    memberships = [*MEMBERSHIPS, {"user_id": "u9"}]
    body = "  for each g in groups\n  require count(m in memberships where m.group_id == g.id) < 5"
    assert outcomes(body, groups=groups, memberships=memberships) == {"g1": "undetermined"}
    body = '  for each g in groups\n  require count(m in memberships where m.group_id == g.id and m.user_id != "u9") < 5'
    assert outcomes(body, groups=groups, memberships=memberships) == {}


def test_exists_all_any() -> None:
    users = [{"id": "u1", "credit": 3}, {"id": "u2", "credit": 1}]
    assert outcomes("  on platform\n  require exists(u in users where u.credit > 2)", users=users) == {}
    assert outcomes("  on platform\n  require all(u.credit > 2 for u in users)", users=users) == {"platform": "violated"}
    assert outcomes("  on platform\n  require any(u.credit > 5 for u in users)", users=users) == {"platform": "violated"}
    assert outcomes("  on platform\n  require all(u.credit > 0 for u in users where u.id == \"u2\")", users=users) == {}
    assert outcomes("  on platform\n  require exists(u in users where u.credit > 9)", users=[{"id": "u1"}]) == {"platform": "undetermined"}


def test_sum_min_max_and_empty_sets() -> None:
    users = [{"id": "u1", "credit": 3}, {"id": "u2", "credit": 1}]
    assert outcomes("  on platform\n  require sum(u.credit for u in users) == 4 and max(u.credit for u in users) == 3 and min(u.credit for u in users) == 1", users=users) == {}
    assert outcomes("  on platform\n  require sum(u.credit for u in users) == 0", users=[]) == {}
    assert outcomes("  on platform\n  require max(u.credit for u in users) > 0", users=[]) == {"platform": "undetermined"}


def test_lookup_by_id() -> None:
    users = [{"id": "u1", "credit": 3}, {"id": "u2", "credit": 1}]
    groups = [{"id": "g1", "status": "active", "creator_id": "u1"}, {"id": "g2", "status": "active", "creator_id": "u2"}, {"id": "g3", "status": "active", "creator_id": "nobody"}]
    body = "  for each g in groups\n  require users[g.creator_id].credit >= 2"
    assert outcomes(body, users=users, groups=groups) == {"g2": "violated", "g3": "undetermined"}


def test_membership_in_lists() -> None:
    users = [{"id": "u1", "tags": ["a", "b"]}, {"id": "u2", "tags": ["c"]}, {"id": "u3"}]
    assert outcomes('  for each u in users\n  require "a" in u.tags', users=users) == {"u2": "violated", "u3": "undetermined"}
    assert outcomes('  for each u in users\n  require u.id not in ["u1", "u3"]', users=users) == {"u1": "violated", "u3": "violated"}


def test_calendar_boundary_is_inclusive() -> None:
    body = "  on platform\n  require date(min(l.at for l in logs)) <= as_of - 6 months"
    assert outcomes(body, logs=[{"at": "2024-02-29T23:59:59Z"}]) == {}
    assert outcomes(body, logs=[{"at": "2024-03-01T00:00:00Z"}]) == {"platform": "violated"}


def test_durations_between_datetimes() -> None:
    users = [{"id": "u1", "verified_at": "2024-01-01T00:00:00Z", "first_post_at": "2024-01-16T00:00:00Z"}, {"id": "u2", "verified_at": "2024-01-01T00:00:00Z", "first_post_at": "2024-01-16T00:00:01Z"}]
    body = "  for each u in users\n  require u.first_post_at - u.verified_at <= 15 days"
    assert outcomes(body, users=users) == {"u2": "violated"}


def test_division_by_zero_is_missing_not_a_crash() -> None:
    users = [{"id": "u1", "credit": 0}]
    assert outcomes("  for each u in users\n  require 10 / u.credit > 1", users=users) == {"u1": "undetermined"}


def test_conditional_with_missing_condition_is_missing() -> None:
    users = [{"id": "u1"}]
    assert outcomes("  for each u in users\n  require if u.credit > 1 then true else false", users=users) == {"u1": "undetermined"}


def test_parameters_are_overridden_by_declared_policy() -> None:
    text = HEADER + (
        "parameter cap: number = 10 cites groups-2017 art 8 para 1 from policy.max_group_members\n"
        "rule r {\n  cites groups-2017 art 8 para 1\n  for each g in groups\n  require g.member_count <= cap\n}\n"
    )
    ruleset = lawcode.load_ruleset(text)
    groups = [{"id": "g", "status": "active", "member_count": 7}]
    assert not ruleset.evaluate({**BASE, "groups": groups}).violations
    report = ruleset.evaluate({**BASE, "groups": groups, "policy": {"max_group_members": 5}})
    (v,) = report.violations
    assert {"expr": "cap", "value": 5, "pointer": "/policy/max_group_members", "note": "declared by the platform"} in [e.to_json() for e in v.evidence]


def test_malformed_policy_value_is_a_snapshot_error() -> None:
    text = HEADER + "parameter keep: period = 6 months cites groups-2017 art 13 para 2 from policy.log_retention\nrule r {\n  cites groups-2017 art 13 para 2\n  on platform\n  require as_of - keep > 2000-01-01\n}\n"
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(text).evaluate({**BASE, "policy": {"log_retention": "P15D"}})
    assert "/policy/log_retention" in caught.value.render()


def test_escalation_ladders() -> None:
    text = HEADER + (
        "ladder measures { warning < suspend_posting < close_group }\n"
        "parameter esc: escalation of measures = {1: warning, 3: suspend_posting, 5: close_group}\n"
        "rule r {\n  cites groups-2017 art 11 para 1\n  for each s in sanctions\n  require measures(s.measure) >= esc[s.prior_violations + 1]\n}\n"
    )
    ruleset = lawcode.load_ruleset(text)
    sanctions = [
        {"id": "s1", "group_id": "g", "measure": "warning", "prior_violations": 0},
        {"id": "s2", "group_id": "g", "measure": "warning", "prior_violations": 2},
        {"id": "s3", "group_id": "g", "measure": "close_group", "prior_violations": 2},
        {"id": "s4", "group_id": "g", "measure": "suspend_posting", "prior_violations": 4},
    ]
    report = ruleset.evaluate({**BASE, "sanctions": sanctions})
    assert [v.subject.id for v in report.violations if v.subject] == ["s2", "s4"]
    policy = {"escalation": {"1": "warning", "2": "close_group"}}
    text2 = text.replace("= {1: warning, 3: suspend_posting, 5: close_group}", "= {1: warning} from policy.escalation")
    report = lawcode.load_ruleset(text2).evaluate({**BASE, "sanctions": sanctions, "policy": policy})
    assert [v.subject.id for v in report.violations if v.subject] == ["s2", "s4"]


def test_rules_not_in_force_are_listed_not_applied() -> None:
    body = "  in_force from 2025-01-01\n  for each g in groups\n  require false"
    text = HEADER + "rule r {\n  cites groups-2017 art 8 para 1\n" + body + "\n}\n"
    report = lawcode.load_ruleset(text).evaluate({**BASE, "groups": [{"id": "g", "status": "active"}]})
    assert not report.violations
    assert [(n.rule, str(n.in_force_from)) for n in report.not_in_force] == [("r", "2025-01-01")]
    # and the document's own date applies when the rule gives none
    early = lawcode.load_ruleset(HEADER + "rule r {\n  cites groups-2017 art 8 para 1\n  on platform\n  require false\n}\n").evaluate({**BASE, "as_of": "2017-10-07"})
    assert [n.rule for n in early.not_in_force] == ["r"]


def test_one_element_reached_two_ways_is_one_entity() -> None:
    """`==` on entities asks "the same element?", however each side was looked up."""
    users = [{"id": "a", "tags": ["b"]}, {"id": "b", "tags": ["a"]}, {"id": "c"}]
    body = "  for each u in users\n  require not exists(t in (u.tags ?? []) where users[t] == u)"
    assert outcomes(body, users=users) == {}
    users[0]["tags"] = ["a"]
    assert outcomes(body, users=users) == {"a": "violated"}
    mirror = "  for each u in users\n  require exists(v in users where v == users[u.id] and v.id == u.id)"
    assert outcomes(mirror, users=users) == {}


def test_an_empty_list_fits_any_list() -> None:
    """`[]` is a list of anything: a fallback for a list of text, and comparable with one."""
    users = [{"id": "a", "tags": []}, {"id": "b"}, {"id": "c", "tags": ["x"]}]
    assert outcomes("  for each u in users\n  require (u.tags ?? []) != []", users=users) == {"a": "violated", "b": "violated"}
    assert outcomes("  for each u in users\n  require u.tags != []", users=users) == {"a": "violated", "b": "undetermined"}
