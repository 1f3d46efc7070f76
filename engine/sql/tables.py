"""The snapshot as tables: one per collection, one column per field a rule can read.

The JSON Schema that types a ruleset also fixes the table layout, so every backend and
every input form (JSON, JSON Lines, Parquet) agrees on it:

- a collection `users` becomes table `t_users` with `__pos` (the element's index in the
  JSON array, so pointers `/users/17/…` and report order match the reference) and one
  column per scalar leaf, named by its path (`info.name` for a field of a nested object);
- a nested object also gets a presence column named by its own path (TRUE when the
  object is there), which is all `present(g.info)` needs;
- dates are DATE, date-times TIMESTAMP (the UTC instant), durations BIGINT
  microseconds, periods BIGINT months, numbers BIGINT (`integer`) or DOUBLE, lists of
  scalars LIST/ARRAY;
- a field the schema gives no one type (`{}`, `["string", "integer"]`), and a list of
  anything but scalars, is a JSON column (kind `json`): its value as JSON text, NULL when
  absent or null. Rules can only ask `present(…)` of the first (the compiler sees to it),
  and the evidence shows the value as the reference does;
- the scalar parts of the snapshot (`as_of`, `policy`, …) are tiny: they stay JSON and are
  read in Python (parameters are resolved by the reference code, then inlined as literals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lawcode.compiler import types as T
from lawcode.compiler.schema import SnapshotSchema, json_types

POS = "__pos"
TYPED_STRINGS = (T.DATE, T.DATETIME, T.DURATION, T.PERIOD)  # stored typed, written in JSON as strings of a format


@dataclass(frozen=True, slots=True)
class Column:
    """One leaf (or nested-object presence flag) of a collection's elements."""

    path: tuple[str, ...]
    type: T.Type  # the lawcode type rules read it as; RecordType for presence flags
    kind: str  # JSON kind: string integer number boolean object array, or json (no one type)
    element_kind: str | None  # for arrays of scalars
    schema: dict[str, Any]
    nullable: bool  # the schema admits null
    required: bool  # required in its parent object
    # A list of objects (kind json): its items' leaves (scalars, lists of scalars, values of
    # no one type or shape as JSON, and the presence flags of objects inside items, with the
    # fields of those), stored again, typed, as a list of flat structs (`meta.os` beside
    # `meta`) in the column `typed_name`, which the rules compute with.
    fields: tuple[Column, ...] = ()
    # A list of lists of scalars (kind json): its elements, described as a list-of-scalars
    # column; stored again, typed, as a list of lists in the column `typed_name`.
    inner: Column | None = None

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def is_record(self) -> bool:
        return self.kind == "object"

    @property
    def typed_name(self) -> str | None:
        """The typed column of a list of objects (a list of structs) or of a list of lists of
        scalars (a list of lists); None for any other column."""
        return f"{self.name}[]" if self.fields or self.inner is not None else None

    def field(self, path: tuple[str, ...]) -> Column | None:
        """A leaf of the items of a list of objects, by its path inside the item."""
        for f in self.fields:
            if f.path == path:
                return f
        return None


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    columns: tuple[Column, ...]
    schema: dict[str, Any]

    def column(self, path: tuple[str, ...]) -> Column | None:
        for column in self.columns:
            if column.path == path:
                return column
        return None

    @property
    def table(self) -> str:
        return table_name(self.name)


@dataclass(frozen=True, slots=True)
class Layout:
    collections: dict[str, Collection]
    scalars: tuple[str, ...]  # top-level properties that are not collections
    required_root: tuple[str, ...]


def stored(collection: Collection) -> list[str]:
    """Every column of a collection's table but `__pos`: one per leaf, and the typed lists of objects."""
    return [c.name for c in collection.columns] + [c.typed_name for c in collection.columns if c.typed_name]


def table_name(collection: str) -> str:
    return f"t_{collection}"




def layout(schema: SnapshotSchema) -> Layout:
    """The tables a schema implies (deterministic: schema property order)."""
    collections = schema.collections()
    root = schema.root
    found: dict[str, Collection] = {}
    for name, element in collections.items():
        columns: list[Column] = []
        _columns(schema, element, (), columns, f"{name}")
        found[name] = Collection(name, tuple(columns), element)
    scalars = tuple(p for p in schema.properties(root) if p not in collections)
    required = tuple(r for r in root.get("required", []) if isinstance(r, str))
    return Layout(found, scalars, required)


def _columns(schema: SnapshotSchema, node: dict[str, Any], prefix: tuple[str, ...], out: list[Column], pointer: str) -> None:
    node = schema.resolve(node)
    required = set(node.get("required", []))
    for field, sub in schema.properties(node).items():
        sub = schema.resolve(sub)
        kinds = json_types(sub)
        nullable = "null" in kinds or not kinds
        kinds -= {"null"}
        path = (*prefix, field)
        info = schema.type_of(sub, f"{pointer}.{'.'.join(path)}")
        if kinds == {"object"}:
            out.append(Column(path, info.type, "object", None, sub, nullable, field in required))
            _columns(schema, sub, path, out, pointer)
            continue
        if kinds == {"array"}:
            items = schema.resolve(sub.get("items", {}))
            element = json_types(items) - {"null"}
            ekind = _scalar_kind(element)
            if ekind is None:  # arrays of objects, of arrays or of mixed items: JSON text
                fields: list[Column] = []
                inner: Column | None = None
                if element == {"object"}:  # …and the items' leaves, typed, for the rules
                    _columns(schema, items, (), fields, f"{pointer}.{'.'.join(path)}/items")
                elif element == {"array"} and (kind := _scalar_kind(json_types(schema.resolve(items.get("items", {}))) - {"null"})):
                    # …and, typed, the lists of scalars it holds, for the rules
                    inner_info = schema.type_of(items, f"{pointer}.{'.'.join(path)}/items")
                    inner = Column((), inner_info.type, "array", kind, items, "null" in json_types(items), False)
                out.append(Column(path, info.type, "json", None, sub, True, field in required, tuple(fields), inner))
                continue
            out.append(Column(path, info.type, "array", ekind, sub, nullable, field in required))
            continue
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        if len(kinds) != 1 or not kinds <= {"string", "integer", "number", "boolean"}:
            out.append(Column(path, info.type, "json", None, sub, nullable, field in required))
            continue
        out.append(Column(path, info.type, next(iter(kinds)), None, sub, nullable, field in required))


def _scalar_kind(kinds: set[str]) -> str | None:
    """The one scalar JSON kind of a list's items (integers and numbers are numbers), if any."""
    if kinds == {"integer", "number"}:
        return "number"
    return next(iter(kinds)) if len(kinds) == 1 and kinds <= {"string", "integer", "number", "boolean"} else None


def sql_type(column: Column) -> str:
    """The typed-table column type (DuckDB spelling; the Spark backend maps it)."""
    if column.is_record:
        return "BOOLEAN"
    if column.kind == "json":
        return "JSON"
    if column.kind == "array":
        element = column.type.element if isinstance(column.type, T.ListType) else T.UNKNOWN
        return scalar_sql_type(column.element_kind or "string", element) + "[]"
    return scalar_sql_type(column.kind, column.type)


def typed_sql_type(column: Column) -> str:
    """The type of a list of objects' typed column (a list of structs of its items' leaves) or of
    a list of lists' (a list of lists of scalars)."""
    if column.inner is not None:
        return sql_type(column.inner) + "[]"
    inner = ", ".join(f'"{escape_name(f.name)}" {sql_type(f)}' for f in column.fields)
    return f"STRUCT({inner})[]"


def scalar_sql_type(kind: str, t: T.Type) -> str:
    if t == T.DATE:
        return "DATE"
    if t == T.DATETIME:
        return "TIMESTAMP"
    if t in (T.DURATION, T.PERIOD):
        return "BIGINT"
    return {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}[kind]


def raw_type(schema: SnapshotSchema, node: dict[str, Any]) -> str:
    """The type a property is read as from JSON text: objects as STRUCTs of their properties,
    everything else as JSON, so a value of the wrong JSON type is seen (and reported) rather
    than cast: DuckDB would read `5` into a VARCHAR as `'5'` and `"5"` into a BIGINT as 5."""
    node = schema.resolve(node)
    kinds = json_types(node) - {"null"}
    if kinds == {"object"}:
        props = schema.properties(node)
        if not props:
            return "JSON"
        inner = ", ".join(f'"{escape_name(k)}" {raw_type(schema, v)}' for k, v in props.items())
        return f"STRUCT({inner})"
    return "JSON"


def escape_name(name: str) -> str:
    """A name inside a double-quoted SQL identifier."""
    return name.replace('"', '""')
