"""Every `lawcode test` case of the CAC rulesets runs on the SQL backend too.

The cases are split over two worker processes (CI has two cores).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from helpers import ROOT


def _run(path: str) -> tuple[int, list[str]]:
    from lawcode.testing import run_tests

    run = run_tests([Path(path)], backend="duckdb")
    failures = [f"{r.case.name}: {r.error or (r.missing, r.unexpected)}" for r in run.results if not r.passed] + [str(e) for e in run.errors]
    return run.passed, failures


def test_every_cac_case_passes_on_duckdb() -> None:
    files = sorted(str(p) for p in (ROOT / "rulesets" / "cac" / "tests").glob("*.test.yaml"))
    assert files
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_run, files))
    failures = [f for _, fs in results for f in fs]
    assert not failures, "\n".join(failures[:20])
    assert sum(passed for passed, _ in results) > 100
