"""`check --baseline/--waivers/--fail-on new`, `history` and `lint --waivers` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

DATA = Path(__file__).parents[2] / "data"
DEADLINES = DATA / "cycle" / "deadlines"
RULES = str(DEADLINES / "deadlines.law")
MINI = str(DATA / "mini" / "mini.law")
DOCS = Path(__file__).parents[3] / "docs"
REPORT_SCHEMA = json.loads((DOCS / "report.schema.json").read_text())
LINES_SCHEMA = json.loads((DOCS / "report-lines.schema.json").read_text())
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in (REPORT_SCHEMA, LINES_SCHEMA)])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *args], capture_output=True, text=True, timeout=120)


def _baseline(tmp_path: Path) -> Path:
    path = tmp_path / "day1.report.json"
    assert run("check", RULES, "-s", str(DEADLINES / "day1.json"), "-f", "json", "-o", str(path)).returncode == 1
    return path


def test_text_says_new_unchanged_resolved(tmp_path: Path) -> None:
    result = run("check", RULES, "-s", str(DEADLINES / "day2.json"), "--baseline", str(_baseline(tmp_path)))
    assert result.returncode == 1, result.stderr
    text = " ".join(result.stdout.split())  # the report wraps to the terminal's width
    assert "1 new, 2 unchanged, 0 resolved (baseline as of 2024-03-01)" in text
    assert "unchanged · first seen 2024-03-01 (4 d)" in text


def test_fail_on_new(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path)
    assert run("check", RULES, "-s", str(DEADLINES / "day2.json"), "--baseline", str(baseline), "--fail-on", "new").returncode == 1
    assert run("check", RULES, "-s", str(DEADLINES / "day1.json"), "--baseline", str(baseline), "--fail-on", "new").returncode == 0
    missing = run("check", RULES, "-s", str(DEADLINES / "day1.json"), "--fail-on", "new")
    assert missing.returncode == 2 and "needs --baseline" in missing.stderr and "Traceback" not in missing.stderr


def test_sarif_baseline_state_is_valid_sarif(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path)
    marked = json.loads(run("check", RULES, "-s", str(DEADLINES / "day3.json"), "--baseline", str(baseline), "-f", "json").stdout)
    jsonschema.validate(marked, REPORT_SCHEMA, registry=REGISTRY)
    assert marked["cycle"]["baseline"]["resolved_violations"][0]["subject"]["id"] == "c-old"
    for line in run("check", RULES, "-s", str(DEADLINES / "day3.json"), "--baseline", str(baseline), "-f", "jsonl").stdout.splitlines():
        jsonschema.validate(json.loads(line), LINES_SCHEMA)
    third = run("check", RULES, "-s", str(DEADLINES / "day3.json"), "--baseline", str(baseline), "-f", "sarif")
    log = json.loads(third.stdout)
    jsonschema.validate(log, json.loads((DATA / "schemas" / "sarif-schema-2.1.0.json").read_text()))
    states = sorted((r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"])
    assert states == [("complaint-handled-in-time", "absent"), ("complaint-handled-in-time", "new"), ("finding-reported", "unchanged")]


def test_json_carries_the_cycle_and_validates(tmp_path: Path) -> None:
    out = run("check", MINI, "-s", str(DATA / "mini" / "violations.json"), "--waivers", str(DATA / "cycle" / "waivers" / "states.yaml"), "-f", "json")
    report = json.loads(out.stdout)
    jsonschema.validate(report, REPORT_SCHEMA, registry=REGISTRY)
    assert report["cycle"]["waivers"]["stale"] == 1
    assert out.returncode == 1  # u2 and the expired waiver's u3 still fail


def test_bad_inputs_exit_2_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").write_text("{}")
    bad = run("check", RULES, "-s", str(DEADLINES / "day1.json"), "--baseline", str(tmp_path / "baseline.json"))
    assert bad.returncode == 2 and "not a lawcode JSON report" in bad.stderr and "Traceback" not in bad.stderr
    waivers = run("check", MINI, "-s", str(DATA / "mini" / "violations.json"), "--waivers", str(DATA / "cycle" / "waivers" / "errors.yaml"))
    assert waivers.returncode == 2 and "errors.yaml:2:11" in waivers.stderr and "did you mean `group-member-cap`?" in waivers.stderr


def test_lint_checks_waivers() -> None:
    bad = run("lint", MINI, "--waivers", str(DATA / "cycle" / "waivers" / "errors.yaml"))
    assert bad.returncode == 2 and "4 errors" in bad.stderr
    good = run("lint", MINI, "--waivers", str(DATA / "cycle" / "waivers" / "states.yaml"))
    assert good.returncode == 0 and "waivers in" in good.stdout


def test_history_text_json_and_cache(tmp_path: Path) -> None:
    days = [str(DEADLINES / f"day{n}.json") for n in (1, 2, 3)]
    cache = str(tmp_path / "cache.sqlite")
    first = run("history", *days, "--rules", RULES, "--cache", cache)
    assert first.returncode == 0, first.stderr
    assert "3 violations seen, 2 open now (oldest 7 d), 1 resolved (median 7 d to resolve), 0 reopened" in first.stdout
    assert "3 snapshot(s) evaluated" in first.stderr
    again = run("history", *days, "--rules", RULES, "--cache", cache, "-f", "json")
    assert json.loads(again.stdout)["inputs"] == {"reports_read": 0, "snapshots_cached": 3, "snapshots_evaluated": 0}
    no_rules = run("history", *days)
    assert no_rules.returncode == 2 and "--rules" in no_rules.stderr and "Traceback" not in no_rules.stderr
