"""Deep and long expressions, exponential definitions, literal names (issue 15).

Long flat chains of `and`, `or`, `+`, `-`, `*` are ordinary text (a generated ruleset
writes them): every stage (parse, fmt, lint, check on each backend, explain) handles them
without a recursion as deep as the chain. Genuinely deep nesting (`not not not …`,
parentheses around a right operand) is refused at its span with E070, exit 2. Literals
and keywords are refused as the names of definitions, parameters and bindings (E071).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bad_inputs.support import MINI, MINI_SNAPSHOT, assert_user_error, lawcode

from lawcode.dsl.parser import MAX_NESTING


def _ruleset(tmp_path: Path, require: str, declarations: str = "") -> Path:
    """A ruleset over the mini snapshot whose one rule requires `require` of every user."""
    path = tmp_path / "chain.law"
    path.write_text(
        f'schema "{MINI / "snapshot.schema.json"}"\nimport "{MINI / "documents.law"}"\n{declarations}\n'
        "rule chain {\n  cites groups-2017 art 6 para 1\n  for each u in users\n"
        f"  require {require}\n  message \"user {{u.id}}\"\n}}\n",
        encoding="utf-8",
    )
    return path


# Users u1…u4; `u.id == "u9"` is false for every one, so a chain of them is false and the
# rule is violated four times, with the evidence of each term read.
LONG_CHAINS = {
    "or-500": " or ".join(['u.id == "u9"'] * 500),
    "and-500": " and ".join(["present(u.id)"] * 499 + ['u.id == "u9"']),
    "plus-10k": " + ".join(["len(u.id)"] * 10_000) + " < 0",
    "minus-2k": "len(u.id) - " + " - ".join(["len(u.id)"] * 2_000) + " > 0",
    "times-1k": " * ".join(["(len(u.id) - 1)"] * 1_000) + " < 0",
    "constants-10k": " + ".join(["1"] * 10_000) + " < 0 or " + " - ".join(["1.5"] * 10_000) + " > 0",
    "decimals-100": "len(u.id) * 1.5" + " - 0.5" * 100 + " > 0",
    "dates-600": "as_of" + " - 1 days" * 300 + " + 1 months" * 300 + " < 2000-01-01",
}


def _rules(tmp_path: Path, requires: dict[str, str]) -> Path:
    """One ruleset with a rule per case (one process checks them all: each start costs a second)."""
    path = tmp_path / "chains.law"
    rules = "".join(
        f"rule {name} {{\n  cites groups-2017 art 6 para 1\n  for each u in users\n  require {require}\n  message \"user {{u.id}}\"\n}}\n\n"
        for name, require in requires.items()
    )
    path.write_text(f'schema "{MINI / "snapshot.schema.json"}"\nimport "{MINI / "documents.law"}"\n\n{rules}', encoding="utf-8")
    return path


def test_long_flat_chains_are_checked_on_python(tmp_path: Path) -> None:
    ruleset = _rules(tmp_path, LONG_CHAINS)
    result = lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", "python", "-f", "json")
    assert_user_error(result, code=1)
    report = json.loads(result.stdout)
    for name in LONG_CHAINS:
        assert sum(v["rule"] == name for v in report["violations"]) == 4, name


@pytest.mark.parametrize("name", sorted(LONG_CHAINS))
def test_a_long_flat_chain_is_checked_on_duckdb(tmp_path: Path, name: str) -> None:
    """One rule a run: DuckDB's query for several such rules is wider than a row may be."""
    ruleset = _ruleset(tmp_path, LONG_CHAINS[name])
    result = lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", "duckdb", "-f", "json")
    assert_user_error(result, code=1)
    assert len(json.loads(result.stdout)["violations"]) == 4


def test_a_long_chain_sql_cannot_group_exactly_is_refused_by_the_sql_backend(tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, "len(u.id) * 1.5" + " - 0.5" * 1_000 + " > 0")
    assert_user_error(lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", "python"), code=1)
    assert_user_error(lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", "duckdb"), "B001", "a chain of 1001 terms", "--backend python")


def test_long_chains_lint_format_and_explain(tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, LONG_CHAINS["or-500"] + " or " + LONG_CHAINS["plus-10k"])
    assert_user_error(lawcode("lint", ruleset), code=0)
    formatted = lawcode("fmt", "-", stdin=ruleset.read_bytes())
    assert_user_error(formatted, code=0)
    assert formatted.stdout.count(" or ") == 500
    explained = lawcode("explain", "chain", ruleset, "-s", MINI_SNAPSHOT, "--subject", "u1", "-f", "json")
    assert_user_error(explained, code=0)
    assert json.loads(explained.stdout)["explanations"][0]["outcome"] == "violated"


DEEP = {
    "not-1k": "not " * 1_000 + "true",
    "negate": "- " * 1_000 + "1 < 0",
    "right-nested": "(1 + " * 1_000 + "1" + ")" * 1_000 + " < 0",
    "coalesce": " ?? ".join(["u.age"] * 1_000) + " ?? 0 < 0",
    "else-if": "if false then true else " * 1_000 + "true",
}


def test_deep_nesting_is_refused_at_its_span(tmp_path: Path) -> None:
    ruleset = _rules(tmp_path, DEEP)
    lines = ruleset.read_text(encoding="utf-8").splitlines()
    places = [f"{ruleset.name}:{n}:" for n, line in enumerate(lines, 1) if line.startswith("  require")]
    for command in (("lint", ruleset), ("check", ruleset, "-s", MINI_SNAPSHOT)):
        assert_user_error(lawcode(*command), "E070", f"nested deeper than {MAX_NESTING} levels", *places)


def test_nesting_up_to_the_limit_runs_everywhere(tmp_path: Path) -> None:
    depth = MAX_NESTING - 4  # the `not`s, the comparison, `u.id`, `u`
    ruleset = _ruleset(tmp_path, "not " * depth + 'u.id == "u9"' if depth % 2 else "not " * depth + 'u.id != "u9"')
    for backend in ("python", "duckdb"):
        assert_user_error(lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", backend), code=0)
    assert_user_error(lawcode("explain", "chain", ruleset, "-s", MINI_SNAPSHOT, "--subject", "u1"), code=0)
    assert_user_error(lawcode("fmt", ruleset), code=0)  # wraps the long `require`
    assert_user_error(lawcode("fmt", "--check", ruleset), code=0)  # and is then at rest


@pytest.mark.parametrize(
    ("declaration", "name"),
    [
        ("def true = 5", "true"),
        ("def false(u: users) = 1", "false"),
        ("def null = 1", "null"),
        ("def count = 1", "count"),
        ("def f(and: users) = 1", "and"),
        ("parameter if: number = 1", "if"),
        ("def g = count(exists in users)", "exists"),
        ("def h = sum(1 for not in users)", "not"),
    ],
)
def test_a_literal_or_keyword_is_refused_as_a_name(tmp_path: Path, declaration: str, name: str) -> None:
    ruleset = _ruleset(tmp_path, "true", declaration)
    assert_user_error(lawcode("lint", ruleset), "E071", f"`{name}`", f"{ruleset.name}:3:")


def test_a_keyword_as_a_rules_subject_is_refused(tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, "true").read_text(encoding="utf-8").replace("for each u in users", "for each else in users")
    path = tmp_path / "subject.law"
    path.write_text(ruleset.replace("{u.id}", "x"), encoding="utf-8")
    assert_user_error(lawcode("lint", path), "E071", "`else`", f"{path.name}:6:12")


def test_definitions_that_multiply_are_refused_by_the_sql_backend_not_run(tmp_path: Path) -> None:
    """Sixteen definitions each calling the previous twice: 65,536 copies once inlined into
    SQL (105 s and 4.8 GB in DuckDB before). The SQL backend refuses before generating."""
    chain = "\n".join(f"def d{i}(u: users) = d{i - 1}(u) + d{i - 1}(u)" for i in range(1, 17))
    ruleset = _ruleset(tmp_path, "d16(u) < 0", "def d0(u: users) = len(u.id)\n" + chain)
    assert_user_error(lawcode("check", ruleset, "-s", MINI_SNAPSHOT, "-b", "duckdb"), "B001", "grows by 524,283 expression nodes", "--backend python")
