"""The settings of the Spark session the tests share (conftest.py's `spark_session`).

One JVM per test process: under `pytest -n auto` each xdist worker starts one driver at
most, on its first Spark test, and every later Spark test of that worker reuses it.
"""

from __future__ import annotations

# One core per driver: the queries are small, the driver's own work (analysis, planning,
# scheduling) is what costs, and the other core belongs to the other xdist worker. C1-only
# JIT and the serial collector spend less CPU in a JVM that lives minutes; neither changes
# a result.
SPARK_MASTER = "local[1]"
SPARK_CONFIG = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
