"""The CAC rulesets on Spark: reports identical to the python backend's, byte for byte.

Every rule of the CAC rulesets fires on `violations.json` (110 of 110) and holds on
`compliant.json` and `since-2017.json`, so the examples run every rule's query both
ways; the mutated examples (`cac_snapshots.py`) add missing facts, boundary dates and
hostile text, which make rules undetermined and refuse snapshots. What Spark can get
wrong is the generated SQL's meaning in its dialect, and these reach every rule's SQL.

Each rule test case of `rulesets/cac/tests` runs on DuckDB (test_rule_cases.py); on
Spark they are a release check, not a CI one: `lawcode test rulesets/cac --backend
spark` (about 45 minutes of CPU for 289 cases, each a Spark evaluation of its own).
"""

from __future__ import annotations

from typing import Any

import pytest
from cac_snapshots import CAC, EXAMPLE_NAMES, EXAMPLES, expected_of, mutated, run
from hypothesis import HealthCheck, given, settings

from lawcode.engine.sql import evaluate

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_cac_examples_python_equals_spark(spark_session: Any, name: str) -> None:
    path = str(EXAMPLES / name)
    actual = evaluate(CAC.program, path, backend="spark", rulesets=CAC.paths).to_dict()
    assert actual == CAC.evaluate(path).to_dict()


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(snapshot=mutated())
def test_cac_mutations_python_equal_spark(spark_session: Any, snapshot: dict[str, Any]) -> None:
    actual = run(lambda: evaluate(CAC.program, snapshot, backend="spark", rulesets=CAC.paths))
    assert actual == expected_of(snapshot, actual)
