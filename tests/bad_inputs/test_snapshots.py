"""Snapshot bytes: duplicate keys and ids, encodings, sizes, depths, dates.

Each case runs `lawcode check` on every backend that reads JSON (python, duckdb): the
verdict and the message must be the same, with the place of the problem, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bad_inputs.support import CORPUS, MINI_RULESET, MINI_SNAPSHOT, assert_user_error, lawcode

HERE = CORPUS / "snapshots"
BACKENDS = pytest.mark.parametrize("backend", ["python", "duckdb"])
TEXT = MINI_SNAPSHOT.read_text(encoding="utf-8")


def edited(tmp_path: Path, old: str, new: str, name: str = "snapshot.json") -> Path:
    """The mini snapshot with one piece of text replaced."""
    assert old in TEXT
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def check(snapshot: str | Path, backend: str, stdin: bytes | None = None) -> object:
    return lawcode("check", MINI_RULESET, "-s", snapshot, "--backend", backend, stdin=stdin)


def json_lines(tmp_path: Path) -> Path:
    """The mini snapshot as a hand-made JSON Lines folder (no manifest: files may be edited)."""
    data = json.loads(TEXT)
    folder = tmp_path / "lines"
    folder.mkdir()
    (folder / "root.snapshot.json").write_text(json.dumps({k: v for k, v in data.items() if not isinstance(v, list)}))
    for name, items in data.items():
        if isinstance(items, list):
            (folder / f"{name}.jsonl").write_text("".join(json.dumps(item) + "\n" for item in items))
    return folder


# ---------------------------------------------------------------- repeated keys and ids


@BACKENDS
@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ('"as_of": "2024-08-31",', '"as_of": "2024-08-31", "as_of": "2099-01-01",', ['snapshot.json:1:25: error[S040]: the key "as_of" appears twice', "(/as_of; first at 1:2)"]),
        ('{"id": "g2", "status": "closed"}', '{"id": "g2", "status": "closed", "status": "active"}', ['snapshot.json:7:80: error[S040]: the key "status"', "(/groups/1/status; first at 7:60)"]),
        ('{"id": "s1",', '{"id": "s1", "note": {"a": 1, "a": 2},', ['snapshot.json:10:46: error[S040]: the key "a"', "(/sanctions/0/note/a; first at 10:38)"]),
    ],
    ids=["as_of", "element", "field-outside-the-schema"],
)
def test_a_key_repeated_in_an_object_is_an_error_with_its_place(tmp_path: Path, backend: str, old: str, new: str, needles: list[str]) -> None:
    assert_user_error(check(edited(tmp_path, old, new), backend), *needles)


def test_a_key_repeated_in_a_json_lines_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    folder = json_lines(tmp_path)
    (folder / "groups.jsonl").write_text('{"id": "g1", "status": "active"}\n{"id": "g2", "status": "closed", "id": "g3"}\n')
    assert_user_error(check(folder, "duckdb"), "groups.jsonl:2:34: error[S040]", "(/groups/1/id; first at 2:2)")


@BACKENDS
def test_two_elements_with_one_id_are_an_error_naming_both(tmp_path: Path, backend: str) -> None:
    path = edited(tmp_path, '{"id": "g2", "status": "closed"}', '{"id": "g1", "status": "closed"}')
    assert_user_error(check(path, backend), "/groups/1/id: error[S041]: the id 'g1' is taken: /groups/0/id has it too")


# ---------------------------------------------------------------- what is read


@BACKENDS
def test_an_endless_device_is_not_read_to_the_end(backend: str) -> None:
    assert_user_error(check("/dev/zero", backend), "/dev/zero:1:1: error[S002]")


@BACKENDS
def test_a_yaml_snapshot_is_told_to_be_json(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "snapshot.yaml"
    path.write_text("users:\n  - id: u1\n", encoding="utf-8")
    assert_user_error(check(path, backend), "snapshot.yaml:1:1: error[S002]", "not YAML")


def test_a_json_snapshot_with_a_syntax_error_keeps_the_comma_hint(tmp_path: Path) -> None:
    path = edited(tmp_path, ",", " ")
    result = check(path, "python")
    assert_user_error(result, "error[S002]", "missing comma or quote")
    assert "YAML" not in result.stderr


def test_an_endless_snapshot_of_a_test_file_is_not_read_to_the_end() -> None:
    assert_user_error(lawcode("test", HERE / "dev-zero.test.yaml"), "snapshot `/dev/zero`", "not valid JSON")


def test_aliases_in_a_test_file_are_refused_before_they_expand() -> None:
    assert_user_error(lawcode("test", HERE / "alias-bomb.test.yaml", timeout=60), "alias-bomb.test.yaml:3: not valid YAML: aliases (*a) are not accepted")


@BACKENDS
def test_a_snapshot_from_standard_input(backend: str) -> None:
    result = check("-", backend, stdin=MINI_SNAPSHOT.read_bytes())
    assert result.returncode == 1, result.stderr  # violations found: the snapshot was read
    assert "as of 2024-08-31" in result.stdout


@BACKENDS
def test_an_empty_snapshot_says_so(backend: str) -> None:
    assert_user_error(check("/dev/null", backend), "/dev/null: error[S043]: the snapshot is empty")


# ---------------------------------------------------------------- encodings


@BACKENDS
def test_a_snapshot_not_in_utf8_is_refused_at_its_line_and_column(backend: str) -> None:
    assert_user_error(check(HERE / "gb18030.json", backend), "gb18030.json:4:20: error[S042]: the snapshot is not UTF-8 text")


@BACKENDS
def test_a_utf8_byte_order_mark_is_accepted(backend: str) -> None:
    result = check(HERE / "bom.json", backend)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "user u2 posted" in result.stdout


# ---------------------------------------------------------------- values every backend judges alike


@BACKENDS
@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "0000-01-01T00:00:00Z"])
def test_a_date_time_out_of_range_in_utc_is_a_schema_error(tmp_path: Path, backend: str, instant: str) -> None:
    path = edited(tmp_path, '"2024-02-29T10:00:00Z"', json.dumps(instant))
    assert_user_error(check(path, backend), f"/logs/0/at: error[S010]: '{instant}' is not a 'date-time'", "years 0001 to 9999 once in UTC")


@BACKENDS
@pytest.mark.parametrize("where", ["element", "root"])
def test_nesting_deeper_than_the_limit_is_one_error_on_every_backend(tmp_path: Path, backend: str, where: str) -> None:
    deep = "[" * 2000 + "]" * 2000
    path = edited(tmp_path, '{"at": "2024-02-29T10:00:00Z"}', '{"at": "2024-02-29T10:00:00Z", "x": ' + deep + "}") if where == "element" else edited(tmp_path, '"as_of"', f'"x": {deep}, "as_of"')
    line_column = "9:1069" if where == "element" else "1:1031"
    assert_user_error(check(path, backend), f"snapshot.json:{line_column}: error[S046]: the snapshot nests arrays and objects more than 1024 deep")


@BACKENDS
def test_messages_speak_json_not_python(tmp_path: Path, backend: str) -> None:
    path = edited(tmp_path, '"prior_violations": 1', '"prior_violations": true')
    assert_user_error(check(path, backend), "/sanctions/0/prior_violations: error[S010]: true is not of type 'integer'")
    array = tmp_path / "array.json"
    array.write_text("[" + TEXT + "]", encoding="utf-8")
    assert_user_error(check(array, backend), "a snapshot is a JSON object, not an array")


def test_a_json_lines_syntax_error_is_reported_at_its_own_line(tmp_path: Path) -> None:
    folder = json_lines(tmp_path)
    (folder / "groups.jsonl").write_text('{"id": "g1", "status": "active"}\n{"id": "g2", "status": "closed"\n{"id": "g3", "status": "active"}\n')
    assert_user_error(check(folder, "duckdb"), "groups.jsonl:2:32: error[S002]")
