"""Worker side of the Spark run of the CAC rule cases (test_rule_cases.py).

A module of its own so that spawned worker processes can import it: a worker must not
inherit (by fork) a parent's Spark gateway, so the pool spawns, and the function it runs
must be importable by name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def cpu_seconds(session: Any) -> float:
    """CPU time of this process and of its Spark driver JVM so far (0 for the JVM where /proc is missing)."""
    import os
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    try:
        pid = session._jvm.java.lang.ProcessHandle.current().pid()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        jvm = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        jvm = 0.0
    return own.ru_utime + own.ru_stime + jvm


def run_spark_cases(path: str, start: int, stop: int, master: str, config: dict[str, str]) -> tuple[int, list[str], float, int, float]:
    """Cases [start, stop) of one test file on the spark backend: (passed, failures, seconds, cases, CPU seconds)."""
    from lawcode.api import load_ruleset
    from lawcode.engine.sql.spark_backend import SparkBackend
    from lawcode.testing import BACKENDS, load_test_file, run_case

    session = SparkBackend(master=master, config=config).spark  # the session every case of this worker reuses
    cpu = cpu_seconds(session)
    cases = load_test_file(Path(path))[start:stop]
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
