"""Platform state snapshots: load, validate, index.

A snapshot is parsed once (orjson) and validated against the ruleset's JSON Schema with
the same date, date-time and duration parsers the evaluator uses, so a value the
schema accepts is a value the rules can read. Every problem is reported at once, each
with the JSON pointer of the bad value. The bytes come through `jsontext` (bounded reads,
UTF-8, repeated keys); a collection whose elements have an `id` (what `c[key]` looks up
by) holds each id once, or lookups and joins would pick or count one of two.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from lawcode.compiler import types as T
from lawcode.compiler.schema import SnapshotSchema
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import jsontext, values
from lawcode.engine.jsontext import json_syntax_error, pointer

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: beyond that, the python backend is the wrong tool
MAX_REPORTED_ERRORS = 200


class Entity:
    """One element of a collection, with where it sits in the snapshot."""

    __slots__ = ("collection", "data", "index")

    def __init__(self, collection: str, index: int, data: dict[str, Any]) -> None:
        self.collection = collection
        self.index = index
        self.data = data

    def __eq__(self, other: object) -> bool:
        """One element is one entity, however it was reached (`users[g.creator_id] == u`)."""
        return isinstance(other, Entity) and other.collection == self.collection and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.collection, self.index))

    @property
    def pointer(self) -> str:
        return pointer(self.collection, self.index)

    @property
    def id(self) -> Any:
        value = self.data.get("id")
        return value if value is not None else f"#{self.index}"


def _format_checker() -> FormatChecker:
    """The engine's own parsers decide what a valid date, date-time or duration is."""
    # Only for a snapshot jsonschema-rs finds invalid: see `schema_errors`.
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    parsers: dict[str, Any] = {
        "date": values.parse_date,
        "date-time": values.parse_datetime,
        "duration": values.parse_duration,
    }
    for name, parse in parsers.items():
        checker.checks(name, raises=ValueError)(_accepts(parse))
    return checker


def _accepts(parse: Any) -> Any:
    def check(value: object) -> bool:
        if isinstance(value, str):
            parse(value)
        return True

    return check


class Snapshot:
    def __init__(self, data: dict[str, Any], name: str = "<snapshot>") -> None:
        self.data = data
        self.name = name
        try:
            self.as_of: dt.date = values.parse_date(data.get("as_of"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            self.as_of = dt.date.min  # reported by validate()
        self._id_index: dict[str, dict[Any, int]] = {}
        self._key_index: dict[tuple[str, tuple[tuple[str, ...], ...]], tuple[dict[tuple[Any, ...], list[int]], list[int]]] = {}

    # -- loading
    @classmethod
    def load(
        cls,
        source: str | os.PathLike[str] | bytes | Mapping[str, Any],
        schema: SnapshotSchema | None = None,
        *,
        name: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> Snapshot:
        if isinstance(source, Mapping):
            data: Any = dict(source)
            label = name or "<snapshot>"
        else:
            if isinstance(source, bytes):
                raw, label = source, name or "<snapshot>"
            else:
                label = name or ("<stdin>" if jsontext.is_stdin(source) else str(source))
                if not jsontext.is_stdin(source):
                    try:  # a regular file says its size: refuse it before reading
                        size = Path(source).stat().st_size
                    except OSError:
                        size = 0  # the reader says why
                    if size > max_bytes:
                        raise LawcodeError([_too_big(label, size, max_bytes)])
                raw = jsontext.read_bounded(source, label, max_bytes)  # bounded by what is read: `stat` may say 0
            if len(raw) > max_bytes:
                raise LawcodeError([_too_big(label, len(raw), max_bytes)])
            data = parse_json(raw, label)
        if not isinstance(data, dict):
            raise LawcodeError([not_an_object(label, data)])
        snapshot = cls(data, label)
        if schema is not None:
            snapshot.validate(schema)
        elif snapshot.as_of == dt.date.min:
            raise LawcodeError([Diagnostic("S004", "the snapshot has no `as_of` date", where=f"{label} /as_of", hint='add "as_of": "YYYY-MM-DD"')])
        return snapshot

    def validate(self, schema: SnapshotSchema) -> None:
        errors = [] if schema_valid(schema, self.data) else schema_errors(schema, self.data)
        found = [(list(map(str, err.absolute_path)), problem) for err in errors for problem in [schema_problem(err, self.name)]]
        found += form_problems(schema, self.data, self.name)
        found.sort(key=lambda f: (f[0], f[1].message))  # by path, as the SQL backends order them
        problems = [problem for _, problem in found[:MAX_REPORTED_ERRORS]]
        if len(found) > MAX_REPORTED_ERRORS:
            problems.append(Diagnostic("S010", f"… and {len(found) - MAX_REPORTED_ERRORS} more schema errors", where=self.name))
        if not problems:
            problems += repeated_ids(schema, self.data, self.name)
        if not problems:
            try:
                values.parse_date(self.data.get("as_of"))  # type: ignore[arg-type]
            except (ValueError, TypeError):
                problems.append(Diagnostic("S004", "the snapshot has no valid `as_of` date", where=f"{self.name} /as_of", hint='add "as_of": "YYYY-MM-DD" and require it in the schema'))
        if problems:
            raise LawcodeError(problems)

    # -- access
    def collection(self, name: str) -> list[Any]:
        items = self.data.get(name)
        return items if isinstance(items, list) else []

    def has_collection(self, name: str) -> bool:
        """Whether the snapshot holds the collection at all (an empty array counts, absent or `null` does not).

        An absent collection is unknown, not empty (docs/snapshot.md): every aggregate over
        it and every lookup in it is missing, so a rule that needs it is undetermined and
        names its pointer. A collection the schema requires cannot be absent: validation
        refuses the snapshot first (S010).
        """
        return isinstance(self.data.get(name), list)

    def lookup(self, collection: str, key: Any) -> Entity | None:
        index = self._id_index.get(collection)
        if index is None:
            index = {}
            for i, item in enumerate(self.collection(collection)):
                if isinstance(item, dict) and item.get("id") is not None:
                    index.setdefault(index_key(item["id"]), i)
            self._id_index[collection] = index
        position = index.get(index_key(key))
        if position is None:
            return None
        return Entity(collection, position, self.collection(collection)[position])

    def keyed(
        self, collection: str, paths: tuple[tuple[str, ...], ...]
    ) -> tuple[dict[tuple[Any, ...], list[int]], list[int]]:
        """Element positions by the values at `paths`, and those missing a key value."""
        cache_key = (collection, paths)
        found = self._key_index.get(cache_key)
        if found is None:
            index: dict[tuple[Any, ...], list[int]] = {}
            unknown: list[int] = []
            items = self.collection(collection)
            if len(paths) == 1 and len(paths[0]) == 1:  # `g.creator_id == u.id`: one field, the usual join
                (name,) = paths[0]
                for i, item in enumerate(items):
                    value = item.get(name) if isinstance(item, dict) else None
                    k = value if type(value) is str else index_key(value)  # a string is its own key
                    if k is None:
                        unknown.append(i)
                    else:
                        index.setdefault((k,), []).append(i)
            else:
                for i, item in enumerate(items):
                    key = tuple(index_key(dig(item, p)) for p in paths)
                    if any(k is None for k in key):
                        unknown.append(i)
                    else:
                        index.setdefault(key, []).append(i)
            found = (index, unknown)
            self._key_index[cache_key] = found
        return found


def form_fields(schema: SnapshotSchema) -> dict[str, list[tuple[tuple[str, ...], T.Type]]]:
    """Per collection, the paths of its elements' period and duration fields (inside objects too)."""
    out: dict[str, list[tuple[tuple[str, ...], T.Type]]] = {}

    def leaves(node: dict[str, Any], prefix: tuple[str, ...], at: str, found: list[tuple[tuple[str, ...], T.Type]]) -> None:
        for name, sub in schema.properties(node).items():
            info = schema.type_of(sub, f"{at}/{name}")
            if info.type in values.FORM_MESSAGES:
                found.append(((*prefix, name), info.type))
            elif isinstance(info.type, T.RecordType):
                leaves(info.schema, (*prefix, name), f"{at}/{name}", found)

    for collection, element in schema.collections().items():
        found: list[tuple[tuple[str, ...], T.Type]] = []
        leaves(element, (), f"/{collection}", found)
        if found:
            out[collection] = found
    return out


def form_problems(schema: SnapshotSchema, data: Mapping[str, Any], label: str) -> list[tuple[list[str], Diagnostic]]:
    """S020 for each period or duration field of a collection's element whose value is a
    valid ISO 8601 duration of the other form (`P180D` for a period): present, so it must not
    read as missing. Policy values are checked where a rule reads them (`resolve_parameters`)."""
    out: list[tuple[list[str], Diagnostic]] = []
    for collection, fields in form_fields(schema).items():
        items = data.get(collection)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            for path, t in fields:
                problem = values.form_problem(dig(item, path), t)
                if problem is not None:
                    out.append(([collection, str(i), *path], form_diagnostic(problem, t, f"{label} {pointer(collection, i, *path)}")))
    return out


def form_diagnostic(problem: str, t: T.Type, where: str) -> Diagnostic:
    """S020, worded alike by every backend and for every place a value is read from."""
    return Diagnostic("S020", problem, where=where, hint=values.FORM_HINTS[t])


def subject_name(schema: SnapshotSchema | None, collection: str, element: Any) -> str | None:
    """An element's display name, where the schema declares which field holds it (`x-lawcode-name`);
    None when it does not, or the element has no text there."""
    path = schema.display_name(collection) if schema is not None else None
    value = dig(element, path) if path is not None else None
    return value if isinstance(value, str) and value.strip() else None


def dig(obj: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def index_key(value: Any) -> Any:
    """A key for the id and join indexes, which hold the snapshot's raw JSON values.

    A typed date looked up there is its RFC 3339 text: a valid snapshot writes a date in
    exactly that one form, so equal dates are equal strings.
    """
    if isinstance(value, bool):  # keep true distinct from 1
        return ("bool", value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return None
    return value


def parse_json(raw: bytes, label: str) -> Any:
    """A snapshot's JSON value: UTF-8 (a BOM skipped), not empty, valid, no key twice in an object."""
    raw = jsontext.text_of(raw, label)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise json_syntax_error(label, getattr(exc, "lineno", 1) or 1, getattr(exc, "colno", 1) or 1, json_reason(exc)) from None
    if no_key_dropped(raw, data):
        return data
    text = raw.decode("utf-8")
    found = jsontext.repeated_key(text)
    if found is not None:
        raise jsontext.repeated_key_error(label, text, found)
    return data


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def no_key_dropped(raw: bytes, data: Any) -> bool:
    """True when orjson, which keeps one value of a key written twice, dropped no pair:
    a cheap test that spares the exact check (`jsontext.repeated_key`, a second parse with
    a Python hook on every object: 0.12 s of the 0.6 s a 100k-user run takes).

    Every `key: value` pair is one colon outside strings; inside strings, a colon is one
    in the text read (unless written `\\u003a`) and one in orjson's own writing of the
    tree. So the text's colons minus the rewritten tree's are the dropped pairs plus the
    colons inside them: zero exactly when none was dropped. False (the exact check runs)
    when they differ, when the text escapes a colon, or when orjson cannot write the tree
    back (nested past its 254 levels for writing)."""
    if _ESCAPED_COLON.search(raw):
        return False
    try:
        again = orjson.dumps(data)
    except orjson.JSONEncodeError:
        return False
    return raw.count(b":") == again.count(b":")


def not_an_object(label: str, data: Any) -> Diagnostic:
    """S003: every backend names the top-level value in JSON's words."""
    return Diagnostic("S003", f"a snapshot is a JSON object, not {jsontext.kind_of(data)}", where=label, hint='start it with {"as_of": "YYYY-MM-DD", …}')


def repeated_ids(schema: SnapshotSchema, data: Mapping[str, Any], label: str) -> list[Diagnostic]:
    """S041 for each element whose `id` an earlier element of its collection already has."""
    out: list[Diagnostic] = []
    for name, element in schema.collections().items():
        if "id" not in schema.properties(element):
            continue
        items = data.get(name)
        if not isinstance(items, list):
            continue
        ids = [item.get("id") for item in items if isinstance(item, dict)]
        if all(type(value) is str for value in ids) and len(set(ids)) == len(ids):
            continue  # the usual case, told at C speed: string ids (their own index keys), none twice
        seen: dict[Any, int] = {}
        for i, item in enumerate(items):
            key = index_key(item.get("id")) if isinstance(item, dict) else None
            if key is None:
                continue
            if key in seen:
                out.append(repeated_id(label, name, seen[key], i, item["id"]))
            else:
                seen[key] = i
    return out[:MAX_REPORTED_ERRORS]


def repeated_id(label: str, collection: str, first: int, again: int, value: Any) -> Diagnostic:
    """S041, worded alike by every backend."""
    here, there = pointer(collection, again, "id"), pointer(collection, first, "id")
    return Diagnostic("S041", f"the id {jsontext.shown(value)} is taken: {there} has it too", where=f"{label} {here}", hint=f"each element of `{collection}` needs its own id (lookups and joins by id would pick or count one of the two)")


def json_reason(exc: orjson.JSONDecodeError) -> str:
    """orjson's words for a syntax error, without its position (the diagnostic's span has it)."""
    return str(exc).split(":")[0]


def schema_errors(schema: SnapshotSchema, document: Any) -> list[ValidationError]:
    """jsonschema's errors for a document, in the order every backend reports them (by path).

    jsonschema is imported here, not with the module: a valid snapshot never needs it
    (`schema_valid`), and importing it is a tenth of the command line's start-up."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema.document, format_checker=_format_checker())
    return sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))


def schema_valid(schema: SnapshotSchema, document: Any) -> bool:
    """True when jsonschema would find no error in the document, decided by jsonschema-rs.

    jsonschema walks 100k users in about 3 s of Python; jsonschema-rs decides the same in
    a fraction of that. It only ever says "valid": on False (or when it cannot judge the
    schema or the document) the caller runs `schema_errors`, so every message, pointer
    and hint is jsonschema's. tests/engine/test_validation_agreement.py checks the verdicts agree.
    """
    try:
        key = json.dumps(schema.document, sort_keys=True)
    except (TypeError, ValueError):
        return False
    validator = _fast_validator(key)
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(document))
    except Exception:  # a value it cannot convert (a lone surrogate, a non-string key): jsonschema judges
        return False


# Keywords whose jsonschema-rs verdict is jsonschema's (draft 2020-12, `pattern` by Python's
# `re` below, formats by the engine's parsers). A schema with any other keyword, such as
# `multipleOf` (float rounding) or `patternProperties` (Rust's regex dialect: `\s` takes
# U+FEFF, Python's does not), is validated by jsonschema alone.
FAST_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$comment", "$defs", "definitions", "$ref", "title", "description", "default", "examples",
        "deprecated", "readOnly", "writeOnly", "type", "properties", "required", "additionalProperties", "items",
        "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
        "minItems", "maxItems", "minProperties", "maxProperties", "propertyNames", "pattern", "format",
    }
)
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions"})  # their keys are names, not keywords


def _fast_keywords_only(node: Any) -> bool:
    """Whether every keyword in a schema (and its subschemas) is one of FAST_KEYWORDS."""
    if isinstance(node, bool):
        return True
    if not isinstance(node, dict):
        return False
    for word, value in node.items():
        if word.startswith("x-") or word in ("enum", "const", "examples", "default", "title", "description", "$comment"):
            continue
        if word not in FAST_KEYWORDS:
            return False
        if word == "$ref" and not (isinstance(value, str) and value.startswith("#")):
            return False  # only references inside the document: nothing is fetched
        if word in _SCHEMA_MAPS:
            if not isinstance(value, dict) or not all(_fast_keywords_only(sub) for sub in value.values()):
                return False
        elif word in ("items", "additionalProperties", "propertyNames") and not _fast_keywords_only(value):
            return False
    return True


def _formats_used(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            found.add(node["format"])
        for value in node.values():
            found |= _formats_used(value)
    elif isinstance(node, list):
        for value in node:
            found |= _formats_used(value)
    return found


class _PythonPattern:
    """`pattern` as jsonschema applies it: Python's `re.search` (where `$` also matches before a final newline)."""

    def __init__(self, parent_schema: Any, value: str, schema_path: Any) -> None:
        self.regex = re.compile(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self.regex.search(instance):
            raise ValueError(f"{instance!r} does not match {self.regex.pattern!r}")


# The engine's date and date-time parsers, memoised: a snapshot repeats its dates and
# times (100k users hold about 9,000 distinct ones), validation parses each value once
# already, and the generated rule loops (`rulecode.py`) read the parsed values from here.
# Only values that parse are kept (a ValueError is not memoised), and those are strings.
read_date: Callable[[str], dt.date] = functools.lru_cache(maxsize=1 << 16)(values.parse_date)
read_datetime: Callable[[str], dt.datetime] = functools.lru_cache(maxsize=1 << 16)(values.parse_datetime)


def _format_test(parse: Any) -> Any:
    """`_accepts` as a yes/no: jsonschema takes a ValueError from the parser as "not this format".

    Memoised: a snapshot repeats its dates and times (100k users hold a few thousand
    distinct ones), and a call into a C-level cache costs a fraction of a parse.
    """

    @functools.lru_cache(maxsize=1 << 16)
    def test(value: str) -> bool:
        try:
            parse(value)
        except ValueError:
            return False
        return True

    return test


@functools.lru_cache(maxsize=16)
def _fast_validator(schema_text: str) -> Any:
    """A jsonschema-rs validator for a schema (by its canonical JSON text), built once; None when it cannot stand in."""
    document = json.loads(schema_text)
    if not _fast_keywords_only(document):
        return None
    parsers: dict[str, Any] = {"date": read_date, "date-time": read_datetime, "duration": values.parse_duration}
    # jsonschema checks only these three (`FormatChecker(formats=())`); any other format passes
    formats = {name: _format_test(parsers[name]) if name in parsers else (lambda value: True) for name in _formats_used(document) | set(parsers)}
    try:
        return jsonschema_rs.Draft202012Validator(
            document, formats=formats, validate_formats=True, keywords={"pattern": _PythonPattern}, offline=True
        )
    except Exception:  # a schema it refuses (say, a pattern Python reads and it does not): jsonschema alone
        return None


def _too_big(label: str, size: int, limit: int) -> Diagnostic:
    return Diagnostic(
        "S005",
        f"the snapshot is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB",
        where=label,
        hint="raise the limit with --max-snapshot-mb, or split the snapshot",
    )


def schema_problem(err: ValidationError, label: str) -> Diagnostic:
    where = pointer(*err.absolute_path) or "/"
    message = _json_words(err)
    if len(message) > 300:
        message = message[:300] + "…"
    hint = None
    if err.validator == "required":
        hint = "add the field, or make it optional in the schema"
    elif err.validator == "format":
        hint = FORMAT_HINTS.get(str(err.validator_value))
    elif err.validator == "additionalProperties":
        hint = "remove the field, or declare it in the schema"
    return Diagnostic("S010", message, where=f"{label} {where}", hint=hint)


FORMAT_HINTS = {
    "date": "dates are YYYY-MM-DD, years 0001 to 9999",
    "date-time": "date-times are RFC 3339, e.g. 2024-05-01T10:00:00Z, years 0001 to 9999 once in UTC",
    "duration": "durations are ISO 8601, e.g. P6M or P15D",
}


def _json_words(err: ValidationError) -> str:
    """jsonschema's message with its values written as JSON (`null`, `true`), not Python reprs."""
    instance = err.instance
    if err.validator == "type":
        kinds = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return f"{jsontext.shown(instance)} is not of type {', '.join(repr(k) for k in kinds)}"
    if err.validator == "enum":
        return f"{jsontext.shown(instance)} is not one of {jsontext.shown(err.validator_value)}"
    if err.validator == "const":
        return f"{jsontext.shown(err.validator_value)} was expected"
    message = str(err.message)
    prefix = repr(instance)
    if message.startswith(prefix):
        message = jsontext.shown(instance) + message[len(prefix) :]
    return message
