"""`--backend auto`'s cost model: its choices given sizes (no clock is read here)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lawcode
from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.engine.sql import choose, cost

ROOT = Path(__file__).resolve().parents[3]
FIVE = lawcode.load_ruleset(ROOT / "bench" / "five").program
CAC = lawcode.load_ruleset(ROOT / "rulesets" / "cac").program
MB = 1_000_000


def test_small_json_goes_to_python_and_large_json_to_duckdb() -> None:
    for program in (FIVE, CAC):
        nodes = cost.rule_size(program)
        assert cost.cheaper(100_000, nodes) == "python"
        assert cost.cheaper(1_000 * MB, nodes) == "duckdb"


def test_the_crossing_comes_sooner_for_larger_rules() -> None:
    """Python's evaluation grows with bytes × rules, DuckDB's start-up only with the rules:
    at some size the five rules stay on python while the CAC rulesets move to DuckDB."""
    def crossing(nodes: int) -> int:
        size = 1_000
        while cost.cheaper(size, nodes) == "python":
            size = int(size * 1.1) + 1
        return size

    five, cac = crossing(cost.rule_size(FIVE)), crossing(cost.rule_size(CAC))
    assert cac < five
    assert cost.cheaper(cac, cost.rule_size(FIVE)) == "python"


def test_a_21_mb_cac_snapshot_goes_to_duckdb() -> None:
    """The issue's case: 81 s on python under the old 32 MB rule, 5.4 s on DuckDB."""
    assert cost.cheaper(21 * MB, cost.rule_size(CAC)) == "duckdb"
    assert cost.expected_seconds("python", 21 * MB, cost.rule_size(CAC)) > 2 * cost.expected_seconds("duckdb", 21 * MB, cost.rule_size(CAC))


def test_the_model_grows_with_size_and_rules() -> None:
    for backend in ("python", "duckdb"):
        assert cost.expected_seconds(backend, 10 * MB, 100) < cost.expected_seconds(backend, 20 * MB, 100)
        assert cost.expected_seconds(backend, 10 * MB, 100) < cost.expected_seconds(backend, 10 * MB, 1_000)
    with pytest.raises(ValueError, match="spark"):
        cost.expected_seconds("spark", 1, 1)


def test_rule_size_counts_each_definition_once() -> None:
    head = f'schema "{DATA / "mini" / "snapshot.schema.json"}"\n' + 'document d { title "t" issuer "i" issued 2017-01-01 in_force 2017-01-01 source "s" article 1 "a" { } }\n'
    head += "def big(u: users) = u.credit + u.credit + u.credit + u.credit\n"
    once = compile_text(head + "rule r { cites d art 1 for each u in users require big(u) > 0 }\n")
    twice = compile_text(head + "rule r { cites d art 1 for each u in users require big(u) > 0 and big(u) < 9 }\n")
    body = cost.rule_size(once) - 4  # the rule: Compare, DefCall, Var, Const
    assert body > 4
    assert cost.rule_size(twice) == cost.rule_size(once) + 5  # And, Compare, DefCall, Var, Const


def test_choose_reads_the_file_size_and_the_program(tmp_path: Path) -> None:
    small = DATA / "mini" / "violations.json"
    assert choose(str(small), "auto", FIVE) == "python"
    assert choose(str(small), "auto") == "python"  # no program: rules the size of CAC's
    assert choose({"as_of": "2024-01-01"}, "auto", CAC) == "python"  # in memory: no file to stream
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "users.jsonl").write_text("")
    assert choose(str(tmp_path / "p"), "auto", FIVE) == "duckdb"
    assert choose(str(small), "duckdb", FIVE) == "duckdb"
