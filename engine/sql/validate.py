"""Schema validation in SQL, for snapshots too large to become a Python tree.

Each collection's elements are checked against the element schema where it matters to
the rules, with errors carrying the JSON pointer of the bad value and jsonschema's
wording, so a large snapshot fails the way a small one does:

- types: the JSON is read with the schema's types; when that read fails, `type_checks`
  re-reads the collection as raw JSON and names each value of the wrong type;
- `required` (for fields that may not be null), `enum`/`const`, `format` (date,
  date-time, duration: the patterns the SQL conversion accepts), `minimum`/`maximum`
  (and exclusive), `minLength`/`maxLength`, `pattern` (RE2, not ECMA 262).

Known gaps (documented in docs/performance.md): `additionalProperties`, `oneOf`/`anyOf`/
`allOf`/`not`/`if`, `uniqueItems`, constraints on array items, and telling an absent
field from a `null` one where the schema admits null. The scalar parts (as_of, policy)
are validated by jsonschema itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lawcode.compiler import types as T
from lawcode.diagnostics import Diagnostic
from lawcode.engine.snapshot import MAX_REPORTED_ERRORS, pointer
from lawcode.engine.sql.tables import POS, Collection, Column

DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
DURATION_RE = (
    r"^P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
    r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?$"
)


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def s(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Paren(this=is_null(e)))


# ---------------------------------------------------------------- conversions


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
    if column.kind != "string":
        return raw
    t = column.type
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


# ---------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the element schema, as a condition on a raw value and a message."""

    column: Column
    at: tuple[str, ...]  # the path the error is reported at (the parent object for `required`)
    bad: exp.Expr
    message: Callable[[Any], str]
    hint: str | None = None


FORMAT_HINTS = {"date": "dates are YYYY-MM-DD", "date-time": "date-times are RFC 3339, e.g. 2024-05-01T10:00:00Z", "duration": "durations are ISO 8601, e.g. P6M or P15D"}


def checks(collection: Collection, raw: Callable[[tuple[str, ...]], exp.Expr], typed: set[str] | frozenset[str] = frozenset()) -> list[Check]:
    """The checks of one collection; `typed` columns are already dates/instants (Parquet): no format check."""
    out: list[Check] = []
    for column in collection.columns:
        r = raw(column.path)
        parent_present: exp.Expr = exp.true()
        if len(column.path) > 1:
            parent_present = not_null(raw(column.path[:-1]))
        schema = column.schema
        field = column.path[-1]
        if column.required and not column.nullable:
            out.append(Check(column, column.path[:-1], exp.and_(parent_present, is_null(r), copy=False), _says("{f!r} is a required property", f=field), "add the field, or make it optional in the schema"))
        if column.kind == "string" and not column.is_record and column.name not in typed:
            fmt = schema.get("format")
            valid: exp.Expr | None = None
            if fmt == "date":
                valid = exp.and_(fn("regexp_full_match", r, s(DATE_RE)), not_null(exp.TryCast(this=r, to=exp.DataType.build("DATE"))), copy=False)
            elif fmt == "date-time":
                valid = exp.and_(fn("regexp_full_match", r, s(DATETIME_RE)), not_null(exp.TryCast(this=r, to=exp.DataType.build("TIMESTAMPTZ"))), copy=False)
            elif fmt == "duration":
                valid = duration_valid(r)
            if valid is not None:
                out.append(Check(column, column.path, exp.and_(not_null(r), exp.Not(this=exp.Paren(this=valid)), copy=False), _says("{v!r} is not a {f!r}", f=fmt), FORMAT_HINTS[str(fmt)]))
            if isinstance(schema.get("minLength"), int):
                out.append(Check(column, column.path, exp.LT(this=fn("length", r), expression=exp.Literal.number(schema["minLength"])), _says("{v!r} is too short")))
            if isinstance(schema.get("maxLength"), int):
                out.append(Check(column, column.path, exp.GT(this=fn("length", r), expression=exp.Literal.number(schema["maxLength"])), _says("{v!r} is too long")))
            if isinstance(schema.get("pattern"), str):
                out.append(Check(column, column.path, exp.Not(this=fn("regexp_matches", r, s(schema["pattern"]))), _says("{v!r} does not match {p!r}", p=schema["pattern"])))
        enum = schema.get("enum")
        if "const" in schema:
            enum = [schema["const"]]
        if isinstance(enum, list) and column.kind in ("string", "integer", "number", "boolean"):
            allowed = [v for v in enum if v is not None and _fits(v, column.kind)]
            literals = [_literal(v) for v in allowed]
            bad = exp.and_(not_null(r), exp.Not(this=exp.In(this=r, expressions=literals)), copy=False) if literals else not_null(r)
            message = _says("{c!r} was expected", c=schema["const"]) if "const" in schema else _says("{v!r} is not one of {e!r}", e=enum)
            out.append(Check(column, column.path, bad, message))
        if column.kind in ("integer", "number"):
            bounds = (
                ("minimum", exp.LT, "is less than the minimum of"),
                ("maximum", exp.GT, "is greater than the maximum of"),
                ("exclusiveMinimum", exp.LTE, "is less than or equal to the minimum of"),
                ("exclusiveMaximum", exp.GTE, "is greater than or equal to the maximum of"),
            )
            for key, op, words in bounds:
                limit = schema.get(key)
                if isinstance(limit, int | float) and not isinstance(limit, bool):
                    out.append(Check(column, column.path, op(this=r, expression=_literal(limit)), _says("{v!r} {w} {n!r}", w=words, n=limit)))
    return out


def _says(template: str, **known: Any) -> Callable[[Any], str]:
    """A message in jsonschema's words, `v` being the offending value."""

    def say(value: Any) -> str:
        return template.format(v=value, **known)

    return say


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
    collection: Collection, table: exp.Expr, raw: Callable[[tuple[str, ...]], exp.Expr], typed: set[str] | frozenset[str] = frozenset(), limit: int = MAX_REPORTED_ERRORS + 1
) -> tuple[exp.Expr | None, list[Check]]:
    """One query returning (check index, position, offending value as text) for the first bad values."""
    found = checks(collection, raw, typed)
    if not found:
        return None, found
    parts: list[exp.Select] = []
    for i, check in enumerate(found):
        value = exp.Cast(this=raw(check.column.path), to=exp.DataType.build("VARCHAR"))
        select = exp.select(exp.alias_(exp.Literal.number(i), "c", copy=False), exp.alias_(exp.column(POS, quoted=True), "p", copy=False), exp.alias_(value, "v", copy=False)).from_(table, copy=False).where(check.bad, copy=False).limit(limit, copy=False)
        parts.append(select)
    union: exp.Expr = parts[0].subquery()
    query: exp.Expr = exp.select("*", copy=False).from_(union, copy=False)
    for part in parts[1:]:
        query = exp.union(query, exp.select("*", copy=False).from_(part.subquery(), copy=False), distinct=False)
    return query, found


def diagnostics(collection: Collection, found: list[Check], rows: list[tuple[Any, ...]], label: str) -> list[Diagnostic]:
    out: list[tuple[list[str], str, Diagnostic]] = []
    for index, position, raw_value in rows:
        check = found[int(index)]
        value = _typed(raw_value, check.column)
        where = pointer(collection.name, int(position), *check.at)
        message = check.message(value)
        parts = [collection.name, str(int(position)), *check.at]
        out.append((parts, message, Diagnostic("S010", message, where=f"{label} {where}", hint=check.hint)))
    out.sort(key=lambda x: (x[0], x[1]))
    return [d for _, _, d in out]


def _typed(raw: Any, column: Column) -> Any:
    if raw is None:
        return None
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
