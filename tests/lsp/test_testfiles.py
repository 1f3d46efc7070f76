"""Rule test files in the editor: checked as saved, as `lawcode test` reads them, with
the rule ids of each case looked up in the ruleset (a did-you-mean and its quick fix)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.lspclient import Client

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini"
CASES = """\
base: compliant.json
cases:
  - name: a compliant platform
    rule: verified-before-postng
    expect: []
"""


def test_the_cac_test_files_have_no_problem() -> None:
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    try:
        client.initialize(ROOT / "rulesets" / "cac")
        for path in sorted((ROOT / "rulesets" / "cac" / "tests").glob("*.test.yaml")):
            assert client.diagnostics(client.open(path)) == [], path.name
    finally:
        assert client.close() == 0


def test_a_misspelt_rule_and_a_broken_file(tmp_path: Path) -> None:
    for name in ("mini.law", "documents.law", "snapshot.schema.json", "compliant.json"):
        shutil.copy(MINI / name, tmp_path / name)
    cases = tmp_path / "mini.test.yaml"
    cases.write_text(CASES, encoding="utf-8")
    client = Client(cwd=ROOT, env={"LAWCODE_CACHE_DIR": ""})
    try:
        client.initialize(tmp_path)
        uri = client.open(cases)
        (d,) = client.diagnostics(uri)
        assert d["code"] == "T002" and "did you mean `verified-before-posting`?" in d["message"]
        assert d["range"] == {"start": {"line": 3, "character": 10}, "end": {"line": 3, "character": 32}}
        (action,) = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}})
        assert action["edit"]["changes"][uri][0]["newText"] == "verified-before-posting"

        cases.write_text(CASES.replace("expect: []", "expect: [").replace("postng", "posting"), encoding="utf-8")
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
        (d,) = client.diagnostics(uri)
        assert d["code"] == "T001" and "not valid YAML" in d["message"]
    finally:
        assert client.close() == 0
    assert b"Traceback" not in client.stderr
