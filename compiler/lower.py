"""Expressions: resolve names, check types, build IR.

One pass does all three because each needs the others: what `g.member_count` means
depends on what `g` is, and its type decides which operator `+` becomes. After a
mistake the node gets the `unknown` type, which every check accepts, so one typo gives
one diagnostic instead of a cascade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.ir_walk import children, references, split_keys, walk
from lawcode.compiler.operators import AGGREGATES, COMPARISONS, FUNCTIONS, OPERATORS, infix
from lawcode.compiler.schema import FieldInfo, SnapshotSchema, json_types
from lawcode.compiler.slips import slip_hint
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, did_you_mean, error
from lawcode.dsl.spans import Span

__all__ = ["Context", "Env", "Lowerer", "children", "duration_const", "references", "split_keys", "walk"]

Env = Mapping[str, T.Type]

# The literals whose value is the constant as the parser read it, by node class.
_LITERAL_TYPES: dict[type[ast.Expr], T.Type] = {
    ast.IntLit: T.NUMBER,
    ast.StringLit: T.STRING,
    ast.BoolLit: T.BOOL,
    ast.DateLit: T.DATE,
    ast.DateTimeLit: T.DATETIME,
}


class Context(Protocol):
    """What expression lowering needs from the program being compiled."""

    schema: SnapshotSchema

    def parameter(self, module: str, name: str) -> ir.Parameter | None: ...
    def definition(self, module: str, name: str, span: Span) -> ir.Definition | None: ...
    def definition_params(self, module: str, name: str) -> tuple[ast.DefParam, ...] | None: ...
    def ladder(self, module: str, name: str) -> ir.Ladder | None: ...
    def visible_names(self, module: str) -> list[str]: ...
    def import_hint(self, module: str, name: str) -> str | None: ...
    def resolve_type(self, module: str, ref: ast.TypeRef) -> T.Type: ...


@dataclass(frozen=True, slots=True)
class _LadderName:
    """A ladder's name in expression position: only `L.step` and `L(x)` are valid."""

    ladder: ir.Ladder
    span: Span
    type: T.Type = T.UNKNOWN


class Lowerer:
    def __init__(self, ctx: Context, module: str, problems: list[Diagnostic]) -> None:
        self.ctx = ctx
        self.module = module
        self.problems = problems
        self.schema = ctx.schema
        self.collections = self.schema.collections()
        self.root_fields = self.schema.properties(self.schema.root)
        self._presence_of: ast.Expr | None = None  # the argument of the `present(…)` being lowered

    # ------------------------------------------------------------ helpers
    def _err(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.problems.append(error(code, message, span, hint))

    def _unknown(self, span: Span) -> ir.Expr:
        return ir.Const(None, T.UNKNOWN, span)

    def boolean(self, e: ast.Expr, env: Env, what: str) -> ir.Expr:
        lowered = self.expr(e, env)
        if not T.compatible(lowered.type, T.BOOL):
            self._err("E035", f"{what} must be true or false, but this is a {lowered.type}", e.span)
            return self._unknown(e.span)
        return lowered

    # ------------------------------------------------------------ dispatch
    def expr(self, e: ast.Expr, env: Env) -> ir.Expr:
        result = self._expr(e, env)
        if isinstance(result, _LadderName):
            self._err("E032", f"`{result.ladder.name}` is a ladder, not a value", e.span, f"name a step: `{result.ladder.name}.{result.ladder.steps[0]}`")
            return self._unknown(e.span)
        if isinstance(result, ir.CollectionRef):
            self._err(
                "E032",
                f"`{result.collection}` is a whole collection, not a value",
                e.span,
                f"aggregate it, e.g. `count(x in {result.collection} where …)`, or look one up: `{result.collection}[id]`",
            )
            return self._unknown(e.span)
        lowered: ir.Expr = result
        return lowered

    def _expr(self, e: ast.Expr, env: Env) -> Any:
        """One case per kind of node; a case longer than a line or two is a method of its own."""
        match e:
            case ast.IntLit() | ast.StringLit() | ast.BoolLit() | ast.DateLit() | ast.DateTimeLit():
                return ir.Const(e.value, _LITERAL_TYPES[type(e)], e.span)
            case ast.DecimalLit(text=text):
                return ir.Const(float(text), T.NUMBER, e.span)
            case ast.DurationLit():
                return duration_const(e)
            case ast.ListLit(items=items):
                return self._list(items, e.span, env)
            case ast.MapLit():
                self._err("E032", "a `{…: …}` table is only a parameter's default, for an escalation", e.span)
                return self._unknown(e.span)
            case ast.Name():
                return self._name(e, env)
            case ast.Attribute():
                return self._attribute(e, env)
            case ast.Index():
                return self._index(e, env)
            case ast.Call():
                return self._call(e, env)
            case ast.Negate():
                return self._negate(e, env)
            case ast.Not(operand=operand):
                return ir.Not(self.boolean(operand, env, "the operand of `not`"), e.span)
            case ast.BoolOp():
                return self._bool_op(e, env)
            case ast.Arith():
                return self._arith(e, env)
            case ast.Compare():
                return self._compare(e, env)
            case ast.Member():
                return self._member(e, env)
            case ast.Default():
                return self._default(e, env)
            case ast.Conditional():
                return self._conditional(e, env)
            case ast.Aggregate():
                return self._aggregate(e, env)
        raise AssertionError(f"unhandled node {e!r}")  # pragma: no cover

    def _negate(self, e: ast.Negate, env: Env) -> ir.Expr:
        inner = self.expr(e.operand, env)
        negated = OPERATORS["neg"].result((inner.type,))
        if negated is None:
            self._err("E032", f"cannot negate a {inner.type}", e.span)
            return self._unknown(e.span)
        return ir.Op("neg", (inner,), negated, e.span)

    def _bool_op(self, e: ast.BoolOp, env: Env) -> ir.Expr:
        op = e.op
        if op == "implies":
            # Kleene's implication, the registry's `implies` (it does not chain).
            sides = (self.boolean(e.left, env, "each side of `implies`"), self.boolean(e.right, env, "each side of `implies`"))
            return ir.Op("implies", sides, T.BOOL, e.span)
        first, links = ast.chain(e)
        terms = [self.boolean(t, env, f"each side of `{op}`") for t in (first, *(link.right for link in links))]
        return ir.balanced(ir.And if op == "and" else ir.Or, terms, e.span)

    def _default(self, e: ast.Default, env: Env) -> ir.Expr:
        lhs = self.expr(e.value, env)
        rhs = self.expr(e.fallback, env)
        if not T.compatible(lhs.type, rhs.type):
            self._err("E032", f"`??` needs a fallback of the same type: {lhs.type} ?? {rhs.type}", e.span)
            return self._unknown(e.span)
        return ir.Coalesce(lhs, rhs, T.unify(lhs.type, rhs.type), e.span)

    def _conditional(self, e: ast.Conditional, env: Env) -> ir.Expr:
        c = self.boolean(e.condition, env, "the condition of `if`")
        a = self.expr(e.then, env)
        b = self.expr(e.otherwise, env)
        if not T.compatible(a.type, b.type):
            self._err("E032", f"both branches of `if` must have one type: {a.type} vs {b.type}", e.span)
            return self._unknown(e.span)
        return ir.If(c, a, b, T.unify(a.type, b.type), e.span)

    # ------------------------------------------------------------ names
    def _name(self, e: ast.Name, env: Env) -> Any:
        name = e.name
        if name in env:
            return ir.Var(name, env[name], e.span)
        if name == "as_of":
            return ir.AsOf(e.span)
        param = self.ctx.parameter(self.module, name)
        if param is not None:
            return ir.ParamRef(name, param.type, e.span)
        params = self.ctx.definition_params(self.module, name)
        if params is not None:
            if params:
                self._err("E033", f"`{name}` takes arguments", e.span, f"call it: `{name}(…)`")
                return self._unknown(e.span)
            definition = self.ctx.definition(self.module, name, e.span)
            if definition is None:
                return self._unknown(e.span)
            return ir.DefCall(name, (), definition.type, e.span)
        ladder = self.ctx.ladder(self.module, name)
        if ladder is not None:
            return _LadderName(ladder, e.span)
        if name in self.collections:
            return ir.CollectionRef(name, e.span, T.collection_of(name))
        if name in self.root_fields:
            info = self.schema.type_of(self.root_fields[name], f"$.{name}")
            return self._typed(e, ir.Field(ir.Root(e.span), (name,), info.type, e.span), name, self.root_fields[name])
        candidates = [*env, "as_of", *self.ctx.visible_names(self.module), *self.collections, *self.root_fields]
        hint = self.ctx.import_hint(self.module, name) or slip_hint(name) or did_you_mean(name, candidates)
        self._err("E030", f"unknown name `{name}`", e.span, hint)
        return self._unknown(e.span)

    def _fields_of(self, t: T.Type) -> dict[str, Any] | None:
        if isinstance(t, T.EntityType):
            return self.schema.properties(self.collections[t.collection])
        if isinstance(t, T.RecordType):
            return self.schema.properties(self.schema.record(t.pointer))
        return None

    def _attribute(self, e: ast.Attribute, env: Env) -> Any:
        base = self._expr(e.obj, env)
        if isinstance(base, _LadderName):
            steps = base.ladder.steps
            if e.name not in steps:
                self._err("E037", f"ladder `{base.ladder.name}` has no step `{e.name}`", e.name_span, did_you_mean(e.name, steps) or f"its steps: {', '.join(steps)}")
                return self._unknown(e.span)
            return ir.Const(steps.index(e.name), T.step_of(base.ladder.name), e.span)
        if isinstance(base, ir.CollectionRef):
            self._err("E031", f"`{base.collection}` is a collection; it has no field `{e.name}`", e.span, f"look one element up: `{base.collection}[id].{e.name}`")
            return self._unknown(e.span)
        if base.type == T.UNKNOWN:
            return self._unknown(e.span)
        fields = self._fields_of(base.type)
        if fields is None:
            self._err("E031", f"a {base.type} has no fields (reading `.{e.name}`)", e.name_span)
            return self._unknown(e.span)
        if e.name not in fields:
            owner = base.type.collection if isinstance(base.type, T.EntityType) else _record_label(base)
            self._err(
                "E031",
                f"unknown field `{e.name}` on {owner}",
                e.name_span,
                did_you_mean(e.name, fields) or f"the snapshot schema declares: {', '.join(sorted(fields)) or 'no fields'}",
            )
            return self._unknown(e.span)
        if isinstance(base, ir.Field) and isinstance(base.type, T.RecordType):
            path = (*base.path, e.name)
            info = self.schema.type_of(fields[e.name], f"{base.type.pointer}.{e.name}")
            return self._typed(e, ir.Field(base.base, path, info.type, e.span), ".".join(path), fields[e.name])
        pointer = f"{base.type.name}.{e.name}"
        info = self.schema.type_of(fields[e.name], pointer)
        return self._typed(e, ir.Field(base, (e.name,), info.type, e.span), e.name, fields[e.name])

    def _typed(self, e: ast.Expr, field: ir.Field, name: str, schema: Any) -> ir.Expr:
        """A field the schema gives no one type (`{}`, `["string", "integer"]`) can only be asked
        `present(…)`: anything else would compare, add or measure values whose type is not known
        until run time (and fail there)."""
        untyped = field.type == T.UNKNOWN or (isinstance(field.type, T.ListType) and field.type.element == T.UNKNOWN)
        if not untyped or e is self._presence_of:
            return field
        kinds = sorted(json_types(self.schema.resolve(schema)) - {"null"})
        admits = f"it admits {', '.join(kinds)}" if kinds else "it has no type"
        if isinstance(field.type, T.ListType):
            admits = "its items have no one type"
        self._err(
            "E031",
            f"field `{name}` has no one type in the snapshot schema ({admits}); a rule can only ask `present(…)` of it",
            e.span,
            'give the property one "type" in the schema (with a "format" for dates, date-times and durations)',
        )
        return self._unknown(e.span)

    def field_info(self, node: ir.Expr) -> FieldInfo | None:
        """The schema facts behind a field read (for enum checks)."""
        if not isinstance(node, ir.Field):
            return None
        if isinstance(node.base, ir.Root):
            props = self.root_fields
        else:
            fields = self._fields_of(node.base.type)
            if fields is None:
                return None
            props = fields
        schema_node: Any = None
        for part in node.path:
            if schema_node is not None:
                props = self.schema.properties(schema_node)
            schema_node = props.get(part)
            if schema_node is None:
                return None
        return self.schema.type_of(schema_node, "enum-check")

    def _index(self, e: ast.Index, env: Env) -> Any:
        base = self._expr(e.obj, env)
        key = self.expr(e.key, env)
        if isinstance(base, ir.CollectionRef):
            id_schema = self.schema.properties(self.collections[base.collection]).get("id")
            if id_schema is None:
                self._err("E031", f"collection `{base.collection}` has no `id` field to look up by", e.span)
                return self._unknown(e.span)
            id_type = self.schema.type_of(id_schema, "id").type
            if not T.compatible(key.type, id_type):
                self._err("E032", f"`{base.collection}` ids are {id_type}s, but the key is a {key.type}", e.key.span)
                return self._unknown(e.span)
            return ir.Lookup(base.collection, key, T.entity_of(base.collection), e.span)
        if isinstance(base, ir.ParamRef) and isinstance(base.type, T.EscalationType):
            if not T.compatible(key.type, T.NUMBER):
                self._err("E032", f"an escalation is looked up by a count, not a {key.type}", e.key.span)
                return self._unknown(e.span)
            return ir.Escalate(base.name, key, T.step_of(base.type.ladder), e.span)
        if isinstance(base, _LadderName):
            self._err("E032", f"`{base.ladder.name}` is a ladder; read a step with `{base.ladder.name}.STEP`", e.span)
        elif base.type != T.UNKNOWN:
            self._err("E032", f"cannot index a {base.type} with `[…]`", e.span, "`[…]` looks up a collection by id, or an escalation by count")
        return self._unknown(e.span)

    # ------------------------------------------------------------ calls
    def _call(self, e: ast.Call, env: Env) -> Any:
        name = e.func
        ladder = self.ctx.ladder(self.module, name)
        if ladder is not None:
            if len(e.args) != 1:
                self._err("E033", f"`{name}(…)` reads one string as a step of the ladder", e.span)
                return self._unknown(e.span)
            value = self.expr(e.args[0], env)
            if not T.compatible(value.type, T.STRING):
                self._err("E032", f"`{name}(…)` reads a step from a string, not a {value.type}", e.args[0].span)
                return self._unknown(e.span)
            info = self.field_info(value)
            if info is not None and info.enum:
                strays = [v for v in info.enum if v not in ladder.steps]
                if strays:
                    self._err(
                        "E037",
                        f"the schema allows values that are not steps of `{name}`: {', '.join(map(str, strays))}",
                        e.args[0].span,
                        f"the ladder's steps: {', '.join(ladder.steps)}",
                    )
            if isinstance(value, ir.Const) and value.value not in ladder.steps:
                self._err("E037", f"ladder `{name}` has no step `{value.value}`", e.args[0].span, did_you_mean(str(value.value), ladder.steps))
                return self._unknown(e.span)
            return ir.StepOf(name, value, T.step_of(name), e.span)
        params = self.ctx.definition_params(self.module, name)
        if params is not None:
            return self._def_call(e, params, env)
        if name in FUNCTIONS:
            return self._builtin(e, env)
        candidates = [*FUNCTIONS, *self.ctx.visible_names(self.module)]
        hint = self.ctx.import_hint(self.module, name) or did_you_mean(name, candidates)
        self._err("E034", f"unknown function `{name}`", e.func_span, hint)
        return self._unknown(e.span)

    def _def_call(self, e: ast.Call, params: tuple[ast.DefParam, ...], env: Env) -> ir.Expr:
        definition = self.ctx.definition(self.module, e.func, e.span)
        args = tuple(self.expr(a, env) for a in e.args)
        if len(args) != len(params):
            self._err("E033", f"`{e.func}` takes {len(params)} argument(s), given {len(args)}", e.span)
            return self._unknown(e.span)
        if definition is None:
            return self._unknown(e.span)
        for arg, (pname, ptype) in zip(args, definition.params, strict=True):
            if not T.compatible(arg.type, ptype):
                self._err("E032", f"argument `{pname}` of `{e.func}` is a {ptype}, given a {arg.type}", arg.span)
        return ir.DefCall(e.func, args, definition.type, e.span)

    def _builtin(self, e: ast.Call, env: Env) -> ir.Expr:
        name = e.func
        op = FUNCTIONS[name]
        outside = self._presence_of
        # An operator that reads only whether its operand is there may take a field of no one type.
        self._presence_of = e.args[0] if not op.strict and len(e.args) == 1 else None
        try:
            args = tuple(self.expr(a, env) for a in e.args)
        finally:
            self._presence_of = outside
        if len(args) != 1:
            self._err("E033", f"`{name}` takes one argument", e.span, op.doc)
            return self._unknown(e.span)
        (arg,) = args
        result = op.result((arg.type,))
        if result is None:
            hint = "convert a date-time with `date(…)` first" if name == "date" and arg.type == T.DATE else op.doc
            self._err("E032", f"`{name}` does not take a {arg.type}", arg.span, hint)
            return self._unknown(e.span)
        return ir.Op(op.name, args, result, e.span)

    # ------------------------------------------------------------ operators
    def _arith(self, e: ast.Arith, env: Env) -> ir.Expr:
        """A chain of `+`/`-` (or `*`/`/`), lowered link by link without recursion: one
        `Op` for one operator, one `Chain` for more (a swapped operand, `6 months + d`, is
        read first, as its `Op` reads it, so the chain starts again after it)."""
        first_ast, links = ast.chain(e)
        first: ir.Expr = self.expr(first_ast, env)
        steps: list[ir.ChainStep] = []
        for link in links:
            assert isinstance(link, ast.Arith)  # a chain of `+`/`-` (`*`/`/`) holds only those
            rhs = self.expr(link.right, env)
            step = self._operator(link, steps[-1].type if steps else first.type, rhs)
            if step is None:
                first, steps = self._unknown(link.span), []
            elif step[1]:
                first, steps = ir.Op(step[0].name, (rhs, _chained(first, steps)), step[0].type, link.span), []
            else:
                steps.append(step[0])
        return _chained(first, steps)

    def _operator(self, e: ast.Arith, a: T.Type, rhs: ir.Expr) -> tuple[ir.ChainStep, bool] | None:
        """The typed operator `… op rhs` means for a left operand of type `a`, and whether it
        takes its operands swapped; None (reported unless an operand is already unknown)
        when there is none."""
        b, op = rhs.type, e.op
        if T.UNKNOWN in (a, b):
            return None
        entry = infix(op, a, b)
        if entry is None:
            self._err("E032", f"cannot apply `{op}` to a {a} and a {b}", e.span, _arith_hint(op, a, b))
            return None
        op_entry, result, swap = entry
        name = op_entry.name
        if name in ("date+duration", "date-duration") and isinstance(rhs, ir.Const):
            seconds = rhs.value.total_seconds() if isinstance(rhs.value, dt.timedelta) else 0
            if seconds % 86400:
                self._err("E032", "a date moves in whole days; this duration has hours in it", rhs.span, "use a datetime, or a whole number of days")
        return ir.ChainStep(name, rhs, result, e.span), swap

    def _compare(self, e: ast.Compare, env: Env) -> ir.Expr:
        lhs = self.expr(e.left, env)
        rhs = self.expr(e.right, env)
        a, b = lhs.type, rhs.type
        if not T.compatible(a, b):
            self._err("E036", f"cannot compare a {a} with a {b}", e.span, _compare_hint(a, b))
            return self._unknown(e.span)
        if isinstance(a, T.RecordType) or isinstance(b, T.RecordType):
            # Equal JSON objects are not equal records: one date-time written in two offsets,
            # a property the schema does not declare, a null inside against a missing value.
            self._err("E036", "records have no `==` or `!=`; compare the fields you mean", e.span, "e.g. `a.profile.city == b.profile.city`, or `present(a.profile)`")
            return self._unknown(e.span)
        if COMPARISONS[e.op].ordered and not T.is_ordered(a if a != T.UNKNOWN else b):
            self._err("E036", f"a {a} has no order; only `==` and `!=` apply", e.span)
            return self._unknown(e.span)
        self._check_enum(lhs, rhs)
        self._check_enum(rhs, lhs)
        return ir.Compare(e.op, lhs, rhs, e.span)

    def _check_enum(self, field: ir.Expr, value: ir.Expr) -> None:
        if not isinstance(value, ir.Const) or not isinstance(value.value, str):
            return
        info = self.field_info(field)
        if info is not None and info.enum and value.value not in info.enum:
            allowed = ", ".join(f'"{v}"' for v in info.enum)
            self._err(
                "E039",
                f'"{value.value}" is never a value of this field; the schema allows {allowed}',
                value.span,
                did_you_mean(value.value, [str(v) for v in info.enum]),
            )

    def _member(self, e: ast.Member, env: Env) -> ir.Expr:
        item = self.expr(e.item, env)
        container = self.expr(e.container, env)
        if container.type == T.UNKNOWN or item.type == T.UNKNOWN:
            return self._unknown(e.span)
        if not isinstance(container.type, T.ListType):
            self._err("E032", f"`in` needs a list on its right, not a {container.type}", e.container.span, "write `x in [\"a\", \"b\"]`, or use exists(…) for a collection")
            return self._unknown(e.span)
        if not T.compatible(item.type, container.type.element):
            self._err("E036", f"a {item.type} is never in a {container.type}", e.span)
            return self._unknown(e.span)
        if isinstance(container, ir.ListExpr):
            for element in container.items:
                self._check_enum(item, element)
        node: ir.Expr = ir.Member(item, container, e.span)
        return ir.Not(node, e.span) if e.negated else node

    def _list(self, items: tuple[ast.Expr, ...], span: Span, env: Env) -> ir.Expr:
        lowered = tuple(self.expr(i, env) for i in items)
        element = next((i.type for i in lowered if i.type != T.UNKNOWN), T.UNKNOWN)
        for i in lowered:
            if not T.compatible(i.type, element):
                self._err("E032", f"a list holds one type: {element} and {i.type} are mixed", i.span)
        return ir.ListExpr(lowered, T.list_of(element), span)

    # ------------------------------------------------------------ aggregates
    def _aggregate(self, e: ast.Aggregate, env: Env) -> ir.Expr:
        source = self._expr(e.collection, env)
        if isinstance(source, ir.CollectionRef):
            element: T.Type = T.entity_of(source.collection)
        elif isinstance(source, _LadderName) or not isinstance(source.type, T.ListType):
            if not (isinstance(source, ir.Const) and source.type == T.UNKNOWN):
                self._err("E038", f"`{e.func}` runs over a collection or a list; this is not one", e.collection.span, did_you_mean(_text_name(e.collection), self.collections))
            return self._unknown(e.span)
        else:
            element = source.type.element
        inner = {**env, e.var: element}
        where = self.boolean(e.where, inner, "a `where` filter") if e.where is not None else None
        value = self.expr(e.value, inner) if e.value is not None else None
        func = e.func
        aggregate = AGGREGATES[func]  # its type rule: `compiler/operators.py`
        assert (value is not None) == aggregate.takes_value, func
        result = aggregate.check(value.type if value is not None else None)
        if isinstance(result, str):
            assert value is not None
            self._err("E038", result, value.span)
            return self._unknown(e.span)
        keys: tuple[tuple[tuple[str, ...], ir.Expr], ...] = ()
        if isinstance(source, ir.CollectionRef) and where is not None:
            keys, where = split_keys(where, e.var)
        return ir.Aggregate(func, e.var, source, keys, where, value, result, e.span)


def duration_const(e: ast.DurationLit) -> ir.Const:
    unit, n = e.unit, e.amount
    if unit == "years":
        return ir.Const(12 * n, T.PERIOD, e.span)
    if unit == "months":
        return ir.Const(n, T.PERIOD, e.span)
    seconds = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}[unit]
    return ir.Const(dt.timedelta(seconds=n * seconds), T.DURATION, e.span)


def _chained(first: ir.Expr, steps: list[ir.ChainStep]) -> ir.Expr:
    """`first` with `steps` applied: itself, one binary `Op`, or a `Chain`."""
    if not steps:
        return first
    if len(steps) == 1:
        (step,) = steps
        return ir.Op(step.name, (first, step.operand), step.type, step.span)
    return ir.Chain(first, tuple(steps), steps[-1].type, steps[-1].span)


def _record_label(base: ir.Expr) -> str:
    if isinstance(base, ir.Field):
        return "`" + ".".join(base.path) + "`"
    return "this record"


def _text_name(e: ast.Expr) -> str:
    return e.name if isinstance(e, ast.Name) else ""


def _arith_hint(op: str, a: T.Type, b: T.Type) -> str | None:
    kinds = {a, b}
    if kinds == {T.DURATION, T.PERIOD}:
        return "months and days do not add up to one length; apply each to a date in turn: `as_of - 6 months - 3 days`"
    if kinds == {T.DATE, T.DATETIME}:
        return "convert the date-time with `date(…)` first"
    if T.STRING in kinds:
        return "strings do not take arithmetic"
    if a == T.NUMBER and b in (T.DURATION, T.PERIOD) and op in "+-":
        return f"give the number a unit: `{'6 months' if b == T.PERIOD else '15 days'}`"
    return None


def _compare_hint(a: T.Type, b: T.Type) -> str | None:
    kinds = {a, b}
    if kinds == {T.DATE, T.DATETIME}:
        return "convert the date-time with `date(…)`, or compare two date-times"
    if kinds == {T.DURATION, T.PERIOD}:
        return "a period's length in days depends on where it starts; compare dates instead: `start + 6 months <= end`"
    if T.NUMBER in kinds and (T.DURATION in kinds or T.PERIOD in kinds):
        return "give the number a unit, e.g. `15 days`, or convert with `days(…)`"
    if T.STRING in kinds and any(isinstance(t, T.StepType) for t in kinds):
        step = next(t for t in kinds if isinstance(t, T.StepType))
        return f"read the string as a step: `{step.ladder}(…)`"
    return None
