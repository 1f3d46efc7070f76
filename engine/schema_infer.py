"""A draft snapshot JSON Schema from sample snapshots (`lawcode schema infer`).

A writer with data and no schema starts here: the draft names every field the samples
hold, with its JSON type; strings the engine reads as a `date`, `date-time` or `duration`
(by the engine's own parsers, `engine/values.py`) get that `format`, so rules can compare
them at once; a small set of strings repeated across many records (a status, a kind)
becomes an `enum`; a field present in every sampled object is `required`; one that is
`null` somewhere may be null (`type: [T, "null"]`). The draft is for a person to edit
and commit: descriptions are left for them to write.

Samples are read as the engine reads snapshots: a JSON file (bounded, UTF-8, no key
twice in an object), or a folder of `<collection>.jsonl` / `<collection>.parquet` files
with its `root.snapshot.json` / `root.snapshot.parquet` (`engine/sql/inputs.py`). The
result depends only on the samples and their order, never on the clock or a hash seed,
so a draft regenerated from the same data is the same file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import jsontext, values
from lawcode.engine.snapshot import DEFAULT_MAX_BYTES, parse_json

ENUM_MAX = 12  # at most this many distinct strings make an enum …
ENUM_REPEAT = 2  # … and only when each is seen this many times on average (not ids or names)
TRACKED = ENUM_MAX + 1  # distinct strings remembered per field: past the enum size they no longer matter
FORMATS: tuple[tuple[str, Any], ...] = (("date", values.parse_date), ("date-time", values.parse_datetime), ("duration", values.parse_duration))
JSON = dict[str, Any]


@dataclass(slots=True)
class Shape:
    """Everything seen at one place of the samples: kinds, strings, fields, elements."""

    kinds: Counter[str] = field(default_factory=Counter)
    strings: Counter[str] = field(default_factory=Counter)  # distinct strings, up to TRACKED of them
    many_strings: bool = False  # more distinct strings than TRACKED
    formats: set[str] | None = None  # formats every string so far parses as; None before the first
    objects: int = 0
    fields: dict[str, Shape] = field(default_factory=dict)
    present: Counter[str] = field(default_factory=Counter)  # field → objects holding it
    items: Shape | None = None

    def add(self, value: Any) -> None:
        kind = _kind(value)
        self.kinds[kind] += 1
        if kind == "string":
            self._string(value)
        elif kind == "object":
            self.objects += 1
            for key, item in value.items():
                self.present[key] += 1
                self.fields.setdefault(key, Shape()).add(item)
        elif kind == "array":
            self.items = self.items or Shape()
            for item in value:
                self.items.add(item)

    def _string(self, value: Any) -> None:
        fits = _formats_of(value)
        self.formats = fits if self.formats is None else self.formats & fits
        text = value if isinstance(value, str) else str(value)
        if text in self.strings or len(self.strings) < TRACKED:
            self.strings[text] += 1
        else:
            self.many_strings = True

    def schema(self, name: str = "") -> JSON:
        """The JSON Schema of what was seen here."""
        kinds = [k for k in ("object", "array", "string", "number", "integer", "boolean") if self.kinds[k]]
        if "number" in kinds and "integer" in kinds:
            kinds.remove("integer")
        if not kinds:
            return {"type": "null"} if self.kinds["null"] else {}
        node: JSON = {}
        node["type"] = kinds[0] if len(kinds) == 1 else kinds
        if self.kinds["null"]:
            node["type"] = [*kinds, "null"]
        if "string" in kinds:
            self._string_schema(node, name, alone=kinds == ["string"])
        if "object" in kinds:
            node["properties"] = {key: shape.schema(key) for key, shape in self.fields.items()}
            required = [key for key in self.fields if self.present[key] == self.objects]
            if required:
                node["required"] = required
        if "array" in kinds:
            node["items"] = self.items.schema(name) if self.items is not None else {}
        return node

    def _string_schema(self, node: JSON, name: str, alone: bool) -> None:
        chosen = next((fmt for fmt, _ in FORMATS if self.formats and fmt in self.formats), None)
        if chosen is not None:
            node["format"] = chosen
            return
        seen = sum(self.strings.values())
        identifying = name == "id" or name.endswith(("_id", "_ids", "name", "url", "text"))
        if not self.many_strings and not identifying and len(self.strings) <= ENUM_MAX and seen >= ENUM_REPEAT * len(self.strings) and alone:
            node["enum"] = [*sorted(self.strings), *([None] if self.kinds["null"] else [])]  # null is a value too


def _kind(value: Any) -> str:
    """The JSON kind of a sampled value; Parquet's typed values count as the text they are read from."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | decimal.Decimal):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"  # str, and Parquet's dates, date-times and intervals


def _formats_of(value: Any) -> set[str]:
    """The formats a sampled string parses as, by the engine's own parsers."""
    if isinstance(value, dt.datetime):
        return {"date-time"}
    if isinstance(value, dt.date):
        return {"date"}
    if isinstance(value, dt.timedelta):
        return {"duration"}
    fits: set[str] = set()
    for name, parse in FORMATS:
        try:
            parse(value)
        except (ValueError, TypeError):
            continue
        fits.add(name)
    return fits


# ---------------------------------------------------------------- reading samples


def read_sample(path: Path) -> dict[str, Any]:
    """One sample snapshot as a document: a JSON file, or a folder's root parts and collections."""
    label = str(path)
    if path.is_dir():
        return _folder(path, label)
    data = parse_json(jsontext.read_bounded(path, label, DEFAULT_MAX_BYTES), label)
    if not isinstance(data, dict):
        raise LawcodeError([Diagnostic("S002", f"the sample is {jsontext.kind_of(data)}, and a snapshot is a JSON object", where=label, hint="a snapshot is an object: {\"as_of\": …, \"<collection>\": [ … ]}")])
    return data


def _folder(path: Path, label: str) -> dict[str, Any]:
    from lawcode.engine.sql.inputs import ROOT_FILE

    entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    root: dict[str, Any] = {}
    for entry in entries:
        if entry.name == f"{ROOT_FILE}.json":
            found = parse_json(jsontext.read_bounded(entry, str(entry), DEFAULT_MAX_BYTES), str(entry))
            root = found if isinstance(found, dict) else root
        elif entry.name == f"{ROOT_FILE}.parquet":
            for row in _parquet_rows(entry):
                root = {key: orjson.loads(text) if isinstance(text, str) else text for key, text in row.items()}
    collections = [e for e in entries if e.suffix in (".jsonl", ".ndjson", ".parquet") and not e.name.startswith(ROOT_FILE)]
    if not collections and not root:
        raise LawcodeError([Diagnostic("S001", "the sample folder holds no snapshot files", where=label, hint=f"<collection>.jsonl or <collection>.parquet files, with {ROOT_FILE}.json (lawcode snapshot convert writes such a folder)")])
    document = dict(root)
    for entry in collections:
        rows = _parquet_rows(entry) if entry.suffix == ".parquet" else _jsonl_rows(entry)
        document[entry.stem] = list(rows)
    return document


def _jsonl_rows(path: Path) -> Iterator[Any]:
    label = str(path)
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise jsontext.json_syntax_error(label, number, getattr(exc, "colno", 1) or 1, "not a JSON value on this line") from None


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    import duckdb

    connection = duckdb.connect()
    try:
        result = connection.execute("select * from read_parquet(?)", [str(path)])
        names = [d[0] for d in result.description]
        while batch := result.fetchmany(4096):
            for row in batch:  # a column holds every field: null there is a missing field, as the engine reads it
                yield _nested_row({name: value for name, value in zip(names, row, strict=True) if value is not None and not name.startswith("__")})
    except duckdb.Error as exc:
        raise LawcodeError([Diagnostic("S001", f"cannot read the Parquet file: {str(exc).splitlines()[0]}", where=str(path), hint="write the folder again with `lawcode snapshot convert`, or give the snapshot as JSON")]) from None
    finally:
        connection.close()


def _nested_row(row: dict[str, Any]) -> dict[str, Any]:
    """A typed Parquet row (`engine/sql/tables.py`: `info.name` columns, an `info` presence column) as the object it was."""
    objects = {name.rsplit(".", i)[0] for name in row for i in range(1, name.count(".") + 1)}
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name in objects and value is not True:
            continue
        *parents, last = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        if name in objects:
            node.setdefault(last, {})
        else:
            node[last] = value
    return out


# ---------------------------------------------------------------- the draft


def infer_schema(samples: Sequence[str | Path] | Iterable[str | Path], title: str = "Platform snapshot") -> JSON:
    """A draft JSON Schema (draft 2020-12) for snapshots like `samples`; `LawcodeError` for unreadable ones."""
    root = Shape()
    count = 0
    for sample in samples:
        path = Path(sample)
        if not path.exists():
            raise LawcodeError([Diagnostic("S001", "the sample does not exist", where=str(sample), hint="name a snapshot: a JSON file, or a folder of JSON Lines or Parquet files")])
        root.add(read_sample(path))
        count += 1
    if not count:
        raise LawcodeError([Diagnostic("S001", "no samples were given", hint="name one snapshot or more")])
    draft = root.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": "Drafted by `lawcode schema infer` from sample snapshots: check every type, format, enum and required list before relying on it.",
        **draft,
    }


def schema_text(schema: JSON, width: int = 100) -> str:
    """The draft as a person would lay it out: a field's schema on one line when it fits in `width`."""
    return _layout(schema, 0, width) + "\n"


def _layout(value: Any, indent: int, width: int) -> str:
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(value, dict | list) or (indent + len(flat) <= width and not _nested(value)) or not value:
        return flat
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, list):
        return "[\n" + ",\n".join(inner + _layout(v, indent + 2, width) for v in value) + "\n" + pad + "]"
    parts = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_layout(v, indent + 2, width)}" for k, v in value.items()]
    return "{\n" + ",\n".join(parts) + "\n" + pad + "}"


def _nested(value: Any) -> bool:
    """A schema holding fields of its own is laid out field by field, however short."""
    return isinstance(value, dict) and ("properties" in value or (isinstance(value.get("items"), dict) and "properties" in value["items"]))
