"""The Spark backend (local mode) agrees with the reference on a small sample."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from snapshots import sql_snapshot

import lawcode
from helpers import DATA
from lawcode import cli
from lawcode.engine.sql import evaluate

# Every test runs in the process's one session, started with the tests' settings (conftest.py).
pytestmark = [pytest.mark.spark, pytest.mark.usefixtures("spark_session")]

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:  # pragma: no cover
    pytest.skip("no Java runtime (Debian: openjdk-17-jre-headless)", allow_module_level=True)

SQL_RULES = lawcode.load_ruleset(DATA / "sql")
MINI = lawcode.load_ruleset(DATA / "mini")


@pytest.mark.parametrize("name", ["violations.json", "compliant.json"])
def test_mini_examples(name: str) -> None:
    path = str(DATA / "mini" / name)
    assert evaluate(MINI.program, path, backend="spark", rulesets=MINI.paths).to_dict() == MINI.evaluate(path).to_dict()


def test_spark_master_is_honoured() -> None:
    """`--spark-master` starts the session there; without one, the running session serves."""
    from lawcode.engine.sql.spark_backend import SparkBackend

    args = ["check", str(DATA / "mini" / "mini.law"), "-s", str(DATA / "mini" / "violations.json"), "-f", "json"]
    result = CliRunner().invoke(cli.cli, [*args, "--backend", "spark", "--spark-master", "local[1]"])
    assert result.exit_code == 1, result.output
    assert SparkBackend().spark.sparkContext.master == "local[1]"
    reference = CliRunner().invoke(cli.cli, [*args, "--backend", "python"])
    assert json.loads(result.output)["violations"] == json.loads(reference.output)["violations"]


def test_a_bad_master_url_is_a_diagnostic() -> None:
    result = CliRunner().invoke(cli.cli, ["check", str(DATA / "mini" / "mini.law"), "-s", str(DATA / "mini" / "violations.json"), "--backend", "spark", "--spark-master", "bogus://nowhere"])
    assert result.exit_code == 2
    assert "error[B002]: not a Spark master URL: 'bogus://nowhere'" in result.output
    assert "Traceback" not in result.output


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
