"""Every `lawcode test` case of the CAC rulesets runs on DuckDB too, each file its own test.

On Spark the CAC rulesets are checked on their examples and mutations of them
(test_cac_spark.py); the case-by-case Spark sweep is a release check,
`lawcode test rulesets/cac --backend spark`, too long for CI (CONTRIBUTING.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ROOT

CASES = ROOT / "rulesets" / "cac" / "tests"
FILES = sorted(CASES.glob("*.test.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_cac_case_passes_on_duckdb(path: Path) -> None:
    from lawcode.testing import run_tests

    run = run_tests([path], backend="duckdb")
    failures = [f"{r.case.name}: {r.error or (r.missing, r.unexpected)}" for r in run.results if not r.passed] + [str(e) for e in run.errors]
    assert not failures, "\n".join(failures[:20])
    assert run.passed == len(run.results) > 0
