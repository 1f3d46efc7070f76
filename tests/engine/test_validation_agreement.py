"""jsonschema-rs's yes/no (`schema_valid`) against jsonschema's errors, on the bundled schemas.

The python backend skips jsonschema when jsonschema-rs calls a snapshot valid, so the two
must agree on every document JSON can carry. Documents are drawn from each schema itself
(every field near its bounds: month ends, leap days, years 1 and 9999, whole floats,
64-bit ints, strings with a final newline or U+FEFF for the patterns), then some are
mutated at one place into any JSON value. The SQL and mini schemas also get the
snapshots the differential tests draw (tests/engine/sql/snapshots.py).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawcode.compiler.schema import SnapshotSchema
from lawcode.engine.snapshot import schema_errors, schema_valid
from tests.engine.sql.snapshots import DATES, DURATIONS, PERIODS, TIMES, mini_snapshot, sql_snapshot

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {
    "cac": ROOT / "rulesets/cac/snapshot.schema.json",
    "five": ROOT / "bench/five/snapshot.schema.json",
    "mini": ROOT / "tests/data/mini/snapshot.schema.json",
    "sql": ROOT / "tests/data/sql/snapshot.schema.json",
}
BAD_DATES = ["2023-02-29", "2024-13-01", "0000-01-01", "2024-1-01", "2024-01-01T00:00:00Z", "20240101", "2024-01-01\n", ""]
BAD_TIMES = ["2024-01-01", "2024-01-01T25:00:00Z", "2024-01-01 10:00:00Z", "9999-12-31T23:00:00-05:00", "2024-01-01T10:00:00+24:00"]
BAD_DURATIONS = ["P", "PT", "6M", "P1.5M", "P-1D", "p1d", "P1D\n", "PT1H1D"]
STRINGS = ["", "1", "12", "12\n", "012", "\ufeff", "1\ufeff", " 1", "x", "用户", "\x1c", "a\u00a0b", "😀"]
NUMBERS = [0, 1, -1, 3.0, 0.5, -0.0, 1e-7, 2**53 + 1, 2**63 - 1, -(2**63), 1e300, 100.0]
SCALARS = st.one_of(st.none(), st.booleans(), st.sampled_from(NUMBERS), st.integers(-3, 40), st.sampled_from(STRINGS + DATES + BAD_DATES))
ANY_JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "x", "1", "12\n", ""]), inner, max_size=3)), max_leaves=5)


@functools.cache
def load(name: str) -> SnapshotSchema:
    return SnapshotSchema.load(SCHEMAS[name])


def resolve(schema: SnapshotSchema, node: Any) -> Any:
    return schema.resolve(node) if isinstance(node, dict) else node


def string_for(node: dict[str, Any], clean: bool) -> st.SearchStrategy[Any]:
    """A string for a string field: valid when `clean`, else often at or past its edge."""
    fmt = node.get("format")
    if fmt == "date":
        return st.sampled_from(DATES if clean else DATES + BAD_DATES)
    if fmt == "date-time":
        good = st.builds(str.__add__, st.sampled_from(DATES), st.sampled_from(TIMES))
        return good if clean else st.one_of(good, st.sampled_from(BAD_TIMES))
    if fmt == "duration":
        return st.sampled_from(DURATIONS + PERIODS if clean else DURATIONS + PERIODS + BAD_DURATIONS)
    floor = node.get("minLength", 0)
    if "pattern" in node:
        good = st.from_regex(node["pattern"], fullmatch=True).filter(lambda text: len(text) >= floor)
        return good if clean else st.one_of(good, st.sampled_from(STRINGS))
    good = st.text(min_size=floor, max_size=floor + 3)
    return good if clean else st.one_of(st.text(max_size=floor + 3), st.sampled_from(STRINGS))


def number_for(node: dict[str, Any], whole: bool, clean: bool) -> st.SearchStrategy[Any]:
    low, high = node.get("minimum"), node.get("maximum")
    edges = [v + d for v in (low, high) if isinstance(v, int | float) for d in (-1, -0.5, 0, 0.5, 1)] + [0, 3.0, -1, 2**63 - 1, 1e-7]
    if clean:
        edges = [v for v in edges if (not whole or float(v).is_integer()) and (low is None or v >= low) and (high is None or v <= high)]
    lo = -2 if low is None or not clean else int(low)
    hi = 50 if high is None or not clean else int(high)
    base = st.integers(lo, hi) if whole else st.one_of(st.integers(lo, hi), st.floats(lo, hi, allow_nan=False))
    return st.one_of(base, st.sampled_from(edges)) if edges else base


def value_for(schema: SnapshotSchema, node: Any, clean: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value for what `node` admits: valid when `clean`, else often just outside."""
    node = resolve(schema, node)
    if not isinstance(node, dict) or depth > 6:
        return SCALARS
    if "enum" in node:
        return st.sampled_from(node["enum"] if clean else [*node["enum"], "not-in-enum", 1])
    kinds = node.get("type", "object" if "properties" in node else None)
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return st.one_of(*[kind_value(schema, node, kind, clean, depth) for kind in kinds])


def kind_value(schema: SnapshotSchema, node: dict[str, Any], kind: Any, clean: bool, depth: int) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        return number_for(node, kind == "integer", clean)
    if kind == "string":
        return string_for(node, clean)
    if kind == "array":
        return st.lists(value_for(schema, node.get("items", {}), clean, depth + 1), max_size=3)
    if kind == "object":
        return object_for(schema, node, clean, depth)
    return SCALARS


def object_for(schema: SnapshotSchema, node: dict[str, Any], clean: bool, depth: int) -> st.SearchStrategy[Any]:
    if "propertyNames" in node or isinstance(node.get("additionalProperties"), dict):  # a map (escalation ladders)
        extra = node.get("additionalProperties")
        values = value_for(schema, extra, clean, depth + 1) if isinstance(extra, dict) else SCALARS
        return st.dictionaries(string_for(resolve(schema, node.get("propertyNames", {})), clean), values, max_size=3)
    required = set(node.get("required", []))
    fields = {name: value_for(schema, sub, clean, depth + 1) for name, sub in node.get("properties", {}).items()}
    optional = [name for name in fields if name not in required]

    def build(values: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k not in dropped}

    droppable = optional if clean else list(fields)
    return st.builds(build, st.fixed_dictionaries(fields), st.sets(st.sampled_from(droppable)) if droppable else st.just(set()))


def mutate(document: Any, path: list[int], replacement: Any) -> Any:
    """The document with one place (chosen by `path`, taken modulo each container's size) replaced."""
    if not path or not isinstance(document, dict | list) or not document:
        return replacement
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = mutate(document[key], path[1:], replacement)  # type: ignore[index]
    return copy


@functools.cache
def drawn_from(name: str, clean: bool) -> st.SearchStrategy[Any]:
    schema = load(name)
    return value_for(schema, schema.document, clean)


@st.composite
def documents(draw: st.DrawFn, name: str) -> Any:
    if name == "sql" and draw(st.booleans()):
        document = draw(sql_snapshot())
    elif name == "mini" and draw(st.booleans()):
        document = draw(mini_snapshot())
    else:
        document = draw(drawn_from(name, clean=draw(st.integers(0, 3)) > 0))
    if draw(st.integers(0, 2)) == 0:
        document = mutate(document, draw(st.lists(st.integers(0, 50), max_size=6)), draw(ANY_JSON))
    return orjson.loads(orjson.dumps(document))  # what the python backend validates: JSON as orjson reads it


def agree(name: str, document: Any) -> None:
    schema = load(name)
    errors = schema_errors(schema, document)
    assert schema_valid(schema, document) == (not errors), [e.message for e in errors[:3]]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_jsonschema_rs_agrees_with_jsonschema(name: str, data: st.DataObject) -> None:
    agree(name, data.draw(documents(name)))


def five_snapshot(folder: Path) -> Path:
    """A small snapshot from the bench's own generator (bench/five/generate.py)."""
    spec = importlib.util.spec_from_file_location("five_generate", ROOT / "bench/five/generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = folder / "five.json"
    generate.write(path, 300)
    return path


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_valid_snapshots_take_the_fast_path(name: str, tmp_path: Path) -> None:
    """A valid snapshot of each bundled schema is judged by jsonschema-rs alone (no keyword sends it to jsonschema)."""
    files = {"cac": ROOT / "rulesets/cac/examples/violations.json", "mini": ROOT / "tests/data/mini/violations.json"}
    path = five_snapshot(tmp_path) if name == "five" else files.get(name)
    document = orjson.loads(path.read_bytes()) if path else {"as_of": "2024-08-31", "users": [{"id": "u1", "age": 30, "born": "2024-02-29"}], "groups": [], "memberships": [], "logs": [], "sanctions": [], "items": []}
    schema = load(name)
    assert schema_errors(schema, document) == []
    assert schema_valid(schema, document) is True
    broken = {**document, "as_of": "2024-02-30"}
    assert schema_valid(schema, broken) is False
    assert [e.message for e in schema_errors(schema, broken)] == ["'2024-02-30' is not a 'date'"]


@pytest.mark.parametrize(
    ("node", "value", "valid"),
    [
        ({"type": "string", "pattern": "^[1-9][0-9]*$"}, "12\n", True),  # Python's `$` takes a final newline
        ({"type": "string", "pattern": "\\s"}, "\ufeff", False),  # Python's `\s` is not Rust's
        ({"type": "string", "format": "email"}, "not an email", True),  # jsonschema checks only the engine's formats
        ({"type": "string", "format": "date"}, "2023-02-29", False),
        ({"type": "string", "format": "duration"}, "P1.5M", False),
        ({"type": "integer"}, 3.0, True),
    ],
)
def test_keywords_read_as_jsonschema_reads_them(node: dict[str, Any], value: Any, valid: bool) -> None:
    schema = SnapshotSchema({"type": "object", "properties": {"v": node}})
    assert (schema_errors(schema, {"v": value}) == []) is valid
    assert schema_valid(schema, {"v": value}) is valid


@pytest.mark.parametrize(
    ("node", "value"),
    [
        ({"multipleOf": 0.1}, 0.3),  # jsonschema-rs says yes, jsonschema no: rounding
        ({"patternProperties": {"\\s": {"type": "integer"}}}, {"\x1c": "x"}),  # Python's `\\s` takes U+001C, Rust's not
        ({"$ref": "http://127.0.0.1:9/remote.json"}, 1),  # nothing is fetched
    ],
)
def test_schemas_it_could_misjudge_go_to_jsonschema(node: dict[str, Any], value: Any) -> None:
    schema = SnapshotSchema({"type": "object", "properties": {"v": node}})
    assert schema_valid(schema, {"v": value}) is False


def test_values_it_cannot_read_go_to_jsonschema() -> None:
    schema = load("mini")
    for document in ({"as_of": "2024-08-31", "users": [{"id": "\ud800"}]}, {"as_of": "2024-08-31", 1: 2}):
        assert schema_valid(schema, document) is False
    assert json.dumps(schema.document)  # the schema itself is plain JSON
