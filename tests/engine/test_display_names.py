"""Display names (`x-lawcode-name`): shown beside the subject's id, escaped as each format needs.

The case is tests/data/absent/cases.json's "display names" (a name full of markdown, HTML
and control characters, and a blank one that is left out); python and DuckDB give the
same subjects (tests/engine/test_absent.py compares their whole reports).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import lawcode
from helpers import DATA
from lawcode.engine.formats import render
from lawcode.engine.sql import evaluate as sql_evaluate

RULES = lawcode.load_ruleset(DATA / "absent")
CASE = next(c for c in json.loads((DATA / "absent" / "cases.json").read_text(encoding="utf-8")) if c["name"].startswith("display names"))
NAME = CASE["snapshot"]["users"][0]["name"]


@pytest.fixture(scope="module")
def report() -> Any:
    return RULES.evaluate(CASE["snapshot"])


def test_json_carries_the_name_only_where_there_is_one(report: Any) -> None:
    subjects = {u["subject"]["id"]: u["subject"] for u in report.to_dict()["undetermined"]}
    assert subjects["u1"]["name"] == NAME
    assert "name" not in subjects["u2"]  # blank: no name
    duck = sql_evaluate(RULES.program, CASE["snapshot"], rulesets=RULES.paths).to_dict()
    assert [u["subject"] for u in duck["undetermined"]] == [u["subject"] for u in report.to_dict()["undetermined"]]


def test_text_shows_it_beside_the_id_on_one_line(report: Any) -> None:
    out = render("text", report, RULES.program)
    line = next(line for line in out.splitlines() if "users u1 (" in line)
    assert "| *bold* <b>x</b> & `tick`" in line and "\x07" not in line
    assert "users u2]" in out  # a blank name is not shown


def test_markdown_escapes_it(report: Any) -> None:
    out = render("markdown", report, RULES.program)
    row = next(line for line in out.splitlines() if "`u1`" in line)
    assert "users `u1` (\\| \\*bold\\* &lt;b>x&lt;/b> &amp; \\`tick\\` new line" in row
    assert "<b>" not in out


def test_junit_and_sarif_carry_it_as_data(report: Any) -> None:
    cases = ET.fromstring(render("junit", report, RULES.program)).iter("testcase")
    names = [c.get("name") or "" for c in cases]
    assert any(n.startswith("profile-verified [users u1 (| *bold* <b>x</b> & `tick`\nnew line\ufffd)") for n in names)
    sarif = json.loads(render("sarif", report, RULES.program))
    assert [r["properties"]["subject"].get("name") for r in sarif["runs"][0]["results"]] == [NAME, None]


def test_html_escapes_it(report: Any) -> None:
    out = render("html", report, RULES.program)
    assert "<b>x</b>" not in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out


def test_a_display_name_that_is_not_a_text_field_is_refused(tmp_path: Path) -> None:
    schema = json.loads((DATA / "absent" / "snapshot.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["users"]["items"]["x-lawcode-name"] = "joined_at.day"
    (tmp_path / "snapshot.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "rules.law").write_text((DATA / "absent" / "rules.law").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(tmp_path)
    message = caught.value.render()
    assert "`x-lawcode-name` of `users` is \"joined_at.day\", which is not a text field of its elements" in message
    assert '("name")' in message
