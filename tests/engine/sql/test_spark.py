"""The Spark backend (local mode) agrees with the reference on a small sample."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from snapshots import sql_snapshot

import lawcode
from helpers import DATA
from lawcode.engine.sql import evaluate

pytestmark = pytest.mark.spark

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:  # pragma: no cover
    pytest.skip("no Java runtime (Debian: openjdk-17-jre-headless)", allow_module_level=True)

SQL_RULES = lawcode.load_ruleset(DATA / "sql")
MINI = lawcode.load_ruleset(DATA / "mini")


@pytest.mark.parametrize("name", ["violations.json", "compliant.json"])
def test_mini_examples(name: str) -> None:
    path = str(DATA / "mini" / name)
    assert evaluate(MINI.program, path, backend="spark", rulesets=MINI.paths).to_dict() == MINI.evaluate(path).to_dict()


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(sql_snapshot(max_size=4))
def test_every_construct_python_equals_spark(snapshot: dict[str, Any]) -> None:
    try:
        expected: Any = SQL_RULES.evaluate(snapshot).to_dict()
    except lawcode.LawcodeError as exc:
        expected = [d.code for d in exc.errors]
    try:
        actual: Any = evaluate(SQL_RULES.program, snapshot, backend="spark", rulesets=SQL_RULES.paths).to_dict()
    except lawcode.LawcodeError as exc:
        actual = [d.code for d in exc.errors]
    assert actual == expected
