"""Every CAC rule is tested on both sides of every day it starts or stops applying (issue 18).

An audit is run as of a day, and a rule that applied a day early or stopped a day late would
report (or miss) a breach the regulation does not (or does) impose then. So for every rule and
every day its state changes (whether it applies, or the citations it would report), the CAC
test files must hold a case on that day and one on the day before; on a side where the rule
applies, the case must make it fire (a case that only lists it would pass whatever the dates
said). The boundaries are recomputed from the compiled ruleset, so a new rule or a moved
document date without its cases fails here, naming what is missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

import lawcode
from helpers import ROOT
from lawcode.compiler.ir import Rule
from lawcode.testing import Case, load_test_file

CAC = ROOT / "rulesets" / "cac"
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def program() -> lawcode.Program:
    return lawcode.load_ruleset(CAC).program


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return [
        case for path in sorted((CAC / "tests").glob("*.test.yaml")) for case in load_test_file(Path(path))
    ]


def _state(rule: Rule, day: dt.date) -> tuple[bool, tuple[str, ...]]:
    """Whether the rule applies on `day`, and the citations it would report then."""
    applies = rule.in_force_on(day)
    return applies, tuple(c.label for c in rule.citations_on(day)) if applies else ()


def boundaries(program: lawcode.Program) -> list[tuple[str, dt.date, bool, bool]]:
    """(rule, day, applies the day before, applies on the day) for every day a rule's state changes.

    A state can only change on a day some citation starts, or the day after one ends.
    """
    found = []
    for rule in program.rules:
        days = set()
        for citation in rule.citations:
            if citation.in_force_from is not None:
                days.add(citation.in_force_from)
            if citation.in_force_until is not None:
                days.add(citation.in_force_until + DAY)
        for day in sorted(days):
            before, on = _state(rule, day - DAY), _state(rule, day)
            if before != on:
                found.append((rule.id, day, before[0], on[0]))
    return found


def gaps(program: lawcode.Program, cases: Iterable[Case]) -> list[str]:
    """Each side of each boundary without a case: named on both sides, firing where it applies."""
    named: dict[str, set[str]] = defaultdict(set)  # rule → days of cases about it
    fired: dict[str, set[str]] = defaultdict(set)  # rule → days of cases expecting it to fire
    for case in cases:
        day = str(case.snapshot.get("as_of"))
        for rule_id in case.rules:
            named[rule_id].add(day)
        for rule_id, _subject, _citation in case.expect:
            named[rule_id].add(day)
            fired[rule_id].add(day)
    missing = []
    for rule_id, day, applied_before, applies in boundaries(program):
        for side, in_force in ((day - DAY, applied_before), (day, applies)):
            need, what = (fired, "firing") if in_force else (named, "silent")
            if str(side) not in need[rule_id]:
                missing.append(f"{rule_id}: no {what} case on {side} (boundary {day})")
    return missing


def test_boundaries_are_the_documents_dates(program: lawcode.Program) -> None:
    """The days found are the four documents' own dates (their final articles), and no others."""
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    for rule_id, day, _before, _on in boundaries(program):
        by_day[day].add(rule_id)
    documents = {r.id: {c.document for c in r.citations} for r in program.rules}
    starts = {
        dt.date(2017, 10, 1): {"forum-2017", "comments-2017"},  # both documents' article 13
        dt.date(2017, 10, 8): {"groups-2017"},  # its article 15
        dt.date(2021, 9, 15): {"platforms-2021"},  # applies from its issue
        dt.date(2022, 12, 15): {"comments-2017"},  # replaced by the revised provisions
    }
    assert set(by_day) == set(starts)
    for day, docs in starts.items():
        assert by_day[day] == {r for r, d in documents.items() if d & docs}, day
    assert sum(map(len, by_day.values())) == 161


def test_every_boundary_has_a_case_on_both_sides(program: lawcode.Program, cases: list[Case]) -> None:
    missing = gaps(program, cases)
    assert not missing, f"{len(missing)} sides of rule boundaries untested:\n" + "\n".join(missing)


def test_a_missing_side_is_reported(program: lawcode.Program, cases: list[Case]) -> None:
    """Dropping the cases of one day leaves every rule with a boundary that day uncovered."""
    kept = [c for c in cases if c.snapshot.get("as_of") != "2017-10-08"]
    missing = gaps(program, kept)
    groups = {r.id for r in program.rules if {c.document for c in r.citations} == {"groups-2017"}}
    assert {line.split(":")[0] for line in missing} == groups
    assert all("no firing case on 2017-10-08" in line for line in missing)
