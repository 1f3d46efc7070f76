"""`lawcode graph` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import DATA, ROOT
from lawcode.cli import cli

MINI = str(DATA / "mini" / "mini.law")
CAC = ROOT / "rulesets" / "cac"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_impact_text_lists_parameters_rules_and_articles() -> None:
    code, out, _ = invoke("graph", MINI, "--impact", "policy.max_group_members")
    assert code == 0
    assert out == (
        "changing field `policy.max_group_members` affects:\n"
        "  parameters (1)\n"
        "    max_group_members         tests/data/mini/mini.law:10:1\n"
        "  rules (1)\n"
        "    group-member-cap          tests/data/mini/mini.law:35:1\n"
        "  articles (1)\n"
        "    groups-2017 art 8 para 1  Caps on members per group.\n"
    )


def test_rule_text_lists_what_it_reads_and_cites() -> None:
    code, out, _ = invoke("graph", MINI, "--rule", "log-retention")
    assert code == 0
    assert out.splitlines()[0] == "rule log-retention (tests/data/mini/mini.law:43:1) reads and cites:"
    assert "    policy.log_retention" in out and "    log_retention" in out
    assert "groups-2017 art 13 para 2  Keep network logs for at least six months." in out


def test_whole_graph_overview_and_formats() -> None:
    code, out, _ = invoke("graph", MINI)
    assert code == 0 and out.startswith("19 snapshot fields, 3 parameters, 1 ladder, 2 definitions, 4 rules, 4 articles\n")
    assert "rule sanction-step  tests/data/mini/mini.law:52:1\n  reads snapshot fields: policy.escalation, sanctions," in out
    code, out, _ = invoke("graph", MINI, "--format", "json")
    assert code == 0 and len(json.loads(out)["nodes"]) == 33
    code, out, _ = invoke("graph", MINI, "-f", "dot", "--impact", "members")
    assert code == 0 and out.startswith("digraph lawcode {") and '"def:members" -> "rule:group-member-cap";' in out
    code, out, _ = invoke("graph", MINI, "-f", "mermaid", "--rule", "verified-before-posting")
    assert code == 0 and out.startswith("flowchart LR\n")


def test_field_nothing_reads_and_unknown_names(tmp_path: Path) -> None:
    code, out, _ = invoke("graph", MINI, "--impact", "groups.member_count")
    assert (code, out) == (0, "nothing in this ruleset reads `groups.member_count` (the snapshot schema declares it)\n")
    code, _, err = invoke("graph", MINI, "--impact", "groups.membercount")
    assert code == 2 and "no snapshot field, parameter, ladder or definition `groups.membercount`" in err
    assert "did you mean `groups.member_count`?" in err
    code, _, err = invoke("graph", MINI, "--rule", "log-retension")
    assert code == 2 and "did you mean `log-retention`?" in err
    code, _, err = invoke("graph", MINI, "--rule", "log-retention", "--impact", "as_of")
    assert code == 2 and "one question at a time" in err
    out_file = tmp_path / "g.dot"
    assert invoke("graph", MINI, "-f", "dot", "-o", str(out_file))[0] == 0
    assert out_file.read_text().startswith("digraph lawcode {")


def test_graph_as_a_real_process() -> None:
    run = subprocess.run([sys.executable, "-m", "lawcode", "graph", MINI, "--impact", "users.verified_at"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "definitions (1)\n    verified" in run.stdout and "verified-before-posting" in run.stdout
    run = subprocess.run([sys.executable, "-m", "lawcode", "graph", MINI, "--impact", "nope"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr


@pytest.mark.skipif(not list(CAC.rglob("*.law")), reason="rulesets/cac has no rules yet")
def test_graph_on_the_cac_rulesets() -> None:
    code, out, err = invoke("graph", str(CAC), "--impact", "policy.groups.max_members")
    assert code == 0, err
    assert "group-member-cap" in out and "groups-2017 art 8 para 1" in out
    code, out, _ = invoke("graph", str(CAC), "-f", "json")
    doc = json.loads(out)
    rules = [n for n in doc["nodes"] if n["kind"] == "rule"]
    assert len(rules) > 0 and all(n["span"]["file"].startswith("rulesets/cac/") for n in rules)
