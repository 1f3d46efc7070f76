"""The report's violations written by the engine: one rule's items as JSON text, in SQL.

At scale most of a report is its violations, and building each one as Python objects
(`report.py`: trace nodes, evidence, `to_json`, orjson) costs far more than deciding it.
So for DuckDB, over a batch's result rows kept as a table, `rule_text` builds one SQL
expression that writes a violation item exactly as `engine/formats/json_format.py`
(indented, two levels deep) or `jsonl.py` (one compact line) would write the reference's
`Violation.to_json()`: the same members in the same order, the same evidence picked in
the trace's order and de-duplicated by (expression, pointer) as `engine.run.evidence`
does, messages and values displayed as `engine.values` displays them.

Byte-identity is kept by construction where it can be: everything a rule fixes (rule,
title, citations, source, static evidence, the layout and indentation) is written by
orjson here, from the reference's own objects with placeholders, and only the values of
a row are written by SQL. A value SQL cannot write exactly (a float orjson would print in
exponent form, a string with control characters DuckDB escapes in upper case, a lookup
key Python would quote with escapes) is written as the character U+0001, which no JSON
text holds unescaped: the caller checks for it and builds that rule in Python instead.
Constructs the SQL does not write at all (lists, JSON-typed fields, escalation values,
a definition's facts still to be shown for the first time) raise `Unrenderable`, and the
rule keeps the Python path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.program import Program
from lawcode.dsl.spans import text_at
from lawcode.engine import values
from lawcode.engine.jsontext import pointer
from lawcode.engine.report import Violation
from lawcode.engine.run import rule_source
from lawcode.engine.sql.probes import Probe, RuleQuery

FAIL = "\x01"  # what SQL writes where it cannot write a value exactly (never unescaped in JSON)
FORMS = ("json", "jsonl")
SEPARATOR = {"json": b",\n    ", "jsonl": b"\n"}  # between two items, as the writers join them
INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"})
_EVIDENCE = (ir.Field, ir.ParamRef, ir.AsOf, ir.Aggregate, ir.Lookup, ir.Escalate)
_NON_VALUES = (T.RecordType, T.EntityType)
_SLOT = "\x02slot:{}\x02"  # a placeholder orjson writes as a JSON string: `"\u0002slot:name\u0002"`


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


def _has_mark(node: exp.Expr) -> bool:
    return any(_is_mark(n) for n in node.find_all(exp.Anonymous))


def _any(tests: list[exp.Expr]) -> exp.Expr:
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
        return _any([exp.Paren(this=_null_test(v.this)), exp.Paren(this=_null_test(v.expression))])
    if isinstance(v, exp.Case):
        case = exp.Case()
        for arm in v.args.get("ifs") or []:
            case = case.when(arm.this.copy(), _null_test(arm.args["true"]), copy=False)
        default = v.args.get("default")
        return case.else_(_null_test(default) if default is not None else exp.true(), copy=False)
    if isinstance(v, exp.Cast) and v.to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT):
        return _null_test(v.this)
    if isinstance(v, exp.Anonymous) and str(v.this).lower() in _NULL_ONLY_FROM_NULL:
        return _any([exp.Paren(this=_null_test(a)) for a in v.expressions])
    return is_null(v.copy())


def _marks(node: exp.Expr) -> exp.Expr:
    """`marked` of a node known to hold an `ok(…)`: the expression mirrors the text's
    CASEs (their conditions copied once), so it grows with the text, not with the number
    of marks times their guards, and evaluates nothing the text would not evaluate."""
    if _is_mark(node):
        value = node.expressions[0]
        test = _null_test(value)
        return exp.Or(this=test, expression=exp.Paren(this=_marks(value))) if _has_mark(value) else test
    if isinstance(node, exp.Case):
        arms = node.args.get("ifs") or []
        guarded = exp.Case()
        conditions: list[exp.Expr] = []
        for i, arm in enumerate(arms):
            if _has_mark(arm.this):  # a condition is evaluated when the earlier ones were not true
                before = exp.Case()
                for earlier in arms[:i]:
                    before = before.when(earlier.this.copy(), exp.false(), copy=False)
                conditions.append(before.else_(_marks(arm.this), copy=False) if i else _marks(arm.this))
            then = arm.args.get("true")
            guarded = guarded.when(arm.this.copy(), _marks(then) if then is not None and _has_mark(then) else exp.false(), copy=False)
        default = node.args.get("default")
        guarded = guarded.else_(_marks(default) if default is not None and _has_mark(default) else exp.false(), copy=False)
        return _any([*conditions, exp.Paren(this=guarded)])
    return _any([exp.Paren(this=_marks(child)) for child in node.iter_expressions() if _has_mark(child)])


def marked(text_expr: exp.Expr) -> exp.Expr:
    """TRUE for a row whose text holds the failure mark, without writing the text: each
    `ok(e)` it would evaluate, `e IS NULL` under the CASE branches that lead to it.

    Checking the written text for the mark (`contains`) wrote every violation twice,
    about 40 % of the report's time at 1M users; this evaluates only the values."""
    return _marks(text_expr) if _has_mark(text_expr) else exp.false()


def num(n: int | float) -> exp.Expr:
    return exp.Literal.number(n)


# ---------------------------------------------------------------- values


def json_string(s: exp.Expr) -> exp.Expr:
    """A string as orjson writes it; NULL for the control characters DuckDB escapes in upper case."""
    return when((fn("regexp_matches", s, lit("[\x0b\x0e\x0f\x1a-\x1f]")), exp.Null()), default=text(fn("to_json", s)))


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


# ---------------------------------------------------------------- templates


def _template(document: dict[str, Any], form: str, depth: int, record: bool = False) -> list[str | bytes]:
    """`document` as the writer of `form` writes it at `depth`, cut at its placeholders:
    static bytes and slot names, in order."""
    if form == "json":
        raw = orjson.dumps(document, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + b"  " * depth)
    else:
        raw = orjson.dumps({"record": "violation", **document} if record else document)
    out: list[str | bytes] = []
    rest = raw
    marker = b'"\\u0002slot:'
    while True:
        start = rest.find(marker)
        if start < 0:
            out.append(rest)
            return out
        end = rest.index(b'\\u0002"', start)
        out.append(rest[:start])
        out.append(rest[start + len(marker) : end].decode())
        rest = rest[end + len(b'\\u0002"') :]


def _fill(template: list[str | bytes], slots: dict[str, exp.Expr], sure: frozenset[str] = frozenset()) -> exp.Expr:
    """The template with its slots filled; each slot `ok(…)` unless SQL always writes it (`sure`)."""
    parts: list[exp.Expr] = []
    for piece in template:
        if isinstance(piece, bytes):
            if piece:
                parts.append(lit(piece.decode()))
        else:
            parts.append(slots[piece] if piece in sure else ok(slots[piece]))
    return cat(*parts)


def _array(items: list[tuple[exp.Expr, exp.Expr]], form: str, depth: int) -> exp.Expr:
    """A JSON array of the items (included, text written at `depth + 1`) whose inclusion
    is TRUE: an item's text is never empty, so "none included" is asked of the conditions,
    not of the joined text (which `marked` would then have to write)."""
    if not items:
        return lit("[]")
    inner = "\n" + "  " * (depth + 1) if form == "json" else ""
    joined = fn("concat_ws", lit("," + inner), *[when((included.copy(), item)) for included, item in items])
    close = "\n" + "  " * depth + "]" if form == "json" else "]"
    none = exp.Not(this=exp.Paren(this=_any([exp.Is(this=exp.Paren(this=included.copy()), expression=exp.true()) for included, _ in items])))
    return when((none, lit("[]")), default=cat(lit("[" + inner), joined, lit(close)))


# ---------------------------------------------------------------- one rule


@dataclass(frozen=True, slots=True)
class RuleText:
    """Where one rule's violations come from in the batch's table, and how they are written."""

    rule: ir.Rule
    outcome: str  # the column of the rule's outcome (1: violated)
    text: dict[str, exp.Expr]  # per form: a violation item's text
    order: list[exp.Expr]  # the report's order of subjects (`run.subject_key`)
    severity: str
    document: str
    marked: exp.Expr  # TRUE for a row whose text would hold the failure mark (`marked`)


class RuleWriter:
    """Builds `RuleText`s for the rules of one batch, given its columns' DuckDB types."""

    def __init__(self, program: Program, as_of: Any, ladders: dict[str, tuple[str, ...]], present: Callable[[str], bool]) -> None:
        self.program = program
        self.as_of = as_of
        self.ladders = ladders
        self.present = present  # whether the snapshot has a collection (an absent one's facts read otherwise)

    def rule_text(self, query: RuleQuery, types: list[T.Type], duck: list[str], seen: frozenset[str] | None = None) -> RuleText:
        """Raises `Unrenderable` when this rule keeps the Python path. `seen`: the
        definitions already shown before the rule (None: take them all as shown; the
        caller then checks `groups(query)` against what they are)."""
        rule = query.rule
        self.types, self.duck = types, duck
        cites = rule.citations_on(self.as_of)
        slots: dict[str, exp.Expr] = {"message": self._message(query)}
        subject: dict[str, Any] | None = None
        order: list[exp.Expr] = []
        if rule.collection is not None and self.program.schema.display_name(rule.collection):
            raise Unrenderable(f"subjects of `{rule.collection}` show a display name, which the batch rows do not hold")
        if rule.collection is not None:
            subject = {"collection": rule.collection, "id": _SLOT.format("id"), "pointer": _SLOT.format("pointer")}
            slots["id"], order = self._subject(query)
            prefix = orjson.dumps(pointer(rule.collection) + "/").decode()[:-1]
            slots["pointer"] = cat(lit(prefix), text(self.c(query.position)), lit('"'))
        sample = Violation(rule.id, rule.title, rule.severity, rule.kind, cites, None, _SLOT.format("message"), (), rule_source(rule), rule.related).to_json()
        sample["subject"] = subject
        sample["evidence"] = _SLOT.format("evidence")
        items = self._evidence(query, seen)
        out: dict[str, exp.Expr] = {}
        for form in FORMS:
            slots["evidence"] = _array([(included, item(form)) for included, item in items], form, 3 if form == "json" else 0)
            out[form] = _fill(_template(sample, form, 2, record=True), slots, sure=frozenset({"evidence"}))  # `_array` is never NULL
        return RuleText(rule, f"c{query.outcome}", out, order, rule.severity, cites[0].document, marked(out["json"]))

    def c(self, index: int) -> exp.Expr:
        return exp.column(f"c{index}", quoted=True)

    def _subject(self, query: RuleQuery) -> tuple[exp.Expr, list[exp.Expr]]:
        sid, pos, kind = self.c(query.subject_id), self.c(query.position), self.duck[query.subject_id]
        unnamed = cat(lit('"#'), text(pos), lit('"'))
        if kind in INTEGERS:
            order = [is_null(sid), sid.copy(), when((is_null(sid.copy()), cat(lit("#"), text(pos.copy())))), pos.copy()]
            return when((is_null(sid.copy()), unnamed), default=text(sid.copy())), order
        if kind == "VARCHAR":
            return when((is_null(sid.copy()), unnamed), default=json_string(sid.copy())), [fn("coalesce", sid.copy(), cat(lit("#"), text(pos.copy()))), pos.copy()]
        raise Unrenderable(f"subject ids held as {kind}")

    def _message(self, query: RuleQuery) -> exp.Expr:
        parts: list[exp.Expr] = []
        for piece in query.message:
            if isinstance(piece, str):
                parts.append(lit(piece))
            elif isinstance(piece, tuple):
                expr, value = piece
                parts.append(lit(values.display(value, expr.type, self.ladders)))
            else:
                parts.append(shown(self.c(piece), self.types[piece], self.duck[piece], self.ladders))
        return json_string(cat(*parts)) if parts else lit('""')

    # ------------------------------------------------------------ evidence
    def _evidence(self, query: RuleQuery, seen: frozenset[str] | None) -> list[tuple[exp.Expr, Callable[[str], exp.Expr]]]:
        """(included, writer) per evidence item the trace may hold, in the trace's order:
        `included` is TRUE where the item is in this row's evidence."""
        flat: list[Probe] = []
        for probes in query.probes:
            self._flatten(probes, seen, flat)
        earlier: dict[str, list[tuple[exp.Expr, exp.Expr]]] = {}  # text → (included, pointer) of earlier items
        out: list[tuple[exp.Expr, Callable[[str], exp.Expr]]] = []
        for probe in flat:
            expr = probe.expr
            if not isinstance(expr, _EVIDENCE) or (isinstance(expr, ir.Field) and isinstance(expr.type, _NON_VALUES)):
                continue
            item = self._item(probe)
            if item is None:
                continue
            included, pointer_json, writer = item
            source_text = text_at(self.program.sources, expr.span)
            fresh = included
            for before, before_pointer in earlier.get(source_text, []):  # `run.evidence` keeps the first (text, pointer)
                fresh = exp.And(this=exp.Paren(this=fresh), expression=exp.Not(this=exp.Paren(this=exp.And(this=before.copy(), expression=exp.EQ(this=before_pointer.copy(), expression=pointer_json.copy())))))
            earlier.setdefault(source_text, []).append((included, pointer_json))
            out.append((fresh, _guarded(writer, source_text)))
        return out

    def _flatten(self, probes: list[Probe], seen: frozenset[str] | None, flat: list[Probe]) -> None:
        for probe in probes:
            if probe.kind != "group":
                flat.append(probe)
            elif seen is not None and probe.name not in seen:
                raise Unrenderable(f"the facts of `{probe.name}` are shown by the first trace that reads it")

    def reached(self, probe: Probe) -> exp.Expr:
        """`probes.reached` in SQL: never NULL."""
        out: exp.Expr = exp.true()
        for column, test in probe.visit:
            if test == "never":
                return exp.false()
            value = self.c(column)
            if test == "null":
                check: exp.Expr = is_null(value)
            elif self.duck[column] != "BOOLEAN":
                raise Unrenderable(f"a short-circuit test on a column held as {self.duck[column]}")
            elif test in ("not_false", "not_true"):
                check = exp.Not(this=exp.Paren(this=exp.Is(this=exp.Paren(this=value), expression=exp.false() if test == "not_false" else exp.true())))
            else:
                check = exp.Is(this=exp.Paren(this=value), expression=exp.true() if test == "true" else exp.false())
            out = exp.And(this=exp.Paren(this=out), expression=exp.Paren(this=check))
        return out

    def _item(self, probe: Probe) -> tuple[exp.Expr, exp.Expr, Callable[[str, dict[str, exp.Expr]], exp.Expr]] | None:
        """(included, the pointer's JSON text, the item's writer) for one probe."""
        expr = probe.expr
        reached = self.reached(probe)
        if probe.kind == "static":
            value = values.to_json(probe.static_value, expr.type, self.ladders)
            document = _evidence_doc(value, probe.static_pointer, probe.static_note)
            return reached, lit(orjson.dumps(probe.static_pointer).decode()), _static(document)
        if probe.kind == "field":
            if probe.json:
                raise Unrenderable("a field of no one type (its value comes as JSON)")
            assert probe.collection is not None
            base = self.c(probe.base)
            prefix = orjson.dumps(pointer(probe.collection) + "/").decode()[:-1]
            suffix = orjson.dumps(probe.suffix).decode()[1:]
            pointer_json = when((is_null(base), lit("null")), default=cat(lit(prefix), text(base.copy()), lit(suffix)))
            value = when((is_null(base.copy()), lit("null")), default=json_value(self.c(probe.value), expr.type, self.duck[probe.value], self.ladders))
            return reached, pointer_json, _dynamic(value, pointer_json, None)
        if probe.kind == "lookup":
            assert isinstance(expr, ir.Lookup)
            if not self.present(expr.collection):
                raise Unrenderable(f"a lookup in the absent collection `{expr.collection}`")
            key, key_duck = self.c(probe.key), self.duck[probe.key]
            if key_duck in INTEGERS:
                shown_key: exp.Expr = text(key)
            elif key_duck == "VARCHAR":  # Python's repr: plain quotes only without quotes, escapes or non-ASCII
                shown_key = when((fn("regexp_full_match", key, lit("[ -&(-\\[\\]-~]*")), cat(lit("'"), key.copy(), lit("'"))), default=exp.Null())
            else:
                raise Unrenderable(f"a lookup key held as {key_duck}")
            included = exp.And(this=exp.Paren(this=reached), expression=exp.Paren(this=exp.And(this=exp.Not(this=is_null(key.copy())), expression=is_null(self.c(probe.base)))))
            note = json_string(cat(lit(f"no element of {expr.collection} has id "), shown_key))
            return included, lit("null"), _dynamic(lit("null"), lit("null"), note)
        if probe.kind == "escalate":
            value = json_value(self.c(probe.value), expr.type, self.duck[probe.value], self.ladders)
            fixed_note = lit(orjson.dumps(probe.static_note).decode()) if probe.static_note else None
            pointer_json = lit(orjson.dumps(probe.static_pointer).decode())
            return reached, pointer_json, _dynamic(value, pointer_json, fixed_note)
        if probe.kind == "aggregate":
            return self._aggregate(probe, reached)
        raise Unrenderable(f"a trace node of kind {probe.kind}")

    def _aggregate(self, probe: Probe, reached: exp.Expr) -> tuple[exp.Expr, exp.Expr, Callable[[str, dict[str, exp.Expr]], exp.Expr]]:
        expr = probe.expr
        assert isinstance(expr, ir.Aggregate)
        if isinstance(expr.source, ir.CollectionRef) and not self.present(expr.source.collection):
            raise Unrenderable(f"an aggregate over the absent collection `{expr.source.collection}`")
        key, key_duck = self.c(probe.key), self.duck[probe.key]
        if key_duck == "BOOLEAN":
            keyed: exp.Expr = exp.Is(this=exp.Paren(this=key), expression=exp.true())
        elif key_duck in INTEGERS:
            keyed = fn("coalesce", exp.NEQ(this=key, expression=num(0)), exp.false())
        else:
            raise Unrenderable(f"an aggregate's key test held as {key_duck}")
        value = json_value(self.c(probe.value), expr.type, self.duck[probe.value], self.ladders)
        absent = _dynamic(lit("null"), lit("null"), None)
        if not isinstance(expr.source, ir.CollectionRef):
            present = _dynamic(value, lit("null"), None)
            pointer_json: exp.Expr = lit("null")
        else:
            count = self.c(probe.count)
            words = " element(s) matched the key" if expr.keys else " element(s)"
            note = cat(lit('"'), text(exp.Cast(this=count, to=exp.DataType.build("BIGINT"))), lit(words + '"'))
            where = lit(orjson.dumps(pointer(expr.source.collection)).decode())
            present = _dynamic(value, where, note)
            pointer_json = when((keyed, where.copy()), default=lit("null"))

        def writer(form: str, slots: dict[str, exp.Expr]) -> exp.Expr:
            return when((keyed.copy(), present(form, slots)), default=absent(form, slots))

        return reached, pointer_json, writer


def _evidence_doc(value: Any, where: str | None, note: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"expr": _SLOT.format("expr"), "value": value, "pointer": where}
    if note:
        out["note"] = note
    return out


def _static(document: dict[str, Any]) -> Callable[[str, dict[str, exp.Expr]], exp.Expr]:
    def writer(form: str, slots: dict[str, exp.Expr]) -> exp.Expr:
        return _fill(_template(document, form, 4), slots)

    return writer


def _dynamic(value: exp.Expr, where: exp.Expr, note: exp.Expr | None) -> Callable[[str, dict[str, exp.Expr]], exp.Expr]:
    document = {"expr": _SLOT.format("expr"), "value": _SLOT.format("value"), "pointer": _SLOT.format("pointer")}
    if note is not None:
        document["note"] = _SLOT.format("note")

    def writer(form: str, slots: dict[str, exp.Expr]) -> exp.Expr:
        filled = {**slots, "value": value.copy(), "pointer": where.copy()}
        if note is not None:
            filled["note"] = note.copy()
        return _fill(_template(document, form, 4), filled)

    return writer


def _guarded(writer: Callable[[str, dict[str, exp.Expr]], exp.Expr], source_text: str) -> Callable[[str], exp.Expr]:
    """An evidence item's text (`_array` writes it where it is included)."""
    expr_json = lit(orjson.dumps(source_text).decode())

    def item(form: str) -> exp.Expr:
        return writer(form, {"expr": expr_json.copy()})

    return item


def groups(query: RuleQuery) -> frozenset[str]:
    """The definitions whose facts the rule's trace shows where the reference first reads them."""
    return frozenset(p.name for probes in query.probes for p in probes if p.kind == "group")
