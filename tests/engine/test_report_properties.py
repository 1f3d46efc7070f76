"""Properties of whole evaluations on generated snapshots of the mini ruleset."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA

RULESET = lawcode.load_ruleset(DATA / "mini" / "mini.law")

ids = st.sampled_from(["u1", "u2", "u3", "g1", "g2", "<b>x</b>", "用户", "1", "u1 "])
moments = st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2024, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


users = st.builds(lambda i, v, p, c: _drop_none({"id": i, "verified_at": v, "first_post_at": p, "credit": c}), ids, maybe(moments), maybe(moments), maybe(st.integers(0, 5)))
groups = st.builds(lambda i, s, n: _drop_none({"id": i, "status": s, "member_count": n}), ids, st.sampled_from(["active", "closed"]), maybe(st.integers(0, 1000)))
memberships = st.builds(lambda u, g: _drop_none({"user_id": u, "group_id": g}), ids, maybe(ids))
logs = st.builds(lambda a: {"at": a}, moments)
sanctions = st.builds(
    lambda i, g, m, p: _drop_none({"id": i, "group_id": g, "measure": m, "prior_violations": p}),
    ids, ids, st.sampled_from(["warning", "suspend_posting", "close_group"]), maybe(st.integers(0, 6)),
)
snapshots = st.builds(
    lambda as_of, cap, u, g, m, lg, s: {
        "as_of": as_of.isoformat(),
        "policy": _drop_none({"max_group_members": cap}),
        "users": u, "groups": g, "memberships": m, "logs": lg, "sanctions": s,
    },
    st.dates(min_value=dt.date(2017, 1, 1), max_value=dt.date(2025, 12, 31)),
    maybe(st.integers(1, 4)),
    # ids are unique within a collection (a repeated id is a snapshot error, S041)
    st.lists(users, max_size=6, unique_by=lambda e: e["id"]), st.lists(groups, max_size=5, unique_by=lambda e: e["id"]),
    st.lists(memberships, max_size=8), st.lists(logs, max_size=4), st.lists(sanctions, max_size=4, unique_by=lambda e: e["id"]),
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(snapshots)
def test_evaluation_is_deterministic(snapshot: dict[str, Any]) -> None:
    first = RULESET.evaluate(copy.deepcopy(snapshot)).to_json()
    second = RULESET.evaluate(copy.deepcopy(snapshot)).to_json()
    assert first == second


@SETTINGS
@given(snapshots)
def test_adding_a_compliant_entity_adds_no_violation(snapshot: dict[str, Any]) -> None:
    before = RULESET.evaluate(copy.deepcopy(snapshot)).to_dict()
    grown = copy.deepcopy(snapshot)
    # A verified user who never posted and a closed group with no members each satisfy
    # every rule, and neither changes what another subject's decision reads. (A log entry
    # would not do: log retention is decided by the platform's oldest entry.)
    grown["users"].append({"id": "new-user", "verified_at": "2017-01-01T00:00:00Z"})
    grown["groups"].append({"id": "new-group", "status": "closed", "member_count": 0})
    after = RULESET.evaluate(grown).to_dict()
    assert after["violations"] == before["violations"]
    assert after["undetermined"] == before["undetermined"]


@SETTINGS
@given(snapshots)
def test_every_violation_is_cited_and_its_evidence_points_into_the_snapshot(snapshot: dict[str, Any]) -> None:
    report = RULESET.evaluate(copy.deepcopy(snapshot))
    for v in report.violations:
        assert v.citation.document == "groups-2017" and v.citation.summary
        for e in v.evidence:
            if e.pointer and "?" not in e.pointer:
                assert _resolve(snapshot, e.pointer) is not _MISSING or e.value is None
    for u in report.undetermined:
        assert u.missing, "an undetermined subject names the facts it lacks"


_MISSING = object()


def _resolve(doc: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, list):
            doc = doc[int(part)] if part.isdigit() and int(part) < len(doc) else _MISSING
        elif isinstance(doc, dict):
            doc = doc.get(part, _MISSING)
        else:
            return _MISSING
        if doc is _MISSING:
            return doc
    return doc
