"""docs/writing-rules.md's example (docs/examples/phone-and-complaints) works as the page says."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonpatch

from helpers import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "phone-and-complaints"
SAMPLES = [EXAMPLE / "samples" / "2025-06.json", EXAMPLE / "samples" / "2025-07.json"]


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *map(str, args)], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_lint_is_clean_and_the_files_are_formatted() -> None:
    lint = run("lint", EXAMPLE)
    assert lint.returncode == 0 and "2 rules, 1 document(s), 0 warning(s)" in lint.stdout, lint.stdout + lint.stderr
    assert run("fmt", "--check", EXAMPLE).returncode == 0


def test_both_samples_are_compliant_and_the_tests_pass() -> None:
    for sample in SAMPLES:
        checked = run("check", EXAMPLE, "-s", sample)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    for backend in ("python", "duckdb"):
        tests = run("test", EXAMPLE / "tests", "--backend", backend)
        assert tests.returncode == 0 and "10 passed, 0 failed" in tests.stdout, tests.stdout


def test_the_schema_is_the_draft_with_the_one_edit_the_page_describes() -> None:
    drafted = run("schema", "infer", *SAMPLES, "--title", "Accounts, complaints and reviews")
    assert drafted.returncode == 0, drafted.stderr
    committed = json.loads((EXAMPLE / "snapshot.schema.json").read_text(encoding="utf-8"))
    edits = jsonpatch.make_patch(json.loads(drafted.stdout), committed).patch
    assert edits == [{"op": "remove", "path": "/properties/policy/required"}]
