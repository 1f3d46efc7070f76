"""A Parquet folder made by hand may leave out a collection's columns: each one it lacks is
missing in every element, for the schema checks as for the rules, exactly as the same
elements without the field are in JSON (the python backend is the judge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate
from lawcode.engine.sql.convert import convert

MINI = lawcode.load_ruleset(DATA / "mini")
BASE = json.loads((DATA / "mini" / "violations.json").read_text(encoding="utf-8"))


def folder(tmp_path: Path, users: str) -> str:
    """The mini snapshot as Parquet with `users.parquet` replaced by `users` (a SELECT)."""
    out = tmp_path / "snap.parquet"
    convert(str(DATA / "mini" / "violations.json"), MINI.program.schema, "parquet", str(out))
    (out / "_lawcode_snapshot.json").unlink()  # edited by hand from here on
    con = duckdb.connect()
    con.execute(f"COPY ({users}) TO '{out / 'users.parquet'}' (FORMAT parquet)")
    con.close()
    return str(out)


def outcome(snapshot: Any, backend: str) -> Any:
    try:
        found = MINI.evaluate(snapshot) if backend == "python" else evaluate(MINI.program, snapshot, backend=backend, rulesets=MINI.paths)
    except LawcodeError as error:
        return [(e.code, (e.where or "").split(" ")[-1], e.message) for e in error.errors]
    data = found.to_dict()
    data.pop("snapshot")
    return data


def test_optional_columns_left_out_are_missing_fields(tmp_path: Path) -> None:
    path = folder(tmp_path, "SELECT * FROM (VALUES ('u1'), ('u2'), ('u3')) t(id)")
    expected = outcome({**BASE, "users": [{"id": "u1"}, {"id": "u2"}, {"id": "u3"}]}, "python")
    assert isinstance(expected, dict) and expected["violations"]
    assert outcome(path, "duckdb") == expected


def test_a_required_column_left_out_is_missing_from_every_element(tmp_path: Path) -> None:
    path = folder(tmp_path, "SELECT * FROM (VALUES (1), (2)) t(credit)")
    expected = outcome({**BASE, "users": [{"credit": 1}, {"credit": 2}]}, "python")
    assert expected == [("S010", "/users/0", "'id' is a required property"), ("S010", "/users/1", "'id' is a required property")]
    assert outcome(path, "duckdb") == expected
