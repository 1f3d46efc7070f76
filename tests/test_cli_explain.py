"""`lawcode explain` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import DATA, ROOT
from lawcode.cli import cli

MINI = str(DATA / "mini" / "mini.law")
SNAPSHOT = str(DATA / "mini" / "violations.json")
CAC = ROOT / "rulesets" / "cac"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_explain_text_tree() -> None:
    code, out, _ = invoke("explain", "group-member-cap", MINI, "-s", SNAPSHOT)
    assert code == 0
    assert out == (DATA / "explain" / "group-member-cap.txt").read_text()
    assert "✗ members(g) <= max_group_members  tests/data/mini/mini.law:39:11" in out


def test_explain_json_for_one_subject() -> None:
    code, out, _ = invoke("explain", "group-member-cap", MINI, "--snapshot", SNAPSHOT, "--subject", "g2", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    (e,) = doc["explanations"]
    assert (e["subject"]["id"], e["outcome"], [c["clause"] for c in e["clauses"]]) == ("g2", "satisfied", ["where"])
    assert e["clauses"][0]["tree"]["children"][0]["pointer"] == "/groups/1/status"


def test_explain_limit_and_nothing_failing() -> None:
    code, out, _ = invoke("explain", "verified-before-posting", MINI, "-s", SNAPSHOT, "--limit", "1")
    assert code == 0 and out.count("\nsubject users ") == 1
    assert "… and 1 more of 2 failing subjects" in out
    code, out, _ = invoke("explain", "verified-before-posting", MINI, "-s", str(DATA / "mini" / "compliant.json"))
    assert code == 0 and "no subject is violated or undetermined" in out


def test_explain_mistakes_exit_2_with_hints() -> None:
    code, _, err = invoke("explain", "group-membr-cap", MINI, "-s", SNAPSHOT)
    assert code == 2 and "error[X001]: no rule `group-membr-cap`" in err and "did you mean `group-member-cap`?" in err
    code, _, err = invoke("explain", "group-member-cap", MINI, "-s", SNAPSHOT, "--subject", "g11")
    assert code == 2 and "did you mean `g1`?" in err
    code, _, err = invoke("explain", "group-member-cap", MINI)
    assert code == 2 and "--snapshot" in err


def test_explain_as_a_real_process() -> None:
    run = subprocess.run([sys.executable, "-m", "lawcode", "explain", "sanction-step", MINI, "-s", SNAPSHOT, "--subject", "/sanctions/0"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "subject sanctions s1 (/sanctions/0): VIOLATED" in run.stdout
    run = subprocess.run([sys.executable, "-m", "lawcode", "explain", "nope", MINI, "-s", SNAPSHOT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr


@pytest.mark.skipif(not list(CAC.rglob("*.law")), reason="rulesets/cac has no rules yet")
def test_explain_on_the_cac_rulesets() -> None:
    code, out, err = invoke("explain", "group-member-cap", str(CAC), "-s", str(CAC / "examples" / "violations.json"), "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["failing"] >= 1 and doc["explanations"][0]["outcome"] == "violated"
    assert doc["explanations"][0]["source"]["file"].startswith("rulesets/cac/")


def complete(words: str, cword: int) -> list[str]:
    """What bash completion offers, through click's own protocol (`_LAWCODE_COMPLETE`)."""
    env = {**__import__("os").environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_LAWCODE_COMPLETE": "bash_complete"}
    run = subprocess.run([sys.executable, "-m", "lawcode"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return [line.split(",", 1)[1] for line in run.stdout.splitlines()]


def test_shell_completion() -> None:
    env = {**__import__("os").environ, "_LAWCODE_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, "-m", "lawcode"], env=env, capture_output=True, text=True, timeout=120).stdout
    assert "_lawcode_completion()" in script and "complete -o nosort -F _lawcode_completion" in script
    assert "explain" in complete("lawcode ex", 1)
    assert complete(f"lawcode graph {MINI} --rule group", 4) == ["group-member-cap"]
    assert complete(f"lawcode explain group-member-cap {MINI} -s {SNAPSHOT} --subject g", 7) == ["g1", "g2"]
    assert complete(f"lawcode explain sanction-step {MINI} -s {SNAPSHOT} --subject ", 7) == ["s1", "s2"]
