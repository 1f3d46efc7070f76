"""Every `lawcode test` case of the CAC rulesets runs on the SQL backends too: DuckDB and Spark.

Each test file is its own test on DuckDB, and four on Spark (`spark_cases.CHUNKS_PER_FILE`),
run in the test process: under `pytest -n auto` the xdist workers share them out between
the other tests, so the two cores stay busy and no sweep runs alone at the end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from spark_cases import CHUNKS_PER_FILE, chunk, run_spark_cases

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
    assert run.passed == len(run.results) > 40


def test_the_spark_chunks_are_every_case_once() -> None:
    """The chunks of each file partition its cases: none left out, none run twice."""
    from lawcode.testing import load_test_file

    total = 0
    for path in FILES:
        count = len(load_test_file(path))
        ranges = [chunk(count, index) for index in range(CHUNKS_PER_FILE)]
        assert [i for start, stop in ranges for i in range(start, stop)] == list(range(count))
        assert all(stop > start for start, stop in ranges), f"{path.name}: an empty chunk"
        total += count
    assert len(FILES) == 4 and total >= 249


@pytest.mark.spark
@pytest.mark.parametrize("index", range(CHUNKS_PER_FILE))
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_cac_case_passes_on_spark(spark_session: Any, path: Path, index: int) -> None:
    """Every case, each against its exact expected violations, on Spark in local mode.

    Nothing is sampled and no rule is left out. What makes this many Spark evaluations
    affordable is the backend's small-data mode (`spark_backend.py`): in-memory tables
    registered by content hash, and a query's rows reused when the same SQL text reads
    tables of the same content. Cases patch one collection or two of a shared base, so
    most queries of a case are the base's; every row still comes from Spark, for exactly
    that SQL over exactly that data.
    """
    from lawcode.testing import load_test_file

    start, stop = chunk(len(load_test_file(path)), index)
    started = time.perf_counter()
    passed, failures, _, cases, cpu = run_spark_cases(spark_session, path, start, stop)
    elapsed = time.perf_counter() - started
    print(f"spark: {path.name} cases {start}-{stop - 1} in {elapsed:.0f}s ({cpu / cases:.2f} CPU seconds a case, driver and JVM)")
    assert not failures, "\n".join(failures[:20])
    assert passed == cases == stop - start > 0
