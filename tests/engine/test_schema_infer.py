"""`lawcode schema infer` (`engine/schema_infer.py`): a draft schema every sample satisfies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import DATA, golden
from lawcode.compiler import types as T
from lawcode.compiler.schema import SnapshotSchema
from lawcode.engine.schema_infer import infer_schema, schema_text
from lawcode.engine.snapshot import schema_errors

SAMPLES = DATA / "schema_infer"
DAYS = [SAMPLES / "day1.json", SAMPLES / "day2.json"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lawcode", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_the_draft_of_two_days() -> None:
    """Formats, enums, nullable and required fields, as a person would lay them out."""
    golden(SAMPLES / "expected.schema.json", schema_text(infer_schema(DAYS)))


def test_the_draft_types_the_fields_rules_read() -> None:
    schema = SnapshotSchema(infer_schema(DAYS))
    accounts = schema.collections()["accounts"]
    fields = schema.properties(accounts)
    assert schema.type_of(fields["phone_verified_at"], "/accounts/phone_verified_at").type == T.DATETIME
    assert schema.type_of(fields["score"], "/accounts/score").type == T.NUMBER
    assert schema.type_of(schema.properties(schema.collections()["complaints"])["filed_on"], "/c").type == T.DATE
    assert schema.type_of(schema.properties(schema.root)["policy"]["properties"]["verification_deadline"], "/p").type == T.DURATION


def test_the_draft_is_the_same_from_json_jsonl_and_parquet(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(schema_text(infer_schema(DAYS[:1])), encoding="utf-8")
    for form in ("jsonl", "parquet"):
        converted = run("snapshot", "convert", DAYS[0], "--to", form, tmp_path / form, "--schema", schema)
        assert converted.returncode == 0, converted.stderr
    from_json = infer_schema([DAYS[0]])
    for form in ("jsonl", "parquet"):
        drafted = infer_schema([tmp_path / form])
        # a folder lists its collections by file name, and a converted snapshot drops nulls
        assert drafted["properties"].keys() == from_json["properties"].keys()
        accounts = drafted["properties"]["accounts"]["items"]["properties"]
        assert accounts["phone_verified_at"] == {"type": "string", "format": "date-time"}
        assert accounts["status"] == from_json["properties"]["accounts"]["items"]["properties"]["status"]
        assert drafted["properties"]["as_of"] == {"type": "string", "format": "date"}


def test_the_command_prints_or_writes_and_never_replaces(tmp_path: Path) -> None:
    printed = run("schema", "infer", *DAYS)
    assert printed.returncode == 0 and printed.stdout == (SAMPLES / "expected.schema.json").read_text(encoding="utf-8")
    out = tmp_path / "snapshot.schema.json"
    assert run("schema", "infer", *DAYS, "-o", out).returncode == 0
    assert out.read_text(encoding="utf-8") == printed.stdout
    out.write_text("{}", encoding="utf-8")
    again = run("schema", "infer", *DAYS, "-o", out)
    assert again.returncode == 2 and "error[O006]" in again.stderr and out.read_text(encoding="utf-8") == "{}"
    assert run("schema", "infer", *DAYS, "-o", out, "--force").returncode == 0


def test_bad_samples_are_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text("[1]", encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"a": 1,}', encoding="utf-8")
    for name, expected in [("list.json", "error[S002]: the sample is an array"), ("bad.json", "bad.json:1:8: error[S002]"), ("missing.json", "error[S001]: the sample does not exist")]:
        done = run("schema", "infer", tmp_path / name)
        assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr, done.stderr


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["active", "closed", "2025-01-31", "2025-01-31T10:00:00Z", "P30D", "PT48H", "x"]), st.text(max_size=5),
)
_records = st.dictionaries(st.sampled_from(["id", "status", "at", "n", "note", "tags"]), st.one_of(_scalars, st.lists(_scalars, max_size=3)), max_size=6)
_snapshots = st.fixed_dictionaries({"as_of": st.sampled_from(["2025-06-30", "2025-07-01"])}, optional={"users": st.lists(_records, max_size=6), "policy": _records})


@settings(max_examples=150, deadline=None)
@given(st.lists(_snapshots, min_size=1, max_size=3))
def test_every_sample_satisfies_its_draft(samples: list[dict[str, Any]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, sample in enumerate(samples):
            path = Path(folder) / f"s{index}.json"
            path.write_text(json.dumps(sample), encoding="utf-8")
            paths.append(path)
        draft = infer_schema(paths)
        assert draft == infer_schema(paths), "deterministic"
        schema = SnapshotSchema(draft)
        for sample in samples:
            assert not schema_errors(schema, sample), (sample, draft)


def test_a_nullable_enum_admits_null_and_the_compiler_reads_its_strings(tmp_path: Path) -> None:
    sample = {"as_of": "2025-06-30", "accounts": [{"id": f"a{i}", "status": ["active", "closed", None][i % 3]} for i in range(9)]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    draft = infer_schema([path])
    status = draft["properties"]["accounts"]["items"]["properties"]["status"]
    assert status == {"type": ["string", "null"], "enum": ["active", "closed", None]}
    schema = SnapshotSchema(draft)
    assert not schema_errors(schema, sample)
    assert schema.type_of(status, "/accounts/status").enum == ("active", "closed")
