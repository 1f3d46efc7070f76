"""Splitting a JSON snapshot into JSON Lines (engine/sql/stream.py), and loading it on DuckDB.

The splitter scans bytes, not values: what must hold is that line k of a collection's file
is element k, byte for byte (wherever the chunks are cut: escapes, strings holding
brackets and commas, line breaks between tokens), that everything else is what orjson
reads, and that a document the python backend refuses is refused with the same words at
the same line and column.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snapshots import mini_snapshot, sql_snapshot

import lawcode
from helpers import DATA, ROOT
from lawcode.dsl.diagnostics import LawcodeError
from lawcode.engine.sql import evaluate, stream

MINI = lawcode.load_ruleset(DATA / "mini")
SQL = lawcode.load_ruleset(DATA / "sql")
VIOLATIONS = (DATA / "mini" / "violations.json").read_text(encoding="utf-8")
COLLECTIONS = ("users", "groups", "memberships", "logs", "sanctions", "items")
SCALARS = ("as_of", "policy", "platform")


def split(text: str | bytes, directory: Path, chunk: int | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> stream.Split:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if chunk is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(stream, "CHUNK", chunk)
    return stream.split_document(raw, str(directory), COLLECTIONS, SCALARS, "<doc>")


def text_of(part: stream.Part) -> bytes:
    return b"".join(Path(p).read_bytes() for p in part.paths)


def elements(part: stream.Part) -> list[Any]:
    return [orjson.loads(line) for line in text_of(part).split(b"\n") if line.strip()]


def outcome(run: Any) -> Any:
    """A report as a dict, or the diagnostics (code, place, message) it raised."""
    try:
        found = run().to_dict()
    except LawcodeError as exc:
        return [(d.code, d.where, (d.span.line, d.span.column) if d.span else None, d.message) for d in exc.errors]
    found.pop("snapshot", None)
    return found


def python_and_duckdb(ruleset: lawcode.Ruleset, snapshot: Any) -> tuple[Any, Any]:
    return outcome(lambda: ruleset.evaluate(snapshot)), outcome(lambda: evaluate(ruleset.program, snapshot, rulesets=ruleset.paths))


# ---------------------------------------------------------------- the lines


def test_each_line_is_one_element_at_its_place_in_the_document(tmp_path: Path) -> None:
    text = '{"as_of": "2024-01-01", "users": [\n  {"id": "a,]", "n": [1, 2]},\n  {"id":\n "b"} ,{"id": "\\"}"}\n], "policy": {"x": [1]}}'
    found = split(text, tmp_path)
    part = found.parts["users"]
    assert elements(part) == [{"id": "a,]", "n": [1, 2]}, {"id": "b"}, {"id": '"}'}]
    assert part.count == 3
    data = text_of(part)
    start = part.offset
    assert start is not None
    assert len(data) == text.encode().index(b"\n]") + 1 - start  # the interior, byte for byte
    for k, line in enumerate(data.split(b"\n")):  # separators became newlines, nothing moved
        original = text.encode()[start : start + len(line)]
        assert original.replace(b"\n", b" ") == line, k
        start += len(line) + 1
    assert found.root == {"as_of": "2024-01-01", "policy": {"x": [1]}}


def test_escapes_split_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["\\", '"', '\\"', "\\\\", 'a"b\\', "]", "},{", "用户 😀", "\\u0022"]
    doc = {"as_of": "2024-01-01", "users": [{"id": n, "tags": [n, n]} for n in names]}
    text = json.dumps(doc)
    for chunk in (1, 2, 3, 5, 7, 64):
        directory = tmp_path / str(chunk)
        directory.mkdir()
        found = split(text, directory, chunk, monkeypatch)
        assert elements(found.parts["users"]) == doc["users"], chunk


def test_the_last_of_repeated_keys_wins_at_the_top_level(tmp_path: Path) -> None:
    text = '{"as_of": "2024-01-01", "users": [{"id": "old"}], "groups": [{"id": "g"}], "users": [{"id": "new"}, {"id": "x"}], "groups": null}'
    found = split(text, tmp_path)
    assert elements(found.parts["users"]) == [{"id": "new"}, {"id": "x"}]
    assert "groups" not in found.parts and found.other == {"groups": None}


def test_empty_arrays_and_keys_written_with_escapes(tmp_path: Path) -> None:
    found = split('{"as_of": "2024-01-01", "us\\u0065rs": [ ], "logs": []}', tmp_path)
    assert set(found.parts) == {"users", "logs"}
    assert found.parts["users"].count is None and elements(found.parts["users"]) == []


def test_widest_line_and_position(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 12345}\n{}')
    assert stream.widest_line(str(path)) >= len(b'{"a": 12345}')
    assert stream.position(b"ab\ncd\n\xe7\x94\xa8x", 9) == (3, 2)  # columns count characters: x is the second


# ---------------------------------------------------------------- chunk boundaries (property)

JSON_STYLES = st.sampled_from([{}, {"indent": 1}, {"indent": "\t"}, {"separators": (",", ":")}, {"separators": (" ,\n ", " :\r\n")}, {"ensure_ascii": False}])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sql_snapshot(max_size=4), JSON_STYLES, st.integers(1, 97), st.integers(1, 300))
def test_any_snapshot_any_chunking_gives_its_elements(snapshot: dict[str, Any], style: dict[str, Any], chunk: int, piece: int) -> None:
    text = json.dumps(snapshot, **style)
    with tempfile.TemporaryDirectory() as directory, pytest.MonkeyPatch.context() as patch:
        patch.setattr(stream, "CHUNK", chunk)
        patch.setattr(stream, "PIECE", piece)
        found = stream.split_document(text.encode("utf-8"), directory, COLLECTIONS, SCALARS, "<doc>")
        assert found.root == {k: v for k, v in snapshot.items() if k in SCALARS}
        for name in COLLECTIONS:
            if name in snapshot:
                part = found.parts[name]
                assert elements(part) == snapshot[name]
                assert part.count in ((len(snapshot[name]),) if len(snapshot[name]) > 1 else (None,))
                assert part.widest >= max((len(orjson.dumps(e)) for e in snapshot[name]), default=0)
                for path in part.paths[:-1]:  # every piece but the last ends after a whole line
                    assert Path(path).read_bytes().endswith(b"\n")


# ---------------------------------------------------------------- the same report as the python backend

SAME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SAME
@given(sql_snapshot(), JSON_STYLES)
def test_a_snapshot_as_json_text_gives_the_python_report(snapshot: dict[str, Any], style: dict[str, Any]) -> None:
    raw = json.dumps(snapshot, **style).encode("utf-8")
    expected, actual = python_and_duckdb(SQL, raw)
    assert actual == expected


@SAME
@given(mini_snapshot(), JSON_STYLES)
def test_a_mini_snapshot_file_gives_the_python_report(snapshot: dict[str, Any], style: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "snapshot.json"
        path.write_text(json.dumps(snapshot, **style), encoding="utf-8")
        expected, actual = python_and_duckdb(MINI, str(path))
    assert actual == expected


def test_awkward_document_gives_the_python_report() -> None:
    """CRLF, tabs, breaks inside elements, escaped keys, strings full of brackets."""
    path = str(DATA / "stream" / "awkward.json")
    expected, actual = python_and_duckdb(MINI, path)
    assert isinstance(actual, dict) and actual["violations"]
    assert actual == expected


def test_repeated_key_inside_an_element_is_refused_alike() -> None:
    text = VIOLATIONS.replace('{"id": "g2", "status": "closed"}', '{"id": "g2", "status": "active", "status": "closed"}')
    expected, actual = python_and_duckdb(MINI, text.encode())
    assert isinstance(expected, list) and expected[0][0] == "S040"
    assert actual == expected


@pytest.mark.parametrize("piece", [stream.PIECE, 1 << 16])
def test_positions_in_a_long_collection(monkeypatch: pytest.MonkeyPatch, piece: int) -> None:
    """Many read buffers, threads and files: the rows still carry their elements' indexes."""
    monkeypatch.setattr(stream, "PIECE", piece)
    data = json.loads(VIOLATIONS)
    data["users"] = [{"id": f"u{i}", "verified_at": "2024-01-01T00:00:00Z", "first_post_at": "2024-01-02T00:00:00Z"} for i in range(60_000)]
    for i in (7, 31_337, 59_999):
        data["users"][i]["verified_at"] = "2024-03-01T00:00:00Z"
    data["users"][45_000]["verified_at"] = "not a date"
    raw = json.dumps(data, indent=1).encode()
    expected, actual = python_and_duckdb(MINI, raw)
    assert actual == expected
    assert [e[1] for e in actual] == ["<snapshot> /users/45000/verified_at"]
    data["users"][45_000]["verified_at"] = "2024-01-01T00:00:00Z"
    expected, actual = python_and_duckdb(MINI, json.dumps(data).encode())
    assert actual == expected
    assert [v["subject"]["pointer"] for v in actual["violations"] if v["rule"] == "verified-before-posting"][:3] == ["/users/31337", "/users/59999", "/users/7"]  # by id, as text


# ---------------------------------------------------------------- refused documents: same code, place and words

BROKEN = {
    "in an element": VIOLATIONS.replace('"u2"', '"u2" "x"', 1),
    "cut short": VIOLATIONS[: len(VIOLATIONS) // 2],
    "cut inside a string": VIOLATIONS[: VIOLATIONS.index("u3") + 1],
    "content after it": VIOLATIONS + " x",
    "empty element": VIOLATIONS.replace('"users": [', '"users": [ ,', 1),
    "trailing comma": VIOLATIONS.replace("}],", "},\n ],", 1),
    "line break in a string": VIOLATIONS.replace('"u1"', '"u\n1"', 1),
    "line break in a top-level string": VIOLATIONS.replace('"2024-08-31"', '"2024-08\n-31"', 1),
    "comment": VIOLATIONS.replace('"users": [', '"users": [ /* c */', 1),
    "empty": "",
    "blank": "  \n ",
    "missing colon": VIOLATIONS.replace('"policy":', '"policy"', 1),
    "bracket mismatch": VIOLATIONS.replace('"status": "closed"}', '"status": "closed"]', 1),
    "array closed by a brace": VIOLATIONS.replace('"status": "active"}],', '"status": "active"}},', 1),
    "not an object": "[1, 2]",
    "a number": "3.5",
    "a string": '"x"',
    "bad literal in an element": VIOLATIONS.replace('"verified_at": null', '"verified_at": nul', 1),
    "top-level trailing comma": VIOLATIONS.rstrip()[:-1] + ",}",
    # the first error in the document wins, whichever part of the splitter or DuckDB finds it
    "a wrong type, then a syntax error": VIOLATIONS.replace('"id": "u1"', '"id": 5', 1).replace('"status": "closed"}', '"status": "closed" x}', 1),
    "an element's error, then cut short": VIOLATIONS.replace('"u2"', '"u2" "x"', 1)[: len(VIOLATIONS) * 3 // 4],
    "an element's error, then a break in a string": VIOLATIONS.replace('"u1"', '"u1" x', 1).replace('"u3"', '"u\n3"', 1),
    "errors in two collections, the later one first in the document": json.dumps(
        {"as_of": "2024-08-31", "sanctions": [{"id": "s1"}, {"id": "s2"}], **{k: v for k, v in json.loads(VIOLATIONS).items() if k not in ("as_of", "sanctions")}}, indent=1
    ).replace('"s2"', '"s2",', 1).replace('"u2"', '"u2" "x"', 1),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_refused_as_the_python_backend_refuses_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(BROKEN[name], encoding="utf-8")
    expected, actual = python_and_duckdb(MINI, str(path))
    assert isinstance(expected, list) and expected[0][0] in ("S002", "S003", "S043")
    assert actual == expected
    expected, actual = python_and_duckdb(MINI, BROKEN[name].encode("utf-8"))
    assert actual == expected


def test_collection_that_is_not_an_array() -> None:
    for value in ({"id": "u1"}, "nope", None, 3):
        data = json.loads(VIOLATIONS)
        data["users"] = value
        for form in (data, json.dumps(data).encode()):
            expected, actual = python_and_duckdb(MINI, form)
            assert actual == expected, value


def test_element_that_is_not_an_object_keeps_its_diagnostic() -> None:
    data = json.loads(VIOLATIONS)
    data["users"] = [1, {"id": "u9"}]
    for form in (data, json.dumps(data).encode()):
        _, actual = python_and_duckdb(MINI, form)
        assert actual == [("S010", "<snapshot> /users/0", None, "1 is not of type 'object'")]


def test_missing_file() -> None:
    _, actual = python_and_duckdb(MINI, "/nonexistent/snapshot.json")
    assert actual[0][0] == "S001"


# ---------------------------------------------------------------- temporary files


@pytest.mark.parametrize("text", [VIOLATIONS, BROKEN["in an element"], BROKEN["cut short"], VIOLATIONS.replace('"u1"', "1", 1)])
def test_temporary_files_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    outcome(lambda: evaluate(MINI.program, text.encode()))
    outcome(lambda: evaluate(MINI.program, json.loads(VIOLATIONS)))
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("empty", ["[]", "[ ]", "[\n\t]"])
def test_empty_arrays_are_empty_collections(empty: str) -> None:
    text = VIOLATIONS.replace('"logs": [{"at": "2024-02-29T10:00:00Z"}, {"at": "2024-05-01T00:00:00Z"}]', f'"logs": {empty}', 1)
    assert text != VIOLATIONS
    expected, actual = python_and_duckdb(MINI, text.encode())
    assert isinstance(actual, dict) and actual == expected


def test_rows_keep_their_elements_positions_in_every_collection() -> None:
    """A parallel read numbered by `rowid` put some rows of the CAC example out of order now and then."""
    from lawcode.engine.sql.duckdb_backend import DuckDBBackend
    from lawcode.engine.sql.inputs import detect
    from lawcode.engine.sql.tables import layout

    cac = lawcode.load_ruleset(ROOT / "rulesets" / "cac")
    path = ROOT / "rulesets" / "cac" / "examples" / "violations.json"
    document = orjson.loads(path.read_bytes())
    tables = layout(cac.program.schema)
    for _ in range(3):
        backend = DuckDBBackend()
        try:
            backend.load(detect(str(path)), tables, cac.program.schema)
            for name, coll in tables.collections.items():
                if not document.get(name) or coll.column(("id",)) is None:
                    continue
                rows = backend.con.execute(f'SELECT "__pos", id FROM "{coll.table}" ORDER BY "__pos"').fetchall()
                assert rows == [(i, e.get("id")) for i, e in enumerate(document[name])], name
        finally:
            backend.close()


def test_compressed_tables_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large loads end with a CHECKPOINT that compresses the tables: the queries read them the same."""
    from lawcode.engine.sql import duckdb_backend

    monkeypatch.setattr(duckdb_backend, "COMPRESS_BYTES", 0)
    expected, actual = python_and_duckdb(MINI, (DATA / "stream" / "awkward.json").read_bytes())
    assert isinstance(actual, dict) and actual == expected
