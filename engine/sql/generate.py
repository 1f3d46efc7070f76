"""IR → SQL: one query per rule, as sqlglot expression trees.

A rule over a collection becomes

    SELECT s.__pos, <outcome>, <subject id>, <message values>, <evidence probes>
    FROM t_<collection> AS s
      LEFT JOIN <lookup by id> …            -- users[g.creator_id]: first element with that id
      LEFT JOIN <keyed aggregate> …          -- GROUP BY the element's key, joined on the outer key
      CROSS JOIN <unkeyed aggregate> …        -- one row
    WHERE NOT <satisfied>

and only the violated and undetermined subjects come back. Everything a report needs
about them is a column: the decision, each message value, and for each node the
reference tracer would record (fields, parameters, `as_of`, aggregates, lookups,
escalations: see `engine/run.py:evidence`) whether the trace reaches it, its value and
what its JSON pointer is made of. "Reaches" mirrors the reference evaluator's
short-circuits exactly: `a and b` reads `b` only when `a` is not false, `if` reads one
branch, `x ?? y` reads `y` only when `x` is missing.

Semantics (CONTRIBUTING.md): SQL NULL is missing; SQL's AND/OR/NOT are Kleene's;
`if` is `CASE WHEN c THEN a WHEN NOT c THEN b END` (a missing condition gives missing);
aggregates are folded from partial counts so that a missing filter (including an
element whose join key is missing) makes count/sum/min/max missing and
exists/any/all Kleene, as `Evaluator.fold` does.

Sub-expressions that read nothing of the collections (parameters, `as_of`, the policy,
literals) are evaluated by the reference evaluator itself and inlined as literals, so
calendar arithmetic on them is Python's by construction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import children
from lawcode.compiler.operators import OPERATORS
from lawcode.compiler.program import Program
from lawcode.dsl.spans import Span
from lawcode.engine.evaluate import Evaluator
from lawcode.engine.jsontext import pointer
from lawcode.engine.snapshot import Snapshot
from lawcode.engine.sql import operators
from lawcode.engine.sql.dialects import Target, cast, num, paren
from lawcode.engine.sql.tables import POS, Column, Layout, stored

# The longest chain of operators written left-deep (a chain of whole numbers is balanced):
# each step is a few levels of SQL (a date's is a range check around a function call).
SQL_CHAIN_STEPS = 100


class Unsupported(Exception):
    """A construct the SQL backends do not evaluate (the python backend does)."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span


# ---------------------------------------------------------------- values and probes


@dataclass(frozen=True, slots=True)
class Val:
    """An IR expression's value as SQL. An entity value is its position in its collection."""

    sql: exp.Expr
    type: T.Type
    entity: str | None = None  # the collection, when the value is an entity
    alias: str | None = None  # a table alias whose row is that entity (fields read directly)
    const: Any = None  # the Python value, when the expression is closed (reads no collection)
    closed: bool = False
    raw: exp.Expr | None = None  # a list of objects: its JSON text (what probes and messages show)
    record: Column | None = None  # a list of objects, or an item of one: the list's column (item fields)


@dataclass(slots=True)
class Probe:
    """One node of the reference trace: which columns say whether it was reached and what it read."""

    kind: str  # field | static | lookup | aggregate | escalate | group
    expr: ir.Expr
    visit: tuple[tuple[int, str], ...] = ()  # reached iff each (column, test) holds: see `reached`
    value: int = -1  # column index of the value (field, aggregate, escalate)
    base: int = -1  # field: column index of the base entity's position (None: base missing)
    collection: str | None = None  # field on an entity / lookup / aggregate source
    suffix: str = ""  # field: pointer below the entity
    static_value: Any = None  # static: the value; field on the snapshot root: the value
    static_pointer: str | None = None
    static_note: str | None = None
    key: int = -1  # lookup: the key value; aggregate: "all outer keys present"
    count: int = -1  # aggregate: elements matched by the key (or all of them)
    env: dict[str, tuple[int, T.Type, str | None]] = field(default_factory=dict)  # aggregate: outer bindings
    outer_keys: list[int] = field(default_factory=list)  # aggregate: outer key values
    source: int = -1  # aggregate over a list: the list value
    json: bool = False  # field: the value comes as JSON text (a field of no one type, a list of objects)
    source_json: bool = False  # aggregate over a list of objects: the list comes as JSON text
    name: str = ""  # group: the 0-argument definition whose body these probes trace
    items: list[Probe] = field(default_factory=list)  # group members


@dataclass(slots=True)
class RuleQuery:
    """Where one rule's results are in its batch's rows."""

    rule: ir.Rule
    outcome: int  # 0 satisfied, 1 violated, 2 undetermined
    position: int
    subject_id: int
    message: list[str | tuple[ir.Expr, Any] | int]  # text, a closed value, or a column index
    probes: list[list[Probe]]  # per part traced: where, unless, require (those present)


@dataclass(slots=True)
class Batch:
    """One query and the rules whose results it carries."""

    select: exp.Expr
    rules: list[RuleQuery]
    types: list[T.Type]  # per output column: the type of the value it carries
    text: dict[str, str] = field(default_factory=dict)  # rendered SQL per dialect (cached)
    ctes: list[tuple[str, exp.Select]] = field(default_factory=list)  # its own CTEs (attached by `finish`)
    shared: set[str] = field(default_factory=set)  # shared tables it reads


@dataclass(slots=True)
class SharedAggregate:
    """The partial states of every aggregate over one collection and key fields, in one GROUP BY."""

    name: str
    scope: Scope  # FROM the collection (and the joins the filters need)
    keys: list[exp.Expr]
    partials: dict[str, exp.Expr] = field(default_factory=dict)  # column → partial state
    nodes: dict[int, dict[str, str]] = field(default_factory=dict)  # aggregate node → its partials' columns


# ---------------------------------------------------------------- scopes


class Scope:
    """One FROM clause being built: a base table plus the joins its expressions need."""

    def __init__(self, gen: Generator, base: exp.Expr, alias: str) -> None:
        self.gen = gen
        self.base = base
        self.alias = alias
        self.joins: list[exp.Join] = []
        self.cache: dict[str, Any] = {}
        # What names one row of this FROM clause (None: unknown, or a correlated subquery's)
        self.key: dict[str, exp.Expr] | None = None
        if isinstance(base, exp.Table) and base.name in gen.collection_of:
            gen.bases[alias] = gen.collection_of[base.name]  # a row that is always there

    def copy_for(self, reads: set[str]) -> Scope:
        """A copy of this FROM clause, for a subquery that reads the aliases `reads` and this
        clause's row key: every join that filters or multiplies rows, and only the LEFT joins
        (lookups, other aggregates: one row each) that those reads need."""
        needed = set(reads) | set().union(*(_tables(e) for e in (self.key or {}).values()))
        kept: list[exp.Join] = []
        for join in reversed(self.joins):  # a join reads only the aliases before it
            if join.kind != "LEFT" or join.alias_or_name in needed:
                kept.append(join)
                on = join.args.get("on")
                needed |= _tables(on) if on is not None else set()
        copy = Scope(self.gen, self.base.copy(), self.alias)
        copy.joins = [j.copy() for j in reversed(kept)]
        copy.key = self.key
        return copy

    def from_(self, select: exp.Select) -> exp.Select:
        select = select.from_(exp.alias_(self.base, self.alias, table=True, copy=False) if not isinstance(self.base, exp.Table) else _aliased(self.base, self.alias), copy=False)
        for join in self.joins:
            select = select.join(join, copy=False)
        return select


def _aliased(table: exp.Table, alias: str) -> exp.Table:
    table = table.copy()
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(alias: str, name: str) -> exp.Column:
    return exp.Column(this=ident(name), table=exp.to_identifier(alias))


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=paren(e), expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=is_null(e))


def and_(*items: exp.Expr) -> exp.Expr:
    out = items[0]
    for item in items[1:]:
        out = exp.And(this=paren(out), expression=paren(item))
    return out


def or_(*items: exp.Expr) -> exp.Expr:
    out = items[0]
    for item in items[1:]:
        out = exp.Or(this=paren(out), expression=paren(item))
    return out


def not_(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=paren(e))


def is_true(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=paren(e), expressions=[exp.false()])


def is_false(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=not_(e), expressions=[exp.false()])


def not_false(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=paren(e), expressions=[exp.true()])


def case(*whens: tuple[exp.Expr, exp.Expr], default: exp.Expr | None = None) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def count_if(cond: exp.Expr) -> exp.Expr:
    return exp.Sum(this=case((cond, exp.Literal.number(1)), default=exp.Literal.number(0)))


def zero(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=e, expressions=[exp.Literal.number(0)])


def gt0(e: exp.Expr) -> exp.Expr:
    return exp.GT(this=zero(e), expression=exp.Literal.number(0))


# ---------------------------------------------------------------- the generator


class Generator:
    """Generates the queries of one Program for one snapshot's scalar part and one target."""

    def __init__(self, program: Program, layout: Layout, root: Snapshot, params: dict[str, Any], origins: dict[str, str | None], target: Target) -> None:
        self.program = program
        self.layout = layout
        self.root = root
        self.params = params
        self.origins = origins
        self.target = target
        self.ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
        self.python = Evaluator(program, root, params)
        self._names = itertools.count()
        self._closed: dict[int, bool] = {}
        self.columns: list[tuple[exp.Expr, T.Type]] = []
        self.collection_of = {c.table: name for name, c in layout.collections.items()}
        # Tables shared by the queries of the plan (id indexes, aggregate partials): the
        # DuckDB backend materializes each once per evaluation; otherwise they are CTEs.
        self.shared: dict[str, exp.Select | None] = {}
        self.shared_aggregates: dict[tuple[str, tuple[str, ...]], SharedAggregate] = {}
        self.uses: set[str] = set()
        self.unknown_by_node: dict[int, tuple[str, list[str]]] = {}
        self.shared_unknown: dict[int, tuple[str, list[str]]] = {}
        self.indexes: dict[str, str] = {}  # shared id index → its collection
        self.carriers: dict[str, str] = {}  # alias of an index that carries fields → collection
        self.carried: dict[str, set[str]] = {}  # collection → fields read through its index
        self.in_shared = False
        self.ctes: list[tuple[str, exp.Select]] = []
        self.bases: dict[str, str] = {}  # alias of a scope's base table → its collection
        self.presence: ir.Expr | None = None  # the argument of the `present(…)` being generated

    # ------------------------------------------------------------ helpers
    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._names)}"

    def table(self, collection: str) -> exp.Table:
        if collection not in self.layout.collections:
            raise Unsupported(f"collection `{collection}` has no table (its elements are not objects of scalar fields)")
        return exp.Table(this=ident(self.layout.collections[collection].table))

    def emit(self, sql: exp.Expr, t: T.Type) -> int:
        """Add an output column; returns its index."""
        self.columns.append((self.output(sql, t), t))
        return len(self.columns) - 1

    def output(self, sql: exp.Expr, t: T.Type) -> exp.Expr:
        """Date-times leave SQL as microseconds since the epoch (no driver time-zone games)."""
        return self.target.wire(sql, t)

    def literal(self, value: Any, t: T.Type) -> exp.Expr:
        return literal(self.target, value, t)

    def closed(self, node: ir.Expr) -> bool:
        """True when the expression reads nothing of the collections (nor a bound variable)."""
        key = id(node)
        found = self._closed.get(key)
        if found is None:
            found = self._is_closed(node)
            self._closed[key] = found
        return found

    def _is_closed(self, node: ir.Expr) -> bool:
        if isinstance(node, ir.Var | ir.Lookup | ir.CollectionRef | ir.Aggregate):
            return False
        if isinstance(node, ir.DefCall) and not self.closed(self.program.definitions[node.name].body):
            return False
        return all(self.closed(child) for child in children(node))

    # ------------------------------------------------------------ rules
    def batch(self, rules: list[ir.Rule]) -> Batch:
        """One query for rules over the same subjects: one scan, joins shared between the rules."""
        self.columns = []
        self.ctes = []
        self.unknown_by_node = {}
        self.uses = set()
        collection = rules[0].collection
        if collection is None:
            base: exp.Expr = exp.select(exp.alias_(exp.Literal.number(0), POS, quoted=True, copy=False)).subquery()
            scope = Scope(self, base, "s")
        else:
            scope = Scope(self, self.table(collection), "s")
        scope.key = {"s": col("s", POS)}
        position = self.emit(col("s", POS), T.NUMBER)
        subject_id = self.emit(self._subject_id(collection), T.UNKNOWN)
        queries: list[RuleQuery] = []
        unsatisfied: list[exp.Expr] = []
        for rule in rules:
            query, satisfied = self._rule(rule, scope, position, subject_id)
            queries.append(query)
            unsatisfied.append(not_(satisfied))
        select = exp.select(*[exp.Alias(this=sql, alias=ident(f"c{i}")) for i, (sql, _) in enumerate(self.columns)], copy=False)  # alias_ would rename a shared subquery
        select = scope.from_(select).where(or_(*unsatisfied), copy=False).order_by(col("s", POS), copy=False)
        types = [t for _, t in self.columns]
        return Batch(select, queries, types, ctes=list(self.ctes), shared=set(self.uses))

    def finish(self, batches: list[Batch], *, materialized: bool) -> list[tuple[str, exp.Select]]:
        """Attach each batch's CTEs; returns the shared tables to create first (none if not `materialized`).

        Materialized (DuckDB): the shared tables are created once per evaluation, before the
        queries, and each query reads them by name. Otherwise each query defines the shared
        tables it reads (and those they read) as CTEs of its own.
        """
        shared = self.shared_definitions()
        for batch in batches:
            ctes = list(batch.ctes)
            if not materialized:
                needed = set(batch.shared)
                for name, definition in reversed(shared):
                    if name in needed:
                        needed |= {t.name for t in definition.find_all(exp.Table)}
                ctes = [(n, s.copy()) for n, s in shared if n in needed] + ctes
            select = batch.select
            assert isinstance(select, exp.Select)
            for name, body in ctes:
                select = select.with_(exp.to_identifier(name, quoted=True), as_=body, copy=False)
            batch.select = select
        return shared if materialized else []

    def _rule(self, rule: ir.Rule, scope: Scope, position: int, subject_id: int) -> tuple[RuleQuery, exp.Expr]:
        env: dict[str, Val] = {}
        if rule.collection is not None:
            assert rule.var is not None
            env = {rule.var: Val(col("s", POS), T.entity_of(rule.collection), rule.collection, "s")}
        probes: list[list[Probe]] = []
        values: dict[str, Val] = {}
        for name, part in (("where", rule.where), ("unless", rule.unless), ("require", rule.require)):
            if part is None:
                continue
            sink: list[Probe] = []
            values[name] = self.expr(part, env, scope, Trace(sink))
            probes.append(sink)
        where = values["where"].sql if "where" in values else exp.true()
        unless = values["unless"].sql if "unless" in values else exp.false()
        require = values["require"].sql
        satisfied = or_(is_false(where), is_true(unless), is_true(require))
        violated = and_(is_true(where), is_false(unless), is_false(require))
        outcome = case((satisfied, exp.Literal.number(0)), (violated, exp.Literal.number(1)), default=exp.Literal.number(2))
        outcome_index = self.emit(outcome, T.NUMBER)
        message: list[str | tuple[ir.Expr, Any] | int] = []
        for piece in rule.message:
            if isinstance(piece, str):
                message.append(piece)
                continue
            val = self.expr(piece, env, scope, None)
            if val.closed:
                message.append((piece, val.const))
            else:
                if val.entity is not None:
                    raise Unsupported("a message shows an entity itself; show one of its fields", piece.span)
                if val.record is not None and val.raw is None:
                    raise Unsupported("a message shows a computed list of objects; show the field itself", piece.span)
                message.append(self.emit(val.raw if val.raw is not None else val.sql, piece.type))
        return RuleQuery(rule, outcome_index, position, subject_id, message, probes), satisfied

    def _subject_id(self, collection: str | None) -> exp.Expr:
        if collection is None:
            return exp.Null()
        coll = self.layout.collections.get(collection)
        column = coll.column(("id",)) if coll else None
        if column is None or column.kind not in ("string", "integer", "number") or column.is_record:
            return exp.Null()
        return col("s", "id")

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Expr, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        if self.closed(node) and not isinstance(node, ir.Const):
            if trace is not None:
                self._closed_probes(node, env, scope, trace)
            value = self.python.eval(node, {})
            return Val(self._closed_literal(value, node.type), node.type, const=value, closed=True)
        handler = getattr(self, "_" + type(node).__name__.lower())
        val: Val = handler(node, env, scope, trace)
        return val

    def _closed_literal(self, value: Any, t: T.Type) -> exp.Expr:
        if isinstance(t, T.EscalationType):
            return exp.Null()  # only `Escalate` reads it, from the resolved parameters
        if isinstance(t, T.RecordType):
            return exp.true() if value is not None else exp.Null()
        return self.literal(value, t)

    def _closed_probes(self, node: ir.Expr, env: dict[str, Val], scope: Scope, trace: Trace) -> None:
        """The trace of a closed sub-expression still records its parameters, `as_of`, policy fields."""
        handler = getattr(self, "_" + type(node).__name__.lower())
        handler(node, env, scope, trace)

    def _const(self, node: ir.Const, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        return Val(self._closed_literal(node.value, node.type), node.type, const=node.value, closed=True)

    def _asof(self, node: ir.AsOf, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        if trace is not None:
            trace.add(Probe("static", node, static_value=self.root.as_of, static_pointer="/as_of"), self)
        return Val(self.literal(self.root.as_of, T.DATE), T.DATE, const=self.root.as_of, closed=True)

    def _paramref(self, node: ir.ParamRef, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        value = self.params[node.name]
        if trace is not None:
            origin = self.origins.get(node.name)
            note = "declared by the platform" if origin else "ruleset default"
            trace.add(Probe("static", node, static_value=value, static_pointer=origin, static_note=note), self)
        return Val(self._closed_literal(value, node.type), node.type, const=value, closed=True)

    def _var(self, node: ir.Var, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        return env[node.name]

    def _root(self, node: ir.Root, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        raise Unsupported("the snapshot itself is not a value", node.span)

    def _collectionref(self, node: ir.CollectionRef, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        raise Unsupported("a whole collection is not a value", node.span)

    def _field(self, node: ir.Field, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        if isinstance(node.base, ir.Root):
            value = self.python.eval(node, {})
            if trace is not None:
                trace.add(Probe("static", node, static_value=value, static_pointer=pointer(*node.path)), self)
            return Val(self._closed_literal(value, node.type), node.type, const=value, closed=True)
        probe = Probe("field", node) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe, self)
        base = self.expr(node.base, env, scope, trace)
        if base.entity is None and base.record is not None and probe is None:
            return self._item_field(node, base)
        if base.entity is None and isinstance(base.type, T.RecordType):
            raise Unsupported("reading a field of a computed object", node.span)
        if base.entity is None:
            raise Unsupported(f"reading a field of a {base.type} value", node.span)
        collection = self.layout.collections.get(base.entity)
        column = collection.column(node.path) if collection else None
        if column is None:
            raise Unsupported(f"field `{'.'.join(node.path)}` of {base.entity} has a type the SQL backends do not read", node.span)
        typed = column.typed_name if node is not self.presence else None
        if column.kind == "json" and node is not self.presence and typed is None:
            what = "a list of mixed items, or of lists of anything but scalars" if isinstance(node.type, T.ListType) else "a value of no one type"
            raise Unsupported(f"field `{'.'.join(node.path)}` of {base.entity} holds {what}; the SQL backends only ask `present(…)` of it", node.span)
        alias = base.alias or self._row_by_position(base, scope)
        if alias in self.carriers:
            self.carried.setdefault(self.carriers[alias], set()).update([column.name, *([typed] if typed else [])])
        sql: exp.Expr = col(alias, column.name)
        if typed is not None:  # a list of objects or of lists: rules compute with its typed column, probes show its JSON
            if probe is not None:
                probe.collection, probe.suffix = base.entity, pointer(*node.path)
                probe.base, probe.value, probe.json = self.emit(base.sql, T.NUMBER), self.emit(sql, T.STRING), True
            return Val(col(alias, typed), node.type, raw=sql, record=column if column.fields else None)
        if probe is not None:
            probe.collection = base.entity
            probe.suffix = pointer(*node.path)
            probe.base = self.emit(base.sql, T.NUMBER)
            probe.value = self.emit(sql, node.type)
            probe.json = column.kind == "json"
        return Val(sql, node.type)

    def _item_field(self, node: ir.Field, base: Val) -> Val:
        """A field of an item of a list of objects (`d.kind` in `count(d in u.devices where …)`)."""
        assert base.record is not None
        found = base.record.field(node.path)
        if found is not None and found.kind == "json" and node is not self.presence:
            what = "a list of objects or of lists" if isinstance(node.type, T.ListType) else "a value of no one type"
            raise Unsupported(f"field `{'.'.join(node.path)}` of the items of `{base.record.name}` holds {what}; the SQL backends only ask `present(…)` of it there", node.span)
        if found is None:
            raise Unsupported(f"field `{'.'.join(node.path)}` of the items of `{base.record.name}` is not a scalar the SQL backends read", node.span)
        return Val(self.target.struct_field(base.sql, found.name), node.type)

    def _row_by_position(self, base: Val, scope: Scope) -> str:
        assert base.entity is not None
        key = f"row:{base.entity}:{base.sql.sql()}"
        if key not in scope.cache:
            alias = self.fresh("r")
            scope.joins.append(
                exp.Join(this=_aliased(self.table(base.entity), alias), kind="LEFT", on=exp.EQ(this=col(alias, POS), expression=base.sql))
            )
            scope.cache[key] = alias
        alias_name: str = scope.cache[key]
        return alias_name

    def _lookup(self, node: ir.Lookup, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        probe = Probe("lookup", node, collection=node.collection) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe, self)
        key = self.expr(node.key, env, scope, trace)
        collection = self.layout.collections.get(node.collection)
        if collection is None or collection.column(("id",)) is None:
            raise Unsupported(f"collection `{node.collection}` has no readable `id`", node.span)
        cache_key = f"lookup:{node.collection}:{key.sql.sql()}"
        if cache_key not in scope.cache:
            index, row = self.fresh("k"), self.fresh("l")
            scope.joins.append(exp.Join(this=_aliased(exp.Table(this=ident(self._index(node.collection))), index), kind="LEFT", on=exp.EQ(this=col(index, "k"), expression=key.sql)))
            if self._carries(node.collection):
                row = index  # the index carries the fields the plan reads: no second join
                self.carriers[index] = node.collection
            else:
                scope.joins.append(exp.Join(this=_aliased(self.table(node.collection), row), kind="LEFT", on=exp.EQ(this=col(row, POS), expression=col(index, "p"))))
            scope.cache[cache_key] = (index, row)
        index, row = scope.cache[cache_key]
        found = col(index, "p")
        if probe is not None:
            probe.key = self.emit(key.sql, node.key.type)
            probe.base = self.emit(found, T.NUMBER)
        return Val(found, node.type, node.collection, row)

    def _index(self, collection: str) -> str:
        """The shared id index of a collection: the first position of every id (the reference's lookup)."""
        name = f"lawcode_ix_{collection}"
        if name not in self.shared:
            self.shared[name] = None  # defined by `shared_definitions`, once the fields read through it are known
            self.indexes[name] = collection
        self.uses.add(name)
        return name

    def _carries(self, collection: str) -> bool:
        """DuckDB: the id index also holds the first element's fields the plan reads (`arg_min_null`,
        which keeps a null field of the first element where `arg_min` would skip to the next)."""
        names = {c.name for c in self.layout.collections[collection].columns}
        return self.target.name == "duckdb" and not names & {"k", "p"}

    def _index_definition(self, collection: str, carried: set[str]) -> exp.Select:
        items = [exp.alias_(col("i", "id"), "k", quoted=True, copy=False), exp.alias_(exp.Min(this=col("i", POS)), "p", quoted=True, copy=False)]
        for name in stored(self.layout.collections[collection]):
            if name in carried:
                items.append(exp.alias_(exp.Anonymous(this="arg_min_null", expressions=[col("i", name), col("i", POS)]), name, quoted=True, copy=False))
        return (
            exp.select(*items, copy=False)
            .from_(_aliased(self.table(collection), "i"), copy=False)
            .where(not_null(col("i", "id")), copy=False)
            .group_by(col("i", "id"), copy=False)
        )

    # -- logic
    def branch(self, trace: Trace | None, val: Val, test: str) -> Trace | None:
        """The trace below a short-circuit: reached when `val` passes `test` (see `reached`)."""
        if trace is None:
            return None
        if val.closed:  # decided now, in Python
            return trace if reached(((0, test),), (val.const,)) else trace.never()
        return trace.under(self.emit(val.sql, val.type), test)

    def _and(self, node: ir.And, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        a = self.expr(node.left, env, scope, trace)
        b = self.expr(node.right, env, scope, self.branch(trace, a, "not_false"))
        return Val(and_(a.sql, b.sql), T.BOOL)

    def _or(self, node: ir.Or, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        a = self.expr(node.left, env, scope, trace)
        b = self.expr(node.right, env, scope, self.branch(trace, a, "not_true"))
        return Val(or_(a.sql, b.sql), T.BOOL)

    def _not(self, node: ir.Not, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        a = self.expr(node.operand, env, scope, trace)
        return Val(not_(a.sql), T.BOOL)

    def _compare(self, node: ir.Compare, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        a = self.expr(node.left, env, scope, trace)
        b = self.expr(node.right, env, scope, trace)
        kind = node.left.type if node.left.type != T.UNKNOWN else node.right.type
        if isinstance(kind, T.RecordType | T.EscalationType):  # the checker refuses records; escalations are closed
            raise Unsupported(f"comparing {kind} values", node.span)
        return Val(operators.build(self.target, node.op, (a.sql, b.sql), (node.left.type, node.right.type)), T.BOOL)

    def _member(self, node: ir.Member, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        item = self.expr(node.item, env, scope, trace)
        if isinstance(node.container, ir.ListExpr):
            items = [self.expr(i, env, scope, trace) for i in node.container.items]
            if not items:
                return Val(case((is_null(item.sql), exp.Null()), default=exp.false()), T.BOOL)
            return Val(exp.In(this=paren(item.sql), expressions=[i.sql for i in items]), T.BOOL)
        container = self.expr(node.container, env, scope, trace)
        return Val(self.target.list_contains(container.sql, item.sql), T.BOOL)

    def _listexpr(self, node: ir.ListExpr, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        items = [self.expr(i, env, scope, trace) for i in node.items]
        return Val(self.target.array([i.sql for i in items]), node.type)

    def _coalesce(self, node: ir.Coalesce, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        a = self.expr(node.value, env, scope, trace)
        b = self.expr(node.fallback, env, scope, self.branch(trace, a, "null"))
        sql = exp.Coalesce(this=a.sql, expressions=[b.sql])
        if a.raw is not None or b.raw is not None:
            record, (raw_a, raw_b) = self._typed_lists(node, a, b)
            return Val(sql, node.type, raw=exp.Coalesce(this=raw_a, expressions=[raw_b]), record=record)
        return Val(sql, node.type, a.entity or b.entity)

    def _if(self, node: ir.If, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        c = self.expr(node.condition, env, scope, trace)
        a = self.expr(node.then, env, scope, self.branch(trace, c, "true"))
        b = self.expr(node.otherwise, env, scope, self.branch(trace, c, "false"))
        sql = case((paren(c.sql), a.sql), (not_(c.sql), b.sql))
        if a.raw is not None or b.raw is not None:
            record, (raw_a, raw_b) = self._typed_lists(node, a, b)
            return Val(sql, node.type, raw=case((paren(c.sql), raw_a), (not_(c.sql), raw_b)), record=record)
        return Val(sql, node.type, a.entity or b.entity)  # an entity: its position, whichever branch

    def _typed_lists(self, node: ir.Expr, *branches: Val) -> tuple[Column | None, list[exp.Expr]]:
        """The branches of a computed list of objects or of lists (`u.devices ?? []`, `if c then
        u.devices else users[x].devices`): one typed list, and its JSON for probes and
        messages. The checker gives both branches one type, so each is a list field of the same
        SQL type or a closed `[]` (or null), whose SQL type comes from the other branch."""
        if any(v.raw is None and not (v.closed and v.const in (None, [])) for v in branches):
            raise Unsupported("a computed list of objects or of lists whose branches are not list fields (or `[]`)", node.span)
        raws = [v.raw if v.raw is not None else (exp.Null() if v.const is None else exp.Literal.string("[]")) for v in branches]
        records = [v.record for v in branches if v.record is not None]
        return (records[0] if records else None), raws

    # -- operators (their SQL: `operators.py`)
    def _op(self, node: ir.Op, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        if not OPERATORS[node.name].strict:
            # `present(u.extra)` may read a field of no one type (a JSON column): nothing else may.
            outside, self.presence = self.presence, node.args[0]
            try:
                args = [self.expr(node.args[0], env, scope, trace)]
            finally:
                self.presence = outside
        else:
            args = [self.expr(a, env, scope, trace) for a in node.args]
        return Val(operators.build(self.target, node.name, [a.sql for a in args], [a.type for a in node.args]), node.type)

    def _chain(self, node: ir.Chain, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        """A chain's operators. Whole numbers added, subtracted or multiplied are exact in any
        grouping, so a chain of them is a balanced tree (DuckDB refuses an expression 1,000
        deep and crashes far deeper); any other chain is left-deep, as the reference reads it,
        and only as long as `SQL_CHAIN_STEPS`."""
        first = self.expr(node.first, env, scope, trace)
        operands = [self.expr(step.operand, env, scope, trace) for step in node.steps]
        if self.closed(node):  # its value is the reference's, inlined; only its probes were wanted
            return Val(exp.Null(), node.type)
        names = {step.name for step in node.steps}
        exact = self.integral(node.first) and all(self.integral(step.operand) for step in node.steps)
        if exact and names <= {"num+num", "num-num"}:
            terms = [first.sql, *(v.sql if s.name == "num+num" else exp.Neg(this=paren(v.sql)) for s, v in zip(node.steps, operands, strict=True))]
            return Val(_balanced(exp.Add, terms), node.type)
        if exact and names == {"num*num"}:
            return Val(_balanced(exp.Mul, [first.sql, *(v.sql for v in operands)]), node.type)
        if len(node.steps) > SQL_CHAIN_STEPS:
            raise Unsupported(f"a chain of {len(node.steps) + 1} terms that are not all whole numbers added or multiplied (at most {SQL_CHAIN_STEPS + 1})", node.span)
        sql, running = first.sql, node.first.type
        for step, value in zip(node.steps, operands, strict=True):
            sql = operators.build(self.target, step.name, (sql, value.sql), (running, step.operand.type))
            running = step.type
        return Val(sql, node.type)

    # -- definitions and ladders
    def _defcall(self, node: ir.DefCall, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        definition = self.program.definitions[node.name]
        if not definition.params:
            if trace is None:
                return self.expr(definition.body, {}, scope, None)
            group = Probe("group", node, name=node.name)
            trace.add(group, self)
            return self.expr(definition.body, {}, scope, Trace(group.items))
        args = {name: self.expr(arg, env, scope, trace) for (name, _), arg in zip(definition.params, node.args, strict=True)}
        return self.expr(definition.body, args, scope, trace)

    def _stepof(self, node: ir.StepOf, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        value = self.expr(node.value, env, scope, trace)
        steps = self.ladders[node.ladder]
        return Val(exp.Case(this=paren(value.sql), ifs=[exp.If(this=exp.Literal.string(s), true=num(i)) for i, s in enumerate(steps)]), node.type)

    def _escalate(self, node: ir.Escalate, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        origin = self.origins.get(node.param)
        note = f"{node.param}: " + ("declared by the platform" if origin else "ruleset default")
        probe = Probe("escalate", node, static_pointer=origin, static_note=note) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe, self)
        count = self.expr(node.count, env, scope, trace)
        table = sorted(self.params[node.param], reverse=True)
        if table:
            sql: exp.Expr = case(*[(exp.GTE(this=paren(count.sql), expression=num(t)), num(i)) for t, i in table])
        else:
            sql = exp.Null()
        if probe is not None:
            probe.value = self.emit(sql, node.type)
        return Val(sql, node.type)

    # -- aggregates
    def _aggregate(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        probe = Probe("aggregate", node) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe, self)
        outer = [self.expr(expr, env, scope, trace) for _, expr in node.keys]
        if not isinstance(node.source, ir.CollectionRef):
            return self._list_aggregate(node, env, scope, trace, probe)
        collection = node.source.collection
        free = free_vars(node.where, self.program) | free_vars(node.value, self.program)
        free.discard(node.var)
        known = and_(*[not_null(o.sql) for o in outer]) if outer else exp.true()
        if free:
            found = self._rebased(node, env, scope, outer) or self._rescoped(node, env, scope)
            value, count = found if found is not None else self._correlated(node, env, outer)
        else:
            value, count = self._grouped(node, scope, outer)
        sql = case((known, value)) if outer else value
        if probe is not None:
            probe.collection = collection
            probe.key = self.emit(known, T.BOOL)
            probe.value = self.emit(sql, node.type)
            probe.count = self.emit(count, T.NUMBER)
            probe.outer_keys = [self.emit(o.sql, expr.type) for o, (_, expr) in zip(outer, node.keys, strict=True)]
            for name in sorted(free):
                bound = env[name]
                probe.env[name] = (self.emit(bound.sql, bound.type if bound.entity is None else T.NUMBER), bound.type, bound.entity)
        return Val(sql, node.type)

    def _element_scope(self, node: ir.Aggregate, outer_env: dict[str, Val]) -> tuple[Scope, dict[str, Val]]:
        assert isinstance(node.source, ir.CollectionRef)
        collection = node.source.collection
        alias = self.fresh("e")
        inner = Scope(self, self.table(collection), alias)
        env = dict(outer_env)
        env[node.var] = Val(col(alias, POS), T.entity_of(collection), collection, alias)
        return inner, env

    def _filter_value(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr | None]:
        f = self.expr(node.where, env, scope, None).sql if node.where is not None else exp.true()
        v = self.expr(node.value, env, scope, None).sql if node.value is not None else None
        return f, v

    def _key_columns(self, node: ir.Aggregate, alias: str) -> list[exp.Expr]:
        out: list[exp.Expr]
        assert isinstance(node.source, ir.CollectionRef)
        collection = self.layout.collections[node.source.collection]
        out = []
        for path, _ in node.keys:
            column = collection.column(path)
            if column is None:
                raise Unsupported(f"join key `{'.'.join(path)}` has a type the SQL backends do not read", node.span)
            out.append(col(alias, column.name))
        return out

    def _partials(self, node: ir.Aggregate, f: exp.Expr, v: exp.Expr | None, order: exp.Expr, forced: bool) -> dict[str, exp.Expr]:
        """Aggregate states that combine by addition (and min/max), from which `fold` is recomputed."""
        func = node.func
        if forced:  # elements whose join key is missing: a filter that is not false is unknown
            out = {"n_n": count_if(not_false(f))}
            if func == "any":
                assert v is not None
                out["a_nf"] = count_if(and_(not_false(f), not_false(v)))
            if func == "all":
                out["l_bad"] = count_if(not_false(f))
            return out
        out = {"n_t": count_if(is_true(f)), "n_n": count_if(is_null(f))}
        if func == "any":
            assert v is not None
            out["a_tt"] = count_if(is_true(and_(f, v)))
            out["a_nf"] = count_if(and_(not_false(f), not_false(v)))
        elif func == "all":
            assert v is not None
            out["l_tf"] = count_if(is_true(and_(f, not_(v))))
            out["l_bad"] = count_if(and_(not_false(f), or_(is_null(f), not_(is_true(v)))))
        elif func in ("sum", "min", "max"):
            assert v is not None
            out["n_vn"] = count_if(and_(is_true(f), is_null(v)))
            picked = case((is_true(f), v))
            if func == "sum":
                if node.type == T.NUMBER and not self.integral(node.value):
                    out["agg"] = self.target.ordered_sum(picked, order)
                else:
                    out["agg"] = exp.Sum(this=picked)
            else:
                out["agg"] = (exp.Min if func == "min" else exp.Max)(this=picked)
        return out

    def _final(self, node: ir.Aggregate, p: dict[str, exp.Expr]) -> exp.Expr:
        func = node.func
        n_n = p["n_n"]
        if func == "count":
            return case((gt0(n_n), exp.Null()), default=zero(p["n_t"]))
        if func == "exists":
            return case((gt0(p["n_t"]), exp.true()), (gt0(n_n), exp.Null()), default=exp.false())
        if func == "any":
            return case((gt0(p["a_tt"]), exp.true()), (gt0(p["a_nf"]), exp.Null()), default=exp.false())
        if func == "all":
            return case((gt0(p["l_tf"]), exp.false()), (gt0(p["l_bad"]), exp.Null()), default=exp.true())
        unknown = or_(gt0(n_n), gt0(p["n_vn"]))
        if func == "sum":
            empty = num(0)
            return case((unknown, exp.Null()), default=exp.Coalesce(this=p["agg"], expressions=[empty]))
        return case((unknown, exp.Null()), default=p["agg"])

    def _grouped(self, node: ir.Aggregate, scope: Scope, outer: list[Val]) -> tuple[exp.Expr, exp.Expr]:
        """An aggregate whose filter reads only the element: GROUP BY the key, join on the outer key.

        Its partial states do not depend on the outer row, so they are columns of a table
        shared by every aggregate over the same collection and key fields in the whole plan
        (`SharedAggregate`: `recorded("comment", c.id)`, `reported_by(…)`, … are one GROUP BY
        of `records`), joined once per distinct outer key. The fold is finished here, per
        row: a key no element has gives the fold of an empty match, and elements whose key is
        missing (a one-row CTE `_u`, only when a key field may be null) make it unknown.
        """
        assert isinstance(node.source, ir.CollectionRef)
        cache_key = f"agg:{id(node)}:{':'.join(o.sql.sql() for o in outer)}"
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        shared, names = self._shared_aggregate(node)
        join_key = f"shared:{shared.name}:{':'.join(o.sql.sql() for o in outer)}"
        alias = scope.cache.get(join_key)
        if alias is None:
            alias = self.fresh("a")
            if node.keys:
                on = and_(*[exp.EQ(this=col(alias, f"k{i}"), expression=paren(o.sql)) for i, o in enumerate(outer)])
                scope.joins.append(exp.Join(this=_aliased(exp.Table(this=ident(shared.name)), alias), kind="LEFT", on=on))
            else:
                scope.joins.append(exp.Join(this=_aliased(exp.Table(this=ident(shared.name)), alias), kind="CROSS"))
            scope.cache[join_key] = alias
        self.uses.add(shared.name)
        combined: dict[str, exp.Expr] = {n: col(alias, column) for n, column in names.items()}
        if not node.keys:
            value = self._final(node, combined)
        else:
            alone: dict[str, exp.Expr] = {n: exp.Null() if n == "agg" else num(0) for n in names}
            if not self._keys_present(node):
                unknown = self._unknown_cte(node)
                u = scope.cache.get(f"u:{unknown}")
                if u is None:
                    u = self.fresh("z")
                    scope.joins.append(exp.Join(this=_aliased(exp.Table(this=ident(unknown[0])), u), kind="CROSS"))
                    scope.cache[f"u:{unknown}"] = u
                for n in unknown[1]:
                    combined[n] = exp.Add(this=zero(combined[n]), expression=zero(col(u, n))) if n in combined else zero(col(u, n))
                    alone[n] = zero(col(u, n))
            value = case((is_null(col(alias, "k0")), self._final(node, alone)), default=self._final(node, combined))
        result = (value, zero(col(alias, "n_all")))
        scope.cache[cache_key] = result
        return result

    def _shared_aggregate(self, node: ir.Aggregate) -> tuple[SharedAggregate, dict[str, str]]:
        """The shared partials table of the aggregate's collection and key fields; its columns for `node`."""
        assert isinstance(node.source, ir.CollectionRef)
        collection = node.source.collection
        key = (collection, tuple(".".join(path) for path, _ in node.keys))
        shared = self.shared_aggregates.get(key)
        if shared is None:
            alias = self.fresh("e")
            name = f"lawcode_ag{len(self.shared_aggregates)}_{collection}"
            shared = SharedAggregate(name, Scope(self, self.table(collection), alias), self._key_columns(node, alias))
            shared.scope.key = {"e": col(alias, POS)}
            self.shared_aggregates[key] = shared
            self.shared[name] = None
        found = shared.nodes.get(id(node))
        if found is None:
            tag = f"a{len(shared.nodes)}"
            alias = shared.scope.alias
            env = {node.var: Val(col(alias, POS), T.entity_of(collection), collection, alias)}
            outside, self.in_shared = self.in_shared, True
            try:
                f, v = self._filter_value(node, env, shared.scope)
                partials = self._partials(node, f, v, col(alias, POS), forced=False)
            finally:
                self.in_shared = outside
            found = {n: f"{tag}_{n}" for n in partials}
            for n, e in partials.items():
                shared.partials[found[n]] = e
            shared.nodes[id(node)] = found
        return shared, found

    def _unknown_cte(self, node: ir.Aggregate) -> tuple[str, list[str]]:
        """A one-row CTE of the batch: the partial states of the elements whose key is missing."""
        found = (self.shared_unknown if self.in_shared else self.unknown_by_node).get(id(node))
        if found is not None:
            return found
        unknown_scope, unknown_env = self._element_scope(node, {})
        uf, uv = self._filter_value(node, unknown_env, unknown_scope)
        ukeys = self._key_columns(node, unknown_scope.alias)
        forced = self._partials(node, uf, uv, col(unknown_scope.alias, POS), forced=True)
        unknown_rows = unknown_scope.from_(exp.select(*[exp.alias_(e, n, quoted=True, copy=False) for n, e in forced.items()], copy=False)).where(or_(*[is_null(k) for k in ukeys]), copy=False)
        name = self.fresh("g") + "_u"
        if self.in_shared:  # read by a shared table: shared as well (per plan, not per batch)
            name = f"lawcode_{name}"
            self.shared[name] = unknown_rows
            self.shared_unknown[id(node)] = (name, list(forced))
            return name, list(forced)
        self.ctes.append((name, unknown_rows))
        self.unknown_by_node[id(node)] = (name, list(forced))
        return name, list(forced)

    def shared_definitions(self) -> list[tuple[str, exp.Select]]:
        """Every shared table of the plan, each after the shared tables it reads."""
        defined: dict[str, exp.Select] = {}
        for name, select in self.shared.items():
            if select is not None:
                defined[name] = select
            elif name in self.indexes:
                collection = self.indexes[name]
                defined[name] = self._index_definition(collection, self.carried.get(collection, set()))
        for shared in self.shared_aggregates.values():
            keys = shared.keys
            items = [exp.alias_(k, f"k{i}", quoted=True, copy=False) for i, k in enumerate(keys)]
            items += [exp.alias_(e, n, quoted=True, copy=False) for n, e in shared.partials.items()]
            items.append(exp.alias_(exp.Count(this=exp.Star()), "n_all", quoted=True, copy=False))
            grouped = shared.scope.from_(exp.select(*items, copy=False))
            if keys:
                grouped = grouped.where(and_(*[not_null(k) for k in keys]), copy=False).group_by(*keys, copy=False)
            defined[shared.name] = grouped
        ordered: list[tuple[str, exp.Select]] = []
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            for table in defined[name].find_all(exp.Table):
                if table.name in defined:
                    visit(table.name)
            ordered.append((name, defined[name]))

        for name in defined:
            visit(name)
        return ordered

    def _rebased(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, outer: list[Val]) -> tuple[exp.Expr, exp.Expr] | None:
        """A filter reading one outer entity (`m.joined >= g.created`): join that entity's table
        with the elements and group by its position, instead of a correlated subquery (which
        Spark refuses and which grows DuckDB's plans)."""
        assert isinstance(node.source, ir.CollectionRef)
        names = self._outer_reads(node)
        first, rebind = self._owner(names, env)
        if first is None or first.entity is None:
            return None
        owner = first.entity
        cache_key = f"rebased:{id(node)}:" + ":".join(sorted(f"{n}={env[n].sql.sql()}" for n in names))
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        parts: list[tuple[str, dict[str, exp.Expr]]] = []
        # Elements whose key is missing make the aggregate unknown unless the filter is false:
        # none exist when every key field is required and not nullable (loading checked it).
        forcing = (False, True) if node.keys and not self._keys_present(node) else (False,)
        for forced in forcing:
            owner_alias, element_alias = self.fresh("o"), self.fresh("e")
            inner = Scope(self, self.table(owner), owner_alias)
            inner_env = {n: rebind(n, owner_alias) for n in names}
            inner_env[node.var] = Val(col(element_alias, POS), T.entity_of(node.source.collection), node.source.collection, element_alias)
            keys, okeys = self._join_elements(node, inner, inner_env, element_alias, forced)
            element_join = len(inner.joins) - 1
            inner.key = {"o": col(owner_alias, POS), "e": col(element_alias, POS)}
            f, v = self._filter_value(node, inner_env, inner)
            partials = self._partials(node, f, v, col(element_alias, POS), forced=forced)
            grouped = self._pregrouped(node, owner, inner, element_join, element_alias, keys, okeys, f, v, forced)
            if grouped is None:
                grouped = self._by_owner(inner, col(owner_alias, POS), partials, forced)
            parts.append((self._join_grouped(scope, grouped, first.sql), partials))
        result = self._folded(node, parts)
        scope.cache[cache_key] = result
        return result

    def _outer_reads(self, node: ir.Aggregate) -> set[str]:
        """The outer variables a collection aggregate's filter, value and join keys read."""
        names = free_vars(node.where, self.program) | free_vars(node.value, self.program)
        for _, expr in node.keys:
            names |= free_vars(expr, self.program)
        names.discard(node.var)
        return names

    def _join_elements(self, node: ir.Aggregate, inner: Scope, inner_env: dict[str, Val], element_alias: str, forced: bool) -> tuple[list[exp.Expr], list[exp.Expr]]:
        """Join the aggregate's elements into an owner's FROM clause: those whose key matches
        the owner's (`forced`: those whose key is missing), or all of them when it has none.
        Returns the elements' key columns and the owner's key values."""
        assert isinstance(node.source, ir.CollectionRef)
        elements = _aliased(self.table(node.source.collection), element_alias)
        keys = self._key_columns(node, element_alias)
        okeys: list[exp.Expr] = []
        if keys and not forced:
            okeys = [self.expr(expr, inner_env, inner, None).sql for _, expr in node.keys]
            on = and_(*[exp.EQ(this=k, expression=paren(o)) for k, o in zip(keys, okeys, strict=True)])
            inner.joins.append(exp.Join(this=elements, kind="INNER", on=on))
        elif keys:
            inner.joins.append(exp.Join(this=elements, kind="INNER", on=or_(*[is_null(k) for k in keys])))
        else:
            inner.joins.append(exp.Join(this=elements, kind="CROSS"))
        return keys, okeys

    def _by_owner(self, inner: Scope, owner: exp.Expr, partials: dict[str, exp.Expr], forced: bool) -> exp.Select:
        """The partial states of an owner × element clause, grouped by the owner (`o`)."""
        items = [exp.alias_(owner, "o", quoted=True, copy=False)] + [exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()]
        if not forced:
            items.append(exp.alias_(exp.Count(this=exp.Star()), "n_all", quoted=True, copy=False))
        return inner.from_(exp.select(*items, copy=False)).group_by(owner.copy(), copy=False)

    def _join_grouped(self, scope: Scope, grouped: exp.Select, owner: exp.Expr) -> str:
        """LEFT JOIN a grouped-by-owner subquery to the scope on the owner; its alias."""
        name = self.fresh("d")
        scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="LEFT", on=exp.EQ(this=col(name, "o"), expression=owner)))
        return name

    def _folded(self, node: ir.Aggregate, parts: list[tuple[str, dict[str, exp.Expr]]]) -> tuple[exp.Expr, exp.Expr]:
        """(the aggregate, its matched count) from the joined partials: the key-matched part,
        plus the part of elements whose key is missing when there is one. An owner with no
        matching element has no row: its partials count as zero, the fold of an empty match."""
        (matched, partials), *rest = parts
        refs: dict[str, exp.Expr] = {n: col(matched, n) if n == "agg" else zero(col(matched, n)) for n in partials}
        for name, forced_partials in rest:
            for n in forced_partials:
                refs[n] = exp.Add(this=refs[n], expression=zero(col(name, n))) if n in refs else zero(col(name, n))
        return self._final(node, refs), zero(col(matched, "n_all"))

    def _owner(self, names: set[str], env: dict[str, Val]) -> tuple[Val | None, Any]:
        """The one outer row the free variables come from, and how to rebind them to a copy of it.

        Either every variable is that entity itself (`m.joined >= g.created`), or they are the
        entity and values computed from its row alone (`listed_at_least(c, listing_due(c))`:
        `step` is a CASE over `c`'s columns): those are re-read from the owner's copy.
        """
        entities = [env[n] for n in names if env[n].entity is not None]
        first = entities[0] if entities else None
        if first is not None and all(env[n].sql.sql() == first.sql.sql() for n in names):
            assert first.entity is not None
            entity = first.entity

            def same(name: str, alias: str) -> Val:
                return Val(col(alias, POS), env[name].type, entity, alias)

            return first, same
        # Otherwise: values computed from one row that is always there (a scope's base, such
        # as the rule's subject): `reported_by("comment", c.id, c.discovered_at + limit)`.
        if any(env[n].sql.find(exp.Select) is not None for n in names):
            return None, None
        aliases = set().union(*(_tables(env[n].sql) for n in names))
        if len(aliases) != 1 or next(iter(aliases)) not in self.bases:
            return None, None
        base = next(iter(aliases))
        entity = self.bases[base]
        row = col(base, POS)
        if any(e.sql.sql() != row.sql() for e in entities):
            return None, None
        first = Val(row, T.entity_of(entity), entity, base)

        def rebound(name: str, alias: str) -> Val:
            val = env[name]
            if val.entity is not None:
                return Val(col(alias, POS), val.type, entity, alias)
            moved = val.sql.transform(lambda n: col(alias, n.name) if isinstance(n, exp.Column) and n.table == base else n)
            return Val(moved, val.type, const=val.const, closed=val.closed)

        return first, rebound

    def _keys_present(self, node: ir.Aggregate) -> bool:
        """Every join key of the aggregate is a required, non-nullable top-level field."""
        assert isinstance(node.source, ir.CollectionRef)
        collection = self.layout.collections[node.source.collection]
        for path, _ in node.keys:
            column = collection.column(path)
            if column is None or len(path) != 1 or not column.required or column.nullable:
                return False
        return True

    def _pregrouped(
        self, node: ir.Aggregate, owner: str, inner: Scope, element_join: int, element_alias: str,
        keys: list[exp.Expr], okeys: list[exp.Expr], f: exp.Expr, v: exp.Expr | None, forced: bool,
    ) -> exp.Select | None:
        """The owner × element aggregate of `_rebased`, with the elements grouped first.

        Joining every owner with every element of its key is quadratic when keys are shared
        widely (`t.violation_type == s.violation_type and t.prior_violations == s.prior_violations`:
        every sanction with every sanction of the same history). But the filter reads the
        element only through a few expressions (`t.measure`, `cases[t.case_id].serious`), so
        the elements are grouped first by key and those expressions, with each group's
        partial aggregates computed twice: as if the filter were true, and as if it were
        unknown (a false filter contributes nothing). Each owner then joins the groups of its
        key, evaluates the filter once per group, and adds up the matching variant. Counts add
        exactly, min/max are associative, and sums are used only when they are whole numbers
        (exact in any order), so the result is the row-by-row one. None when the shape does
        not allow it: the value reads the owner, a join mixes both sides, a sum of fractions.
        """
        owner_alias = inner.alias
        element_side, owner_side = {element_alias}, {owner_alias}
        element_joins: list[exp.Join] = []
        owner_joins: list[exp.Join] = []
        for i, join in enumerate(inner.joins):
            if i == element_join:
                continue
            alias = join.this.alias
            condition = join.args.get("on")
            refs = _tables(condition) if condition is not None else set()
            refs.discard(alias)
            if refs and refs <= element_side:
                element_side.add(alias)
                element_joins.append(join)
            elif refs and refs <= owner_side:
                owner_side.add(alias)
                owner_joins.append(join)
            else:
                return None
        if v is not None and (v.find(exp.Select) is not None or not _tables(v) <= element_side):
            return None
        if f.find(exp.Select) is not None or not _tables(f) <= element_side | owner_side:
            return None
        if node.func == "sum" and node.type == T.NUMBER and not self.integral(node.value):
            return None
        group_alias = self.fresh("pg")
        grouped_exprs: dict[str, tuple[str, exp.Expr]] = {}

        def lift(e: exp.Expr) -> exp.Expr:
            used = _tables(e)
            if used and used <= element_side and _selectable(e):
                text = e.sql()
                if text not in grouped_exprs:
                    grouped_exprs[text] = (f"g{len(grouped_exprs)}", e.copy())
                return col(group_alias, grouped_exprs[text][0])
            for key, child in list(e.args.items()):
                if isinstance(child, exp.Expr):
                    e.set(key, lift(child))
                elif isinstance(child, list):
                    e.set(key, [lift(c) if isinstance(c, exp.Expr) else c for c in child])
            return e

        owner_filter = lift(f.copy())
        if _tables(owner_filter) & (element_side - {group_alias}):
            return None
        order = col(element_alias, POS)
        when_true = self._partials(node, exp.true(), v, order, forced=forced)
        when_unknown = self._partials(node, exp.Null(), v, order, forced=forced)
        items = [exp.alias_(k, f"k{i}", quoted=True, copy=False) for i, k in enumerate(keys if not forced else [])]
        items += [exp.alias_(e, name, quoted=True, copy=False) for name, e in grouped_exprs.values()]
        items += [exp.alias_(e, f"{n}_t", quoted=True, copy=False) for n, e in when_true.items()]
        items += [exp.alias_(e, f"{n}_u", quoted=True, copy=False) for n, e in when_unknown.items()]
        items.append(exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True, copy=False))
        elements = exp.select(*items, copy=False).from_(_aliased(self.table(node.source.collection), element_alias), copy=False)  # type: ignore[union-attr]
        for join in element_joins:
            elements = elements.join(join, copy=False)
        present = [not_null(k) for k in keys]
        if keys:
            elements = elements.where(or_(*[is_null(k) for k in keys]) if forced else and_(*present), copy=False)
        group_by = [*(keys if not forced else []), *(e for _, e in grouped_exprs.values())]
        if group_by:
            elements = elements.group_by(*group_by, copy=False)
        is_t = is_true(owner_filter)
        is_u = is_null(owner_filter)
        out = [exp.alias_(col(owner_alias, POS), "o", quoted=True, copy=False)]
        for n in when_true:
            if n == "agg":
                picked = case((is_t, col(group_alias, f"{n}_t")))
                reduce = {"min": exp.Min, "max": exp.Max}.get(node.func, exp.Sum)
                out.append(exp.alias_(reduce(this=picked), n, quoted=True, copy=False))
            else:
                chosen = case((is_t, col(group_alias, f"{n}_t")), (is_u, col(group_alias, f"{n}_u")), default=num(0))
                out.append(exp.alias_(exp.Sum(this=chosen), n, quoted=True, copy=False))
        if not forced:
            out.append(exp.alias_(exp.Sum(this=col(group_alias, "n")), "n_all", quoted=True, copy=False))
        query = exp.select(*out, copy=False).from_(_aliased(self.table(owner), owner_alias), copy=False)
        for join in owner_joins:
            query = query.join(join, copy=False)
        if keys and not forced:
            on = and_(*[exp.EQ(this=col(group_alias, f"k{i}"), expression=paren(o)) for i, o in enumerate(okeys)])
            query = query.join(exp.Join(this=exp.alias_(elements.subquery(), group_alias, table=True, copy=False), kind="INNER", on=on), copy=False)
        else:
            query = query.join(exp.Join(this=exp.alias_(elements.subquery(), group_alias, table=True, copy=False), kind="CROSS"), copy=False)
        return query.group_by(col(owner_alias, POS), copy=False)

    def _rescoped(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr] | None:
        """A filter reading more than one row of the enclosing FROM clause (`m.joined > u.born`
        within `count(g in groups where count(m in memberships where m.group_id == g.id and …) > 0)`):
        a copy of that clause joined with the elements, grouped by its row key (`Scope.key`).
        This is the correlated subquery of `_correlated` decorrelated by hand: Spark refuses
        one whose aggregate reads both the outer and the inner rows.
        """
        assert isinstance(node.source, ir.CollectionRef)
        names = self._outer_reads(node)
        if scope.key is None or any(env[n].sql.find(exp.Select) is not None for n in names):
            return None
        visible = {scope.alias} | {j.alias_or_name for j in scope.joins}
        if not set().union(*(_tables(env[n].sql) for n in names)) <= visible:
            return None
        cache_key = f"rescoped:{id(node)}:" + ":".join(sorted(f"{n}={env[n].sql.sql()}" for n in names))
        if cache_key in scope.cache:
            found: tuple[exp.Expr, exp.Expr] = scope.cache[cache_key]
            return found
        collection = node.source.collection
        key = self.target.row_key(scope.key)
        parts: list[tuple[str, dict[str, exp.Expr]]] = []
        forcing = (False, True) if node.keys and not self._keys_present(node) else (False,)
        for forced in forcing:
            element_alias = self.fresh("e")
            inner = scope.copy_for(set().union(*(_tables(env[n].sql) for n in names)))
            inner_env = {n: env[n] for n in names}
            inner_env[node.var] = Val(col(element_alias, POS), T.entity_of(collection), collection, element_alias)
            self._join_elements(node, inner, inner_env, element_alias, forced)
            f, v = self._filter_value(node, inner_env, inner)
            partials = self._partials(node, f, v, col(element_alias, POS), forced=forced)
            grouped = self._by_owner(inner, key.copy(), partials, forced)
            parts.append((self._join_grouped(scope, grouped, key.copy()), partials))
        result = self._folded(node, parts)
        scope.cache[cache_key] = result
        return result

    def _correlated(self, node: ir.Aggregate, env: dict[str, Val], outer: list[Val]) -> tuple[exp.Expr, exp.Expr]:
        """An aggregate whose filter also reads the outer row: a correlated scalar subquery."""
        inner, inner_env = self._element_scope(node, env)
        f, v = self._filter_value(node, inner_env, inner)
        keys = self._key_columns(node, inner.alias)
        if keys and self._keys_present(node):  # no element lacks a key: a plain (decorrelatable) equi-join
            matched = rows = and_(*[exp.EQ(this=k, expression=paren(o.sql)) for k, o in zip(keys, outer, strict=True)])
        elif keys:
            matched = and_(*[exp.EQ(this=k, expression=paren(o.sql)) for k, o in zip(keys, outer, strict=True)])
            missing = or_(*[is_null(k) for k in keys])
            f = case((missing, case((is_false(f), exp.false()))), default=f)
            rows = or_(matched, missing)
        else:
            matched = rows = exp.true()
        partials = self._partials(node, f, v, col(inner.alias, POS), forced=False)
        value = inner.from_(exp.select(self._final(node, partials), copy=False)).where(rows, copy=False).subquery()
        counted = exp.select(exp.Count(this=exp.Star()), copy=False).from_(_aliased(self.table(node.source.collection), inner.alias), copy=False)  # type: ignore[union-attr]
        if keys:
            counted = counted.where(matched, copy=False)
        return value, counted.subquery()

    def _list_aggregate(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, trace: Trace | None, probe: Probe | None) -> Val:
        source = self.expr(node.source, env, scope, trace)
        element = source.type.element if isinstance(source.type, T.ListType) else T.UNKNOWN
        reads_tables = any(isinstance(n, ir.Aggregate | ir.Lookup) for part in (node.where, node.value) if part is not None for n in walk_inlined(part, self.program))
        if reads_tables:
            sql = self._unnested(node, env, scope, source, element)
            if probe is not None:
                self._list_probe(node, env, probe, sql, source)
            return Val(sql, node.type)
        inner = dict(env)
        var = f"x_{node.var}"
        inner[node.var] = Val(exp.column(var), element, record=source.record)
        f = self.expr(node.where, inner, scope, None).sql if node.where is not None else exp.true()
        v = self.expr(node.value, inner, scope, None).sql if node.value is not None else None
        tg = self.target
        items = source.sql

        def n(cond: exp.Expr) -> exp.Expr:
            return tg.list_filter_count(items, var, cond)

        func = node.func
        if func == "count":
            value = case((gt0(n(is_null(f))), exp.Null()), default=n(is_true(f)))
        elif func == "exists":
            value = case((gt0(n(is_true(f))), exp.true()), (gt0(n(is_null(f))), exp.Null()), default=exp.false())
        elif func == "any":
            assert v is not None
            value = case((gt0(n(is_true(and_(f, v)))), exp.true()), (gt0(n(and_(not_false(f), not_false(v)))), exp.Null()), default=exp.false())
        elif func == "all":
            assert v is not None
            value = case((gt0(n(is_true(and_(f, not_(v))))), exp.false()), (gt0(n(and_(not_false(f), or_(is_null(f), not_(is_true(v)))))), exp.Null()), default=exp.true())
        else:
            assert v is not None
            unknown = or_(gt0(n(is_null(f))), gt0(n(and_(is_true(f), is_null(v)))))
            reduced = tg.list_reduce(tg.list_values(items, var, is_true(f), v), func)
            if func == "sum":
                reduced = exp.Coalesce(this=reduced, expressions=[num(0)])
            value = case((unknown, exp.Null()), default=reduced)
        sql = case((is_null(items), exp.Null()), default=value)
        if probe is not None:
            self._list_probe(node, env, probe, sql, source)
        return Val(sql, node.type)

    def _list_probe(self, node: ir.Aggregate, env: dict[str, Val], probe: Probe, sql: exp.Expr, source: Val) -> None:
        probe.value = self.emit(sql, node.type)
        probe.key = self.emit(not_null(source.sql), T.BOOL)
        probe.source = self.emit(source.raw if source.raw is not None else source.sql, source.type)
        probe.source_json = source.raw is not None
        free = free_vars(node.where, self.program) | free_vars(node.value, self.program)
        free.discard(node.var)
        for name in sorted(free):
            bound = env[name]
            probe.env[name] = (self.emit(bound.sql, bound.type if bound.entity is None else T.NUMBER), bound.type, bound.entity)

    def _unnested(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, source: Val, element: T.Type) -> exp.Expr:
        """A list aggregate whose filter looks things up: unnest the list, join, group by its owner.

        The owner is the one row the list and the filter's other variables come from (the
        rule's subject, an element: see `_owner`): a copy of its table computes the list
        again, one row per element, next to the owner's fields. A list that reads no row (a
        parameter, a literal) is unnested once per query and cross-joined.
        """
        free = free_vars(node.source, self.program) | free_vars(node.where, self.program) | free_vars(node.value, self.program)
        free.discard(node.var)
        rows, alias = self.fresh("o"), self.fresh("le")
        owner: exp.Expr | None = None  # the owner row's key, in the enclosing scope
        if not free:
            one_row = exp.select(exp.alias_(exp.Literal.number(0), POS, quoted=True, copy=False)).subquery()
            listing = Scope(self, one_row, rows)
            items = self.expr(node.source, {}, listing, None).sql
            inner = Scope(self, listing.from_(self.target.unnest(None, items)).subquery(), alias)
            inner_env: dict[str, Val] = {}
        else:
            first, rebind = self._owner(free, env)
            if first is None or first.entity is None:
                within = self._within_scope(node, env, free, scope, alias)
                if within is None:
                    raise Unsupported("an aggregate over a list whose filter reads values of more than one row", node.span)
                owner, inner, inner_env = within
            else:
                owner = first.sql
                collection = self.layout.collections[first.entity]
                listing = Scope(self, self.table(first.entity), rows)
                items = self.expr(node.source, {n: rebind(n, rows) for n in free}, listing, None).sql
                unnest = listing.from_(self.target.unnest(col(rows, POS), items))
                # The owner's fields ride along with its elements (no join back to the owner's
                # table by position), unless one of them is named like the unnest's own columns.
                if not ({"o", "i", "x"} & {c.name for c in collection.columns}):
                    carried = [POS, *stored(collection)]
                    unnest = unnest.select(*[exp.alias_(col(rows, c), c, quoted=True, copy=False) for c in carried], copy=False)
                    inner = Scope(self, unnest.subquery(), alias)
                    inner_env = {n: rebind(n, alias) for n in free}
                elif all(env[n].entity is not None for n in free):
                    inner = Scope(self, unnest.subquery(), alias)
                    inner_env = {n: Val(col(alias, "o"), env[n].type, first.entity) for n in free}
                else:
                    raise Unsupported("an aggregate over a list whose filter reads values computed from a row with a field named o, i or x", node.span)
        inner.key = {"o": col(alias, "o"), "i": col(alias, "i")} if owner is not None else {"i": col(alias, "i")}
        inner_env[node.var] = Val(col(alias, "x"), element, record=source.record)
        f, v = self._filter_value(node, inner_env, inner)
        partials = self._partials(node, f, v, col(alias, "i"), forced=False)
        name = self.fresh("a")
        if owner is None:
            grouped = inner.from_(exp.select(*[exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()], copy=False))
            scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="CROSS"))
        else:
            selected = [exp.alias_(col(alias, "o"), "k0", quoted=True, copy=False)] + [exp.alias_(e, n, quoted=True, copy=False) for n, e in partials.items()]
            grouped = inner.from_(exp.select(*selected, copy=False)).group_by(col(alias, "o"), copy=False)
            scope.joins.append(exp.Join(this=exp.alias_(grouped.subquery(), name, table=True, copy=False), kind="LEFT", on=exp.EQ(this=col(name, "k0"), expression=owner)))
        refs: dict[str, exp.Expr] = {n: col(name, n) for n in partials}
        return case((is_null(source.sql), exp.Null()), default=self._final(node, refs))

    def _within_scope(self, node: ir.Aggregate, env: dict[str, Val], free: set[str], scope: Scope, alias: str) -> tuple[exp.Expr, Scope, dict[str, Val]] | None:
        """A list aggregate whose list and filter read values of more than one row of the
        enclosing FROM clause: inside another list aggregate, a filter reading both elements
        (`any(groups[t].x == groups[x].x for t in u.tags)` within `all(… for x in u.tags)`), or
        inside a collection aggregate, one reading the element and the subject.

        The owner is then one row of the enclosing clause, named by its key (`Scope.key`: the
        positions or list indexes it joins). A copy of the clause computes the list again,
        one row per element, next to the values the filter reads (renamed `alias.column`;
        entities by position, their fields joined again), grouped by that key.
        """
        if scope.key is None or any(env[n].sql.find(exp.Select) is not None for n in free):
            return None
        reads: dict[tuple[str, str], str] = {}
        for n in sorted(free):  # sorted: the same SQL text in every process
            for e in (env[n].sql, env[n].raw):
                for c in e.find_all(exp.Column) if e is not None else ():
                    reads[(c.table, c.name)] = f"{c.table}.{c.name}"
        visible = {scope.alias} | {j.alias_or_name for j in scope.joins}
        if not {t for t, _ in reads} <= visible:
            return None
        listing = scope.copy_for({t for t, _ in reads})
        items = self.expr(node.source, {n: env[n] for n in free}, listing, None).sql
        unnest = listing.from_(self.target.unnest(self.target.row_key(scope.key), items))
        unnest = unnest.select(*[exp.alias_(col(t, c), name, quoted=True, copy=False) for (t, c), name in reads.items()], copy=False)
        inner = Scope(self, unnest.subquery(), alias)

        def moved(val: Val) -> Val:
            def move(e: exp.Expr) -> exp.Expr:
                return e.transform(lambda n: col(alias, reads[(n.table, n.name)]) if isinstance(n, exp.Column) and (n.table, n.name) in reads else n)

            raw = move(val.raw) if val.raw is not None else None
            return dataclasses.replace(val, sql=move(val.sql), alias=None if val.entity is not None else val.alias, raw=raw)

        return self.target.row_key(scope.key), inner, {n: moved(env[n]) for n in free}

    def integral(self, node: ir.Expr | None) -> bool:
        """True when a number expression always holds whole numbers (its sum is exact in any order)."""
        match node:
            case ir.Const(value=v):
                return isinstance(v, int) and not isinstance(v, bool)
            case ir.Field(base=base, path=path) if not isinstance(base, ir.Root):
                entity = base.type.collection if isinstance(base.type, T.EntityType) else None
                collection = self.layout.collections.get(entity) if entity else None
                column = collection.column(path) if collection else None
                return column is not None and column.kind == "integer"
            case ir.Aggregate(func="count"):
                return True
            case ir.Aggregate(func="sum" | "min" | "max", value=v):
                return self.integral(v)
            case ir.Op(name="num+num" | "num-num" | "num*num" | "neg" | "abs" | "len" | "months", args=args):
                return all(self.integral(a) or a.type != T.NUMBER for a in args)
            case ir.Chain(first=first, steps=steps):
                return all(s.name in ("num+num", "num-num", "num*num") for s in steps) and all(self.integral(a) for a in (first, *(s.operand for s in steps)))
            case ir.Coalesce(value=a, fallback=b) | ir.If(then=a, otherwise=b):
                return self.integral(a) and self.integral(b)
            case ir.DefCall(name=name):
                return self.integral(self.program.definitions[name].body)
        return False


def _balanced(kind: type[exp.Add] | type[exp.Mul], terms: list[exp.Expr]) -> exp.Expr:
    """`terms` joined by `kind` as a balanced tree: log2(n) deep."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return kind(this=paren(_balanced(kind, terms[:middle])), expression=paren(_balanced(kind, terms[middle:])))


def _tables(e: exp.Expr) -> set[str]:
    """The table aliases an expression's columns are qualified with."""
    return {c.table for c in e.find_all(exp.Column) if c.table}


def _selectable(e: exp.Expr) -> bool:
    """An expression that can stand alone as a SELECT item (not a WHEN arm, name or type)."""
    return not isinstance(e, exp.If | exp.Identifier | exp.DataType | exp.TableAlias | exp.Star | exp.Var)


def literal(target: Target, value: Any, t: T.Type) -> exp.Expr:
    """A reference evaluator's value of type `t` as a SQL literal (as the columns hold it)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(t, T.StepType) or t == T.PERIOD:
        return num(int(value))
    if isinstance(value, dt.datetime):
        naive = value.astimezone(dt.UTC).replace(tzinfo=None)
        return cast(exp.Literal.string(naive.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, dt.timedelta):
        return num(_micros(value))
    if isinstance(value, int | float):
        return num(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        element = t.element if isinstance(t, T.ListType) else T.UNKNOWN
        return target.array([literal(target, v, element) for v in value])
    raise Unsupported(f"a {t} value cannot be written in SQL")


def _micros(value: dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


@dataclass(slots=True)
class Trace:
    """Where probes go, and the condition under which the current node is reached."""

    sink: list[Probe]
    visit: tuple[tuple[int, str], ...] = ()

    def under(self, column: int | None, test: str) -> Trace:
        if column is None:  # decided statically true: nothing to test
            return self
        return Trace(self.sink, (*self.visit, (column, test)))

    def never(self) -> Trace:
        return Trace(self.sink, (*self.visit, (-1, "never")))

    def add(self, probe: Probe, gen: Generator) -> None:
        probe.visit = self.visit
        self.sink.append(probe)


def reached(visit: tuple[tuple[int, str], ...], row: tuple[Any, ...]) -> bool:
    """Whether the reference tracer evaluates a node, from the values of the sub-expressions before it."""
    for column, test in visit:
        if test == "never":
            return False
        value = row[column]
        if test == "not_false" and value is False:
            return False
        if test == "not_true" and value is True:
            return False
        if test == "true" and value is not True:
            return False
        if test == "false" and value is not False:
            return False
        if test == "null" and value is not None:
            return False
    return True


def free_vars(node: ir.Expr | None, program: Program) -> set[str]:
    """Variables an expression reads from its surroundings (definitions see only their arguments)."""
    if node is None:
        return set()
    if isinstance(node, ir.Var):
        return {node.name}
    if isinstance(node, ir.DefCall):
        out: set[str] = set()
        for arg in node.args:
            out |= free_vars(arg, program)
        return out
    if isinstance(node, ir.Aggregate):
        out = set()
        for _, expr in node.keys:
            out |= free_vars(expr, program)
        out |= free_vars(node.source, program)
        inner = free_vars(node.where, program) | free_vars(node.value, program)
        inner.discard(node.var)
        return out | inner
    out = set()
    for child in children(node):
        out |= free_vars(child, program)
    return out


MAX_INLINED_NODES = 10_000  # nodes definitions add to a rule once written out: CAC's most is under 300; 9,200 take DuckDB 6 s


def inlined_size(node: ir.Expr | None, program: Program, sizes: dict[str, int] | None) -> int:
    """How many nodes `node` becomes once every definition call is written out in place.

    SQL has no functions of ours, so each call is inlined: sixteen definitions that each
    call the previous one twice become 65,536 copies (105 s and 4.8 GB in DuckDB, where
    the python backend, which calls, takes 0.7 s). Counted per definition once (`sizes`),
    so the count itself is linear in the program however large the expansion. With
    `sizes` None, calls are not expanded: the expression as written.
    """
    if node is None:
        return 0
    total = 0
    stack = [node]
    while stack:
        current = stack.pop()
        total += 1
        if isinstance(current, ir.DefCall) and sizes is not None:
            if current.name not in sizes:
                sizes[current.name] = 0  # a cycle is refused by the compiler; never loop here
                sizes[current.name] = inlined_size(program.definitions[current.name].body, program, sizes)
            total += sizes[current.name]
        stack.extend(children(current))
    return total


def too_large_to_inline(program: Program, rules: Iterable[ir.Rule]) -> tuple[ir.Rule, int] | None:
    """The first rule whose definitions, written out, add more than `MAX_INLINED_NODES`
    nodes to it (a long expression written out by hand is the writer's; only what calls
    multiply counts), with that number."""
    sizes: dict[str, int] = {}
    for rule in rules:
        parts = [rule.where, rule.unless, rule.require, *(p for p in rule.message if not isinstance(p, str))]
        added = sum(inlined_size(part, program, sizes) - inlined_size(part, program, None) for part in parts)
        if added > MAX_INLINED_NODES:
            return rule, added
    return None


def walk_inlined(node: ir.Expr, program: Program) -> Iterator[ir.Expr]:
    """Every node, with definition bodies expanded."""
    yield node
    if isinstance(node, ir.DefCall):
        yield from walk_inlined(program.definitions[node.name].body, program)
    for child in children(node):
        yield from walk_inlined(child, program)
