"""S041, an id two elements share, said alike by the python and DuckDB backends.

DuckDB first tries to prove a collection's ids distinct in one streaming pass (ids that
strictly ascend in the order they are read), and groups them only when that fails. These
cases put the ids in ascending, descending and drawn order, with and without a repeat
(next to its twin or far from it), from a JSON document, from JSON Lines and from
Parquet: the verdict and the diagnostics must be the python backend's every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate
from lawcode.engine.sql.convert import convert

MINI = lawcode.load_ruleset(DATA / "mini")  # ids are strings: a VARCHAR column
MIXED = lawcode.load_ruleset(DATA / "mixed_ids")  # ids are strings or integers: a JSON column
BASE = json.loads((DATA / "mini" / "violations.json").read_text(encoding="utf-8"))


def verdict(rules: Any, snapshot: Any, backend: str) -> list[tuple[str, str | None, str]]:
    """The schema diagnostics of a run (empty when the snapshot is accepted)."""
    try:
        if backend == "python":
            rules.evaluate(snapshot)
        else:
            evaluate(rules.program, snapshot, backend=backend)
    except LawcodeError as error:
        return [(e.code, e.where, e.message) for e in error.errors]
    return []


def arranged(ids: list[Any], order: str) -> list[Any]:
    if order == "ascending":
        return sorted(ids, key=lambda i: (isinstance(i, str), i))
    if order == "descending":
        return sorted(ids, key=lambda i: (isinstance(i, str), i), reverse=True)
    return ids


def written(tmp_path: Path, snapshot: dict[str, Any], form: str) -> str:
    """The snapshot in `form`. The columnar folders are made by hand, as a user may
    (`snapshot convert` refuses a repeated id): the other collections converted, then the
    users written by DuckDB in the order given and the manifest removed."""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(snapshot), encoding="utf-8")
    if form == "json":
        return str(source)
    others = tmp_path / "others.json"
    others.write_text(json.dumps({**snapshot, "users": []}), encoding="utf-8")
    out = tmp_path / f"snap.{form}"
    convert(str(others), MINI.program.schema, form, str(out))
    (out / "_lawcode_snapshot.json").unlink()
    users = [u["id"] for u in snapshot["users"]]
    if form == "jsonl":
        (out / "users.jsonl").write_text("".join(json.dumps({"id": i}) + "\n" for i in users), encoding="utf-8")
    else:
        con = duckdb.connect()
        con.execute("CREATE TABLE users AS SELECT unnest(?::VARCHAR[]) AS id", [users])
        con.execute(f"COPY users TO '{out / 'users.parquet'}' (FORMAT parquet)")
        con.close()
    return str(out)


@pytest.mark.parametrize("order", ["ascending", "descending", "drawn"])
@pytest.mark.parametrize("form", ["parquet", "jsonl", "json"])
@pytest.mark.parametrize(
    "ids",
    [["u1", "u2", "u3", "u4"], ["u1", "u2", "u2", "u3"], ["u2", "u1", "u3", "u1"], ["u1"], ["u3", "u3"]],
    ids=["distinct", "twin-neighbours", "twins-apart", "one", "only-twins"],
)
def test_string_ids_repeated_or_not_in_every_order_and_form(tmp_path: Path, ids: list[str], form: str, order: str) -> None:
    snapshot = {**BASE, "users": [{"id": i} for i in arranged(ids, order)]}
    expected = verdict(MINI, snapshot, "python")
    assert (len(set(ids)) < len(ids)) == any(code == "S041" for code, _, _ in expected)
    path = written(tmp_path, snapshot, form)
    assert verdict(MINI, path, "duckdb") == [(c, w.replace("<snapshot>", path) if w else w, m) for c, w, m in expected]


ids = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "7", "-1"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ids, max_size=7), st.sampled_from(["ascending", "descending", "drawn"]), st.booleans())
def test_generated_ids_of_two_kinds_get_the_same_verdict(drawn: list[Any], order: str, with_gap: bool) -> None:
    """A JSON id column (strings and integers: `7` and `"7"` are two ids), elements
    without an id between the others or not."""
    items: list[dict[str, Any]] = [{"id": i} for i in arranged(drawn, order)]
    if with_gap:
        items = [x for item in items for x in (item, {"age": 1})]
    snapshot = {"as_of": "2024-01-01", "users": items}
    assert verdict(MIXED, snapshot, "duckdb") == verdict(MIXED, snapshot, "python")
