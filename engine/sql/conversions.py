"""JSON-level values in SQL: how a snapshot's raw values are read, typed and tested.

A snapshot's fields come into SQL as JSON says them: strings for dates, date-times and
durations, numbers and booleans as JSON has them. Loading (`duckdb_backend.py`) turns each
into the typed value the generated queries compute with, exactly as `values.convert` does
in Python (NULL where it gives None: a malformed date is missing, not an error of SQL);
validation (`validate.py`) tests the same raw values against the schema. Both read them
through this module, so a value the conversion accepts is a value validation passes:

- `convert`, `convert_records`, `convert_string`: raw → typed (durations as months and
  microseconds, `duration_parts`), also inside lists and lists of objects;
- `from_json`, `scalar_of_kind`, `json_kind_in`: a value read as JSON → the SQL value of
  its JSON type, and tests of that type judged from its text, as jsonschema judges them;
- `format_valid`, `element_format`: the `format`s the conversion accepts.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.engine.snapshot import FORMAT_HINTS
from lawcode.engine.sql.tables import TYPED_STRINGS, Column, escape_name

DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
DURATION_RE = (
    r"^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
    r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?$"
)


# Builders of the load-time SQL (its own spelling: `builders.py` parenthesises for the rules' SQL).
def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def s(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Paren(this=is_null(e)))


def duration_valid(raw: exp.Expr) -> exp.Expr:
    return exp.and_(
        fn("regexp_full_match", raw, s(DURATION_RE)),
        exp.Not(this=exp.In(this=raw, expressions=[s("P"), s("PT")])),
        exp.Not(this=fn("ends_with", raw, s("T"))),
    copy=False,
    )


def _group(raw: exp.Expr, index: int, to: str) -> exp.Expr:
    extracted = fn("regexp_extract", raw, s(DURATION_RE), exp.Literal.number(index))
    return exp.Coalesce(this=exp.TryCast(this=extracted, to=exp.DataType.build(to)), expressions=[exp.Literal.number(0)])


def duration_parts(raw: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """(months, microseconds) of an ISO 8601 duration, as `values.parse_duration` reads it."""
    months = exp.Add(this=exp.Mul(this=_group(raw, 1, "BIGINT"), expression=exp.Literal.number(12)), expression=_group(raw, 2, "BIGINT"))
    whole = exp.Add(
        this=exp.Add(
            this=exp.Mul(this=_group(raw, 3, "BIGINT"), expression=exp.Literal.number(604800)),
            expression=exp.Mul(this=_group(raw, 4, "BIGINT"), expression=exp.Literal.number(86400)),
        ),
        expression=exp.Add(
            this=exp.Mul(this=_group(raw, 5, "BIGINT"), expression=exp.Literal.number(3600)),
            expression=exp.Mul(this=_group(raw, 6, "BIGINT"), expression=exp.Literal.number(60)),
        ),
    )
    fraction = fn("round_even", exp.Mul(this=_group(raw, 7, "DOUBLE"), expression=exp.Literal.number(1000000)), exp.Literal.number(0))
    micros = exp.Add(this=exp.Mul(this=exp.Paren(this=whole), expression=exp.Literal.number(1000000)), expression=exp.Cast(this=fraction, to=exp.DataType.build("BIGINT")))
    return months, micros


def convert(raw: exp.Expr, column: Column) -> exp.Expr:
    """A JSON-level value → its typed-table value (NULL where `values.convert` gives None)."""
    if column.is_record:
        return exp.Case(ifs=[exp.If(this=not_null(raw), true=exp.true())])
    if column.kind == "json":  # JSON text (Parquet may hold it as VARCHAR); a JSON null is absent
        value = exp.Cast(this=raw, to=exp.DataType.build("JSON"))
        return exp.Case(ifs=[exp.If(this=exp.NEQ(this=fn("json_type", value), expression=s("NULL")), true=value)])
    if column.kind == "array" and isinstance(column.type, T.ListType) and column.type.element in TYPED_STRINGS:
        # A list of dates (date-times, durations): each element converted as a field would be.
        x = exp.to_identifier("x")
        return fn("list_transform", raw, exp.Lambda(this=convert_string(exp.column("x"), column.type.element), expressions=[x]))
    if column.kind != "string":
        return raw
    return convert_string(raw, column.type)


def convert_records(raw: exp.Expr, column: Column) -> exp.Expr:
    """A list of objects (JSON) → its typed column: a list of flat structs of the items' leaves,
    each converted as a field would be; a null item stays null. A list of lists of scalars →
    a list of lists, each converted as a list field would be."""
    if column.inner is not None:
        lists = exp.TryCast(this=exp.Cast(this=raw, to=exp.DataType.build("JSON")), to=exp.DataType.build(_raw_sql_type(column.inner) + "[]", dialect="duckdb"))
        each = convert(exp.column("lawcode_item"), column.inner)
        if isinstance(each, exp.Column):  # nothing to convert (no dates inside)
            return lists
        return fn("list_transform", lists, exp.Lambda(this=each, expressions=[exp.to_identifier("lawcode_item")]))
    struct = _raw_struct(column.fields, ())
    items = exp.TryCast(this=exp.Cast(this=raw, to=exp.DataType.build("JSON")), to=exp.DataType.build(f"{struct}[]", dialect="duckdb"))
    x = exp.column("lawcode_item")

    def leaf(path: tuple[str, ...]) -> exp.Expr:
        found: exp.Expr = x
        for name in path:
            found = fn("struct_extract", found, s(name))
        return found

    packed = fn("struct_pack", *[exp.PropertyEQ(this=exp.to_identifier(f.name, quoted=True), expression=convert(leaf(f.path), f)) for f in column.fields])
    each = exp.Case(ifs=[exp.If(this=not_null(x), true=packed)])
    return fn("list_transform", items, exp.Lambda(this=each, expressions=[exp.to_identifier("lawcode_item")]))


def _raw_struct(fields: tuple[Column, ...], prefix: tuple[str, ...]) -> str:
    """The nested STRUCT an item (or an object inside it) is read as from JSON: its leaves
    under `prefix`, objects as STRUCTs of theirs (an object with none as JSON)."""
    depth = len(prefix)
    parts = [f'"{escape_name(f.path[depth])}" {_raw_struct(fields, f.path) if f.is_record else _raw_sql_type(f)}' for f in fields if len(f.path) == depth + 1 and f.path[:depth] == prefix]
    return f"STRUCT({', '.join(parts)})" if parts else "JSON"


def _raw_sql_type(column: Column) -> str:
    """The JSON-level type of a scalar (or list of scalars) field: strings stay text until converted."""
    scalar = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}
    if column.kind == "json":
        return "JSON"
    if column.kind == "array":
        return scalar[column.element_kind or "string"] + "[]"
    return scalar[column.kind]


def element_format(column: Column) -> str | None:
    """The format of a list column's string elements (date, date-time, duration), if any."""
    if column.kind != "array" or column.element_kind != "string":
        return None
    items = column.schema.get("items")
    fmt = items.get("format") if isinstance(items, dict) else None
    return fmt if fmt in FORMAT_HINTS else None


def convert_string(raw: exp.Expr, t: T.Type) -> exp.Expr:
    """A JSON string → the typed value of `t` (dates, date-times, durations, periods)."""
    if t == T.DATE:
        ok = fn("regexp_full_match", raw, s(DATE_RE))
        return exp.Case(ifs=[exp.If(this=ok, true=exp.TryCast(this=raw, to=exp.DataType.build("DATE")))])
    if t == T.DATETIME:
        ok = fn("regexp_full_match", raw, s(DATETIME_RE))
        instant = exp.TryCast(this=raw, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.Case(ifs=[exp.If(this=ok, true=exp.Cast(this=instant, to=exp.DataType.build("TIMESTAMP")))])
    if t in (T.DURATION, T.PERIOD):
        months, micros = duration_parts(raw)
        if t == T.DURATION:
            return exp.Case(ifs=[exp.If(this=exp.and_(duration_valid(raw), exp.EQ(this=months, expression=exp.Literal.number(0)), copy=False), true=micros)])
        return exp.Case(ifs=[exp.If(this=exp.and_(duration_valid(raw), exp.EQ(this=micros, expression=exp.Literal.number(0)), copy=False), true=months)])
    return raw


def json_list(j: exp.Expr) -> exp.Expr:
    """A JSON array as a list of JSON values (NULL for anything but an array)."""
    return exp.TryCast(this=j, to=exp.DataType.build("JSON[]", dialect="duckdb"))


SCALARS = ("string", "integer", "number", "boolean")


def scalar_of_kind(j: exp.Expr, kind: str) -> tuple[exp.Expr, exp.Expr]:
    """(is a JSON value of `kind`, its SQL value), judged from the JSON text: a string starts
    with a quote, so no JSON string passes as a number; no JSON is parsed but a string's."""
    text = exp.Cast(this=j, to=exp.DataType.build("VARCHAR"))
    if kind == "string":
        return fn("starts_with", text, s('"')), fn("json_extract_string", j, s("$"))
    if kind == "boolean":
        return exp.In(this=text, expressions=[s("true"), s("false")]), exp.EQ(this=text.copy(), expression=s("true"))
    double = exp.TryCast(this=text, to=exp.DataType.build("DOUBLE"))
    if kind == "number":
        return not_null(double), double
    # integer: jsonschema takes 3.0 as one; the BIGINT is read from the text (exact beyond 2^53)
    whole = exp.EQ(this=double, expression=fn("floor", double.copy()))
    return whole, exp.TryCast(this=text.copy(), to=exp.DataType.build("BIGINT"))


def _scalar_from_json(j: exp.Expr, kind: str) -> exp.Expr:
    """A JSON scalar as the SQL value of `kind`; NULL for JSON null or a value of another type."""
    ok, value = scalar_of_kind(j, kind)
    return exp.Case(ifs=[exp.If(this=ok, true=value)])


def from_json(j: exp.Expr, column: Column) -> exp.Expr:
    """A value read as JSON → the column's JSON-level SQL value (what a typed read gives), NULL
    where the JSON type is not the column's (the type check reports it)."""
    if column.kind in SCALARS:
        return _scalar_from_json(j, column.kind)
    if column.kind == "array":
        x = exp.column("lawcode_j")
        each = _scalar_from_json(x, column.element_kind or "string")
        return fn("list_transform", json_list(j), exp.Lambda(this=each, expressions=[exp.to_identifier("lawcode_j")]))
    return j  # records (a STRUCT) and JSON columns


def json_path(path: tuple[str, ...]) -> exp.Expr:
    """`$."meta"."os"`: a JSON path to a leaf inside an item."""
    return s("$" + "".join('."' + name.replace('"', '\\"') + '"' for name in path))


def json_kinds(schema: dict[str, Any]) -> list[str]:
    """The JSON types a field of no one type admits, in the schema's order (as jsonschema names them)."""
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []
    return kinds


def json_kind_in(r: exp.Expr, kinds: list[str]) -> exp.Expr:
    """The JSON value `r` (JSON, or its text) is null or of one of `kinds`, judged from its
    text as `scalar_of_kind` judges scalars (`integer` also takes 3.0, as jsonschema does)."""
    j = exp.Cast(this=r, to=exp.DataType.build("JSON"))
    text = exp.Cast(this=j, to=exp.DataType.build("VARCHAR"))
    tests: list[exp.Expr] = [exp.EQ(this=text, expression=s("null"))]
    for kind in kinds:
        if kind in SCALARS:
            tests.append(exp.Coalesce(this=scalar_of_kind(j.copy(), kind)[0], expressions=[exp.false()]))
        elif kind in ("object", "array"):
            tests.append(fn("starts_with", text.copy(), s("{" if kind == "object" else "[")))
    return exp.or_(*tests, copy=False)


def format_valid(r: exp.Expr, fmt: str) -> exp.Expr:
    """The patterns the SQL conversion accepts, as `values.parse_date` and friends do: years
    0001 to 9999 (DuckDB also takes year 0), a date-time's UTC instant in them too."""
    year_zero = fn("starts_with", r.copy(), s("0000"))
    if fmt == "date":
        return exp.and_(fn("regexp_full_match", r, s(DATE_RE)), exp.Not(this=year_zero), not_null(exp.TryCast(this=r, to=exp.DataType.build("DATE"))), copy=False)
    if fmt == "date-time":
        instant = exp.TryCast(this=r, to=exp.DataType.build("TIMESTAMPTZ"))
        in_range = exp.Between(this=instant, low=_instant("0001-01-01 00:00:00+00"), high=_instant("9999-12-31 23:59:59.999999+00"))
        return exp.and_(fn("regexp_full_match", r, s(DATETIME_RE)), exp.Not(this=year_zero), not_null(instant.copy()), in_range, copy=False)
    return duration_valid(r)


def _instant(text: str) -> exp.Expr:
    return exp.Cast(this=s(text), to=exp.DataType.build("TIMESTAMPTZ"))
