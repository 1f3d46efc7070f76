"""Input forms, conversion, schema errors with paths, the CLI and `auto`, on the DuckDB backend."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawcode
from helpers import DATA
from lawcode.cli import cli
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import choose, evaluate
from lawcode.engine.sql.convert import convert

MINI = lawcode.load_ruleset(DATA / "mini")
VIOLATIONS = DATA / "mini" / "violations.json"


def report(snapshot: Any, backend: str = "duckdb") -> dict[str, Any]:
    found = evaluate(MINI.program, snapshot, backend=backend, rulesets=MINI.paths).to_dict()
    found.pop("snapshot")
    return found


def reference() -> dict[str, Any]:
    found = MINI.evaluate(str(VIOLATIONS)).to_dict()
    found.pop("snapshot")
    return found


@pytest.mark.parametrize("form", ["parquet", "jsonl", "json"])
def test_every_form_gives_the_reference_report(tmp_path: Path, form: str) -> None:
    out = tmp_path / f"snap.{form}"
    convert(str(VIOLATIONS), MINI.program.schema, form, str(out))
    assert report(str(out)) == reference()
    if form == "json":  # the converted document reads the same in the python backend too
        again = MINI.evaluate(str(out)).to_dict()
        again.pop("snapshot")
        assert again == reference()


def test_parquet_round_trip_back_to_jsonl(tmp_path: Path) -> None:
    convert(str(VIOLATIONS), MINI.program.schema, "parquet", str(tmp_path / "p"))
    convert(str(tmp_path / "p"), MINI.program.schema, "jsonl", str(tmp_path / "l"))
    assert report(str(tmp_path / "l")) == reference()
    lines = (tmp_path / "l" / "users.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1]) == {"id": "u2", "verified_at": "2024-03-01T00:00:00Z", "first_post_at": "2024-01-02T00:00:00Z"}


def bad_snapshot() -> dict[str, Any]:
    data = json.loads(VIOLATIONS.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["users"][1]["verified_at"] = "2024-13-01T00:00:00Z"
    data["groups"][2]["status"] = "archived"
    del data["sanctions"][0]["measure"]
    data["policy"]["max_group_members"] = 0
    return data


def test_schema_errors_carry_json_pointers(tmp_path: Path) -> None:
    with pytest.raises(LawcodeError) as python_error:
        MINI.evaluate(bad_snapshot())
    for source in (bad_snapshot(), _jsonl(tmp_path, bad_snapshot())):
        with pytest.raises(LawcodeError) as sql_error:
            evaluate(MINI.program, source)
        where = [d.where.split(" ", 1)[1] for d in sql_error.value.errors if d.where]
        assert where == ["/groups/2/status", "/policy/max_group_members", "/sanctions/0", "/users/1/verified_at"]
        assert where == [d.where.split(" ", 1)[1] for d in python_error.value.errors if d.where]
        messages = {d.message for d in sql_error.value.errors}
        assert "'measure' is a required property" in messages
        assert "'2024-13-01T00:00:00Z' is not a 'date-time'" in messages


def _jsonl(tmp_path: Path, data: dict[str, Any]) -> str:
    folder = tmp_path / "lines"
    folder.mkdir()
    root = {k: v for k, v in data.items() if not isinstance(v, list)}
    (folder / "root.snapshot.json").write_text(json.dumps(root), encoding="utf-8")
    for name, items in data.items():
        if isinstance(items, list):
            (folder / f"{name}.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return str(folder)


def test_wrong_types_are_located(tmp_path: Path) -> None:
    data = json.loads(VIOLATIONS.read_text(encoding="utf-8"))
    data["groups"][1]["member_count"] = "many"
    with pytest.raises(LawcodeError) as error:
        evaluate(MINI.program, data)
    (problem,) = error.value.errors
    assert problem.where is not None and problem.where.endswith("/groups/1/member_count")
    assert problem.message == "'many' is not of type 'integer'"


CUBE = {"type": ["array", "null"], "items": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}}


@pytest.mark.parametrize(
    ("require", "says"),
    [
        # A list of lists of lists is one JSON column in SQL: only `present(…)` reads it.
        ("count(plane in (u.cube ?? []) where len(plane) > 2) < 2", "field `cube` of users holds a list of mixed items, or of lists of anything but scalars"),
        # So is a list of objects inside the items of a list of objects.
        ("count(d in (u.devices ?? []) where count(p in (d.ports ?? []) where p.n > 1) > 0) < 2", "field `ports` of the items of `devices` holds a list of objects or of lists"),
    ],
)
def test_unsupported_construct_is_a_clear_error(tmp_path: Path, require: str, says: str) -> None:
    schema = json.loads((DATA / "sql" / "snapshot.schema.json").read_text())
    schema["properties"]["users"]["items"]["properties"]["cube"] = CUBE
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    text = f'schema "{tmp_path / "schema.json"}"\n'
    text += 'document d {\n  title "T"\n  issuer "tests"\n  issued 2024-01-01\n  in_force 2020-01-01\n  source "https://example.invalid/d"\n  article 1 "One."\n}\n'
    text += f"rule r {{\n  cites d art 1\n  for each u in users\n  require {require}\n}}\n"
    ruleset = lawcode.load_ruleset(text)
    user = {"id": "u1", "cube": [[[1, 2, 3]], [[4]]], "devices": [{"kind": "pc", "ports": [{"n": 2}]}]}
    assert ruleset.evaluate({**LISTED, "users": [user]}).compliant
    with pytest.raises(LawcodeError) as error:
        evaluate(ruleset.program, {**LISTED, "users": []}, backend="duckdb")
    assert error.value.errors[0].code == "B001"
    assert says in error.value.errors[0].message
    assert error.value.errors[0].where is not None and ":13:" in error.value.errors[0].where
    assert "use --backend python" in (error.value.errors[0].hint or "")


def test_auto_picks_python_for_small_json_and_duckdb_for_columnar(tmp_path: Path) -> None:
    assert choose(str(VIOLATIONS), "auto") == "python"
    assert choose({"as_of": "2024-01-01"}, "auto") == "python"
    convert(str(VIOLATIONS), MINI.program.schema, "parquet", str(tmp_path / "p"))
    assert choose(str(tmp_path / "p"), "auto") == "duckdb"


@pytest.mark.parametrize("backend", ["duckdb", "auto"])
def test_cli_backends_print_the_same_report(backend: str) -> None:
    runner = CliRunner()
    args = ["check", str(DATA / "mini"), "-s", str(VIOLATIONS), "-f", "json"]
    python = runner.invoke(cli, [*args, "--backend", "python"])
    other = runner.invoke(cli, [*args, "--backend", backend])
    assert python.exit_code == other.exit_code == 1
    assert other.output == python.output


def test_cli_convert_validates(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_snapshot()), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["snapshot", "convert", str(bad), "--to", "parquet", str(tmp_path / "out"), "--ruleset", str(DATA / "mini")])
    assert result.exit_code == 2
    assert "/users/1/verified_at" in result.output
    ok = runner.invoke(cli, ["snapshot", "convert", str(VIOLATIONS), "--to", "parquet", str(tmp_path / "out"), "--schema", str(DATA / "mini" / "snapshot.schema.json")])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "users.parquet").exists()


@pytest.mark.parametrize(
    ("backend", "says"),
    [
        ("python", "error[S001]: the snapshot is a folder: the python backend reads one JSON file"),
        ("duckdb", "error[S001]: the snapshot folder holds no snapshot files"),
        ("auto", "error[S001]: the snapshot folder holds no snapshot files"),
    ],
)
def test_a_folder_that_is_no_snapshot_is_one_clear_error(tmp_path: Path, backend: str, says: str) -> None:
    (tmp_path / "notes.txt").write_text("not a snapshot")
    result = CliRunner().invoke(cli, ["check", str(DATA / "mini"), "-s", str(tmp_path), "--backend", backend])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_folder_with_only_the_scalar_part_is_a_jsonl_snapshot(tmp_path: Path) -> None:
    """Every collection may be empty: then only root.snapshot.json is there."""
    root = json.loads(VIOLATIONS.read_text())
    scalars = {k: v for k, v in root.items() if not isinstance(v, list)}
    (tmp_path / "root.snapshot.json").write_text(json.dumps(scalars))
    assert choose(str(tmp_path), "auto") == "duckdb"
    with pytest.raises(LawcodeError) as caught:  # the mini schema requires its collections
        evaluate(MINI.program, str(tmp_path), backend="duckdb")
    assert "'groups' is a required property" in caught.value.render()  # read as JSON Lines, then checked


SQL_RULES = lawcode.load_ruleset(DATA / "sql")
LISTED = {"as_of": "2024-08-31", "groups": [], "memberships": [], "logs": [], "sanctions": [], "items": []}


def _converted_report(tmp_path: Path, form: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The SQL report on `snapshot` converted to `form`, after checking it is the python backend's."""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(snapshot))
    out = tmp_path / f"snap.{form}"
    convert(str(source), SQL_RULES.program.schema, form, str(out))
    expected = SQL_RULES.evaluate(snapshot).to_dict()
    expected.pop("snapshot")
    found = evaluate(SQL_RULES.program, str(out), rulesets=SQL_RULES.paths).to_dict()
    found.pop("snapshot")
    assert found == expected
    return found


@pytest.mark.parametrize("form", ["parquet", "jsonl", "json"])
def test_lists_of_dates_and_instants_survive_conversion(tmp_path: Path, form: str) -> None:
    """Typed list columns (DATE[], TIMESTAMP[], BIGINT[]) convert back to the same values."""
    user = {"id": "u1", "days": ["2024-02-29", "0001-01-01"], "logins": ["2024-01-01T10:00:00+08:00", None], "waits": ["P2DT3H", "PT0.5S"]}
    snapshot = {**LISTED, "users": [user]}
    found = _converted_report(tmp_path, form, snapshot)
    (listed,) = [u for u in found["undetermined"] if u["rule"] == "list-values"]  # max over a list holding null
    assert "2024-01-01T02:00:00Z" in json.dumps(listed)


def test_a_bad_date_inside_a_list_is_a_schema_error_on_both_backends() -> None:
    """Both name the element, in jsonschema's words (SQL: the first bad element per check)."""
    snapshot = {**LISTED, "users": [{"id": "u1", "days": ["2024-02-29", None, "2024-13-01"]}]}
    with pytest.raises(LawcodeError) as python:
        SQL_RULES.evaluate(snapshot)
    with pytest.raises(LawcodeError) as duckdb:
        evaluate(SQL_RULES.program, snapshot, backend="duckdb")
    said = [(e.code, e.where, e.message) for e in python.value.errors]
    assert said == [(e.code, e.where, e.message) for e in duckdb.value.errors]
    assert said == [
        ("S010", "<snapshot> /users/0/days/1", "null is not of type 'string'"),
        ("S010", "<snapshot> /users/0/days/2", "'2024-13-01' is not a 'date'"),
    ]


def _errors_on_both(snapshot: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The schema errors (place, words) both backends give: the same, in the same order."""
    with pytest.raises(LawcodeError) as python:
        SQL_RULES.evaluate(snapshot)
    with pytest.raises(LawcodeError) as duckdb:
        evaluate(SQL_RULES.program, snapshot, backend="duckdb")
    said = [(e.where, e.message) for e in python.value.errors]
    assert said == [(e.where, e.message) for e in duckdb.value.errors]
    return said


def test_string_constraints_are_checked_in_sql() -> None:
    """`minLength` on a collection's ids (the CAC schema): S010 at the value on both backends."""
    cac = lawcode.load_ruleset(DATA.parent.parent / "rulesets" / "cac")
    snapshot = json.loads((DATA.parent.parent / "rulesets" / "cac" / "examples" / "compliant.json").read_text())
    snapshot["users"][0]["id"] = ""
    with pytest.raises(LawcodeError) as python:
        cac.evaluate(snapshot)
    with pytest.raises(LawcodeError) as duckdb:
        evaluate(cac.program, snapshot, backend="duckdb")
    assert [e.where for e in python.value.errors] == ["<snapshot> /users/0/id"]
    (short,) = duckdb.value.errors
    assert short.where == "<snapshot> /users/0/id" and short.message == "'' is too short"

@pytest.mark.parametrize("form", ["parquet", "jsonl", "json"])
def test_fields_of_no_one_type_keep_their_json_values(tmp_path: Path, form: str) -> None:
    """Untyped, mixed-type and list-of-object fields are JSON columns: `present(…)` and the
    evidence see the value the reference sees, through every input form."""
    users = [
        {"id": "u1", "extra": {"名": [1, 0.5, "x"], "a": None}},
        {"id": "u2", "mixed": 3, "devices": [{"kind": "pc", "undeclared": 1}]},
        {"id": "u3", "mixed": "", "extra": None, "devices": []},
    ]
    snapshot = {**LISTED, "users": users}
    found = _converted_report(tmp_path, form, snapshot)
    untyped = {v["subject"]["id"]: v["evidence"] for v in found["violations"] if v["rule"] == "untyped"}
    assert untyped.keys() == {"u1", "u2", "u3"}  # u3: `mixed` is "", `extra` null (not present)
    assert {"expr": "u.extra", "value": {"名": [1, 0.5, "x"], "a": None}, "pointer": "/users/0/extra"} in untyped["u1"]
    assert {"expr": "u.mixed", "value": "", "pointer": "/users/2/mixed"} in untyped["u3"]


@pytest.mark.parametrize("form", ["parquet", "jsonl", "json"])
def test_nested_lists_and_objects_survive_conversion(tmp_path: Path, form: str) -> None:
    """Leaves of objects inside items (`d.place.geo.lat`), lists and untyped values inside items
    (`d.checked`, `d.meta`) are fields of the typed list's structs, lists of lists (`u.weeks`)
    typed lists of lists: the rules read them on every input form."""
    devices = [
        {"kind": "pc", "labels": ["spam"], "checked": ["2024-03-01", "2023-01-01"], "place": {"country": "us", "since": "2020-02-29", "geo": {"lat": 12.5}}},
        {"kind": "手机", "place": None},
    ]
    devices[1].update({"meta": {"名": [1, None]}, "ports": [{"n": 1}]})
    user = {"id": "u1", "born": "2000-01-01", "country": "cn", "devices": devices, "grid": [[1, 2, 3], None], "weeks": [["1999-12-31", None], []]}
    found = _converted_report(tmp_path, form, {**LISTED, "users": [user]})
    (placed,) = [v for v in found["violations"] if v["rule"] == "device-places"]
    assert placed["message"] == "u1: 1 placed"
    (grids,) = [v for v in found["violations"] if v["rule"] == "grids"]
    assert grids["message"] == "u1: [[1, 2, 3], (missing)] / 2 weeks: [[1999-12-31, (missing)], []]"


def test_a_value_of_a_type_the_schema_does_not_list_is_a_schema_error_in_sql() -> None:
    snapshot = {**LISTED, "users": [{"id": "u1", "mixed": 2.0}, {"id": "u2", "mixed": {"a": 1}}, {"id": "u3", "mixed": 2.5}]}
    said = _errors_on_both(snapshot)
    assert said == [
        ("<snapshot> /users/1/mixed", "{'a': 1} is not of type 'string', 'integer', 'null'"),
        ("<snapshot> /users/2/mixed", "2.5 is not of type 'string', 'integer', 'null'"),
    ]


def test_bad_items_in_a_list_of_objects_are_schema_errors_in_sql() -> None:
    """Items of a list of objects: their type, required fields, field types and formats are
    checked while loading, each error at the item (and field), as jsonschema gives it."""
    users = [
        {"id": "u1", "devices": [{"kind": "pc"}, {"kind": "pc", "seen": "2024-13-01T10:00:00Z"}]},
        {"id": "u2", "devices": [{"kind": 5}]},
        {"id": "u3", "devices": [{"trusted": True}]},
        {"id": "u4", "devices": [3]},
        {"id": "u5", "devices": [{"kind": "pc", "place": {"since": "2024-01-01"}}]},
        {"id": "u6", "devices": [{"kind": "pc", "place": {"country": "cn", "geo": {"lat": "north"}}}]},
        {"id": "u7", "devices": [{"kind": "pc"}, {"kind": "pc", "labels": ["ok", None], "checked": ["2024-02-30"]}]},
    ]
    snapshot = {**LISTED, "users": users}
    said = _errors_on_both(snapshot)
    assert said == [
        ("<snapshot> /users/0/devices/1/seen", "'2024-13-01T10:00:00Z' is not a 'date-time'"),
        ("<snapshot> /users/1/devices/0/kind", "5 is not of type 'string'"),
        ("<snapshot> /users/2/devices/0", "'kind' is a required property"),
        ("<snapshot> /users/3/devices/0", "3 is not of type 'object'"),
        ("<snapshot> /users/4/devices/0/place", "'country' is a required property"),
        ("<snapshot> /users/5/devices/0/place/geo/lat", "'north' is not of type 'number', 'null'"),
        ("<snapshot> /users/6/devices/1/checked/0", "'2024-02-30' is not a 'date'"),
        ("<snapshot> /users/6/devices/1/labels/1", "null is not of type 'string'"),
    ]


def test_bad_elements_of_lists_of_lists_are_schema_errors_in_sql() -> None:
    users = [
        {"id": "u1", "grid": [[1], "x"]},
        {"id": "u2", "grid": [[1], [2, None]]},
        {"id": "u3", "grid": [[1.5]]},
        {"id": "u4", "weeks": [None]},
        {"id": "u5", "weeks": [["2024-01-01"], ["2024-02-30"]]},
    ]
    said = _errors_on_both({**LISTED, "users": users})
    assert said == [
        ("<snapshot> /users/0/grid/1", "'x' is not of type 'array', 'null'"),
        ("<snapshot> /users/1/grid/1/1", "null is not of type 'integer'"),
        ("<snapshot> /users/2/grid/0/0", "1.5 is not of type 'integer'"),
        ("<snapshot> /users/3/weeks/0", "null is not of type 'array'"),
        ("<snapshot> /users/4/weeks/1/0", "'2024-02-30' is not a 'date'"),
    ]


_DAY = st.one_of(st.sampled_from(["2024-02-29", "2023-02-29", "2024-13-01", "24-01-01", "", "2024-01-01T00:00:00Z"]), st.none(), st.integers(0, 3))
_ITEM = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "kind": st.one_of(st.sampled_from(["pc", "手机"]), st.integers(0, 2), st.none()),
            "seen": st.one_of(st.sampled_from(["2024-01-01T10:00:00+08:00", "2024-01-01", "x"]), st.none()),
            "trusted": st.one_of(st.booleans(), st.sampled_from(["yes"]), st.none()),
            "labels": st.one_of(st.lists(st.one_of(st.just("ok"), st.none(), st.integers(0, 1)), max_size=2), st.just("ok"), st.none()),
            "checked": st.lists(_DAY, max_size=2),
            "place": st.one_of(
                st.fixed_dictionaries({}, optional={"country": st.one_of(st.just("cn"), st.integers(0, 1)), "since": _DAY, "geo": st.one_of(st.none(), st.just([]), st.fixed_dictionaries({}, optional={"lat": st.one_of(st.just(1.5), st.just("n"), st.none())}))}),
                st.none(),
                st.just("here"),
            ),
        },
    ),
    st.none(), st.integers(0, 2), st.just([]),
)
_ROW = st.one_of(st.lists(st.one_of(st.integers(0, 3), st.just("x"), st.none(), st.just(1.5)), max_size=2), st.none(), st.just("x"))
_USER = st.fixed_dictionaries(
    {"id": st.sampled_from(["u1", "u2"])},
    optional={"days": st.lists(_DAY, max_size=3), "devices": st.lists(_ITEM, max_size=3), "grid": st.lists(_ROW, max_size=2), "weeks": st.lists(st.one_of(st.lists(_DAY, max_size=2), st.none()), max_size=2)},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_USER, min_size=1, max_size=3))
def test_list_element_errors_agree_with_jsonschema(users: list[dict[str, Any]]) -> None:
    """A snapshot is rejected by both backends or by neither; every SQL error is one of
    jsonschema's (pointer and words), and they name the same elements' rows (SQL gives the
    first bad element per check, jsonschema all of them)."""
    snapshot = {**LISTED, "users": users}
    try:
        SQL_RULES.evaluate(snapshot)
        python: list[tuple[str | None, str]] = []
    except LawcodeError as error:
        python = [(e.where, e.message) for e in error.errors]
    try:
        evaluate(SQL_RULES.program, snapshot, backend="duckdb")
        duckdb: list[tuple[str | None, str]] = []
    except LawcodeError as error:
        duckdb = [(e.where, e.message) for e in error.errors]
    assert bool(python) == bool(duckdb)
    assert set(duckdb) <= set(python)

    def rows(found: list[tuple[str | None, str]]) -> set[str]:
        return {"/".join((where or "").split("/")[:3]) for where, _ in found}

    assert rows(duckdb) == rows(python)


def test_an_integer_beyond_64_bits_in_a_python_snapshot_is_read_not_a_crash() -> None:
    """orjson refuses such integers; the snapshot passed as Python objects is still written
    for DuckDB (SQL then reads the value as missing: a documented difference)."""
    snapshot = {**LISTED, "users": [{"id": "u1", "age": 2**70, "grid": [[2**70]]}]}
    summary = evaluate(SQL_RULES.program, snapshot, backend="duckdb").to_dict()["summary"]
    assert summary["rules_in_force"] == SQL_RULES.evaluate(snapshot).to_dict()["summary"]["rules_in_force"]
    assert summary["subjects_checked"] > 0


def test_an_unknown_aggregate_over_a_list_of_lists_of_dates_is_traced_as_the_reference_does() -> None:
    """The tracer walks the list's elements again for missing pointers: from SQL they come
    as JSON text and are read as the reference reads them (dates, not strings)."""
    snapshot = {**LISTED, "users": [{"id": "u1", "born": "2024-02-29", "weeks": [["2024-02-29", None]], "grid": [[1], None]}]}
    expected = SQL_RULES.evaluate(snapshot).to_dict()
    found = evaluate(SQL_RULES.program, snapshot, backend="duckdb", rulesets=SQL_RULES.paths).to_dict()
    expected.pop("snapshot"), found.pop("snapshot")
    assert found == expected
    assert [u["rule"] for u in found["undetermined"]].count("grids") == 1
