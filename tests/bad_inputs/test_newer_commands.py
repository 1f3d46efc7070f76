"""Bad input to the newer commands: `init`, `schema infer`, `history`, `--waivers`, `--baseline`.

Each message says what is wrong and what was expected, exit 2, no traceback, and the
user's files are left as they were (a SQLite file of another program named as the cache
above all).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bad_inputs.support import MINI_RULESET, MINI_SNAPSHOT, assert_user_error, lawcode

from helpers import ROOT

DEADLINES = ROOT / "tests" / "data" / "cycle" / "deadlines"


def history(tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return lawcode("history", DEADLINES / "day1.json", "--rules", DEADLINES / "deadlines.law", *args)


# ---------------------------------------------------------------- history


def test_a_database_of_another_program_is_not_taken_for_the_cache(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE users (id TEXT)")
    before = other.read_bytes()
    assert_user_error(history(tmp_path, "--cache", other), "error[E089]", "not a history cache (it holds table `users`)", "left unchanged")
    assert other.read_bytes() == before


def test_a_reports_table_of_another_shape_is_refused_without_a_traceback(tmp_path: Path) -> None:
    other = tmp_path / "reports.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE reports (x INTEGER)")
    assert_user_error(history(tmp_path, "--cache", other), "a `reports` table with columns x")


def test_a_cache_made_by_history_is_used_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    first, second = history(tmp_path, "--cache", cache), history(tmp_path, "--cache", cache)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "1 snapshot(s) evaluated" in first.stderr and "1 from the cache" in second.stderr


def test_a_source_that_is_no_json_object_is_named_as_such(tmp_path: Path) -> None:
    source = tmp_path / "list.json"
    source.write_text("[1, 2]")
    assert_user_error(lawcode("history", source), "neither a saved report nor a snapshot: it is not a JSON object")


# ---------------------------------------------------------------- --baseline


@pytest.mark.parametrize(("violations", "found"), [(None, "`violations` is missing"), ({}, "`violations` is an object, not a list")])
def test_a_damaged_baseline_is_not_read_as_all_new(tmp_path: Path, violations: object, found: str) -> None:
    report = {"lawcode_report": 1, "as_of": "2024-08-01"}
    if violations is not None:
        report["violations"] = violations
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(report))
    assert_user_error(lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "--baseline", baseline), "error[E080]", found, "a report lists its violations")


# ---------------------------------------------------------------- --waivers


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("", ["the file is empty; a waivers file is a mapping with a `waivers:` list"]),
        ("- a\n", ["found a list, expected a mapping"]),
        ("waiver: []\n", ["`waivers` is missing", "`waiver` is not a field here; the fields are lawcode_waivers, waivers"]),
        ("waivers:\n  - rule: group-member-cap\n    reason: r\n    approved_by: 3\n    approved_on: 2024-01-01\n    expires_on: 2024-02-30\n",
         ["/waivers/0/approved_by: found the number 3, expected text", "'2024-02-30' is not a date: expected a real day written YYYY-MM-DD"]),
    ],
)
def test_waiver_schema_mistakes_in_plain_words(tmp_path: Path, text: str, needles: list[str]) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(text)
    result = lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "--waivers", waivers)
    assert_user_error(result, "error[E082]", *needles)
    assert "is not of type" not in result.stderr


def test_missing_waiver_fields_are_listed_once(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - rule: group-member-cap\n")
    result = lawcode("check", MINI_RULESET, "-s", MINI_SNAPSHOT, "--waivers", waivers)
    assert_user_error(result, "`reason`, `approved_by`, `approved_on`, `expires_on` are missing")
    assert result.stderr.count("are missing") == 1


# ---------------------------------------------------------------- init and schema infer


def test_init_with_an_empty_name_writes_nothing(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "lawcode", "init", ""], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert_user_error(result, "error[O007]: the folder name is empty", "`.` for this one")
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_a_folder_should_be_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "notes"
    blocker.write_text("mine")
    assert_user_error(lawcode("init", blocker / "rules"), "error[O001]", "notes is a file, not a folder")
    out = lawcode("schema", "infer", MINI_SNAPSHOT, "-o", blocker / "schema.json")
    assert_user_error(out, "error[O001]: a folder on the output's path is a file")
    assert blocker.read_text() == "mine"
