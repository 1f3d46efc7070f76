"""IR → SQL: one query per rule, as sqlglot expression trees.

A rule over a collection becomes

    SELECT s.__pos, <outcome>, <subject id>, <message values>, <evidence probes>
    FROM t_<collection> AS s
      LEFT JOIN <lookup by id> …            -- users[g.creator_id]: first element with that id
      LEFT JOIN <keyed aggregate> …          -- GROUP BY the element's key, joined on the outer key
      CROSS JOIN <unkeyed aggregate> …        -- one row
    WHERE NOT <satisfied>

and only the violated and undetermined subjects come back, with every answer the report
needs as a column (`probes.py`). The generator is read in pipeline order:

- `builders.py`: the sqlglot pieces, named for their three-valued meaning;
- `scopes.py`: an expression's SQL value (`Val`) and the FROM clause it is read in;
- this module: rules, batches, and every expression but aggregates (fields, lookups by id,
  logic, operators (their SQL: `operators.py`), definitions, ladders, escalations);
- `aggregates.py`: each aggregate function's partial states and fold;
- `grouping.py`: aggregates over a collection whose filter reads only the element (one
  shared GROUP BY per collection and key); `decorrelate.py`: those that read the outer
  row too; `lists.py`: aggregates over a list value;
- `inlining.py`: definitions written out in place; `probes.py`: what the columns mean.
- `simplify.py`: the finished queries without the null branches loading ruled out.

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

import itertools
from typing import Any

from sqlglot import exp

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import children
from lawcode.compiler.operators import OPERATORS
from lawcode.compiler.program import Program
from lawcode.engine.evaluate import Evaluator
from lawcode.engine.jsontext import pointer
from lawcode.engine.snapshot import Snapshot
from lawcode.engine.sql import operators
from lawcode.engine.sql.aggregates import AGGREGATES, RowTally, States, integral
from lawcode.engine.sql.builders import (
    Unsupported,
    and_,
    balanced,
    case,
    col,
    ident,
    is_false,
    is_null,
    is_true,
    literal,
    not_,
    not_null,
    or_,
)
from lawcode.engine.sql.decorrelate import Decorrelator
from lawcode.engine.sql.dialects import Target, cast, num, paren
from lawcode.engine.sql.grouping import Grouping
from lawcode.engine.sql.inlining import free_vars
from lawcode.engine.sql.lists import ListAggregates
from lawcode.engine.sql.lookups import Lookups
from lawcode.engine.sql.probes import Batch, Probe, RuleQuery, Trace, reached
from lawcode.engine.sql.scopes import Scope, Val
from lawcode.engine.sql.simplify import present_columns, simplify
from lawcode.engine.sql.tables import POS, Column, Layout, scalar_sql_type

# The longest chain of operators written left-deep (a chain of whole numbers is balanced):
# each step is a few levels of SQL (a date's is a range check around a function call).
SQL_CHAIN_STEPS = 100


def typed_null(t: T.Type) -> exp.Expr:
    """NULL of a scalar type's SQL type (`epoch_us(NULL)` has no one meaning), else NULL."""
    kinds = {T.DATE: "string", T.DATETIME: "string", T.DURATION: "string", T.PERIOD: "string", T.NUMBER: "number", T.BOOL: "boolean", T.STRING: "string"}
    kind = kinds.get(t)
    return exp.Null() if kind is None else cast(exp.Null(), scalar_sql_type(kind, t))


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
        # Tables shared by the queries of the plan (aggregate partials; Spark's id indexes): the
        # DuckDB backend materializes each once per evaluation; otherwise they are CTEs.
        self.shared: dict[str, exp.Select | None] = {}
        self.uses: set[str] = set()
        self.ctes: list[tuple[str, exp.Select]] = []
        self.bases: dict[str, str] = {}  # alias of a scope's base table → its collection
        self.presence: ir.Expr | None = None  # the argument of the `present(…)` being generated
        self.lookups = Lookups(self)
        self.grouping = Grouping(self)
        self.decorrelator = Decorrelator(self)
        self.lists = ListAggregates(self)

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
        self.grouping.start_batch()
        self.uses = set()
        collection = rules[0].collection
        if collection is None:
            base: exp.Expr = exp.select(exp.alias_(exp.Literal.number(0), POS, quoted=True, copy=False)).subquery()
            scope = Scope(self, base, "s", {"s": col("s", POS)})
        else:
            scope = Scope(self, self.table(collection), "s", {"s": col("s", POS)})
        position = self.emit(col("s", POS), T.NUMBER)
        id_kind = self._subject_id_kind(collection)  # None: subjects shown by position; json: decoded by the assembler
        subject_id = self.emit(exp.Null() if id_kind is None else col("s", "id"), T.UNKNOWN)
        queries: list[RuleQuery] = []
        unsatisfied: list[exp.Expr] = []
        for rule in rules:
            query, satisfied = self._rule(rule, scope, position, subject_id)
            query.subject_json = id_kind == "json"
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
            batch.select = self.simplified(select)
        return [(name, self.simplified(body)) for name, body in shared] if materialized else []

    def simplified(self, select: exp.Select) -> exp.Select:
        """The query without the null branches loading ruled out (`simplify.py`), on a target
        whose load checks the schema."""
        if not self.target.validated:
            return select
        out = simplify(select, present_columns(self.layout))
        assert isinstance(out, exp.Select)
        return out

    def shared_definitions(self) -> list[tuple[str, exp.Select]]:
        """Every shared table of the plan, each after the shared tables it reads."""
        defined: dict[str, exp.Select] = {}
        for name, select in self.shared.items():
            if select is not None:
                defined[name] = select
            elif name in self.lookups.indexes:
                defined[name] = self.lookups.definition(name)
        defined.update(self.grouping.definitions())
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

    def _subject_id_kind(self, collection: str | None) -> str | None:
        """How the subject's `id` column holds it: typed, or `json` for an id of no one type (`["string", "integer"]`)."""
        coll = self.layout.collections.get(collection) if collection is not None else None
        column = coll.column(("id",)) if coll else None
        if column is None or column.is_record or column.fields or column.inner is not None:
            return None
        return column.kind if column.kind in ("string", "integer", "number", "json") else None

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
            trace.add(Probe("static", node, static_value=self.root.as_of, static_pointer="/as_of"))
        return Val(self.literal(self.root.as_of, T.DATE), T.DATE, const=self.root.as_of, closed=True)

    def _paramref(self, node: ir.ParamRef, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        value = self.params[node.name]
        if trace is not None:
            origin = self.origins.get(node.name)
            note = "declared by the platform" if origin else "ruleset default"
            trace.add(Probe("static", node, static_value=value, static_pointer=origin, static_note=note))
        return Val(self._closed_literal(value, node.type), node.type, const=value, closed=True)

    def _var(self, node: ir.Var, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        return env[node.name]

    def _root(self, node: ir.Root, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        raise Unsupported("the snapshot itself is not a value", node.span)

    def _collectionref(self, node: ir.CollectionRef, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        raise Unsupported("a whole collection is not a value", node.span)

    # -- fields (lookups: `lookups.py`)
    def _field(self, node: ir.Field, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        if isinstance(node.base, ir.Root):
            value = self.python.eval(node, {})
            if trace is not None:
                trace.add(Probe("static", node, static_value=value, static_pointer=pointer(*node.path)))
            return Val(self._closed_literal(value, node.type), node.type, const=value, closed=True)
        probe = Probe("field", node) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe)
        base = self.expr(node.base, env, scope, trace)
        if base.entity is None and base.record is not None and probe is None:
            return self._item_field(node, base)
        if base.entity is None and isinstance(base.type, T.RecordType):
            raise Unsupported("reading a field of a computed object", node.span)
        if base.entity is None:
            raise Unsupported(f"reading a field of a {base.type} value", node.span)
        return self._entity_field(node, base, scope, probe)

    def _entity_field(self, node: ir.Field, base: Val, scope: Scope, probe: Probe | None) -> Val:
        """A field of an entity: its column, on the entity's row (joined by position if need be)."""
        assert base.entity is not None
        collection = self.layout.collections.get(base.entity)
        column = collection.column(node.path) if collection else None
        if column is None:
            raise Unsupported(f"field `{'.'.join(node.path)}` of {base.entity} has a type the SQL backends do not read", node.span)
        typed = column.typed_name if node is not self.presence else None
        if column.kind == "json" and node is not self.presence and typed is None:
            what = "a list of mixed items, or of lists of anything but scalars" if isinstance(node.type, T.ListType) else "a value of no one type"
            raise Unsupported(f"field `{'.'.join(node.path)}` of {base.entity} holds {what}; the SQL backends only ask `present(…)` of it", node.span)
        alias = self.lookups.row(base, scope, [column.name, *([typed] if typed else [])])
        sql: exp.Expr = col(alias, column.name)
        if probe is not None:
            probe.collection, probe.suffix = base.entity, pointer(*node.path)
            probe.base = self.emit(base.sql, T.NUMBER)
        if typed is not None:  # a list of objects or of lists: rules compute with its typed column, probes show its JSON
            if probe is not None:
                probe.value, probe.json = self.emit(sql, T.STRING), True
            return Val(col(alias, typed), node.type, raw=sql, record=column if column.fields else None)
        if probe is not None:
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

    def _lookup(self, node: ir.Lookup, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        return self.lookups.lookup(node, env, scope, trace)

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
        if not OPERATORS[node.name].strict and len(node.args) == 1:
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
        exact = integral(node.first, self.program, self.layout) and all(integral(step.operand, self.program, self.layout) for step in node.steps)
        if exact and names <= {"num+num", "num-num"}:
            terms = [first.sql, *(v.sql if s.name == "num+num" else exp.Neg(this=paren(v.sql)) for s, v in zip(node.steps, operands, strict=True))]
            return Val(balanced(exp.Add, terms), node.type)
        if exact and names == {"num*num"}:
            return Val(balanced(exp.Mul, [first.sql, *(v.sql for v in operands)]), node.type)
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
            trace.add(group)
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
            trace.add(probe)
        count = self.expr(node.count, env, scope, trace)
        table = sorted(self.params[node.param], reverse=True)
        if table:
            sql: exp.Expr = case(*[(exp.GTE(this=paren(count.sql), expression=num(t)), num(i)) for t, i in table])
        else:
            sql = exp.Null()
        if probe is not None:
            probe.value = self.emit(sql, node.type)
        return Val(sql, node.type)

    # -- aggregates (over a collection: `grouping.py`, `decorrelate.py`; over a list: `lists.py`)
    def _aggregate(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope, trace: Trace | None) -> Val:
        probe = Probe("aggregate", node) if trace is not None else None
        if trace is not None and probe is not None:
            trace.add(probe)
        outer = [self.expr(expr, env, scope, trace) for _, expr in node.keys]
        if not isinstance(node.source, ir.CollectionRef):
            return self.lists.aggregate(node, env, scope, trace, probe)
        if not self.root.has_collection(node.source.collection):  # unknown, not empty: missing (docs/snapshot.md)
            if probe is not None:
                probe.collection = node.source.collection
            return Val(typed_null(node.type), node.type)
        free = free_vars(node.where, self.program) | free_vars(node.value, self.program)
        free.discard(node.var)
        known = and_(*[not_null(o.sql) for o in outer]) if outer else exp.true()
        if free:
            value, count = self.decorrelator.aggregate(node, env, scope)
        else:
            value, count = self.grouping.aggregate(node, scope, outer)
        sql = case((known, value)) if outer else value
        if probe is not None:
            probe.collection = node.source.collection
            probe.key = self.emit(known, T.BOOL)
            probe.value = self.emit(sql, node.type)
            probe.count = self.emit(count, T.NUMBER)
            probe.outer_keys = [self.emit(o.sql, expr.type) for o, (_, expr) in zip(outer, node.keys, strict=True)]
            self.bindings(probe, free, env)
        return Val(sql, node.type)

    def bindings(self, probe: Probe, free: set[str], env: dict[str, Val]) -> None:
        """The outer variables an aggregate's filter reads, as columns (explain shows them)."""
        for name in sorted(free):
            bound = env[name]
            probe.env[name] = (self.emit(bound.sql, bound.type if bound.entity is None else T.NUMBER), bound.type, bound.entity)

    def element_scope(self, node: ir.Aggregate, outer_env: dict[str, Val]) -> tuple[Scope, dict[str, Val]]:
        """A FROM clause of the aggregate's elements, the aggregate's variable bound to its row."""
        assert isinstance(node.source, ir.CollectionRef)
        collection = node.source.collection
        alias = self.fresh("e")
        inner = Scope(self, self.table(collection), alias, {"e": col(alias, POS)})
        env = dict(outer_env)
        env[node.var] = Val(col(alias, POS), T.entity_of(collection), collection, alias)
        return inner, env

    def filter_value(self, node: ir.Aggregate, env: dict[str, Val], scope: Scope) -> tuple[exp.Expr, exp.Expr | None]:
        """The aggregate's filter (TRUE if none) and per-element value (None for count/exists)."""
        f = self.expr(node.where, env, scope, None).sql if node.where is not None else exp.true()
        v = self.expr(node.value, env, scope, None).sql if node.value is not None else None
        return f, v

    def key_columns(self, node: ir.Aggregate, alias: str) -> list[exp.Expr]:
        """The element's join key columns (`m.group_id` of `count(m in memberships where m.group_id == g.id)`)."""
        assert isinstance(node.source, ir.CollectionRef)
        collection = self.layout.collections[node.source.collection]
        out: list[exp.Expr] = []
        for path, _ in node.keys:
            column = collection.column(path)
            if column is None:
                raise Unsupported(f"join key `{'.'.join(path)}` has a type the SQL backends do not read", node.span)
            out.append(col(alias, column.name))
        return out

    def keys_present(self, node: ir.Aggregate) -> bool:
        """No element whose join key is missing can count: each key field is a required,
        non-nullable top-level field (loading checked it), or the filter asks `present(e.f)`
        of it (`where present(e.user_id) and e.user_id == a.user_id …`: for an element without
        one the filter is false, which counts for nothing). Then the aggregate needs no part
        for such elements (at full CAC, 1M users: a cross join of the accounts with them and
        a GROUP BY of 2M rows)."""
        assert isinstance(node.source, ir.CollectionRef)
        collection = self.layout.collections[node.source.collection]
        guarded = _presence_guards(node.where, node.var)
        for path, _ in node.keys:
            column = collection.column(path)
            if column is None:
                return False
            if path not in guarded and (len(path) != 1 or not column.required or column.nullable):
                return False
        return True

    def states(self, node: ir.Aggregate, f: exp.Expr, v: exp.Expr | None, order: exp.Expr, unmatched: bool) -> States:
        """The partial states of a group of elements (`aggregates.py`), as aggregates over its
        rows; `unmatched`: of elements whose join key is missing."""
        exact = not (node.func == "sum" and node.type == T.NUMBER and not integral(node.value, self.program, self.layout))
        sql = AGGREGATES[node.func]
        return (sql.unmatched if unmatched else sql.states)(f, v, RowTally(self.target, order, exact))

    def final(self, node: ir.Aggregate, states: dict[str, exp.Expr]) -> exp.Expr:
        return AGGREGATES[node.func].final(states)


def _presence_guards(where: ir.Expr | None, var: str) -> set[tuple[str, ...]]:
    """The fields `f` of the element `var` whose `present(var.f)` is a conjunct of `where`."""
    found: set[tuple[str, ...]] = set()
    stack = [where]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.And):
            stack += [node.left, node.right]
        elif isinstance(node, ir.Op) and node.name == "present" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ir.Field) and isinstance(arg.base, ir.Var) and arg.base.name == var:
                found.add(arg.path)
    return found
