"""Report formats: goldens for text and markdown, schemas for SARIF and JUnit, the JSON
contract, colour only on a terminal, `--fail-on`, progress only for a person.

Regenerate the golden files with `LAWCODE_REGEN=1 pytest tests/engine/test_formats.py`.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from jsonschema import Draft4Validator
from rich.console import Console

import lawcode
from helpers import DATA, ROOT, golden
from lawcode.cli import cli
from lawcode.engine.formats import FORMATS, render
from lawcode.engine.formats.markdown import code, text
from lawcode.progress import TerminalProgress

SCHEMAS = DATA / "schemas"
SARIF = Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
JUNIT = xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))
MINI = lawcode.load_ruleset(DATA / "mini" / "mini.law")
MIXED = lawcode.load_ruleset(DATA / "formats" / "rules.law")
CAC = ROOT / "rulesets" / "cac"

CASES = {
    "violations": (MINI, DATA / "mini" / "violations.json"),
    "compliant": (MINI, DATA / "mini" / "compliant.json"),
    "mixed": (MIXED, DATA / "formats" / "mixed.json"),
}


def report(case: str) -> tuple[lawcode.Report, lawcode.Program]:
    ruleset, snapshot = CASES[case]
    # relative: the report names the snapshot, and goldens must not depend on the clone's path
    return ruleset.evaluate(str(snapshot.relative_to(ROOT))), ruleset.program


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_golden(fmt: str, case: str) -> None:
    rep, program = report(case)
    golden(DATA / "formats" / f"{case}.{'md' if fmt == 'markdown' else 'txt'}", FORMATS[fmt](rep, program))


# ---------------------------------------------------------------- SARIF


def sarif_errors(doc: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in SARIF.iter_errors(doc)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_is_valid_and_points_at_rule_sources(case: str) -> None:
    rep, program = report(case)
    doc = json.loads(FORMATS["sarif"](rep, program))
    assert sarif_errors(doc) == []
    (run,) = doc["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(r.id for r in rep.rules)
    results = run["results"]
    assert len(results) == len(rep.violations) + len(rep.undetermined)
    rules = {r.id: r for r in rep.rules}
    for result in results:
        rule = rules[result["ruleId"]]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == rule.id
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": rule.span.file, "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": rule.span.line, "startColumn": rule.span.column}
        assert result["properties"]["citation"]["document"] == rule.citations[0].document
        assert result["properties"]["citation"]["label"] == rule.citations[0].label
    kinds = sorted((r["kind"], r["level"]) for r in results)
    expected = sorted([("fail", {"critical": "error", "high": "error", "medium": "warning"}.get(v.severity, "note")) for v in rep.violations]
                      + [("open", "none")] * len(rep.undetermined))
    assert kinds == expected


def test_sarif_validation_is_not_vacuous() -> None:
    rep, program = report("violations")
    doc = json.loads(FORMATS["sarif"](rep, program))
    doc["runs"][0]["results"][0]["level"] = "severe"
    del doc["version"]
    assert len(sarif_errors(doc)) == 2


# ---------------------------------------------------------------- JUnit


@pytest.mark.parametrize("case", sorted(CASES))
def test_junit_is_valid_with_a_case_per_rule_and_failing_subject(case: str) -> None:
    rep, program = report(case)
    xml = FORMATS["junit"](rep, program)
    JUNIT.validate(xml)
    root = ET.fromstring(xml)
    cases = root.findall("./testsuite/testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert len(failures) == len(rep.violations) == int(root.get("failures", "-1"))
    assert len(errors) == len(rep.undetermined) == int(root.get("errors", "-1"))
    assert {c.get("name") for c in skipped} == {n.rule for n in rep.not_in_force}
    assert int(root.get("tests", "-1")) == len(cases)
    # every rule appears: in force and silent → one passing case
    names = {str(c.get("name")).split(" [")[0] for c in cases}
    assert names == {r.id for r in rep.rules}
    for v in rep.violations:
        subject = f"{v.subject.collection} {v.subject.id}" if v.subject else "platform"
        (case_,) = [c for c in failures if c.get("name") == f"{v.rule} [{subject}]"]
        failure = case_.find("failure")
        assert failure is not None and failure.get("type") == v.severity and failure.get("message") == v.message
        assert f"{v.source['file']}:{v.source['line']}" in (failure.text or "")


def test_junit_survives_control_characters_and_markup() -> None:
    data = json.loads((DATA / "mini" / "violations.json").read_text())
    data["groups"][0]["id"] = "g\x01<&>\"'"
    data["memberships"] = [{"user_id": u, "group_id": data["groups"][0]["id"]} for u in ("u1", "u2", "u3")]
    rep = MINI.evaluate(data)
    xml = FORMATS["junit"](rep, MINI.program)
    JUNIT.validate(xml)
    assert "g\ufffd&lt;&amp;&gt;" in xml


def test_junit_validation_is_not_vacuous() -> None:
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JUNIT.validate('<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>')


# ---------------------------------------------------------------- JSON, text, markdown


def test_json_is_the_report_contract() -> None:
    rep, program = report("mixed")
    doc = json.loads(FORMATS["json"](rep, program))
    assert set(doc) == {"lawcode_report", "as_of", "snapshot", "rulesets", "violations", "undetermined", "not_in_force", "summary"}
    assert doc == json.loads(rep.to_json())
    assert [v["rule"] for v in doc["violations"]] == sorted(v["rule"] for v in doc["violations"])
    assert doc["summary"]["not_in_force"] == len(doc["not_in_force"]) == 2


def test_text_has_colour_only_for_a_terminal() -> None:
    rep, program = report("violations")
    assert "\x1b[" in render("text", rep, program, terminal=True)
    assert "\x1b[" not in render("text", rep, program)
    assert render("text", rep, program) == FORMATS["text"](rep, program)


def test_markdown_escaping() -> None:
    assert text("a|b <script> *x* _y_ `z` & [l](u)") == "a\\|b &lt;script> \\*x\\* \\_y\\_ \\`z\\` &amp; \\[l\\](u)"
    assert text("# not a heading") == "\\# not a heading" and text("1. not a list") == "1\\. not a list"
    assert code("a`b") == "``a`b``" and code("a|b", cell=True) == "`a\\|b`"
    rep, program = report("mixed")
    md = FORMATS["markdown"](rep, program)
    assert "<script>" not in md and "&lt;script>" in md
    # every row of every table has as many cells as its header (a stray `|` would add one)
    cells = None
    for line in md.splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        count = len(re.findall(r"(?<!\\)\|", line))
        cells = cells or count
        assert count == cells, line


# ---------------------------------------------------------------- exit codes, progress


def run(*args: str) -> int:
    return CliRunner().invoke(cli, list(args)).exit_code


@pytest.mark.parametrize(("fail_on", "code_"), [("info", 1), ("medium", 1), ("high", 1), ("critical", 0)])
def test_fail_on_counts_violations_at_or_above(fail_on: str, code_: int) -> None:
    # violations.json: three high violations and one medium
    assert run("check", str(DATA / "mini" / "mini.law"), "-s", str(DATA / "mini" / "violations.json"), "--fail-on", fail_on) == code_


def test_fail_on_counts_undetermined_subjects_too(tmp_path: Path) -> None:
    data = json.loads((DATA / "mini" / "compliant.json").read_text())
    data["memberships"].append({"user_id": "u9"})  # no group: every active group is undetermined (high)
    snapshot = tmp_path / "s.json"
    snapshot.write_text(json.dumps(data))
    rep = MINI.evaluate(data)
    assert not rep.violations and {u.severity for u in rep.undetermined} == {"high"}
    assert run("check", str(DATA / "mini" / "mini.law"), "-s", str(snapshot), "--fail-on", "high") == 1
    assert run("check", str(DATA / "mini" / "mini.law"), "-s", str(snapshot), "--fail-on", "critical") == 0
    assert run("check", str(DATA / "mini" / "mini.law"), "-s", str(DATA / "mini" / "compliant.json")) == 0


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_through_the_cli(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    snapshot = str((DATA / "formats" / "mixed.json").relative_to(ROOT))
    assert run("check", str(DATA / "formats" / "rules.law"), "-s", snapshot, "-f", fmt, "-o", str(out)) == 1
    rep, program = report("mixed")
    assert out.read_text() == FORMATS[fmt](rep, program)


def test_progress_is_reported_and_drawn_only_after_a_delay() -> None:
    calls: list[tuple[int, int]] = []
    data = json.loads((DATA / "mini" / "violations.json").read_text())
    data["users"] = [{"id": f"u{i}"} for i in range(2500)]
    rep = MINI.evaluate(data, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (rep.subjects_checked, rep.subjects_checked)
    assert [d for d, _ in calls[:-1]] == [1000, 2000]
    screen = io.StringIO()
    with TerminalProgress(console=Console(file=screen, force_terminal=True, width=80), delay=0) as bar:
        bar(500, 1000)
        bar(1000, 1000)
    assert "checking subjects" in screen.getvalue() and "1000/1000" in screen.getvalue()
    quiet = io.StringIO()
    with TerminalProgress(console=Console(file=quiet, force_terminal=True), delay=3600) as bar:
        assert bar.loading("loading", lambda: 42, DATA / "mini" / "violations.json") == 42  # small: no spinner
        bar(1, 2)
    with TerminalProgress(console=Console(file=quiet, force_terminal=True), delay=0, enabled=False) as bar:
        bar(1, 2)  # not a terminal: never drawn
    assert quiet.getvalue() == ""


@pytest.mark.skipif(not list(CAC.rglob("*.law")), reason="rulesets/cac has no rules yet")
@pytest.mark.parametrize("example", ["violations", "compliant"])
def test_cac_reports_in_every_format(example: str) -> None:
    ruleset = lawcode.load_ruleset(CAC)
    rep = ruleset.evaluate(str(CAC / "examples" / f"{example}.json"))
    assert sarif_errors(json.loads(FORMATS["sarif"](rep, ruleset.program))) == []
    JUNIT.validate(FORMATS["junit"](rep, ruleset.program))
    md = FORMATS["markdown"](rep, ruleset.program)
    assert md.startswith("# lawcode compliance report\n") and len(md.splitlines()) > 5
    assert ("## " in md) == bool(rep.violations or rep.undetermined or rep.not_in_force)
