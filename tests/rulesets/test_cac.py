"""The bundled CAC rulesets, and the tools that judge them (lawcode test, lawcode coverage).

The rulesets are what compliance writers read first: they must compile cleanly, every
rule must have a case that makes it fire and one where it stays silent, the examples
must behave (compliant.json clean, violations.json firing every rule and citing every
document), and no article of the four documents may be left unencoded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import lawcode
from helpers import DATA, ROOT
from lawcode import cli
from lawcode.coverage import NOT_APPLICABLE, NOT_ENCODED, compute
from lawcode.testing import TestFileError, load_test_file, print_run, run_tests

CAC = ROOT / "rulesets" / "cac"
EXAMPLES = CAC / "examples"
DOCUMENTS = {"forum-2017", "comments-2017", "groups-2017", "platforms-2021"}
TESTING = DATA / "testing"


@pytest.fixture(scope="module")
def ruleset() -> lawcode.Ruleset:
    return lawcode.load_ruleset(CAC)


def test_rulesets_lint_cleanly(ruleset: lawcode.Ruleset) -> None:
    assert not ruleset.warnings
    assert set(ruleset.documents) == DOCUMENTS
    assert len(ruleset.rules) >= 100


def test_every_rule_test_passes_with_a_firing_and_a_silent_case(ruleset: lawcode.Ruleset) -> None:
    run = run_tests([CAC])
    assert not run.errors, [e.render() for e in run.errors]
    failed = [f"{r.case.file.name}:{r.case.line} {r.case.name}" for r in run.results if not r.passed]
    assert not failed
    ids = [r.id for r in ruleset.rules]
    assert [i for i in ids if run.fired[i] < 1] == []
    assert [i for i in ids if run.silent[i] < 1] == []
    assert [i for i in ids if run.fired[i] + run.silent[i] < 2] == []


def test_compliant_example_is_fully_compliant(ruleset: lawcode.Ruleset) -> None:
    report = ruleset.evaluate(EXAMPLES / "compliant.json")
    assert report.compliant and not report.not_in_force
    result = CliRunner().invoke(cli.cli, ["check", str(CAC), "--snapshot", str(EXAMPLES / "compliant.json")])
    assert result.exit_code == 0, result.output


def test_violations_example_fires_every_rule_and_cites_every_document(ruleset: lawcode.Ruleset) -> None:
    report = ruleset.evaluate(EXAMPLES / "violations.json")
    assert not report.undetermined
    fired = {v.rule for v in report.violations}
    assert fired == {r.id for r in ruleset.rules}
    assert {v.citation.document for v in report.violations} == DOCUMENTS
    assert {k for k in ("data", "attestation") if any(v.kind == k for v in report.violations)} == {"data", "attestation"}
    result = CliRunner().invoke(cli.cli, ["check", str(CAC), "--snapshot", str(EXAMPLES / "violations.json")])
    assert result.exit_code == 1


def test_examples_are_reproducible(tmp_path: Path) -> None:
    """The committed examples are exactly what the seeded generator writes."""
    before = {name: (EXAMPLES / name).read_bytes() for name in ("compliant.json", "violations.json", "since-2017.json")}
    subprocess.run([sys.executable, str(EXAMPLES / "generate.py")], check=True)
    assert {name: (EXAMPLES / name).read_bytes() for name in before} == before


def test_coverage_is_complete(ruleset: lawcode.Ruleset) -> None:
    coverage = compute(ruleset)
    assert {d.key for d in coverage} == DOCUMENTS
    for doc in coverage:
        for leaf in doc.leaves():
            assert leaf.status != NOT_ENCODED, f"{doc.key} {leaf.label}"
    result = CliRunner().invoke(cli.cli, ["coverage", str(CAC), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["complete"] is True


# ---------------------------------------------------------------- lawcode test itself


def test_runner_passes_good_cases_and_applies_both_patch_kinds() -> None:
    run = run_tests([TESTING / "passing.test.yaml"])
    assert (run.passed, run.failed, run.errors, run.exit_code) == (4, 0, [], 0)
    assert run.fired["group-member-cap"] == 2 and run.silent["group-member-cap"] == 1


def test_failing_case_shows_the_difference() -> None:
    run = run_tests([TESTING / "failing.test.yaml"])
    assert run.exit_code == 1
    (result,) = run.results
    assert result.unexpected == [("group-member-cap", "g1", "groups-2017 art 8 para 1")]
    assert result.missing == []
    console = Console(record=True, width=120)
    print_run(run, console)
    text = console.export_text()
    assert "FAIL" in text and "failing.test.yaml:4" in text and "+ actual" in text
    assert "0 passed, 1 failed" in text


def test_bad_test_file_is_exit_2_with_file_and_line() -> None:
    run = run_tests([TESTING / "bad.test.yaml"])
    assert run.exit_code == 2
    (error,) = run.errors
    assert error.line == 6 and "[rule, subject, citation]" in error.render()
    result = CliRunner().invoke(cli.cli, ["test", str(TESTING / "bad.test.yaml")])
    assert result.exit_code == 2
    assert "bad.test.yaml:6" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cases: [", "not valid YAML"),
        ("- 1", "a mapping with a `cases` list"),
        ("cases: []", "non-empty list"),
        ("base: base.json\ncases:\n  - name: x\n    expectt: []\n", "unknown key `expectt`"),
        ("base: base.json\ncases:\n  - name: x\n", "has no `expect`"),
        ("cases:\n  - name: x\n    expect: []\n", "has no snapshot"),
        ("base: nowhere.json\ncases:\n  - name: x\n    expect: []\n", "cannot read the snapshot"),
        ("base: base.json\ncases:\n  - name: x\n    patch: [{op: replace, path: /groups/id=zz/status, value: closed}]\n    expect: []\n", "no element with id 'zz'"),
    ],
)
def test_bad_test_files_are_explained(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "base.json").write_text((TESTING / "base.json").read_text())
    path = tmp_path / "x.test.yaml"
    path.write_text(text)
    with pytest.raises(TestFileError) as caught:
        load_test_file(path)
    assert fragment in caught.value.render()


def test_unknown_backend_and_unknown_rule_are_errors(tmp_path: Path) -> None:
    assert run_tests([TESTING / "passing.test.yaml"], backend="nope").exit_code == 2
    path = tmp_path / "x.test.yaml"
    path.write_text(f"ruleset: {TESTING / 'ruleset'}\nbase: {TESTING / 'base.json'}\ncases:\n  - name: x\n    rule: no-such-rule\n    expect: []\n")
    run = run_tests([path])
    assert run.exit_code == 2 and "no-such-rule" in run.errors[0].render()


# ---------------------------------------------------------------- lawcode coverage itself


def test_coverage_reports_not_encoded_and_not_applicable(tmp_path: Path) -> None:
    ruleset = lawcode.load_ruleset(TESTING / "ruleset")
    (doc,) = compute(ruleset)
    status = {u.label: u.status for u in doc.leaves()}
    assert status["art 8 para 1"] == "data"
    assert status["art 6 para 1"] == NOT_ENCODED
    result = CliRunner().invoke(cli.cli, ["coverage", str(TESTING / "ruleset")])
    assert result.exit_code == 1 and "NOT ENCODED" in result.output
    # an article-level not_applicable covers its paragraphs
    text = (TESTING / "ruleset" / "documents.law").read_text().replace(
        'article 6 "Verify real identity before serving users."', 'article 6 "Verify real identity before serving users." not_applicable "test"'
    )
    for name in ("rules.law", "snapshot.schema.json"):
        (tmp_path / name).write_text((TESTING / "ruleset" / name).read_text())
    (tmp_path / "documents.law").write_text(text)
    (doc,) = compute(lawcode.load_ruleset(tmp_path))
    assert {u.label: u.status for u in doc.leaves()}["art 6 para 1"] == NOT_APPLICABLE
