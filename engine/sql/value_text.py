"""Values as the report's JSON text, written in SQL (sqlglot expressions for DuckDB).

`render.py` lays out a violation item around slots; this module writes what goes in a
slot: a column's value as `values.to_json` and orjson would write it (`json_value`), as
`values.display` shows it in a message (`shown`), and `marked`, the test for a row whose
text holds the failure mark `FAIL` where SQL could not write a value exactly. Apart from
the layout because it answers one question, whether SQL writes a value byte for byte as
Python does, and is read (and changed) on its own when a type's display changes.
"""

from __future__ import annotations

import orjson
from sqlglot import exp

from lawcode.compiler import types as T

__all__ = [
    "FAIL",
    "INTEGERS",
    "WHITESPACE",
    "Unrenderable",
    "any_of",
    "blank",
    "cat",
    "fn",
    "is_null",
    "json_string",
    "json_value",
    "lit",
    "marked",
    "num",
    "ok",
    "shown",
    "text",
    "when",
]

FAIL = "\x01"  # what SQL writes where it cannot write a value exactly (never unescaped in JSON)
# What Python's `str.strip()` and `str.isspace()` take for whitespace (tests/engine/sql/test_written.py
# checks the list against Python's own): SQL's `trim` takes only the space.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"})


class Unrenderable(Exception):
    """The rule's violations cannot be written in SQL exactly: they keep the Python path."""


# ---------------------------------------------------------------- sqlglot pieces


def lit(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def cat(*parts: exp.Expr) -> exp.Expr:
    """Concatenation that is NULL when any part is (DuckDB's `||`)."""
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=exp.Paren(this=out), expression=exp.Paren(this=part), safe=False)
    return out


def text(e: exp.Expr) -> exp.Expr:
    return exp.Cast(this=exp.Paren(this=e), to=exp.DataType.build("VARCHAR"))


def when(*arms: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Expr:
    case = exp.Case()
    for condition, then in arms:
        case = case.when(condition, then, copy=False)
    return case.else_(default, copy=False) if default is not None else case


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.Paren(this=e), expression=exp.Null())


def ok(e: exp.Expr) -> exp.Expr:
    """`e`, or the failure mark where `e` is NULL (SQL could not write it)."""
    return fn("coalesce", e, lit(FAIL))


def _is_mark(node: exp.Expr) -> bool:
    """Whether `node` is an `ok(…)`: coalesce(e, FAIL)."""
    if not isinstance(node, exp.Anonymous) or str(node.this).lower() != "coalesce" or len(node.expressions) != 2:
        return False
    last = node.expressions[1]
    return isinstance(last, exp.Literal) and last.is_string and last.this == FAIL


def _holders(node: exp.Expr, out: set[int]) -> bool:
    """Notes in `out` the id of every node under `node` (itself included) that holds an
    `ok(…)`, in one walk: asking each node's subtree again at each level was quadratic in
    the text's depth (a CAC rule's text is thousands of nodes). Ids, not parents: a slot's
    expression sits in both forms' texts, and sqlglot keeps one parent."""
    held = _is_mark(node)
    for child in node.iter_expressions():
        held = _holders(child, out) or held
    if held:
        out.add(id(node))
    return held


def any_of(tests: list[exp.Expr]) -> exp.Expr:
    """The OR of `tests`; FALSE for none."""
    if not tests:
        return exp.false()
    out = tests[0]
    for test in tests[1:]:
        out = exp.Or(this=out, expression=test)
    return out


_NULL_ONLY_FROM_NULL = frozenset({"to_json", "strftime", "make_timestamp"})  # NULL only for a NULL argument


def _null_test(v: exp.Expr) -> exp.Expr:
    """`v IS NULL`, asked of the parts that decide it: a concatenation is NULL when a part
    is, a CASE when its taken branch is, a literal never; the text is not built."""
    if isinstance(v, exp.Paren):
        return _null_test(v.this)
    if isinstance(v, exp.Null):
        return exp.true()
    if isinstance(v, exp.Literal):
        return exp.false()
    if isinstance(v, exp.DPipe):
        return any_of([exp.Paren(this=_null_test(v.this)), exp.Paren(this=_null_test(v.expression))])
    if isinstance(v, exp.Case):
        case = exp.Case()
        for arm in v.args.get("ifs") or []:
            case = case.when(arm.this, _null_test(arm.args["true"]), copy=False)
        default = v.args.get("default")
        return case.else_(_null_test(default) if default is not None else exp.true(), copy=False)
    if isinstance(v, exp.Cast) and v.to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT):
        return _null_test(v.this)
    if isinstance(v, exp.Anonymous) and str(v.this).lower() in _NULL_ONLY_FROM_NULL:
        return any_of([exp.Paren(this=_null_test(a)) for a in v.expressions])
    return is_null(v)


def _marks(node: exp.Expr, held: set[int]) -> exp.Expr:
    """`marked` of a node known to hold an `ok(…)`: the expression mirrors the text's
    CASEs (their conditions shared with the text, not copied: sqlglot writes a subtree
    the same wherever it sits, and nothing changes these trees once built), so it grows
    with the text, not with the number of marks times their guards, and evaluates
    nothing the text would not evaluate."""
    if _is_mark(node):
        value = node.expressions[0]
        test = _null_test(value)
        return exp.Or(this=test, expression=exp.Paren(this=_marks(value, held))) if id(value) in held else test
    if isinstance(node, exp.Case):
        arms = node.args.get("ifs") or []
        guarded = exp.Case()
        conditions: list[exp.Expr] = []
        for i, arm in enumerate(arms):
            if id(arm.this) in held:  # a condition is evaluated when the earlier ones were not true
                before = exp.Case()
                for earlier in arms[:i]:
                    before = before.when(earlier.this, exp.false(), copy=False)
                conditions.append(before.else_(_marks(arm.this, held), copy=False) if i else _marks(arm.this, held))
            then = arm.args.get("true")
            guarded = guarded.when(arm.this, _marks(then, held) if then is not None and id(then) in held else exp.false(), copy=False)
        default = node.args.get("default")
        guarded = guarded.else_(_marks(default, held) if default is not None and id(default) in held else exp.false(), copy=False)
        return any_of([*conditions, exp.Paren(this=guarded)])
    return any_of([exp.Paren(this=_marks(child, held)) for child in node.iter_expressions() if id(child) in held])


def marked(text_expr: exp.Expr) -> exp.Expr:
    """TRUE for a row whose text holds the failure mark, without writing the text: each
    `ok(e)` it would evaluate, `e IS NULL` under the CASE branches that lead to it.

    Checking the written text for the mark (`contains`) wrote every violation twice,
    about 40 % of the report's time at 1M users; this evaluates only the values."""
    held: set[int] = set()
    return _marks(text_expr, held) if _holders(text_expr, held) else exp.false()


def num(n: int | float) -> exp.Expr:
    return exp.Literal.number(n)


# ---------------------------------------------------------------- values


def json_string(s: exp.Expr) -> exp.Expr:
    """A string as orjson writes it; NULL for the control characters DuckDB escapes in upper case."""
    return when((fn("regexp_matches", s, lit("[\x0b\x0e\x0f\x1a-\x1f]")), exp.Null()), default=text(fn("to_json", s)))


def blank(s: exp.Expr) -> exp.Expr:
    """TRUE where `s` is NULL or Python's `s.strip()` is empty (a display name that is not
    one: `snapshot.subject_name`); never NULL. The characters are written in the pattern
    as themselves, none of them special in a bracket expression."""
    return fn("regexp_full_match", fn("coalesce", s, lit("")), lit(f"[{WHITESPACE}]*"))


def _number(v: exp.Expr, duck: str, shown: bool) -> exp.Expr | None:
    """A number as `values.to_json` then orjson write it (`shown`: as `values.display` does)."""
    if duck in INTEGERS:
        return text(v)
    if duck != "DOUBLE" and not duck.startswith("DECIMAL"):
        return None
    d = exp.Cast(this=exp.Paren(this=v), to=exp.DataType.build("DOUBLE"))
    whole = exp.And(this=exp.EQ(this=d, expression=fn("trunc", d.copy())), expression=exp.LT(this=fn("abs", d.copy()), expression=num(1e15)))
    integral = text(exp.Cast(this=d.copy(), to=exp.DataType.build("BIGINT")))
    if shown:
        return when((whole, integral), default=fn("printf", lit("%.6g"), d.copy()))
    # DuckDB and orjson print the shortest round trip alike between 1e-4 and 1e15, not beyond.
    plain = exp.And(this=exp.GTE(this=fn("abs", d.copy()), expression=num(1e-4)), expression=exp.LT(this=fn("abs", d.copy()), expression=num(1e15)))
    return when((whole, integral), (plain, text(fn("to_json", d.copy()))), default=exp.Null())


def _four_digit_year(day: exp.Expr) -> exp.Expr:
    return exp.Between(this=fn("year", day), low=num(1000), high=num(9999))


def _date(v: exp.Expr, duck: str) -> exp.Expr | None:
    if duck == "DATE":
        day = v
    elif duck.startswith("TIMESTAMP"):
        day = exp.Cast(this=exp.Paren(this=v), to=exp.DataType.build("DATE"))
    else:
        return None
    return when((_four_digit_year(day), fn("strftime", day.copy(), lit("%Y-%m-%d"))), default=exp.Null())


def _datetime(v: exp.Expr, duck: str) -> exp.Expr | None:
    if duck not in INTEGERS:
        return None
    moment = fn("make_timestamp", v)
    return when((_four_digit_year(moment), fn("strftime", moment.copy(), lit("%Y-%m-%dT%H:%M:%SZ"))), default=exp.Null())


def _duration(v: exp.Expr, duck: str, iso: bool) -> exp.Expr | None:
    """`values.iso_duration` (`iso`) or `values.format_duration` of microseconds."""
    if duck not in INTEGERS:
        return None
    seconds = exp.Cast(this=fn("trunc", exp.Div(this=exp.Paren(this=v), expression=num(1000000.0))), to=exp.DataType.build("BIGINT"))
    sign = when((exp.LT(this=seconds, expression=num(0)), lit("-")), default=lit(""))
    a = fn("abs", seconds.copy())

    def part(divisor: int, modulo: int | None) -> exp.Expr:
        e: exp.Expr = exp.Paren(this=a.copy())
        if modulo is not None:
            e = exp.Mod(this=e, expression=num(modulo))
        return exp.IntDiv(this=exp.Paren(this=e), expression=num(divisor))

    days, hours, minutes, secs = part(86400, None), part(3600, 86400), part(60, 3600), part(1, 60)
    if iso:
        time = cat(*[when((exp.NEQ(this=n, expression=num(0)), cat(text(n.copy()), lit(u))), default=lit("")) for n, u in ((hours, "H"), (minutes, "M"), (secs, "S"))])
        dated = cat(sign, lit("P"), text(days), lit("D"), when((exp.NEQ(this=time, expression=lit("")), cat(lit("T"), time.copy())), default=lit("")))
        return when((exp.Or(this=exp.NEQ(this=days.copy(), expression=num(0)), expression=exp.EQ(this=time.copy(), expression=lit(""))), dated), default=cat(sign.copy(), lit("PT"), time.copy()))
    units = [when((exp.NEQ(this=n, expression=num(0)), cat(text(n.copy()), lit(f" {u}"), when((exp.NEQ(this=n.copy(), expression=num(1)), lit("s")), default=lit(""))))) for n, u in ((days, "day"), (hours, "hour"), (minutes, "minute"), (secs, "second"))]
    joined = fn("concat_ws", lit(" "), *units)
    return cat(sign.copy(), when((exp.EQ(this=joined, expression=lit("")), lit("0 days")), default=joined.copy()))


def _period(v: exp.Expr, duck: str) -> exp.Expr | None:
    """`values.display` of a period: whole years as years, otherwise months."""
    if duck not in INTEGERS:
        return None
    years = exp.IntDiv(this=exp.Paren(this=v), expression=num(12))
    plural = when((exp.NEQ(this=years, expression=num(1)), lit("s")), default=lit(""))
    in_years = cat(text(years.copy()), lit(" year"), plural)
    in_months = cat(text(v.copy()), lit(" month"), when((exp.NEQ(this=v.copy(), expression=num(1)), lit("s")), default=lit("")))
    whole = exp.And(this=exp.EQ(this=exp.Mod(this=exp.Paren(this=v.copy()), expression=num(12)), expression=num(0)), expression=exp.NEQ(this=v.copy(), expression=num(0)))
    return when((whole, in_years), default=in_months)


def _step(v: exp.Expr, duck: str, steps: tuple[str, ...], as_json: bool) -> exp.Expr | None:
    if duck not in INTEGERS:
        return None
    arms = [(exp.EQ(this=v.copy(), expression=num(i)), lit(orjson.dumps(name).decode() if as_json else name)) for i, name in enumerate(steps)]
    return when(*arms, default=exp.Null()) if arms else None


def json_value(v: exp.Expr, t: T.Type, duck: str, ladders: dict[str, tuple[str, ...]]) -> exp.Expr:
    """The JSON text of a column's value in the report (`values.to_json`, then orjson);
    NULL where SQL cannot write it exactly. Raises `Unrenderable` for types it never writes."""
    inner: exp.Expr | None
    if duck == "BOOLEAN":
        inner = when((v, lit("true")), default=lit("false"))
    elif t == T.STRING and duck == "VARCHAR":
        inner = json_string(v)
    elif t == T.NUMBER:
        inner = _number(v, duck, shown=False)
    elif t == T.DATE:
        found = _date(v, duck)
        inner = cat(lit('"'), found, lit('"')) if found is not None else None
    elif t == T.DATETIME:
        found = _datetime(v, duck)
        inner = cat(lit('"'), found, lit('"')) if found is not None else None
    elif t == T.DURATION:
        found = _duration(v, duck, iso=True)
        inner = cat(lit('"'), found, lit('"')) if found is not None else None
    elif t == T.PERIOD and duck in INTEGERS:
        inner = cat(lit('"P'), text(v), lit('M"'))
    elif isinstance(t, T.StepType):
        inner = _step(v, duck, ladders[t.ladder], as_json=True)
    else:
        inner = None
    if inner is None:
        raise Unrenderable(f"a value of type {t} held as {duck}")
    return when((is_null(v.copy()), lit("null")), default=inner)


def shown(v: exp.Expr, t: T.Type, duck: str, ladders: dict[str, tuple[str, ...]]) -> exp.Expr:
    """A column's value as `values.display` shows it in a message; NULL where SQL cannot."""
    inner: exp.Expr | None
    if duck == "BOOLEAN":
        inner = when((v, lit("true")), default=lit("false"))
    elif t == T.DATETIME:
        inner = _datetime(v, duck)
    elif t == T.DATE:
        inner = _date(v, duck)
    elif t == T.DURATION:
        inner = _duration(v, duck, iso=False)
    elif t == T.PERIOD:
        inner = _period(v, duck)
    elif isinstance(t, T.StepType):
        inner = _step(v, duck, ladders[t.ladder], as_json=False)
    elif t == T.NUMBER:
        inner = _number(v, duck, shown=True)
    elif t == T.STRING and duck == "VARCHAR":
        inner = v
    else:
        inner = None
    if inner is None:
        raise Unrenderable(f"a message value of type {t} held as {duck}")
    return when((is_null(v.copy()), lit("(missing)")), default=inner)
