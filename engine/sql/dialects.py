"""What differs between the SQL targets, as sqlglot expression builders.

The generator builds one tree per rule; the few operations whose spelling *or meaning*
differs between DuckDB and Spark SQL are asked of a `Target`. Each method returns a
sqlglot expression, never SQL text, and each is pinned by the differential tests:

| operation | DuckDB | Spark |
|---|---|---|
| date ± months (end-of-month clamp) | `d + to_months(n)` (a TIMESTAMP, cast back) | `add_months(d, n)` (Spark 3+ clamps like Java's plusMonths) |
| date-time ± months | `t + to_months(n)` | `t + make_ym_interval(0, n)` |
| date-time ± microseconds | `t + to_microseconds(n)` | `timestamp_micros(unix_micros(t) + n)` |
| date − date in days | `d1 - d2` | `datediff(d1, d2)` |
| instant as microseconds | `epoch_us(t)` | `unix_micros(t)` |
| map a list | `list_transform(l, x -> …)` | `transform(l, x -> …)` |
| truncate a double to an integer | `CAST(trunc(x) AS BIGINT)` (DuckDB casts round) | `CAST(x AS BIGINT)` |
| round half to even | `round_even(x, 0)` | `bround(x, 0)` |
| ordered sum of doubles (Python's `sum` adds in order) | `sum(x ORDER BY pos)` | sort a collected list, fold it |
| lower-case | Python's `str.lower` as a UDF (full Unicode mapping) | `lower` (Java's, `Locale.ROOT`) |
"""

from __future__ import annotations

from sqlglot import exp

from lawcode.compiler import types as T

US_PER_DAY = 86_400_000_000


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def paren(e: exp.Expr) -> exp.Expr:
    return e if isinstance(e, exp.Paren | exp.Column | exp.Literal | exp.Null | exp.Boolean | exp.Anonymous | exp.Cast) else exp.Paren(this=e)


def cast(e: exp.Expr, to: str) -> exp.Expr:
    return exp.Cast(this=e, to=exp.DataType.build(to))


def num(value: int | float) -> exp.Expr:
    if isinstance(value, int):
        literal = exp.Literal.number(abs(value))
        return exp.Neg(this=literal) if value < 0 else literal
    return cast(exp.Literal.string(repr(value)), "DOUBLE")


class Target:
    """A SQL dialect the generator writes for."""

    name = "duckdb"
    sqlglot_dialect = "duckdb"
    # The backend's load checks the collections against the schema: a required field that may
    # not be null is in every element, and no two elements of a collection share an id (S041).
    # So the generator may leave out the null branches of such fields (`simplify.py`) and
    # join a lookup on `id` itself (at most one row matches, the reference's "first element
    # with that id"). Spark reads Parquet unchecked.
    validated = True

    def add_months_date(self, d: exp.Expr, n: exp.Expr) -> exp.Expr:
        return cast(exp.Add(this=paren(d), expression=fn("to_months", n)), "DATE")

    def add_months_ts(self, t: exp.Expr, n: exp.Expr) -> exp.Expr:
        return exp.Add(this=paren(t), expression=fn("to_months", n))

    def add_days(self, d: exp.Expr, n: exp.Expr) -> exp.Expr:
        return exp.Add(this=paren(d), expression=cast(n, "INTEGER"))

    def add_micros(self, t: exp.Expr, us: exp.Expr) -> exp.Expr:
        return exp.Add(this=paren(t), expression=fn("to_microseconds", us))

    def days_between(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        return exp.Sub(this=paren(a), expression=paren(b))

    def epoch_us(self, t: exp.Expr) -> exp.Expr:
        return fn("epoch_us", t)

    def trunc_int(self, x: exp.Expr) -> exp.Expr:
        return cast(fn("trunc", x), "BIGINT")

    def wire(self, value: exp.Expr, t: T.Type) -> exp.Expr:
        """A value as it leaves SQL: date-times (and lists of them) as microseconds since the
        epoch, so no driver applies a time zone on the way."""
        if t == T.DATETIME:
            return self.epoch_us(value)
        if isinstance(t, T.ListType) and t.element == T.DATETIME:
            return self.list_map(value, "w", self.epoch_us(exp.column("w")))
        return value

    def struct_field(self, value: exp.Expr, name: str) -> exp.Expr:
        return fn("struct_extract", value, exp.Literal.string(name))

    def row_key(self, parts: dict[str, exp.Expr]) -> exp.Expr:
        """One value naming a row by several columns (nestable: a part may be a row key)."""
        return fn("struct_pack", *[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=v) for k, v in parts.items()])

    def list_map(self, items: exp.Expr, var: str, value: exp.Expr) -> exp.Expr:
        return fn("list_transform", items, exp.Lambda(this=value, expressions=[exp.to_identifier(var)]))

    def round_even_int(self, x: exp.Expr) -> exp.Expr:
        return cast(fn("round_even", x, exp.Literal.number(0)), "BIGINT")

    def lower(self, s: exp.Expr) -> exp.Expr:
        return fn("lawcode_lower", s)

    def length(self, s: exp.Expr) -> exp.Expr:
        return fn("length", s)

    def list_length(self, items: exp.Expr) -> exp.Expr:
        return fn("len", items)

    def list_contains(self, items: exp.Expr, item: exp.Expr) -> exp.Expr:
        """Kleene membership in a list value: NULL when absent but the list holds a NULL."""
        has_null = exp.GT(this=fn("len", items), expression=fn("list_count", items))
        return exp.Case(
            ifs=[
                exp.If(this=exp.Or(this=exp.Is(this=item, expression=exp.Null()), expression=exp.Is(this=items, expression=exp.Null())), true=exp.Null()),
                exp.If(this=fn("list_contains", items, item), true=exp.true()),
                exp.If(this=has_null, true=exp.Null()),
            ],
            default=exp.false(),
        )

    def ordered_sum(self, value: exp.Expr, order: exp.Expr) -> exp.Expr:
        return exp.Sum(this=exp.Order(this=value, expressions=[exp.Ordered(this=order)]))

    def list_filter_count(self, items: exp.Expr, var: str, cond: exp.Expr) -> exp.Expr:
        lam = exp.Lambda(this=cond, expressions=[exp.to_identifier(var)])
        return fn("len", fn("list_filter", items, lam))

    def list_values(self, items: exp.Expr, var: str, cond: exp.Expr, value: exp.Expr) -> exp.Expr:
        lam = exp.Lambda(this=cond, expressions=[exp.to_identifier(var)])
        return self.list_map(fn("list_filter", items, lam), var, value)

    def list_reduce(self, items: exp.Expr, func: str) -> exp.Expr:
        return fn({"sum": "list_sum", "min": "list_min", "max": "list_max"}[func], items)

    def array(self, items: list[exp.Expr]) -> exp.Expr:
        return exp.Array(expressions=items)

    def unnest(self, owner: exp.Expr | None, items: exp.Expr) -> exp.Select:
        """(o: owner position, i: index from 1, x: element) for every element of a list value;
        the caller adds the FROM clause that `owner` and `items` read (none for a literal)."""
        out = [exp.alias_(owner, "o", quoted=True, copy=False)] if owner is not None else []
        out.append(exp.alias_(fn("generate_subscripts", items, exp.Literal.number(1)), "i", quoted=True, copy=False))
        out.append(exp.alias_(fn("unnest", items.copy()), "x", quoted=True, copy=False))
        return exp.select(*out, copy=False)


class SparkTarget(Target):
    name = "spark"
    sqlglot_dialect = "spark"
    validated = False

    def add_months_date(self, d: exp.Expr, n: exp.Expr) -> exp.Expr:
        return fn("add_months", d, cast(n, "INT"))

    def add_months_ts(self, t: exp.Expr, n: exp.Expr) -> exp.Expr:
        return exp.Add(this=paren(t), expression=fn("make_ym_interval", exp.Literal.number(0), cast(n, "INT")))

    def add_days(self, d: exp.Expr, n: exp.Expr) -> exp.Expr:
        return fn("date_add", d, cast(n, "INT"))

    def add_micros(self, t: exp.Expr, us: exp.Expr) -> exp.Expr:
        return fn("timestamp_micros", exp.Add(this=fn("unix_micros", t), expression=paren(us)))

    def days_between(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        return fn("datediff", a, b)

    def epoch_us(self, t: exp.Expr) -> exp.Expr:
        return fn("unix_micros", t)

    def trunc_int(self, x: exp.Expr) -> exp.Expr:
        return cast(x, "BIGINT")

    def struct_field(self, value: exp.Expr, name: str) -> exp.Expr:
        return exp.Dot(this=value, expression=exp.to_identifier(name, quoted=True))

    def row_key(self, parts: dict[str, exp.Expr]) -> exp.Expr:
        return fn("named_struct", *[e for k, v in parts.items() for e in (exp.Literal.string(k), v)])

    def list_map(self, items: exp.Expr, var: str, value: exp.Expr) -> exp.Expr:
        return fn("transform", items, exp.Lambda(this=value, expressions=[exp.to_identifier(var)]))

    def round_even_int(self, x: exp.Expr) -> exp.Expr:
        return cast(fn("bround", x, exp.Literal.number(0)), "BIGINT")

    def lower(self, s: exp.Expr) -> exp.Expr:
        return fn("lower", s)

    def list_length(self, items: exp.Expr) -> exp.Expr:
        return exp.Case(ifs=[exp.If(this=exp.Is(this=items, expression=exp.Null()), true=exp.Null())], default=fn("size", items))

    def list_contains(self, items: exp.Expr, item: exp.Expr) -> exp.Expr:
        # Spark's array_contains is already Kleene: NULL when not found and a NULL is present.
        return fn("array_contains", items, item)

    def ordered_sum(self, value: exp.Expr, order: exp.Expr) -> exp.Expr:
        pairs = fn("array_sort", fn("collect_list", fn("struct", exp.Alias(this=order, alias=exp.to_identifier("o")), exp.Alias(this=value, alias=exp.to_identifier("v")))))
        acc, x = exp.to_identifier("acc"), exp.to_identifier("x")
        step = exp.Lambda(
            this=exp.Add(this=exp.column("acc"), expression=exp.Dot(this=exp.column("x"), expression=exp.to_identifier("v"))),
            expressions=[acc, x],
        )
        return fn("aggregate", pairs, cast(exp.Literal.number(0), "DOUBLE"), step)

    def list_filter_count(self, items: exp.Expr, var: str, cond: exp.Expr) -> exp.Expr:
        lam = exp.Lambda(this=cond, expressions=[exp.to_identifier(var)])
        return fn("size", fn("filter", items, lam))

    def list_values(self, items: exp.Expr, var: str, cond: exp.Expr, value: exp.Expr) -> exp.Expr:
        lam = exp.Lambda(this=cond, expressions=[exp.to_identifier(var)])
        return self.list_map(fn("filter", items, lam), var, value)

    def list_reduce(self, items: exp.Expr, func: str) -> exp.Expr:
        if func == "min":
            return fn("array_min", items)
        if func == "max":
            return fn("array_max", items)
        acc, x = exp.to_identifier("acc"), exp.to_identifier("x")
        step = exp.Lambda(this=exp.Add(this=exp.column("acc"), expression=exp.column("x")), expressions=[acc, x])
        return fn("aggregate", items, cast(exp.Literal.number(0), "DOUBLE"), step)

    def array(self, items: list[exp.Expr]) -> exp.Expr:
        return fn("array", *items)

    def unnest(self, owner: exp.Expr | None, items: exp.Expr) -> exp.Select:
        # posexplode counts from 0; `i` only orders the elements, so the offset does not matter.
        out = [exp.alias_(owner, "o", quoted=True, copy=False)] if owner is not None else []
        out.append(exp.Alias(this=fn("posexplode", items), alias=exp.Tuple(expressions=[exp.to_identifier("i"), exp.to_identifier("x")])))
        return exp.select(*out, copy=False)


TARGETS: dict[str, Target] = {"duckdb": Target(), "spark": SparkTarget()}
