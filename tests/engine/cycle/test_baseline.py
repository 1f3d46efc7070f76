"""Baselines: violations matched by rule and subject, whatever the order or the pointers."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawcode
from lawcode.engine.cycle import Baseline, annotate, compare

DATA = Path(__file__).parents[2] / "data"
DEADLINES = DATA / "cycle" / "deadlines"


@pytest.fixture(scope="module")
def ruleset() -> lawcode.Ruleset:
    return lawcode.load_ruleset(DEADLINES / "deadlines.law")


def _day(n: int) -> dict[str, Any]:
    return json.loads((DEADLINES / f"day{n}.json").read_text())


def test_new_unchanged_resolved_and_first_seen(ruleset: lawcode.Ruleset) -> None:
    first = ruleset.evaluate(_day(1))
    second, comparison = compare(ruleset.evaluate(_day(2)), Baseline.from_report(first.to_dict(), "day1.json"))
    states = {(v.rule, v.subject.id if v.subject else None): (v.standing.baseline, v.standing.first_seen, v.standing.age_days) for v in second.violations if v.standing}
    assert states == {
        ("complaint-handled-in-time", "c-late"): ("new", dt.date(2024, 3, 5), 0),
        ("complaint-handled-in-time", "c-old"): ("unchanged", dt.date(2024, 3, 1), 4),
        ("finding-reported", "7"): ("unchanged", dt.date(2024, 3, 1), 4),
    }
    assert (comparison.new, comparison.unchanged, comparison.resolved) == (1, 2, ())
    # the third day against the second report: first_seen is carried through the chain
    third, later = compare(ruleset.evaluate(_day(3)), Baseline.from_report(second.to_dict(), "day2.json"))
    carried = {(v.rule, v.subject.id if v.subject else None): (v.standing.first_seen, v.standing.age_days) for v in third.violations if v.standing}
    assert carried[("finding-reported", "7")] == (dt.date(2024, 3, 1), 7)
    assert [r["subject"]["id"] for r in later.resolved] == ["c-old"]
    assert later.resolved[0]["first_seen"] == "2024-03-01"


def test_the_number_7_and_the_text_7_are_different_subjects(ruleset: lawcode.Ruleset) -> None:
    day = _day(1)
    before = ruleset.evaluate(day)
    day["reports"] = [dict(r, found_at="2024-02-20T08:00:00Z", reported_at=None) if r["id"] == 7 else dict(r, reported_at="2024-02-27T09:00:00Z") for r in day["reports"]]
    after, comparison = compare(ruleset.evaluate(day), Baseline.from_report(before.to_dict(), "before"))
    assert [(v.subject.id, v.standing.baseline) for v in after.violations if v.rule == "finding-reported" and v.subject and v.standing] == [(7, "new")]
    assert [r["subject"]["id"] for r in comparison.resolved] == ["7"]


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordered_snapshots_match_everything(rnd: random.Random) -> None:
    """Shuffling every collection moves every pointer; nothing is new and nothing resolved."""
    ruleset = lawcode.load_ruleset(DEADLINES / "deadlines.law")
    day = _day(2)
    baseline = Baseline.from_report(ruleset.evaluate(day).to_dict(), "day2.json")
    shuffled = {k: (rnd.sample(v, len(v)) if isinstance(v, list) else v) for k, v in day.items()}
    report, comparison = compare(ruleset.evaluate(shuffled), baseline)
    assert (comparison.new, comparison.resolved) == (0, ())
    assert all(v.standing and v.standing.baseline == "unchanged" for v in report.violations)


def test_renamed_pointers_do_not_matter(ruleset: lawcode.Ruleset) -> None:
    """A baseline whose pointers all differ (another layout, another tool) still matches."""
    data = ruleset.evaluate(_day(2)).to_dict()
    for item in data["violations"]:
        item["subject"]["pointer"] = "/elsewhere/" + str(item["subject"]["pointer"]).rsplit("/", 1)[-1]
        item["evidence"] = []
    _, comparison = compare(ruleset.evaluate(_day(2)), Baseline.from_report(data, "moved.json"))
    assert (comparison.new, comparison.unchanged, len(comparison.resolved)) == (0, 3, 0)


def test_platform_rules_match_by_rule_alone() -> None:
    mini = lawcode.load_ruleset(DATA / "mini" / "mini.law")
    report = mini.evaluate(DATA / "mini" / "violations.json")
    data = report.to_dict()
    data["violations"].append({"rule": "log-retention", "subject": None, "message": "m"})
    _, comparison = compare(report, Baseline.from_report(data, "b.json"))
    assert [r["rule"] for r in comparison.resolved] == ["log-retention"]


def test_the_json_report_gains_fields_only_when_asked(ruleset: lawcode.Ruleset) -> None:
    plain = ruleset.evaluate(_day(2))
    assert "cycle" not in plain.to_dict() and all("baseline" not in v for v in plain.to_dict()["violations"])
    marked = annotate(plain, ruleset.program, baseline=Baseline.from_report(ruleset.evaluate(_day(1)).to_dict(), "day1.json"))
    data = marked.to_dict()
    assert data["cycle"]["baseline"]["as_of"] == "2024-03-01"
    assert {v["baseline"] for v in data["violations"]} == {"new", "unchanged"}
    assert all({"first_seen", "age_days"} <= set(v) for v in data["violations"])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not json", "not valid JSON"),
        (b"{\"as_of\": \"2024-01-01\"}", "not a lawcode JSON report"),
        (b"{\"lawcode_report\": 2, \"as_of\": \"2024-01-01\"}", "report version 2"),
        (b"{\"lawcode_report\": 1, \"as_of\": \"yesterday\"}", "is not a date"),
        (b"{\"lawcode_report\": 1, \"as_of\": \"2024-01-01\", \"violations\": [{\"subject\": null}]}", "has no `rule`"),
        (b"{\"lawcode_report\": 1, \"as_of\": \"2024-01-01\", \"violations\": [{\"rule\": \"r\", \"subject\": {\"id\": 1}}]}", "needs `collection` and `id`"),
    ],
)
def test_bad_baselines_are_diagnosed(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(content)
    with pytest.raises(lawcode.LawcodeError) as caught:
        Baseline.load(path)
    assert fragment in caught.value.render()
    assert str(path) in caught.value.render()
