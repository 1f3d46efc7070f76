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

A subject's display name (`x-lawcode-name`) is not in the batch rows: `SubjectName` says
where it is (the collection's typed table, keyed by position), and `written.py` joins it
beside them as the column `NAME`. The name member is written only where
`snapshot.subject_name` finds one (text that Python's `strip()` leaves non-empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.program import Program
from lawcode.dsl.spans import text_at
from lawcode.engine import values
from lawcode.engine.jsontext import pointer
from lawcode.engine.report import Subject, Violation
from lawcode.engine.run import rule_source
from lawcode.engine.sql.probes import Probe, RuleQuery
from lawcode.engine.sql.tables import Layout, sql_type, table_name
from lawcode.engine.sql.value_text import (
    INTEGERS,
    Unrenderable,
    any_of,
    blank,
    cat,
    fn,
    is_null,
    json_string,
    json_value,
    lit,
    marked,
    num,
    ok,
    shown,
    text,
    when,
)

__all__ = ["FORMS", "NAME", "SEPARATOR", "RuleText", "RuleWriter", "SubjectName", "Unrenderable", "groups"]

FORMS = ("json", "jsonl")
SEPARATOR = {"json": b",\n    ", "jsonl": b"\n"}  # between two items, as the writers join them
_EVIDENCE = (ir.Field, ir.ParamRef, ir.AsOf, ir.Aggregate, ir.Lookup, ir.Escalate)
_NON_VALUES = (T.RecordType, T.EntityType)
_SLOT = "\x02slot:{}\x02"  # a placeholder orjson writes as a JSON string: `"\u0002slot:name\u0002"`
NAME = "__name"  # the column `written.py` joins beside the batch rows: the subject's display name


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


def _fold(template: list[str | bytes], slot: str) -> tuple[list[str | bytes], str]:
    """The template with the static text just before `slot` (the comma, the line break and
    the member's key) taken out, and that text: the slot then writes it too, or nothing,
    for a member present in some items only."""
    at = template.index(slot)
    before = template[at - 1]
    assert isinstance(before, bytes) and before.startswith(b","), "a folded member follows another member"
    return [*template[: at - 1], b"", *template[at:]], before.decode()


def _array(items: list[tuple[exp.Expr, exp.Expr]], form: str, depth: int) -> exp.Expr:
    """A JSON array of the items (included, text written at `depth + 1`) whose inclusion
    is TRUE: an item's text is never empty, so "none included" is asked of the conditions,
    not of the joined text (which `marked` would then have to write). The conditions are
    not copied: a subtree may sit in several places (sqlglot writes it the same in each;
    nothing here changes a tree once built), and copies were most of `rule_text`'s time."""
    if not items:
        return lit("[]")
    inner = "\n" + "  " * (depth + 1) if form == "json" else ""
    joined = fn("concat_ws", lit("," + inner), *[when((included, item)) for included, item in items])
    close = "\n" + "  " * depth + "]" if form == "json" else "]"
    none = exp.Not(this=exp.Paren(this=any_of([exp.Is(this=exp.Paren(this=included), expression=exp.true()) for included, _ in items])))
    return when((none, lit("[]")), default=cat(lit("[" + inner), joined, lit(close)))


# ---------------------------------------------------------------- one rule


@dataclass(frozen=True, slots=True)
class SubjectName:
    """Where a rule's subjects' display names are: `value` over the collection's typed
    table `table` (alias `t`), joined on its `POS` to the batch column `position`."""

    table: str
    position: str
    value: exp.Expr  # the name as `rebuild` would find it: NULL where an enclosing object is absent


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
    name: SubjectName | None = None  # where the subjects' display names come from, if they show one
    rendered: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)  # (part, dialect) → SQL text, by `sql`

    def sql(self, part: str, dialect: str) -> str:
        """The SQL text of `marked` or of a form's text, rendered once: a rule text is kept
        across evaluations (`report.Assembler._rule_texts`), and rendering its trees is most
        of what writing a small report costs."""
        key = (part, dialect)
        found = self.rendered.get(key)
        if found is None:
            tree = self.marked if part == "marked" else self.text[part]
            found = self.rendered[key] = tree.sql(dialect=dialect)
        return found


class RuleWriter:
    """Builds `RuleText`s for the rules of one batch, given its columns' DuckDB types."""

    def __init__(self, program: Program, as_of: Any, ladders: dict[str, tuple[str, ...]], present: Callable[[str], bool], layout: Layout | None = None) -> None:
        self.program = program
        self.as_of = as_of
        self.ladders = ladders
        self.present = present  # whether the snapshot has a collection (an absent one's facts read otherwise)
        self.layout = layout  # the typed tables, where display names are read (None: names are not written)

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
        name: SubjectName | None = None
        if rule.collection is not None:
            name = self._name_source(rule.collection, query)
            shows = _SLOT.format("name") if name is not None else None
            subject = Subject(rule.collection, _SLOT.format("id"), _SLOT.format("pointer"), 0, shows).to_json()
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
            template = _template(sample, form, 2, record=True)
            if name is not None:  # written with its separator where there is one, else nothing
                template, before = _fold(template, "name")
                shown_name = exp.column(NAME, quoted=True)
                slots["name"] = when((blank(shown_name), lit("")), default=cat(lit(before), json_string(shown_name.copy())))
            out[form] = _fill(template, slots, sure=frozenset({"evidence"}))  # `_array` is never NULL
        return RuleText(rule, f"c{query.outcome}", out, order, rule.severity, cites[0].document, marked(out["json"]), name)

    def c(self, index: int) -> exp.Expr:
        return exp.column(f"c{index}", quoted=True)

    def _name_source(self, collection: str, query: RuleQuery) -> SubjectName | None:
        """Where the subjects' display names are, if the schema declares one; raises
        `Unrenderable` when the typed table does not hold it as text."""
        path = self.program.schema.display_name(collection)
        if path is None:
            return None
        dotted = ".".join(path)
        table = self.layout.collections.get(collection) if self.layout is not None else None
        if table is None:
            raise Unrenderable(f"subjects of `{collection}` show a display name, and no typed table of `{collection}` was given to read it from")
        column = table.column(path)
        if column is None or column.kind != "string" or sql_type(column) != "VARCHAR":
            raise Unrenderable(f"the display name `{dotted}` of `{collection}` is not a text column of its typed table `{table.table}`")
        value: exp.Expr = exp.column(column.name, table="t", quoted=True)
        enclosing: list[exp.Expr] = []
        for depth in range(1, len(path)):  # `info.name`: `info` must be there (`lazy.rebuild` skips what an absent object holds)
            parent = table.column(path[:depth])
            if parent is None or not parent.is_record:
                raise Unrenderable(f"the display name `{dotted}` of `{collection}` is inside `{'.'.join(path[:depth])}`, which its typed table does not hold as an object")
            enclosing.append(exp.Not(this=is_null(exp.column(parent.name, table="t", quoted=True))))
        if enclosing:
            value = when((exp.and_(*enclosing), value))
        return SubjectName(table_name(collection), f"c{query.position}", value)

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
        filled = {**slots, "value": value, "pointer": where}  # shared by both forms' texts, as the slots are (`_array`)
        if note is not None:
            filled["note"] = note
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
