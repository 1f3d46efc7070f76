"""A reusing DuckDB connection (`DuckDBBackend(reuse=True)`, what `lawcode test` runs its
cases on) gives every snapshot the report a fresh connection gives it.

It keeps the typed table of each collection it has read, keyed on the schema, the
collection's layout and the exact bytes of its lines; these tests change exactly one of
those at a time and check that no kept table is served for it (a stale entry would give
the earlier snapshot's answer), and that the kept tables are really served (`reused`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snapshots import mini_snapshot

import lawcode
from helpers import DATA
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate as sql_evaluate
from lawcode.engine.sql import load_cache
from lawcode.engine.sql.duckdb_backend import DuckDBBackend
from lawcode.engine.sql.inputs import collection_file, root_file
from lawcode.engine.sql.tables import layout

MINI = lawcode.load_ruleset(DATA / "mini")
VIOLATIONS: dict[str, Any] = json.loads((DATA / "mini" / "violations.json").read_text(encoding="utf-8"))
COMPLIANT: dict[str, Any] = json.loads((DATA / "mini" / "compliant.json").read_text(encoding="utf-8"))


@pytest.fixture
def engine() -> Iterator[DuckDBBackend]:
    backend = DuckDBBackend(reuse=True)
    yield backend
    backend.close()


def outcome(ruleset: lawcode.Ruleset, snapshot: dict[str, Any], engine: DuckDBBackend | None = None) -> Any:
    """The report as a dict (python when no engine is given), or the error codes raised."""
    try:
        if engine is None:
            return ruleset.evaluate(snapshot).to_dict()
        return sql_evaluate(ruleset.program, snapshot, rulesets=ruleset.paths, engine=engine).to_dict()
    except LawcodeError as exc:
        return ("error", [d.code for d in exc.errors])


def test_one_changed_value_is_read_again(engine: DuckDBBackend) -> None:
    """Same elements, ids and byte size, one date later: a key on less than the bytes would serve the old table."""
    changed = json.loads(json.dumps(VIOLATIONS))
    assert changed["users"][0]["verified_at"] == "2024-01-01T00:00:00Z"
    changed["users"][0]["verified_at"] = "2024-01-09T00:00:00Z"  # after the first post: now a violation
    assert outcome(MINI, changed) != outcome(MINI, VIOLATIONS)
    for snapshot in (VIOLATIONS, COMPLIANT, changed, VIOLATIONS, changed):
        assert outcome(MINI, snapshot, engine) == outcome(MINI, snapshot)
    assert engine.kept is not None and engine.kept.reused > 0


def test_a_table_is_not_served_under_another_schema(engine: DuckDBBackend, tmp_path: Path) -> None:
    """The same lines under a schema that types a field otherwise: read and checked again."""
    lines = {"as_of": "2024-01-01", "items": [{"id": "a", "n": 7}, {"id": "b", "n": 2}]}
    numbers = _ruleset(tmp_path / "numbers", {"type": "integer"}, "i.n < 5")
    texts = _ruleset(tmp_path / "texts", {"type": "string"}, 'i.n != "7"')
    assert outcome(numbers, lines, engine) == outcome(numbers, lines)
    assert outcome(texts, lines) == ("error", ["S010", "S010"])
    assert outcome(texts, lines, engine) == outcome(texts, lines)
    assert outcome(numbers, lines, engine) == outcome(numbers, lines)
    assert engine.kept is not None and engine.kept.reused > 0


def test_a_refused_snapshot_is_refused_each_time(engine: DuckDBBackend) -> None:
    """A collection with schema errors is never kept: the errors come back on every run."""
    bad = json.loads(json.dumps(VIOLATIONS))
    bad["users"][1]["id"] = 5
    refused = outcome(MINI, bad)
    assert refused[0] == "error"
    for snapshot in (bad, VIOLATIONS, bad):
        assert outcome(MINI, snapshot, engine) == outcome(MINI, snapshot)


def test_evicted_tables_are_read_again(engine: DuckDBBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for one kept table, every load evicts the last one's: reports stay right, tables do not pile up."""
    monkeypatch.setattr(load_cache, "REUSE_KEPT", 1)
    for snapshot in (VIOLATIONS, COMPLIANT, VIOLATIONS, COMPLIANT):
        assert outcome(MINI, snapshot, engine) == outcome(MINI, snapshot)
    kept = engine.con.execute("SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, 'lawcode_reuse_')").fetchall()[0][0]
    assert kept <= len([v for v in VIOLATIONS.values() if isinstance(v, list) and v])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mini_snapshot(max_size=4), mini_snapshot(max_size=4), st.sampled_from(["users", "groups", "memberships", "logs", "sanctions"]))
def test_spliced_snapshots_on_one_connection_equal_python(first: dict[str, Any], second: dict[str, Any], collection: str) -> None:
    """`first`, `second`, then `first` with `second`'s collection spliced in, then `first` again:
    the spliced one shares its collections with the two before it, so most are served kept."""
    spliced = {k: v for k, v in first.items() if k != collection}
    if collection in second:
        spliced[collection] = second[collection]
    backend = DuckDBBackend(reuse=True)
    try:
        for snapshot in (first, second, spliced, first):
            assert outcome(MINI, snapshot, backend) == outcome(MINI, snapshot)
    finally:
        backend.close()


def _errors(ruleset: lawcode.Ruleset, snapshot: Any) -> list[tuple[str | None, str]]:
    """The schema errors a fresh DuckDB connection gives (where, message); [] when it accepts."""
    try:
        sql_evaluate(ruleset.program, snapshot, backend="duckdb")
    except LawcodeError as exc:
        return [(d.where, d.message) for d in exc.errors]
    return []


def test_check_queries_follow_the_schema(tmp_path: Path) -> None:
    """Two schemas alike but for a bound, both refusing the same line: each load names its
    own bound. A check query cached on less than the collection's whole layout (its name,
    its columns' kinds) would name the first schema's."""
    lines = {"as_of": "2024-01-01", "items": [{"id": "a", "n": 7}]}
    five = _ruleset(tmp_path / "five", {"type": "integer", "maximum": 5}, "i.n < 9")
    six = _ruleset(tmp_path / "six", {"type": "integer", "maximum": 6}, "i.n < 9")
    says = [[(d.where, d.message) for d in _refused(r, lines)] for r in (five, six)]
    assert says[0] != says[1]
    for index in (0, 1, 0, 1):
        assert _errors((five, six)[index], lines) == says[index]
    first, second = (layout(r.program.schema).collections["items"] for r in (five, six))
    assert load_cache.flagged_checks(first)[1] != load_cache.flagged_checks(second)[1]
    assert load_cache.flagged_checks(first) is load_cache.flagged_checks(first)  # served, not rendered again


def _refused(ruleset: lawcode.Ruleset, snapshot: Any) -> list[Any]:
    with pytest.raises(LawcodeError) as refused:
        ruleset.evaluate(snapshot)
    return list(refused.value.errors)


def _parquet(folder: Path, rows: str) -> str:
    """A Parquet snapshot whose `items` are the SELECT `rows` (DuckDB types its columns)."""
    import duckdb

    folder.mkdir()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT '\"2024-01-01\"' AS as_of) TO '{root_file(str(folder), 'parquet')}' (FORMAT parquet)")
    con.execute(f"COPY ({rows}) TO '{collection_file(str(folder), 'items', 'parquet')}' (FORMAT parquet)")
    con.close()
    return str(folder)


def test_parquet_check_queries_follow_the_file(tmp_path: Path) -> None:
    """The same collection from Parquet files that differ in what the check query leaves
    out: a date stored as DATE needs no format check, one stored as text does; a required
    column without nulls (in the footer's statistics) needs no presence check, one with a
    null does. Each file after the other gets its own query: one cached on the layout
    alone would run the first file's and miss the second's errors."""
    dated = _ruleset(tmp_path / "dated", {"type": "string", "format": "date"}, "present(i.n)")
    good = _parquet(tmp_path / "good", "SELECT 'a' AS id, DATE '2024-01-02' AS n")
    text = _parquet(tmp_path / "text", "SELECT 'a' AS id, '2024-02-30' AS n")
    nulls = _parquet(tmp_path / "nulls", "SELECT * FROM (VALUES ('a', DATE '2024-01-02'), (NULL, DATE '2024-01-03')) AS t(id, n)")
    assert _errors(dated, good) == []
    for _ in range(2):
        assert _errors(dated, text) == [(f"{text} /items/0/n", "'2024-02-30' is not a 'date'")]
        assert _errors(dated, nulls) == [(f"{nulls} /items/1", "'id' is a required property")]
        assert _errors(dated, good) == []


def test_rendered_statements_are_bounded_least_recently_used_first() -> None:
    rendered: load_cache.Rendered[str] = load_cache.Rendered(size=2)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    for key in ("a", "b", "a", "c", "a", "b"):
        assert rendered.get(key, lambda key=key: make(key)) == key.upper()
    assert made == ["a", "b", "c", "b"]  # `a`, used last before `c` came, stayed; `b` went
    assert list(rendered.entries) == ["a", "b"]


def _ruleset(folder: Path, field: dict[str, Any], requirement: str) -> lawcode.Ruleset:
    """One collection `items` whose `n` has the type `field`, and a rule requiring `requirement`."""
    folder.mkdir()
    schema = {
        "type": "object",
        "required": ["as_of", "items"],
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "items": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "n": field}}},
        },
    }
    (folder / "snapshot.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (folder / "documents.law").write_text((DATA / "mini" / "documents.law").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "rules.law").write_text(
        f'schema "snapshot.schema.json"\n\nimport "documents.law"\n\nrule small {{\n  cites groups-2017 art 8 para 1\n  for each i in items\n  require {requirement}\n  message "item {{i.id}}"\n}}\n',
        encoding="utf-8",
    )
    return lawcode.load_ruleset(folder)
