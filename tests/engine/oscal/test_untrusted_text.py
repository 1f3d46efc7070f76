"""Text from a snapshot (ids, values, hence messages) may be anything: the documents stay
valid OSCAL (one-line titles, no edge whitespace in properties) and the Markdown a GRC
tool renders carries no live HTML or terminal control."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscal_check import schema_errors, trestle_load

import lawcode
from helpers import DATA
from lawcode.engine.oscal import build_assessment_results, build_poam

MINI = DATA / "mini" / "mini.law"


@cache
def mini() -> lawcode.Ruleset:
    return lawcode.load_ruleset(MINI)


def snapshot_with_group(group_id: Any) -> dict[str, Any]:
    """The mini violations snapshot, its over-full group renamed to `group_id`."""
    data = json.loads((DATA / "mini" / "violations.json").read_text(encoding="utf-8"))
    data["groups"][0]["id"] = group_id
    for row in data["memberships"] + data["sanctions"]:
        if row["group_id"] == "g1":
            row["group_id"] = group_id
    return data


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_any_subject_id_gives_valid_documents(group_id: str) -> None:
    report = mini().evaluate(snapshot_with_group(group_id))
    for document in (build_assessment_results(report, mini().program), build_poam(report, mini().program)):
        assert schema_errors(document) == []
        trestle_load(document)


def test_html_and_controls_are_neutralised() -> None:
    report = mini().evaluate(snapshot_with_group("<img src=x onerror=alert(1)>\x1b[2J\nline"))
    result = build_assessment_results(report, mini().program)["assessment-results"]["results"][0]
    markup = [text for key, text in strings(result) if key in MARKUP]
    assert markup and not any("<img" in t or "\x1b" in t for t in markup)
    assert any("&lt;img src=x onerror=alert(1)>" in t and "\\x1b[2J" in t for t in markup)
    assert all("\n" not in text for key, text in strings(result) if key in ("title", "value"))
    # a property is data, not Markdown: the id is kept (controls shown, lines joined)
    assert ("value", "<img src=x onerror=alert(1)>\\x1b[2J line") in set(strings(result))


MARKUP = ("title", "description", "statement", "prose", "remarks")


def strings(node: Any, key: str = "") -> Any:
    """Every string of a JSON document, with the key it is under."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v, key)
    elif isinstance(node, str):
        yield key, node
