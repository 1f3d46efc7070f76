"""The SQL backend tests share snapshot generators (`snapshots.py` beside this file) and,
for the Spark tests, one Spark session per test process (`spark_settings.py`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spark_settings import SPARK_CONFIG, SPARK_MASTER


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """The process's Spark session, started once with the tests' settings; skips without pyspark or Java.

    Every Spark test asks for it first, so the session (and its JVM) is the one started
    here, whichever Spark test an xdist worker happens to run first.
    """
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:  # pragma: no cover
        pytest.skip("no Java runtime (Debian: openjdk-17-jre-headless)")
    from lawcode.engine.sql.spark_backend import SparkBackend

    return SparkBackend(master=SPARK_MASTER, config=SPARK_CONFIG).spark
