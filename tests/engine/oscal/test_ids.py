"""UUIDs from content: a violation keeps its UUIDs whatever else the run found, and two
different things never share one."""

from __future__ import annotations

import dataclasses
import re
import uuid
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

import lawcode
from helpers import ROOT
from lawcode.engine.oscal.ids import content_uuid, statement_id
from lawcode.engine.oscal.results import assess

CAC = ROOT / "rulesets" / "cac"
# OSCAL's UUID pattern: version 4 or 5, RFC 4122 variant
OSCAL_UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$")


@cache
def cac_report() -> lawcode.Report:
    return lawcode.load_ruleset(CAC).evaluate(str(CAC / "examples" / "violations.json"))


def uuids(report: lawcode.Report) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(rule, subject) → the UUIDs of its observation, risk and finding."""
    out = {}
    for v, obs, risk, finding in assess(report).open_items:
        out[(v.rule, repr(v.subject.id if v.subject else None))] = (obs, risk, finding)
    return out


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_a_violation_keeps_its_uuids_whatever_else_was_found(data: st.DataObject) -> None:
    report = cac_report()
    whole = uuids(report)
    keep = data.draw(st.sets(st.integers(0, len(report.violations) - 1)))
    part = dataclasses.replace(report, violations=tuple(v for i, v in enumerate(report.violations) if i in keep))
    assert uuids(part) == {k: whole[k] for k in uuids(part)}
    assert len(uuids(part)) == len(keep)


def test_every_uuid_is_distinct_and_of_the_form_oscal_wants() -> None:
    found = [u for triple in uuids(cac_report()).values() for u in triple]
    assert len(found) == len(set(found)) == 3 * len(cac_report().violations)
    assert all(OSCAL_UUID.match(u) and uuid.UUID(u).version == 5 for u in found)


@given(st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=4), st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=4))
def test_content_uuid_is_a_function_of_its_parts(a: list[object], b: list[object]) -> None:
    assert content_uuid("x", *a) == content_uuid("x", *a)
    assert (content_uuid("x", *a) == content_uuid("x", *b)) == (a == b or [repr(v) for v in a] == [repr(v) for v in b])
    assert content_uuid("x", *a) != content_uuid("y", *a)


def test_statement_ids_follow_nist() -> None:
    assert statement_id("groups-2017", "article", 8) == "groups-2017-art-8_smt"
    assert statement_id("groups-2017", "article", 8, 1) == "groups-2017-art-8_smt.1"
    assert statement_id("comments-2017", "article", 5, 1, 5) == "comments-2017-art-5_smt.1.5"
    assert statement_id("platforms-2021", "task", 3) == "platforms-2021-task-3_smt"
