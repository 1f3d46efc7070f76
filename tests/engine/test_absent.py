"""Absent collections and values of the wrong form, on the python and DuckDB backends.

A collection the schema does not require may be absent: it is unknown, not empty, so
aggregates over it and lookups in it are missing and the rule is undetermined, naming the
collection's pointer; a required one absent is a schema error. A present period or
duration of the other form (`P180D` for a period) is S020 at its pointer wherever it is
read. Cases: tests/data/absent/cases.json; both backends must give the same report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate as sql_evaluate

RULES = lawcode.load_ruleset(DATA / "absent")
CASES = json.loads((DATA / "absent" / "cases.json").read_text(encoding="utf-8"))


def outcome(run: Any) -> Any:
    """The report as a dict, or the error codes and pointers raised."""
    try:
        return run().to_dict()
    except LawcodeError as exc:
        return ("error", [[d.code, (d.where or "").rsplit(" ", 1)[-1]] for d in exc.errors])


def python(snapshot: Any) -> Any:
    return outcome(lambda: RULES.evaluate(snapshot))


def duckdb(snapshot: Any) -> Any:
    return outcome(lambda: sql_evaluate(RULES.program, snapshot, rulesets=RULES.paths))


def summary(report: Any) -> dict[str, Any]:
    def subject(entry: dict[str, Any]) -> Any:
        return entry["subject"]["id"] if entry["subject"] else None

    return {
        "violations": sorted([[v["rule"], subject(v)] for v in report["violations"]], key=str),
        "undetermined": sorted([[u["rule"], subject(u), u["missing"]] for u in report["undetermined"]], key=str),
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_on_both_backends(case: dict[str, Any]) -> None:
    expected, actual = python(case["snapshot"]), duckdb(case["snapshot"])
    assert actual == expected
    if "error" in case:
        assert expected == ("error", case["error"])
        return
    assert not isinstance(expected, tuple), expected
    assert summary(expected) == {"violations": sorted(case["violations"], key=str), "undetermined": sorted(case["undetermined"], key=str)}


def test_absent_logs_evidence_names_the_collection() -> None:
    """A violation decided despite an absent collection still shows it as missing, with why."""
    snapshot = next(c for c in CASES if c["name"] == "no users and logs absent")["snapshot"]
    report = RULES.evaluate(snapshot).to_dict()
    assert [u["missing"] for u in report["undetermined"] if u["rule"] == "logs-kept"] == [["/logs"]]
    assert "(missing)" in next(u["message"] for u in report["undetermined"] if u["rule"] == "logs-kept")


@pytest.mark.parametrize("form", ["jsonl", "parquet"])
def test_conversion_keeps_a_collection_absent(tmp_path: Path, form: str) -> None:
    """`snapshot convert` writes no file for an absent collection, so the folder reads the same."""
    from lawcode.engine.sql.convert import convert

    snapshot = next(c for c in CASES if c["name"] == "logs absent: unknown, not empty")["snapshot"]
    source = tmp_path / "s.json"
    source.write_text(json.dumps(snapshot), encoding="utf-8")
    folder = tmp_path / "out"
    convert(str(source), RULES.program.schema, form, str(folder))
    assert not list(folder.glob("logs.*"))
    assert list(folder.glob("reviews.*"))
    assert summary(duckdb(str(folder))) == summary(python(snapshot))


OPTIONAL = ("logs", "reviews", "profiles")
stamps = st.sampled_from(["2024-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2024-08-30T10:00:00+08:00", None])
ids = st.sampled_from(["u1", "u2", "u3"])


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    """The base data with each optional collection present, empty or absent, and null fields."""
    data: dict[str, Any] = {
        "as_of": "2024-08-31",
        "users": draw(st.lists(st.fixed_dictionaries({"id": ids, "joined_at": stamps}), max_size=3, unique_by=lambda u: u["id"])),
        "logs": draw(st.lists(st.fixed_dictionaries({"id": st.sampled_from(["l1", "l2"]), "at": stamps}), max_size=2, unique_by=lambda x: x["id"])),
        "reviews": draw(st.lists(st.fixed_dictionaries({"id": st.sampled_from(["r1", "r2", "r3"]), "user_id": st.one_of(ids, st.none()), "score": st.sampled_from([1, -2, 0.5, None]), "at": stamps}), max_size=3, unique_by=lambda r: r["id"])),
        "profiles": draw(st.lists(st.fixed_dictionaries({"id": ids, "verified": st.sampled_from([True, False, None])}), max_size=3, unique_by=lambda p: p["id"])),
    }
    for name in OPTIONAL:
        if draw(st.booleans()):
            del data[name]
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_absent_collections_python_equals_duckdb(snapshot: dict[str, Any]) -> None:
    assert duckdb(snapshot) == python(snapshot)


def test_snapshot_doc_names_the_collections_the_cac_schema_requires() -> None:
    """docs/snapshot.md says which CAC collections are required (absence: S010) and which are not."""
    import re

    from helpers import ROOT
    from lawcode.compiler.schema import SnapshotSchema

    schema = SnapshotSchema.load(ROOT / "rulesets" / "cac" / "snapshot.schema.json")
    required = [name for name in schema.root["required"] if name in schema.collections()]
    text = (ROOT / "docs" / "snapshot.md").read_text(encoding="utf-8")
    said = re.search(r"The CAC schema requires ((?:`\w+`(?:,\s+|\s+and\s+)?)+)", text)
    assert said is not None
    assert re.findall(r"`(\w+)`", said.group(1)) == required
