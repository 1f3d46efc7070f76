"""`lawcode export catalog` and `lawcode check --format oscal|oscal-poam` as a user runs
them: real subprocesses, real exit codes, clear messages and no traceback for a mistake,
nothing of the user's overwritten."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from oscal_check import schema_errors, trestle_load

from helpers import DATA, ROOT

CAC = str(ROOT / "rulesets" / "cac")
MINI = str(DATA / "mini" / "mini.law")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_export_catalog_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    written = run("export", "catalog", CAC, "-o", str(out))
    assert written.returncode == 0 and written.stdout == "", written.stderr
    catalog = json.loads(out.read_text(encoding="utf-8"))
    assert schema_errors(catalog) == []
    trestle_load(catalog)
    printed = run("export", "catalog", CAC)
    assert printed.returncode == 0 and printed.stdout == out.read_text(encoding="utf-8")


def test_export_catalog_of_chosen_documents() -> None:
    result = run("export", "catalog", CAC, "--document", "forum-2017", "-d", "groups-2017", "--title", "Two regulations")
    assert result.returncode == 0, result.stderr
    catalog = json.loads(result.stdout)["catalog"]
    assert [g["id"] for g in catalog["groups"]] == ["forum-2017", "groups-2017"]
    assert catalog["metadata"]["title"] == "Two regulations"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "catalog", "no/such/rules"], "no such file or folder"),
        (["export", "catalog", CAC, "-d", "groups-2071"], "error[C001]: no document `groups-2071` in these rulesets"),
        (["export", "catalog", CAC, "-o", str(ROOT / "rulesets")], "error[O002]: the output is a folder, not a file"),
        (["export", "catalog", CAC, "-o", str(ROOT / "no" / "such" / "dir" / "c.json")], "error[O"),
        (["export", "catalog"], "Missing argument"),
        (["export", "poam"], "No such command"),
    ],
)
def test_mistakes_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    for law in [*Path(MINI).parent.glob("*.law"), Path(MINI).parent / "snapshot.schema.json"]:  # mini.law imports its neighbours
        (tmp_path / law.name).write_text(law.read_text(encoding="utf-8"), encoding="utf-8")
    rules = tmp_path / "mini.law"
    before = rules.read_bytes()
    result = run("export", "catalog", str(rules), "-o", str(rules))
    assert result.returncode == 2 and "error[O003]" in result.stderr
    assert rules.read_bytes() == before


def test_a_read_only_output_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    out.write_text("mine", encoding="utf-8")
    out.chmod(0o444)
    result = run("export", "catalog", MINI, "-o", str(out))
    assert result.returncode == 2 and "read-only" in result.stderr
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(("fmt", "model"), [("oscal", "assessment-results"), ("oscal-poam", "plan-of-action-and-milestones")])
@pytest.mark.parametrize("example", ["violations", "compliant"])
def test_check_writes_oscal(fmt: str, model: str, example: str, tmp_path: Path) -> None:
    out = tmp_path / f"{fmt}.json"
    snapshot = str(Path("rulesets") / "cac" / "examples" / f"{example}.json")
    result = run("check", CAC, "-s", snapshot, "-f", fmt, "-o", str(out))
    assert result.returncode == (1 if example == "violations" else 0), result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(document) == [model]
    assert schema_errors(document) == []
    trestle_load(document)


def test_document_keys_complete_from_the_rulesets_typed() -> None:
    env = {**os.environ, "COMP_WORDS": f"lawcode export catalog {CAC} --document g", "COMP_CWORD": "5", "_LAWCODE_COMPLETE": "bash_complete"}
    done = subprocess.run([sys.executable, "-m", "lawcode"], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.stdout.split() == ["plain,groups-2017"], done.stderr
    env["COMP_WORDS"] = "lawcode export catalog no/such/rules --document "
    done = subprocess.run([sys.executable, "-m", "lawcode"], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.stdout.split() == [] and "Traceback" not in done.stderr
