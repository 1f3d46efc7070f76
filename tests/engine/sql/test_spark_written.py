"""Violations Spark writes (engine/sql/spark_written.py) are byte-identical to the python
backend's `--format jsonl` (and `json`), whether Spark writes them as a folder of parts or
the driver streams them; a folder written by Spark brings no violation to the driver.

`written.MIN_SUBJECTS` is lowered to 0 so that every collection takes the engine's path;
each test also says how many rules Spark wrote, so a change that sends every rule back to
Python (and would pass the byte comparison trivially) fails here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from click.testing import CliRunner

import lawcode
from helpers import DATA, ROOT
from lawcode.cli import cli
from lawcode.engine import formats
from lawcode.engine.sql import evaluating, spark_backend, spark_written, written
from lawcode.engine.sql.spark_written import PART, SparkKept, write_folder

pytestmark = pytest.mark.spark

FIVE = lawcode.load_ruleset(ROOT / "bench" / "five")
MINI = lawcode.load_ruleset(DATA / "mini")


class Recording(SparkKept):
    """The evaluation's kept rows, remembered so a test can read what reached the driver."""

    made: ClassVar[list[Recording]] = []

    def __init__(self, runner: Any) -> None:
        super().__init__(runner)
        self.blocks = 0  # rules whose violations Spark writes
        Recording.made.append(self)

    def written(self, name: str, text: Any) -> Any:
        self.blocks += 1
        return super().written(name, text)


@pytest.fixture(autouse=True)
def every_collection(monkeypatch: pytest.MonkeyPatch, spark_session: Any) -> Iterator[None]:
    monkeypatch.setattr(written, "MIN_SUBJECTS", 0)
    monkeypatch.setattr(spark_written, "SparkKept", Recording)
    Recording.made.clear()
    yield


@pytest.fixture(scope="module")
def five_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(ROOT / "bench" / "five"))
    import generate

    path = tmp_path_factory.mktemp("five") / "five.json"
    generate.write(path, 2000, rate=0.05)
    return path


def python_report(ruleset: lawcode.Ruleset, snapshot: Any, fmt: str = "jsonl") -> bytes:
    return b"".join(formats.pieces(fmt, ruleset.evaluate(snapshot).stream(), ruleset.program))


def folder_report(ruleset: lawcode.Ruleset, snapshot: Any, folder: Path) -> bytes:
    """The report Spark writes as parts in `folder`, concatenated in name order."""
    folder.mkdir()
    with evaluating(ruleset.program, snapshot, backend="spark", rulesets=ruleset.paths, spark_writes=True) as stream:
        write_folder(stream, folder)
    names = sorted(p.name for p in folder.iterdir())
    assert all(name.startswith("part-") and name.endswith(".jsonl") for name in names), names
    return b"".join((folder / name).read_bytes() for name in names)


def test_five_rules_parts_concatenated_are_the_python_report(five_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three shuffle partitions: a rule's sorted lines span several parts, in name order."""
    monkeypatch.setitem(spark_backend.SMALL_SETTINGS, "spark.sql.shuffle.partitions", "3")
    expected = python_report(FIVE, str(five_snapshot))
    assert folder_report(FIVE, str(five_snapshot), tmp_path / "parts") == expected
    (kept,) = Recording.made
    assert kept.blocks == 4  # all but the platform rule (one subject: built in Python)
    assert any(p.name.endswith("-00001.jsonl") for p in (tmp_path / "parts").iterdir())  # a block of several parts
    lines = [orjson.loads(line) for line in expected.splitlines()]
    violations = sum(line["record"] == "violation" for line in lines)
    undetermined = sum(line["record"] == "undetermined" and line["subject"] is not None for line in lines)
    assert violations > 100
    # What reached the driver: the rows Python still needs (undetermined subjects), no violation.
    assert kept.fetched == undetermined


def test_five_rules_streamed_through_the_driver(five_snapshot: Path) -> None:
    """The same stream written by `formats.pieces` (`--format json` here): Spark's text
    reaches the driver a partition at a time, as the indented items of the JSON report."""
    with evaluating(FIVE.program, str(five_snapshot), backend="spark", rulesets=FIVE.paths, spark_writes=True) as stream:
        actual = b"".join(formats.pieces("json", stream, FIVE.program))
    assert actual.decode() == python_report(FIVE, str(five_snapshot), "json").decode()
    assert [kept.blocks for kept in Recording.made] == [4]


def test_a_value_spark_cannot_write_sends_its_rule_to_python(tmp_path: Path) -> None:
    """Jackson escapes \\x0b as `\\u000B`, orjson as `\\u000b`: the rule whose subject id holds
    one is built by the driver, the others are still written by Spark."""
    snapshot = orjson.loads((DATA / "mini" / "violations.json").read_bytes())
    for user in snapshot["users"]:
        if user["id"] == "u2":
            user["id"] = "u\x0b2"
    for membership in snapshot["memberships"]:
        if membership["user_id"] == "u2":
            membership["user_id"] = "u\x0b2"
    assert folder_report(MINI, snapshot, tmp_path / "parts") == python_report(MINI, snapshot)
    (kept,) = Recording.made
    written_by_spark = kept.blocks
    plain = folder_report(MINI, str(DATA / "mini" / "violations.json"), tmp_path / "plain")
    assert plain == python_report(MINI, str(DATA / "mini" / "violations.json"))
    assert Recording.made[1].blocks == written_by_spark + 1


def test_check_writes_a_folder_of_parts_and_refuses_a_used_one(five_snapshot: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "report"
    done = runner.invoke(cli, ["check", str(ROOT / "bench" / "five"), "-s", str(five_snapshot), "--backend", "spark", "-f", "jsonl", "-o", f"{folder}/"])
    assert done.exit_code == 1, done.output  # violations found: the gate counts Spark's
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(name.startswith("part-") for name in names) and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert b"".join((folder / name).read_bytes() for name in names) == python_report(FIVE, str(five_snapshot))
    assert PART.format(0, 0) in names

    made = len(Recording.made)
    again = runner.invoke(cli, ["check", str(ROOT / "bench" / "five"), "-s", str(five_snapshot), "--backend", "spark", "-f", "jsonl", "-o", str(folder)])
    assert again.exit_code == 2 and "error[O006]" in again.output and "Traceback" not in again.output
    assert sorted(p.name for p in folder.iterdir()) == names  # untouched
    assert len(Recording.made) == made  # refused before any evaluation
