"""The snapshot's JSON Schema, read as a type environment.

The compiler checks every field path a ruleset reads against this schema, so a typo in
a field name is a compile error with a suggestion, not a silent "missing" at run time.
Top-level arrays of objects are collections (subjects of `for each`, sources of
aggregates); other top-level properties (`as_of`, `policy`, …) are reachable by name.

The file is read through `lawcode.compiler.reading` (a regular `.json` file, bounded,
UTF-8), and a file that is not JSON is reported by line and column only: a ruleset may
name any file as its schema, and its content must not reach a log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lawcode.compiler import types as T
from lawcode.compiler.reading import SCHEMA, FileRefused, read_text

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    type: T.Type
    schema: JSON
    enum: tuple[Any, ...] | None


@dataclass(slots=True)
class SnapshotSchema:
    """Wraps a JSON Schema document; resolves local `$ref`s on demand."""

    document: JSON
    path: str | None = None
    _records: dict[str, JSON] = field(default_factory=dict)
    _collections: dict[str, JSON] | None = None  # the document is never changed once loaded

    @classmethod
    def load(cls, path: Path) -> SnapshotSchema:
        """Read a schema file. `FileRefused` (a `ValueError`) or `OSError` say why not."""
        text = read_text(path, None, SCHEMA)  # the callers' messages name the file
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:  # its message says what was expected, never what was found
            raise FileRefused(SCHEMA_CODE, f"it is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg.lower()}") from None
        except RecursionError:
            raise FileRefused(SCHEMA_CODE, "its JSON is nested too deeply for a snapshot schema") from None
        if not isinstance(document, dict):
            raise FileRefused(SCHEMA_CODE, f"it holds {_json_kind(document)}, and a JSON Schema is a JSON object")
        schema = cls(document, str(path))
        schema.check_display_names()
        return schema

    # -- structure
    def resolve(self, node: JSON) -> JSON:
        seen = 0
        while "$ref" in node and seen < 32:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise ValueError(f"only local $ref is supported, got {ref!r}")
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1
        return self._nullable(node)

    def _nullable(self, node: JSON) -> JSON:
        """`anyOf`/`oneOf` of one schema and `{"type": "null"}` (pydantic's `Optional[T]`) read as
        that schema with `null` added to its types: a T that may be missing, as `type: [T, "null"]` is.
        Every backend then types and checks the field as it does a `[T, "null"]` one."""
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
                continue
            resolved = [self.resolve(b) for b in branches]
            others = [b for b in resolved if json_types(b) != {"null"}]
            if len(others) != 1 or len(others) == len(resolved):
                continue
            kinds = json_types(others[0])
            if not kinds:
                continue
            merged = {**others[0], **{k: v for k, v in node.items() if k != key}}
            merged["type"] = [*sorted(kinds - {"null"}), "null"]
            return merged
        return node

    def properties(self, node: JSON) -> dict[str, JSON]:
        node = self.resolve(node)
        props: dict[str, JSON] = dict(node.get("properties", {}))
        for sub in node.get("allOf", []):
            props.update(self.properties(sub))
        return props

    @property
    def root(self) -> JSON:
        return self.resolve(self.document)

    def collections(self) -> dict[str, JSON]:
        """Top-level arrays of objects, name → element schema."""
        if self._collections is not None:
            return self._collections
        found: dict[str, JSON] = {}
        for name, prop in self.properties(self.root).items():
            prop = self.resolve(prop)
            if json_types(prop) == {"array"}:
                items = self.resolve(prop.get("items", {}))
                if "object" in json_types(items):
                    found[name] = items
        self._collections = found
        return found

    def display_name(self, collection: str) -> tuple[str, ...] | None:
        """The path of the field that names an element of `collection` for people, as the
        schema declares it (`"x-lawcode-name": "name"` on the element schema), if it does.

        Explicit rather than guessed from a field called `name`: the writer says which field a
        reader recognises a subject by (a group's name, an account's display name), and
        reports show it beside the id (docs/snapshot.md, "Display names")."""
        element = self.collections().get(collection)
        declared = element.get(DISPLAY_NAME) if element is not None else None
        return tuple(declared.split(".")) if isinstance(declared, str) and declared else None

    def check_display_names(self) -> None:
        """Refuse an `x-lawcode-name` that does not name a text field of the elements."""
        for name, element in self.collections().items():
            declared = element.get(DISPLAY_NAME)
            if declared is None:
                continue
            node: JSON | None = element
            for part in declared.split(".") if isinstance(declared, str) and declared else [""]:
                node = self.properties(node).get(part) if node is not None else None
                node = self.resolve(node) if isinstance(node, dict) else None
            if node is None or json_types(node) - {"null"} != {"string"}:
                raise FileRefused(
                    SCHEMA_CODE,
                    f"the `{DISPLAY_NAME}` of `{name}` is {json.dumps(declared, ensure_ascii=False)}, which is not a text field of its elements: "
                    'name a string property of the element schema ("name") or a path into an object ("info.name")',
                )

    def record(self, pointer: str) -> JSON:
        return self._records[pointer]

    def type_of(self, node: JSON, pointer: str) -> FieldInfo:
        """The lawcode type of a schema node; `pointer` names nested records."""
        node = self.resolve(node)
        kinds = json_types(node) - {"null"}
        enum = tuple(v for v in node["enum"] if v is not None) if isinstance(node.get("enum"), list) else None  # null: missing
        if "const" in node:
            enum = (node["const"],)
        if kinds == {"string"}:
            fmt = node.get("format")
            t = {
                "date": T.DATE,
                "date-time": T.DATETIME,
                "duration": T.DURATION,
            }.get(fmt or "", T.STRING)
            if node.get("x-lawcode-type") == "period":
                t = T.PERIOD
            return FieldInfo(t, node, enum)
        if kinds <= {"integer", "number"} and kinds:
            return FieldInfo(T.NUMBER, node, enum)
        if kinds == {"boolean"}:
            return FieldInfo(T.BOOL, node, enum)
        if kinds == {"object"}:
            self._records[pointer] = node
            return FieldInfo(T.RecordType(f"record {pointer}", pointer), node, None)
        if kinds == {"array"}:
            element = self.type_of(node.get("items", {}), pointer + "/items")
            return FieldInfo(T.list_of(element.type), node, element.enum)
        return FieldInfo(T.UNKNOWN, node, enum)


SCHEMA_CODE = "E065"
DISPLAY_NAME = "x-lawcode-name"  # on a collection's element schema: the field that names an element


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def json_types(node: JSON) -> set[str]:
    """The JSON types a schema node admits (`type`, or what `properties`/`enum` imply)."""
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    if "properties" in node:
        return {"object"}
    if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
        return {"string"}
    return set()
