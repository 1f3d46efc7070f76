"""The embedding API: load once, evaluate many; one exception type for user mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lawcode
from helpers import DATA

MINI = DATA / "mini" / "mini.law"
SNAPSHOT = DATA / "mini" / "violations.json"


def test_load_from_path_text_and_folder() -> None:
    by_path = lawcode.load_ruleset(MINI)
    by_str = lawcode.load_ruleset(str(MINI))
    by_folder = lawcode.load_ruleset(DATA / "mini")
    text = MINI.read_text(encoding="utf-8")
    by_text = lawcode.load_ruleset(text, base_dir=MINI.parent)
    ids = [r.id for r in by_path.rules]
    assert ids == [r.id for r in by_str.rules] == [r.id for r in by_folder.rules] == [r.id for r in by_text.rules]


def test_evaluate_dict_path_and_bytes_give_the_same_report() -> None:
    ruleset = lawcode.load_ruleset(MINI)
    data = json.loads(SNAPSHOT.read_text())
    from_dict = ruleset.evaluate(data).to_dict()
    from_path = ruleset.evaluate(SNAPSHOT).to_dict()
    from_bytes = ruleset.evaluate(SNAPSHOT.read_bytes()).to_dict()
    for report in (from_dict, from_path, from_bytes):
        report.pop("snapshot")
    assert from_dict == from_path == from_bytes


def test_report_contract() -> None:
    report = lawcode.load_ruleset(MINI).evaluate(SNAPSHOT)
    doc = json.loads(report.to_json())
    assert set(doc) == {"lawcode_report", "as_of", "snapshot", "rulesets", "violations", "undetermined", "not_in_force", "summary"}
    v = doc["violations"][0]
    assert set(v) >= {"rule", "severity", "citation", "subject", "message", "evidence"}
    assert set(v["citation"]) == {"document", "article", "paragraph", "item", "summary"}
    assert set(v["subject"]) >= {"collection", "id"}
    for e in v["evidence"]:
        assert set(e) >= {"expr", "value", "pointer"}
        assert e["pointer"] is None or e["pointer"].startswith("/")
    assert report.summary["violations"] == len(report.violations) > 0
    assert not report.compliant


def test_compliant_snapshot() -> None:
    report = lawcode.load_ruleset(MINI).evaluate(DATA / "mini" / "compliant.json")
    assert report.compliant and report.summary["status"] == "compliant"


def test_errors_are_one_type_with_spans() -> None:
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset('schema "tests/data/mini/snapshot.schema.json"\nrule r { on platform require 1 }\n')
    diagnostics = caught.value.diagnostics
    assert {d.code for d in diagnostics} == {"E035", "E050"}
    assert all(isinstance(d, lawcode.Diagnostic) and d.span and d.span.file == "<input>" for d in diagnostics)


def test_ruleset_exposes_graph_and_documents() -> None:
    ruleset = lawcode.load_ruleset(MINI)
    assert "groups-2017" in ruleset.documents
    graph = ruleset.graph
    assert graph.has_edge("field:groups.status", "rule:group-member-cap")
    assert graph.has_edge("rule:group-member-cap", "article:groups-2017 art 8 para 1")
    assert graph.has_edge("param:max_group_members", "rule:group-member-cap")


def test_missing_file_is_a_lawcode_error(tmp_path: Path) -> None:
    with pytest.raises(lawcode.LawcodeError):
        lawcode.load_ruleset(tmp_path / "nope.law")


@pytest.mark.parametrize("text", ["", "   ", "/etc/passwd", "README.md"])
def test_strings_that_are_not_ruleset_paths_are_read_as_text(text: str) -> None:
    """Only `.law` files and folders are paths; other strings are never read from disk."""
    with pytest.raises(lawcode.LawcodeError) as caught:
        lawcode.load_ruleset(text)
    assert all(d.span is None or d.span.file == "<input>" for d in caught.value.diagnostics)
