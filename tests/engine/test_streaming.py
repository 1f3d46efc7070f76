"""Streamed reports: `json` written in pieces is byte for byte `Report.to_json()`, `jsonl`
says the same thing one record a line, and writing never holds every violation.

The memory checks count what a writer keeps, not how long it takes: a report stream
that makes its violations on demand is written through `engine.output`, and the peak of
traced allocations must stay flat when the number of violations grows tenfold.
"""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import lawcode
from helpers import DATA, ROOT
from lawcode.cli import cli
from lawcode.engine.formats import FORMATS, STREAMED, json_format, jsonl, pieces
from lawcode.engine.output import destination, write_pieces
from lawcode.engine.report import Report, ReportStream, Subject, Violation

MINI = lawcode.load_ruleset(DATA / "mini" / "mini.law")
MIXED = lawcode.load_ruleset(DATA / "formats" / "rules.law")
CASES = {
    "violations": (MINI, DATA / "mini" / "violations.json"),
    "compliant": (MINI, DATA / "mini" / "compliant.json"),
    "mixed": (MIXED, DATA / "formats" / "mixed.json"),
}


def report(case: str, backend: str = "python") -> tuple[Report, lawcode.Program]:
    ruleset, snapshot = CASES[case]
    return ruleset.evaluate(str(snapshot.relative_to(ROOT)), backend=backend), ruleset.program


@pytest.mark.parametrize("case", sorted(CASES))
def test_json_pieces_are_the_report_bytes(case: str) -> None:
    rep, program = report(case)
    assert b"".join(json_format.pieces(rep.stream(), program)) == (rep.to_json() + "\n").encode()
    assert FORMATS["json"](rep, program) == rep.to_json() + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_duckdb_stream_writes_the_python_report(case: str) -> None:
    """The SQL assembler's stream (violations built on demand, in report order) gives the
    python backend's bytes, in both streamed formats."""
    from lawcode.engine.sql import evaluating

    rep, program = report(case)
    ruleset, snapshot = CASES[case]
    for fmt in STREAMED:
        with evaluating(program, str(snapshot.relative_to(ROOT)), backend="duckdb", rulesets=ruleset.paths) as stream:
            streamed = b"".join(pieces(fmt, stream, program))
        assert streamed == b"".join(pieces(fmt, rep.stream(), program)), fmt


@pytest.mark.parametrize("case", sorted(CASES))
def test_jsonl_lines_are_the_report_records(case: str) -> None:
    rep, program = report(case)
    lines = [json.loads(line) for line in jsonl.render(rep, program).splitlines()]
    whole = json.loads(rep.to_json())
    records = {kind: [{k: v for k, v in line.items() if k != "record"} for line in lines if line["record"] == kind] for kind in ("violation", "undetermined", "not_in_force")}
    assert records["violation"] == whole["violations"]
    assert records["undetermined"] == whole["undetermined"]
    assert records["not_in_force"] == whole["not_in_force"]
    assert lines[-1] == {"record": "summary", "lawcode_report": 1, "as_of": whole["as_of"], "snapshot": whole["snapshot"], "rulesets": whole["rulesets"], "summary": whole["summary"]}
    assert [line["record"] for line in lines].count("summary") == 1


def test_jsonl_lines_match_their_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "docs" / "report-lines.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for case in CASES:
        rep, program = report(case)
        for line in jsonl.render(rep, program).splitlines():
            errors = [e.message for e in validator.iter_errors(json.loads(line))]
            assert not errors, (case, line, errors)


def test_check_writes_jsonl_and_exits_as_json_does(tmp_path: Path) -> None:
    runner = CliRunner()
    _, snapshot = CASES["violations"]
    args = ["check", str(DATA / "mini" / "mini.law"), "-s", str(snapshot)]
    as_json = runner.invoke(cli, [*args, "-f", "json"])
    as_lines = runner.invoke(cli, [*args, "-f", "jsonl", "-o", str(tmp_path / "r.jsonl")])
    assert as_json.exit_code == as_lines.exit_code == 1
    last = json.loads((tmp_path / "r.jsonl").read_text().splitlines()[-1])
    assert last["summary"] == json.loads(as_json.stdout)["summary"]
    quiet = runner.invoke(cli, [*args, "-f", "jsonl", "--fail-on", "critical"])
    assert quiet.exit_code == 0, quiet.output  # the gate sees severities as they stream by


# ---------------------------------------------------------------- memory

MANY_RULES = MINI.program.rules


def synthetic(count: int, made: list[int]) -> ReportStream:
    """A stream of `count` violations made one at a time (as the SQL assembler makes them)."""
    rule = MANY_RULES[0]

    def violations() -> Iterator[Violation]:
        for i in range(count):
            made[0] += 1
            subject = Subject("users", f"u{i:08d}", f"/users/{i}", i)
            yield Violation(rule.id, rule.title, rule.severity, rule.kind, rule.citations, subject, f"user u{i:08d} posted before verifying " + "x" * 200, (), {"file": "f.law", "line": 1, "column": 1})

    return ReportStream(dt.date(2024, 6, 15), "big.json", ("r",), MINI.program.rules, (), count, violations, lambda: iter(()))


def peak_writing(fmt: str, count: int, path: Path) -> int:
    made = [0]
    stream = synthetic(count, made)
    tracemalloc.start()
    try:
        write_pieces(destination(path), pieces(fmt, stream, MINI.program))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made[0] == count
    return peak


@pytest.mark.parametrize("fmt", sorted(STREAMED))
def test_writing_holds_one_violation_at_a_time(fmt: str, tmp_path: Path) -> None:
    small = peak_writing(fmt, 2_000, tmp_path / f"small.{fmt}")
    large = peak_writing(fmt, 20_000, tmp_path / f"large.{fmt}")
    size = (tmp_path / f"large.{fmt}").stat().st_size
    assert size > 10_000_000  # the large report is real: about 600 bytes a violation
    assert large < 2 * small + 200_000, (small, large)  # flat, where holding them would grow tenfold
    assert large < size / 20


def test_the_writer_pulls_violations_as_it_writes(tmp_path: Path) -> None:
    """When the k-th violation is made, the ones before it are already in the file's bytes."""
    made = [0]
    stream = synthetic(500, made)
    written: list[int] = []
    for piece in pieces("jsonl", stream, MINI.program):
        written.append(made[0])
        assert piece.count(b"\n") == 1
    assert written[:500] == list(range(1, 501))  # piece k was written before violation k + 1 was made


def test_a_failing_stream_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_bytes(b"old")

    def broken() -> Iterator[bytes]:
        yield b"{"
        raise lawcode.LawcodeError([])

    with pytest.raises(lawcode.LawcodeError):
        write_pieces(destination(out), broken())
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]

