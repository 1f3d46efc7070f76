"""Every `lawcode test` case of the CAC rulesets runs on the SQL backends too: DuckDB and Spark.

The cases are split over two worker processes (CI has two cores).
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from spark_cases import run_spark_cases

from helpers import ROOT

CASES = ROOT / "rulesets" / "cac" / "tests"


def _run(path: str) -> tuple[int, list[str]]:
    from lawcode.testing import run_tests

    run = run_tests([Path(path)], backend="duckdb")
    failures = [f"{r.case.name}: {r.error or (r.missing, r.unexpected)}" for r in run.results if not r.passed] + [str(e) for e in run.errors]
    return run.passed, failures


@pytest.mark.slow
def test_every_cac_case_passes_on_duckdb() -> None:
    files = sorted(str(p) for p in CASES.glob("*.test.yaml"))
    assert files
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_run, files))
    failures = [f for _, fs in results for f in fs]
    assert not failures, "\n".join(failures[:20])
    assert sum(passed for passed, _ in results) > 100


# One Spark driver per worker, on one core: the queries are small, the driver's own work
# (analysis, planning, scheduling) is what costs. C1-only JIT and the serial collector
# spend less CPU in a JVM that lives minutes; neither changes a result.
SPARK_MASTER = "local[1]"
SPARK_CONFIG = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


@pytest.mark.spark
def test_every_cac_case_passes_on_spark() -> None:
    """Every case, each against its exact expected violations, on Spark in local mode.

    Nothing is sampled and no rule is left out. What makes this many Spark evaluations
    affordable is the backend's small-data mode (`spark_backend.py`): in-memory tables
    registered by content hash, and a query's rows reused when the same SQL text reads
    tables of the same content. Cases patch one collection or two of a shared base, so
    most queries of a case are the base's; every row still comes from Spark, for exactly
    that SQL over exactly that data.
    """
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:  # pragma: no cover
        pytest.skip("no Java runtime (Debian: openjdk-17-jre-headless)")
    from lawcode.testing import load_test_file

    tasks: list[tuple[str, int, int]] = []
    for path in sorted(CASES.glob("*.test.yaml")):
        count = len(load_test_file(path))
        half = count // 2
        tasks += [(str(path), 0, half), (str(path), half, count)]
    started = time.perf_counter()
    # spawn, not fork: a worker must start its own JVM, not share a gateway this process may hold
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = [pool.submit(run_spark_cases, path, start, stop, SPARK_MASTER, SPARK_CONFIG) for path, start, stop in tasks]
        results = [r.result() for r in runs]
    elapsed = time.perf_counter() - started
    cases = sum(r[3] for r in results)
    cpu = sum(r[4] for r in results)
    print(f"spark: {cases} cases in {elapsed:.0f}s ({elapsed / cases:.2f}s a case, two workers; {cpu / cases:.2f} CPU seconds a case)")
    failures = [f for r in results for f in r[1]]
    assert not failures, "\n".join(failures[:20])
    assert cases == sum(r[0] for r in results) == sum(stop for _, _, stop in tasks) - sum(start for _, start, _ in tasks) >= 249
