"""Warnings for unused parameters, definitions and imports (compiler/usage.py), as a writer sees them.

Each case in tests/data/warnings/ is a `.law` file or a folder that compiles, and its
`.expected` file holds the rendered warnings (`LAWCODE_REGEN=1` rewrites them; review the diff).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lawcode
from helpers import DATA, ROOT, golden
from lawcode.compiler.slips import duration_literal
from lawcode.compiler.usage import UNUSED_DEFINITION, UNUSED_IMPORT, UNUSED_PARAMETER
from lawcode.dsl import ast

CASES = sorted(p for p in (DATA / "warnings").iterdir() if p.suffix == ".law" or p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_warning_text(case: Path) -> None:
    ruleset = lawcode.load_ruleset(case.relative_to(Path.cwd()))
    assert ruleset.warnings, "each case has something unused"
    for warning in ruleset.warnings:
        assert not warning.is_error and warning.span is not None
    golden(case.with_suffix(".expected"), "\n\n".join(w.render(ruleset.program.sources) for w in ruleset.warnings) + "\n")


def test_each_kind_has_its_code() -> None:
    codes = {case.stem: {w.code for w in lawcode.load_ruleset(case).warnings} for case in CASES}
    assert codes == {"unused-parameter": {UNUSED_PARAMETER}, "unused-definition": {UNUSED_DEFINITION}, "unused-import": {UNUSED_DEFINITION, UNUSED_IMPORT}}


@pytest.mark.parametrize("ruleset", ["tests/data/mini/mini.law", "tests/data/testing/ruleset", "rulesets/cac", "src/lawcode/starter"])
def test_the_bundled_and_test_rulesets_use_everything(ruleset: str) -> None:
    assert [w.render() for w in lawcode.load_ruleset(ROOT / ruleset).warnings] == []


def test_lint_shows_the_warnings_and_exits_0() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "lawcode", "lint", str(DATA / "warnings" / "unused-parameter.law")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "warning[W001]: parameter `max_group_members` is never used" in done.stderr
    assert "1 warning(s)" in done.stdout


@pytest.mark.parametrize(("name", "literal"), [("P30D", "30 days"), ("P6M", "6 months"), ("PT48H", "48 hours"), ("P1DT12H", "1 day + 12 hours"), ("P1Y", "1 year"), ("p2w", "2 weeks"), ("P", None), ("PT", None), ("Policy", None), ("P1DT", None)])
def test_iso_durations_as_names_get_the_literal(name: str, literal: str | None) -> None:
    assert duration_literal(name) == literal


def test_thenames_read_are_the_graphs() -> None:
    """usage.py's own walk (it runs on every compile) finds what `graph.reads` finds, fields aside."""
    from lawcode.compiler.graph import reads
    from lawcode.compiler.usage import names_read

    program = lawcode.load_ruleset(ROOT / "rulesets" / "cac").program
    exprs = [e for r in program.rules for e in (r.where, r.unless, r.require) if e is not None] + [d.body for d in program.definitions.values()]
    assert exprs
    for expr in exprs:
        assert set(names_read(expr)) == {name for kind, name in reads(expr) if kind != "field"}


@pytest.mark.parametrize("ruleset", ["rulesets/cac", "tests/data/mini/mini.law", "tests/data/lsp/usage"])
def test_a_rules_syntax_reads_the_parameters_and_definitions_its_ir_reads(ruleset: str) -> None:
    """`rule_reads` (what the language server counts for a rule it did not compile again)
    agrees with lowering on every parameter and definition, and finds every cited document."""
    from lawcode.compiler.usage import names_read, rule_reads

    program = lawcode.load_ruleset(ROOT / ruleset).program
    declared = set(program.parameters) | set(program.definitions)
    written = {d.id: d for m in program.modules.values() for d in m.declarations if isinstance(d, ast.Rule)}
    assert program.rules
    for rule in program.rules:
        exprs = [e for e in (rule.where, rule.unless, rule.require, *(p for p in rule.message if not isinstance(p, str))) if e is not None]
        lowered = {name for e in exprs for name in names_read(e)}
        syntax = rule_reads(written[rule.id])
        assert syntax & declared == lowered & declared, rule.id
        assert {c.document for c in (*rule.citations, *rule.related)} <= syntax, rule.id
