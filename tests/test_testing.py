"""Rule tests (`lawcode.testing`): `only:` scopes a case to some rules; misspelt ids get a suggestion."""

from __future__ import annotations

from pathlib import Path

from helpers import DATA, golden
from lawcode.testing import run_tests

ONLY = DATA / "testing" / "only"


def test_only_compares_just_the_named_rules() -> None:
    run = run_tests([ONLY / "scoped.test.yaml"])
    assert not run.errors
    outcome = {r.case.name: r for r in run.results}
    assert outcome["one rule, the others' violations left out"].passed
    assert outcome["two rules as a list"].passed
    failing = outcome["a scoped case still fails on its own rule"]
    assert failing.unexpected == [("group-member-cap", "g1", "groups-2017 art 8 para 1")]
    unscoped = outcome["without only every rule counts"]
    assert {k[0] for k in unscoped.unexpected} == {"sanction-step", "verified-before-posting"}
    assert run.exit_code == 1
    assert run.fired["group-member-cap"] == 2 and run.silent["group-member-cap"] == 1


def test_misspelt_rule_ids_get_the_closest_spelling() -> None:
    run = run_tests([ONLY / "misspelt.test.yaml"])
    assert run.exit_code == 2 and not run.results
    rendered = [e.render() for e in run.errors]
    assert "misspelt.test.yaml:5: case 'a typo in only' names unknown rule(s): group-membr-cap" in rendered[0]
    assert "did you mean `group-member-cap`?" in rendered[0]
    assert "did you mean `group-member-cap`?" in rendered[1] and "group-member-capp" in rendered[1]
    assert "expects results of sanction-step, which `only` leaves out" in rendered[2]


def test_an_empty_only_is_refused_with_the_line() -> None:
    run = run_tests([ONLY / "empty.test.yaml"])
    assert run.exit_code == 2
    assert "empty.test.yaml:5: case 'an empty only': `only` names no rule" in run.errors[0].render()


def test_the_messages_a_writer_sees() -> None:
    """Golden text, as `lawcode test` prints it (`LAWCODE_REGEN=1` rewrites it; review the diff)."""
    run = run_tests([(ONLY / "misspelt.test.yaml").relative_to(Path.cwd())])
    golden(ONLY / "misspelt.expected", "\n".join(e.render() for e in run.errors) + "\n")
