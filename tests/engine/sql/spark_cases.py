"""The Spark session the tests share, and the runner of the CAC rule cases on it (test_rule_cases.py).

One JVM per test process: the `spark_session` fixture (conftest.py beside this file)
starts it on first use and every Spark test of that process reuses it, so under
`pytest -n auto` each xdist worker starts one driver, and the sweep of the CAC cases is
cut into chunks the workers take turns with, between other tests, instead of one
ten-minute test that ran alone at the end of the suite.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any

# One core per driver: the queries are small, the driver's own work (analysis, planning,
# scheduling) is what costs, and the other core belongs to the other xdist worker. C1-only
# JIT and the serial collector spend less CPU in a JVM that lives minutes; neither changes
# a result.
SPARK_MASTER = "local[1]"
SPARK_CONFIG = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}

# Each CAC test file's cases run in this many chunks, each chunk one test: short enough
# (about a minute of CPU) that the last one to finish does not run alone for long.
CHUNKS_PER_FILE = 4


def chunk(count: int, index: int, chunks: int = CHUNKS_PER_FILE) -> tuple[int, int]:
    """Cases [start, stop) of chunk `index` of a file of `count` cases; the chunks partition them."""
    return count * index // chunks, count * (index + 1) // chunks


def cpu_seconds(session: Any) -> float:
    """CPU time of this process and of its Spark driver JVM so far (0 for the JVM where /proc is missing)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    try:
        pid = session._jvm.java.lang.ProcessHandle.current().pid()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        jvm = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        jvm = 0.0
    return own.ru_utime + own.ru_stime + jvm


def run_spark_cases(session: Any, path: Path, start: int, stop: int) -> tuple[int, list[str], float, int, float]:
    """Cases [start, stop) of one test file on the spark backend, in this process's session:
    (passed, failures, seconds, cases, CPU seconds of this process and its JVM)."""
    from lawcode.api import load_ruleset
    from lawcode.testing import BACKENDS, load_test_file, run_case

    cpu = cpu_seconds(session)
    cases = load_test_file(path)[start:stop]
    ruleset = load_ruleset(cases[0].ruleset)
    failures: list[str] = []
    passed = 0
    started = time.perf_counter()
    for case in cases:
        result = run_case(case, ruleset, BACKENDS["spark"])
        if result.passed:
            passed += 1
        else:
            failures.append(f"{case.file.name}:{case.line} {case.name}: {result.error or (result.missing, result.unexpected, result.missing_undetermined, result.unexpected_undetermined)}")
    return passed, failures, time.perf_counter() - started, len(cases), cpu_seconds(session) - cpu
