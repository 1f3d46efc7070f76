"""Schema validation in SQL, for snapshots too large to become a Python tree.

Each collection's elements are checked against the element schema where it matters to
the rules, with errors carrying the JSON pointer of the bad value and jsonschema's
wording, so a large snapshot fails the way a small one does:

- types: from JSON text every field is read as JSON (objects as STRUCTs of their fields)
  and its JSON type checked here (`from_json`, `_json_type_checks`): a typed read would
  cast `5` into `'5'`; when reading an object fails, the collection is re-read as raw JSON
  to name each value of the wrong type;
- `required` (for fields that may not be null), `enum`/`const`, `format` (date,
  date-time, duration: the patterns the SQL conversion accepts), `minimum`/`maximum`
  (and exclusive), `minLength`/`maxLength`, `pattern` (RE2, not ECMA 262);
- list elements: null items where the items' schema does not admit null, their `format`;
  for lists of objects each item's type and its leaves' (fields, fields of objects inside
  it) types, `required` and `format`, and the elements of lists inside items; for lists of
  lists each element's type and its elements'; reported at the first bad element of a list
  per check (its pointer, jsonschema's words).

Known gaps (documented in docs/performance.md): `additionalProperties`, `oneOf`/`anyOf`/
`allOf`/`not`/`if`, `uniqueItems`, other constraints on list items, and telling an absent
field from a `null` one where the schema admits null. The scalar parts (as_of, policy)
are validated by jsonschema itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.dsl.diagnostics import Diagnostic
from lawcode.engine.jsontext import pointer, shown
from lawcode.engine.snapshot import FORMAT_HINTS, MAX_REPORTED_ERRORS
from lawcode.engine.sql.conversions import (
    convert,
    convert_records,
    duration_parts,
    duration_valid,
    element_format,
    fn,
    format_valid,
    from_json,
    is_null,
    json_kind_in,
    json_kinds,
    json_list,
    json_path,
    not_null,
    s,
)
from lawcode.engine.sql.tables import POS, Collection, Column
from lawcode.engine.values import FORM_HINTS as FORM_HINTS_BY_TYPE
from lawcode.engine.values import FORM_MESSAGES


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the element schema, as a condition on a raw value and a message."""

    column: Column
    at: tuple[str, ...]  # the path the error is reported at (the parent object for `required`)
    bad: exp.Expr
    message: Callable[[Any], str]
    hint: str | None = None
    # What a column's statistics must show for no value to fail it (see `proven`):
    # ("nulls", 0) no null, ("min>=", n) / ("min>", n) / ("max<=", n) / ("max<", n) a bound.
    proof: tuple[str, float] | None = None
    # A check on the elements of a list: which element fails (1-based, an expression over
    # the raw list) and its offending value given that index; the error names the element
    # (`at`, its index, then `inside` it), as jsonschema does. Values come as JSON text.
    index: exp.Expr | None = None
    value: Callable[[exp.Expr], exp.Expr] | None = None
    inside: tuple[str, ...] = ()
    shown: exp.Expr | None = None  # the offending value as JSON text (type checks), if not the raw value
    # An element of a list inside an item (`labels` of a device): `value` gives the JSON
    # `[j, v]`, the element's 1-based index in that list and its value.
    nested: bool = False
    code: str = "S010"  # S020: a valid duration of the wrong form for its type (`values.form_problem`)


def checks(
    collection: Collection, raw: Callable[[tuple[str, ...]], exp.Expr], typed: set[str] | frozenset[str] = frozenset(),
    json_of: Callable[[tuple[str, ...]], exp.Expr] | None = None,
) -> list[Check]:
    """The checks of one collection; `typed` columns are already dates/instants (Parquet): no format check.

    `json_of`: the value at a path as read, JSON (JSON and JSON Lines input); `raw` is then
    that value of the column's JSON type (`from_json`, NULL for another type), and the
    JSON types are checked here, since DuckDB would have turned `5` into `'5'` for a string.
    """
    out: list[Check] = []
    for column in collection.columns:
        r = raw(column.path)
        as_read = json_of(column.path) if json_of is not None else r
        if column.required and not column.nullable:
            parent_present: exp.Expr = exp.true()
            if len(column.path) > 1:
                parent_present = not_null(json_of(column.path[:-1]) if json_of is not None else raw(column.path[:-1]))
            out.append(Check(column, column.path[:-1], exp.and_(parent_present, is_null(as_read), copy=False), _says("{f!r} is a required property", f=column.path[-1]), "add the field, or make it optional in the schema", ("nulls", 0)))
        if json_of is not None and column.kind in ("string", "integer", "number", "boolean", "array"):
            out += _json_type_checks(column, as_read)
        if column.kind == "string" and not column.is_record and column.name not in typed:
            out += _string_checks(column, r)
        out += _list_checks(column, r, json_list(as_read) if json_of is not None else r, typed)
        out += _enum_checks(column, r)
        if column.fields:
            out += _item_checks(column, r)
        if column.inner is not None:
            out += _inner_list_checks(column, column.inner, r)
        if column.kind == "json" and column.schema.get("type") is not None:
            allowed = json_kinds(column.schema)
            out.append(Check(column, column.path, exp.and_(not_null(r), exp.Not(this=exp.Paren(this=json_kind_in(r, allowed))), copy=False), _says("{v!r} is not of type {k}", k=", ".join(repr(k) for k in allowed))))
        if column.kind in ("integer", "number"):
            out += _bound_checks(column, r)
    return out


def _string_checks(column: Column, r: exp.Expr) -> list[Check]:
    """A string field's `format` (the patterns the conversion accepts), lengths and `pattern`."""
    schema = column.schema
    out: list[Check] = []
    fmt = schema.get("format")
    if fmt in FORMAT_HINTS:
        valid = format_valid(r, str(fmt))
        out.append(Check(column, column.path, exp.and_(not_null(r), exp.Not(this=exp.Paren(this=valid)), copy=False), _says("{v!r} is not a {f!r}", f=fmt), FORMAT_HINTS[str(fmt)]))
    if fmt == "duration" and column.type in FORM_MESSAGES:
        months, micros = duration_parts(r)
        wrong = exp.NEQ(this=micros if column.type == T.PERIOD else months, expression=exp.Literal.number(0))
        bad = exp.and_(not_null(r), duration_valid(r), wrong, copy=False)
        out.append(Check(column, column.path, bad, _says(FORM_MESSAGES[column.type]), FORM_HINTS_BY_TYPE[column.type], code="S020"))
    if isinstance(schema.get("minLength"), int):
        out.append(Check(column, column.path, exp.LT(this=fn("length", r), expression=exp.Literal.number(schema["minLength"])), _says("{v!r} is too short")))
    if isinstance(schema.get("maxLength"), int):
        out.append(Check(column, column.path, exp.GT(this=fn("length", r), expression=exp.Literal.number(schema["maxLength"])), _says("{v!r} is too long")))
    if isinstance(schema.get("pattern"), str):
        out.append(Check(column, column.path, exp.Not(this=fn("regexp_matches", r, s(schema["pattern"]))), _says("{v!r} does not match {p!r}", p=schema["pattern"])))
    return out


def _list_checks(column: Column, r: exp.Expr, listed: exp.Expr, typed: set[str] | frozenset[str]) -> list[Check]:
    """A list field's elements: null where its items' schema does not admit null (`listed`:
    the list as read, where a value of another type is not null), and their `format`."""
    out: list[Check] = []
    items_schema = column.schema.get("items")
    if column.kind == "array" and isinstance(items_schema, dict) and "null" not in (kinds := json_kinds(items_schema)) and kinds:
        null_item = is_null(exp.column("x"))
        holds_null = exp.GT(this=fn("len", listed), expression=fn("list_count", listed))  # list_count skips nulls
        out.append(_element_check(column, listed, "x", null_item, lambda items, k: s("null"), (), _says("{v!r} is not of type {k}", k=", ".join(repr(k) for k in kinds)), bad=holds_null))
    element = element_format(column)
    if element is not None and column.name not in typed:
        x = exp.column("x")
        wrong = exp.and_(not_null(x), exp.Not(this=exp.Paren(this=format_valid(x, element))), copy=False)
        out.append(_element_check(column, r, "x", wrong, lambda items, k: fn("to_json", fn("list_extract", items, k)), (), _says("{v!r} is not a {f!r}", f=element), FORMAT_HINTS[element]))
    return out


def _enum_checks(column: Column, r: exp.Expr) -> list[Check]:
    """A scalar field's `enum` (or `const`)."""
    schema = column.schema
    enum = [schema["const"]] if "const" in schema else schema.get("enum")
    if not isinstance(enum, list) or column.kind not in ("string", "integer", "number", "boolean"):
        return []
    literals = [_literal(v) for v in enum if v is not None and _fits(v, column.kind)]
    bad = exp.and_(not_null(r), exp.Not(this=exp.In(this=r, expressions=literals)), copy=False) if literals else not_null(r)
    message = _says("{c!r} was expected", c=schema["const"]) if "const" in schema else _says("{v!r} is not one of {e!r}", e=enum)
    return [Check(column, column.path, bad, message)]


def _bound_checks(column: Column, r: exp.Expr) -> list[Check]:
    """A number's `minimum`/`maximum` (and exclusive), each provable from Parquet statistics."""
    bounds = (
        ("minimum", exp.LT, "is less than the minimum of", "min>="),
        ("maximum", exp.GT, "is greater than the maximum of", "max<="),
        ("exclusiveMinimum", exp.LTE, "is less than or equal to the minimum of", "min>"),
        ("exclusiveMaximum", exp.GTE, "is greater than or equal to the maximum of", "max<"),
    )
    out: list[Check] = []
    for key, op, words, proof in bounds:
        limit = column.schema.get(key)
        if isinstance(limit, int | float) and not isinstance(limit, bool):
            out.append(Check(column, column.path, op(this=r, expression=_literal(limit)), _says("{v!r} {w} {n!r}", w=words, n=limit), proof=(proof, float(limit))))
    return out


def _json_type_checks(column: Column, j: exp.Expr) -> list[Check]:
    """The JSON type of a scalar or list field, and of a list's elements, as jsonschema checks them."""
    out: list[Check] = []
    kinds = json_kinds(column.schema) or [column.kind]
    words = ", ".join(repr(k) for k in kinds)
    wrong = exp.and_(not_null(j), exp.Not(this=exp.Paren(this=json_kind_in(j, kinds))), copy=False)
    out.append(Check(column, column.path, wrong, _says("{v!r} is not of type " + words), shown=exp.Cast(this=j, to=exp.DataType.build("VARCHAR"))))
    items = column.schema.get("items")
    if column.kind == "array" and isinstance(items, dict):
        item_kinds = json_kinds(items) or [column.element_kind or "string"]
        x = exp.column("lawcode_x")
        bad_item = exp.and_(not_null(x), exp.Not(this=exp.Paren(this=json_kind_in(x, item_kinds))), copy=False)
        out.append(_element_check(column, json_list(j), "lawcode_x", bad_item, lambda listed, k: fn("list_extract", listed, k), (), _says("{v!r} is not of type " + ", ".join(repr(k) for k in item_kinds))))
    return out


def _element_check(
    column: Column, items: exp.Expr, var: str, wrong: exp.Expr, value: Callable[[exp.Expr, exp.Expr], exp.Expr],
    inside: tuple[str, ...], message: Callable[[Any], str], hint: str | None = None, bad: exp.Expr | None = None,
) -> Check:
    """A check that some element of a list fails `wrong` (over the lambda variable `var`),
    reported at the first such element; `bad`, when given, is a cheaper test of the same."""
    flags = fn("list_transform", items, exp.Lambda(this=exp.Coalesce(this=wrong, expressions=[exp.false()]), expressions=[exp.to_identifier(var)]))
    index = fn("list_position", flags, exp.true())
    if bad is None:
        bad = exp.GT(this=exp.Coalesce(this=index.copy(), expressions=[exp.Literal.number(0)]), expression=exp.Literal.number(0))
    return Check(column, column.path, bad, message, hint, index=index, value=lambda k: value(items.copy(), k), inside=inside)


def _whole(listed: exp.Expr, k: exp.Expr) -> exp.Expr:
    """The k-th element of a list of JSON values, as JSON text (`null` for a null element)."""
    return exp.Coalesce(this=fn("list_extract", listed, k), expressions=[s("null")])


def _item_checks(column: Column, r: exp.Expr) -> list[Check]:
    """A list of objects: each item an object, and its scalar fields of their types, present
    when required, of their formats; reported at the item (and field) as jsonschema does."""
    items = json_list(exp.Cast(this=r, to=exp.DataType.build("JSON")))
    e = exp.column("lawcode_e")

    def field_of(path: exp.Expr) -> Callable[[exp.Expr, exp.Expr], exp.Expr]:
        return lambda listed, k: fn("json_extract", fn("list_extract", listed, k), path.copy())

    def any_item(cond: exp.Expr, message: Callable[[Any], str], value: Callable[[exp.Expr, exp.Expr], exp.Expr] = _whole, inside: tuple[str, ...] = (), hint: str | None = None) -> Check:
        return _element_check(column, items.copy(), "lawcode_e", cond, value, inside, message, hint)

    found = column.schema.get("items")
    schema: dict[str, Any] = found if isinstance(found, dict) else {}
    out: list[Check] = []
    kinds = json_kinds(schema) or ["object"]
    not_object: exp.Expr = exp.NEQ(this=fn("json_type", e), expression=s("OBJECT"))
    if "null" not in kinds:
        not_object = exp.or_(is_null(e), not_object, copy=False)
    kind_words = ", ".join(repr(k) for k in kinds)
    out.append(any_item(not_object, _says("{v!r} is not of type " + kind_words)))
    for f in column.fields:
        path = json_path(f.path)
        value = fn("json_extract", e, path)
        allowed = json_kinds(f.schema) or ([f.kind] if f.kind != "json" else [])
        if allowed:  # an untyped leaf (`{}`) takes any value
            wrong = exp.and_(not_null(value), exp.Not(this=exp.Paren(this=json_kind_in(value, allowed))), copy=False)
            out.append(any_item(wrong, _says("{v!r} is not of type {k}", k=", ".join(repr(k) for k in allowed)), field_of(path), f.path))
        if f.required:  # reported at the object that lacks it: the item, or an object inside it
            parent = fn("json_extract", e, json_path(f.path[:-1])) if len(f.path) > 1 else e
            absent = exp.and_(exp.EQ(this=fn("json_type", parent), expression=s("OBJECT")), is_null(value), copy=False)
            out.append(any_item(absent, _says("{f!r} is a required property", f=f.path[-1]), inside=f.path[:-1], hint="add the field, or make it optional in the schema"))
        if f.kind == "array":
            out += _list_in_item_checks(column, f, items, e, path)
        fmt = f.schema.get("format")
        if f.kind == "string" and fmt in FORMAT_HINTS:
            text = fn("json_extract_string", e, path.copy())
            bad_format = exp.and_(exp.EQ(this=fn("json_type", value), expression=s("VARCHAR")), exp.Not(this=exp.Paren(this=format_valid(text, str(fmt)))), copy=False)
            out.append(any_item(bad_format, _says("{v!r} is not a {m!r}", m=fmt), field_of(path), f.path, FORMAT_HINTS[str(fmt)]))
    return out


def _inner_list_checks(column: Column, inner: Column, r: exp.Expr) -> list[Check]:
    """A list of lists of scalars: each element a list (or null, where the schema allows it),
    and the elements of those of their type and format; each error at the element."""
    items = json_list(exp.Cast(this=r, to=exp.DataType.build("JSON")))
    e = exp.column("lawcode_e")
    kinds = json_kinds(inner.schema) or ["array"]
    not_list: exp.Expr = exp.Not(this=exp.Paren(this=json_kind_in(e, kinds)))
    if "null" not in kinds:
        not_list = exp.or_(is_null(e), not_list, copy=False)
    check = _element_check(column, items.copy(), "lawcode_e", not_list, _whole, (), _says("{v!r} is not of type " + ", ".join(repr(k) for k in kinds)))
    return [check, *_list_in_item_checks(column, inner, items, e, s("$"))]


def _list_in_item_checks(column: Column, f: Column, items: exp.Expr, e: exp.Expr, path: exp.Expr) -> list[Check]:
    """The elements of a list inside each item (`path`: a field of an item of a list of objects,
    or `$`: the item itself, for a list of lists): their JSON type, and the format of dates
    (date-times, durations); each error at the element, as jsonschema gives it."""
    found = f.schema.get("items")
    schema: dict[str, Any] = found if isinstance(found, dict) else {}
    kinds = json_kinds(schema) or [f.element_kind or "string"]
    y = exp.column("lawcode_y")
    wrong_type: exp.Expr = exp.Not(this=exp.Paren(this=json_kind_in(y, kinds)))
    if "null" not in kinds:
        wrong_type = exp.or_(is_null(y), wrong_type, copy=False)
    tests: list[tuple[exp.Expr, Callable[[Any], str], str | None]] = [(wrong_type, _says("{v!r} is not of type " + ", ".join(repr(k) for k in kinds)), None)]
    fmt = schema.get("format")
    if f.element_kind == "string" and fmt in FORMAT_HINTS:
        text = fn("json_extract_string", y, s("$"))
        bad_format = exp.and_(exp.EQ(this=fn("json_type", y), expression=s("VARCHAR")), exp.Not(this=exp.Paren(this=format_valid(text, str(fmt)))), copy=False)
        tests.append((bad_format, _says("{v!r} is not a {m!r}", m=fmt), FORMAT_HINTS[str(fmt)]))
    out: list[Check] = []
    for wrong, message, hint in tests:

        def first_bad(item: exp.Expr, wrong: exp.Expr = wrong) -> exp.Expr:
            """The 1-based index of the first bad element of the item's list (NULL: none)."""
            inner = json_list(fn("json_extract", item, path.copy()))
            flags = fn("list_transform", inner, exp.Lambda(this=exp.Coalesce(this=wrong.copy(), expressions=[exp.false()]), expressions=[exp.to_identifier("lawcode_y")]))
            return fn("list_position", flags, exp.true())

        def shown(listed: exp.Expr, k: exp.Expr, first_bad: Callable[[exp.Expr], exp.Expr] = first_bad) -> exp.Expr:
            item = fn("list_extract", listed, k)
            j = first_bad(item)
            element = fn("list_extract", json_list(fn("json_extract", item.copy(), path.copy())), j.copy())
            return fn("json_array", j, exp.Coalesce(this=element, expressions=[exp.Cast(this=s("null"), to=exp.DataType.build("JSON"))]))

        found_bad = exp.GT(this=exp.Coalesce(this=first_bad(e), expressions=[exp.Literal.number(0)]), expression=exp.Literal.number(0))
        check = _element_check(column, items.copy(), "lawcode_e", found_bad, shown, f.path, message, hint)
        out.append(replace(check, nested=True))
    return out


def _says(template: str, **known: Any) -> Callable[[Any], str]:
    """A message in jsonschema's words, `v` being the offending value."""

    def say(value: Any) -> str:
        return template.format(v=_Json(value), **{k: _Json(v) for k, v in known.items()})

    return say


class _Json:
    """A value in a message: `{v!r}` writes it as JSON would (`null`, `true`), `{v}` as text."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return shown(self.value)

    def __str__(self) -> str:
        return str(self.value)


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _literal(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value) if value >= 0 else exp.Neg(this=exp.Literal.number(-value))
    return exp.Literal.string(str(value))


def check_query(
    collection: Collection,
    table: exp.Expr,
    raw: Callable[[tuple[str, ...]], exp.Expr],
    typed: set[str] | frozenset[str] = frozenset(),
    limit: int = MAX_REPORTED_ERRORS + 1,
    found: list[Check] | None = None,
) -> tuple[exp.Expr | None, list[Check]]:
    """One query returning (check index, position, offending value as text) for the first bad values.

    `found`: the checks to run (default: all of `checks`); the index in the result is into it.
    """
    if found is None:
        found = checks(collection, raw, typed)
    if not found:
        return None, found
    parts: list[exp.Select] = []
    for i, check in enumerate(found):
        value: exp.Expr = check.shown.copy() if check.shown is not None else exp.Cast(this=raw(check.column.path), to=exp.DataType.build("VARCHAR"))
        index: exp.Expr = exp.Cast(this=exp.Null(), to=exp.DataType.build("BIGINT"))
        if check.index is not None and check.value is not None:
            index = check.index.copy()
            value = exp.Cast(this=check.value(check.index.copy()), to=exp.DataType.build("VARCHAR"))
        items = [exp.alias_(exp.Literal.number(i), "c", copy=False), exp.alias_(exp.column(POS, quoted=True), "p", copy=False), exp.alias_(value, "v", copy=False), exp.alias_(index, "k", copy=False)]
        select = exp.select(*items, copy=False).from_(table.copy(), copy=False).where(check.bad, copy=False).limit(limit, copy=False)
        parts.append(select)
    query: exp.Expr = exp.select("*", copy=False).from_(parts[0].subquery(), copy=False)
    for part in parts[1:]:  # copy=False: copying the growing union at every step is quadratic
        query = exp.union(query, exp.select("*", copy=False).from_(part.subquery(), copy=False), distinct=False, copy=False)
    return query, found


@dataclass(frozen=True, slots=True)
class ColumnFacts:
    """What a Parquet file's statistics say about one column (None: not known for every row group)."""

    nulls: int | None
    low: float | None  # numeric columns: the least value
    high: float | None


def parquet_facts(con: Any, paths: list[str]) -> tuple[dict[str, dict[str, ColumnFacts]], dict[str, int]]:
    """Column statistics and row counts of Parquet files, from their footers alone (no data read).

    A list column's statistics are its elements': zero nulls there also means no null list.
    """
    facts: dict[str, dict[str, ColumnFacts]] = {p: {} for p in paths}
    if not paths:
        return facts, {}
    rows = con.execute(
        "SELECT file_name, path_in_schema, sum(stats_null_count), bool_and(stats_null_count IS NOT NULL),"
        " min(TRY_CAST(stats_min_value AS DOUBLE)), max(TRY_CAST(stats_max_value AS DOUBLE)),"
        " bool_and(TRY_CAST(stats_min_value AS DOUBLE) IS NOT NULL AND TRY_CAST(stats_max_value AS DOUBLE) IS NOT NULL)"
        " FROM parquet_metadata($1) GROUP BY ALL",
        [paths],
    ).fetchall()
    for path, column, nulls, nulls_known, low, high, bounds_known in rows:
        name = str(column).split(", ")[0]
        facts.setdefault(path, {})[name] = ColumnFacts(int(nulls) if nulls_known else None, low if bounds_known else None, high if bounds_known else None)
    counts = {path: int(n) for path, n in con.execute("SELECT file_name, num_rows FROM parquet_file_metadata($1)", [paths]).fetchall()}
    return facts, counts


def proven(check: Check, facts: dict[str, ColumnFacts]) -> bool:
    """True when the column's statistics show that no value can fail the check (it need not run)."""
    found = facts.get(check.column.name)
    if check.proof is None or found is None:
        return False
    kind, limit = check.proof
    if kind == "nulls":
        return found.nulls == 0
    if found.low is None or found.high is None:
        return False
    return {"min>=": found.low >= limit, "min>": found.low > limit, "max<=": found.high <= limit, "max<": found.high < limit}[kind]


def diagnostics(collection: Collection, found: list[Check], rows: list[tuple[Any, ...]], label: str) -> list[Diagnostic]:
    out: list[tuple[list[str], str, Diagnostic]] = []
    for index, position, raw_value, item in rows:
        check = found[int(index)]
        at = check.at if item is None else (*check.at, str(int(item) - 1), *check.inside)
        value = _typed(raw_value, check.column) if item is None and check.shown is None else _json(raw_value)
        if check.nested:  # [j, v]: the j-th element of a list inside the item
            j, value = value
            at = (*at, str(int(j) - 1))
        where = pointer(collection.name, int(position), *at)
        message = check.message(value)
        parts = [collection.name, str(int(position)), *at]
        out.append((parts, message, Diagnostic(check.code, message, where=f"{label} {where}", hint=check.hint)))
    out.sort(key=lambda x: (x[0], x[1]))
    return [d for _, _, d in out]


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def _typed(raw: Any, column: Column) -> Any:
    if raw is None:
        return None
    if column.kind == "json":
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    if column.kind in ("integer", "number"):
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if column.kind == "integer" and number.is_integer() else number
    if column.kind == "boolean":
        return raw.lower() == "true" if isinstance(raw, str) else bool(raw)
    return raw


JSON_TYPES = {"string": ("VARCHAR",), "integer": ("UBIGINT", "BIGINT"), "number": ("UBIGINT", "BIGINT", "DOUBLE"), "boolean": ("BOOLEAN",), "object": ("OBJECT",), "array": ("ARRAY",)}


# The loaders (`duckdb_backend.py`) ask validation for the raw values' conversions too:
# they are `conversions.py`'s, read through here with the checks they must agree with.
__all__ = [
    "JSON_TYPES",
    "Check",
    "ColumnFacts",
    "check_query",
    "checks",
    "convert",
    "convert_records",
    "diagnostics",
    "element_format",
    "from_json",
    "json_kinds",
    "parquet_facts",
    "proven",
]
