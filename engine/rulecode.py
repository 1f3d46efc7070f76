"""A rule's decision over many subjects as one generated Python function.

`closures.Compiled` turns every IR node into a closure: deciding one subject of
`present(u.verified_at) and u.verified_at <= u.first_post_at` is then a dozen Python
calls, each with its own frame, plus the report loop's own per subject (the environment,
the memo, the decision). Here the loop itself is written out as Python source, once per
rule and report, and compiled with `compile()` (as Jinja2 compiles a template): the
subject's fields become local variables, Kleene's `and`/`or`/`not`, `??`, `if`, the
registry's operators, ladder steps and escalations become inline expressions, and a
subject costs a few bytecodes per node instead of a call.

What is generated, and what is not: the node kinds above, over the rule's own variable.
Everything else (aggregates, definitions, lookups, `in`, chains, nested scopes) is the
node's closure, called from the generated code with the subject's environment: the
closures stay the one implementation of those, and the generated code never has to
know about indexes, memos or folds. Generated text never contains a value from the
snapshot or the ruleset: values (parameters, literals, converters, closures) are bound
as names in the function's namespace, and field names are written with `repr`.

The three-valued semantics are the closures', checked against them on generated IR by
`tests/engine/test_rulecode.py`. One difference of form: a closure turns an operator's
OverflowError or ValueError (a date past 9999), or a value its parser refuses, into
missing where it happens; the generated code lets any exception end the subject's
decision and decides that subject again with the closures. That is the same result, as
evaluating has no side effects: the closures give the value, or raise what they raise.
A definition that a decision calls once is written inline, its parameters as locals;
one called more often is its (memoised) closure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import children
from lawcode.compiler.operators import OPERATORS
from lawcode.engine import values
from lawcode.engine.closure_kinds import escalation_step, operands
from lawcode.engine.closures import Compiled
from lawcode.engine.snapshot import Entity, index_key, read_date, read_datetime

Outcome = bool | None
RuleLoop = Callable[[Sequence[Any], int], list[tuple[int, Outcome]]]
FIXED = (ir.Const, ir.ParamRef, ir.AsOf)  # the same value for every subject
COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}  # the registry's meaning is Python's own, as a bool
ARITHMETIC = {"num+num": "+", "num-num": "-", "num*num": "*"}  # the registry's meaning is Python's operator
PARSERS = {T.DATE: read_date, T.DATETIME: read_datetime, T.DURATION: values.as_duration, T.PERIOD: values.as_period}  # dates memoised
MAX_DEPTH = 40  # IR levels written inline; deeper nodes are called as closures (Python's parser nests ~200 brackets)
MAX_OPERANDS = 64  # operands of one inline `and`/`or`; a longer one is its closure


def rule_loop(compiled: Compiled, rule: ir.Rule) -> RuleLoop | None:
    """A function deciding the rule for a slice of its collection's elements (the raw
    JSON values, and the position of the first) and returning the positions of the ones
    not satisfied, each with its outcome (False violated, None undetermined), in order.
    An element becomes an `Entity` only where a closure or the decision needs one.

    None for a rule without a subject variable (one decision: nothing to gain)."""
    if rule.var is None:
        return None
    return _Writer(compiled, rule).function()


class _Scope:
    """The names an expression may read: the rule's subject (`e`, its data `d`), or a
    definition's parameters (locals), and the environment a closure is called with there."""

    __slots__ = ("env", "locals", "subject")

    def __init__(self, subject: str | None, local_names: dict[str, str], env: str) -> None:
        self.subject, self.locals, self.env = subject, local_names, env


class _Writer:
    """The source text of one rule's loop, and the namespace its names are bound in."""

    def __init__(self, compiled: Compiled, rule: ir.Rule) -> None:
        assert rule.var is not None
        self.compiled, self.rule, self.var = compiled, rule, rule.var
        self.namespace: dict[str, Any] = {"EMPTY": {}, "Entity": Entity, "index_key": index_key}
        self.bound: dict[int, str] = {}  # id(value) → its name, so a value is bound once
        self.temps = 0
        self.fallbacks = 0
        self.entity = False  # whether the code reads the subject as an entity
        self.shared: dict[tuple[tuple[str, ...], Any], str] = {}
        self.reads: dict[str, str] = {}  # a shared field's local → the code reading it
        self.assigned: set[str] = set()  # the locals read by an earlier statement
        for (path, type_), n in field_reads(rule).items():
            if n > 1:  # read more than once: a local, assigned before the first statement using it
                self.shared[(path, type_)] = f"f{len(self.shared)}"

    def bind(self, value: Any) -> str:
        """A name for `value` in the generated function's namespace."""
        name = self.bound.get(id(value))
        if name is None or self.namespace[name] is not value:
            name = self.bound[id(value)] = f"b{len(self.namespace)}"
            self.namespace[name] = value
        return name

    def hoisted(self) -> list[str]:
        """The statements reading the shared fields the part just written uses for the first
        time: they run before it, each once per subject (a read the part might have skipped
        costs one lookup; one that raises sends the subject to the closures, as any does)."""
        lines = [f"{local} = {read}" for local, read in self.reads.items() if local not in self.assigned]
        self.assigned.update(self.reads)
        return lines

    def named(self, code: str) -> tuple[str, str]:
        """A name for the value of `code`, and the code binding it: a local or a bound
        value is its own name; anything else is assigned to a new temporary where read."""
        if code.isidentifier():
            return code, code
        t = self.temp()
        return t, f"({t} := {code})"

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def function(self) -> RuleLoop:
        rule, scope = self.rule, _Scope(self.var, {}, "env")
        where = None if rule.where is None else self.expr(rule.where, 0, scope)
        reads_where = self.hoisted()
        unless = None if rule.unless is None else self.expr(rule.unless, 0, scope)
        reads_unless = self.hoisted()
        require = self.expr(rule.require, 0, scope)
        reads_require = self.hoisted()
        # The slow path, for a subject whose inline code raised: the closures' own decision.
        self.namespace["slow"] = self.compiled.decision(rule)
        self.namespace["memo"], self.namespace["seen"] = self.compiled.memo, self.compiled.seen
        self.namespace["collection"] = rule.collection
        per_subject = []
        if self.entity or self.fallbacks:  # a closure's environment holds the subject as an entity
            per_subject.append("e = Entity(collection, i, item)")
        if self.fallbacks:  # closures read the environment and may memoise per subject
            per_subject += [f"env = {{{self.var!r}: e}}", "if memo: memo.clear()", "if seen: seen.clear()"]
        decision = [*reads_require, f"ok = {require}", "if ok is True: continue"]
        if unless is not None:
            decision = [*reads_unless, f"exempt = {unless}", "if exempt is True: continue", *decision]
        if where is not None:
            decision = [*reads_where, f"applies = {where}", "if applies is False: continue", *decision]
        known = " and ".join(["ok is False", *(["applies is True"] if where else []), *(["exempt is False"] if unless else [])])
        lines = [
            "def decide_all(items, start):",
            "    failing = []",
            "    for i, item in enumerate(items, start):",
            "        d = item if isinstance(item, dict) else EMPTY",
            *(f"        {line}" for line in per_subject),
            "        try:",
            *(f"            {line}" for line in decision),
            f"            outcome = False if {known} else None",
            "        except Exception:  # the closures decide it: the same value, or the same error",
            "            memo.clear(); seen.clear()",
            f"            outcome = slow({{{self.var!r}: Entity(collection, i, item)}})",
            "            if outcome is True: continue",
            "        failing.append((i, outcome))",
            "    return failing",
        ]
        code = compile("\n".join(lines) + "\n", f"<lawcode rule {rule.id}>", "exec")
        exec(code, self.namespace)  # our own text: every value in it is a bound name
        loop: RuleLoop = self.namespace["decide_all"]
        return loop

    # -- expressions: each an inline Python expression whose value is the node's (None: missing)
    def expr(self, node: ir.Expr, depth: int, scope: _Scope) -> str:
        """One case per kind of node written inline; everything else is its closure. A flat
        dispatch: its complexity counts the kinds of node, not paths to follow."""
        if depth > MAX_DEPTH:
            return self.closure(node, scope)
        depth += 1
        match node:
            case ir.Const() | ir.ParamRef() | ir.AsOf():
                return self.constant(self.compiled.eval(node, {}))
            case ir.Var(name=name) if name == scope.subject:
                self.entity = True
                return "e"
            case ir.Var(name=name) if name in scope.locals:
                return scope.locals[name]
            case ir.Field(base=ir.Var(name=name)) if name == scope.subject or name in scope.locals:
                return self.field(node, name, scope)
            case ir.Op(name=name, args=args):
                return self.operator(node, name, args, depth, scope)
            case ir.Compare(op=name, left=left, right=right):
                return self.operator(node, name, (left, right), depth, scope)
            case ir.And() | ir.Or():
                return self.kleene(node, depth, scope)
            case ir.Not(operand=operand):
                t = self.temp()
                return f"(None if ({t} := {self.expr(operand, depth, scope)}) is None else not {t})"
            case ir.Coalesce(value=value, fallback=fallback):
                t = self.temp()
                return f"({t} if ({t} := {self.expr(value, depth, scope)}) is not None else {self.expr(fallback, depth, scope)})"
            case ir.If(condition=condition, then=then, otherwise=otherwise):
                t = self.temp()
                inner = f"({self.expr(then, depth, scope)} if {t} else {self.expr(otherwise, depth, scope)})"
                return f"(None if ({t} := {self.expr(condition, depth, scope)}) is None else {inner})"
            case ir.StepOf(ladder=ladder, value=value):
                return self.step_of(self.compiled.ladders[ladder], self.expr(value, depth, scope))
            case ir.Escalate(param=param, count=count):
                t, step, table = self.temp(), self.bind(escalation_step), self.bind(self.compiled.params[param])
                return f"(None if ({t} := {self.expr(count, depth, scope)}) is None else {step}({table}, {t}))"
            case ir.DefCall(name=name, args=args) if args and name not in self.compiled.repeated:
                return self.call(name, args, depth, scope)
            case ir.Aggregate() if (by_key := self.compiled.tally_by_key(node)) is not None:
                (_, key), (found, otherwise) = node.keys[0], by_key
                t = self.temp()
                lookup = f"{self.bind(found)}.get({t} if type({t}) is str else index_key({t}), {self.constant(otherwise)})"
                return f"(None if ({t} := {self.expr(key, depth, scope)}) is None else {lookup})"
        return self.closure(node, scope)

    def closure(self, node: ir.Expr, scope: _Scope) -> str:
        self.fallbacks += 1
        self.entity = self.entity or scope.subject is not None
        return f"{self.bind(self.compiled.expr(node))}({scope.env})"

    def constant(self, value: Any) -> str:
        if value is None or value is True or value is False:
            return repr(value)
        return self.bind(value)

    def field(self, node: ir.Field, name: str, scope: _Scope) -> str:
        """A field of the subject (`d` is its data: a dict, or an empty one), or of a
        definition's parameter (an entity, an object, or anything else: then missing)."""
        if name == scope.subject:
            data = "d"
        else:
            data = self.temp()
            value = scope.locals[name]
            data_expr = f"({data} := ({value}.data if isinstance({value}, Entity) else {value}))"
            data = f"({data} if isinstance({data_expr}, dict) else EMPTY)"
        raw = f"{data}.get({node.path[0]!r})" if len(node.path) == 1 else f"{self.bind(dig)}({data}, {node.path!r})"
        read = self.converted(raw, node.type)
        local = self.shared.get((node.path, node.type)) if name == scope.subject else None
        if local is None:
            return read
        self.reads.setdefault(local, read)  # read before the statement that first uses it (`hoisted`)
        return local

    def converted(self, raw: str, type_: T.Type) -> str:
        """`values.converter(type_)` applied to `raw`, written out for the common types (a
        value a parser refuses raises: the closures then say missing, see the docstring)."""
        t = self.temp()
        if type_ in PARSERS:
            return f"(None if ({t} := {raw}) is None else {self.bind(PARSERS[type_])}({t}))"
        if type_ == T.STRING or type_ == T.BOOL:
            kind = "str" if type_ == T.STRING else "bool"
            return f"({t} if isinstance(({t} := {raw}), {kind}) else None)"
        if type_ == T.NUMBER:
            return f"({t} if isinstance(({t} := {raw}), (int, float)) and not isinstance({t}, bool) else None)"
        return f"{self.bind(values.converter(type_))}({raw})"

    def call(self, name: str, args: tuple[ir.Expr, ...], depth: int, scope: _Scope) -> str:
        """A definition called once per decision, inline: its arguments evaluated first, in
        order (as the closure does), into the locals its body reads as its parameters.

        A parameter given the subject itself (`founded(u)`) is the subject in the body:
        its fields are read from the subject's data as the rule's own are, with no entity
        made for the call."""
        params = [p for p, _ in self.compiled.program.definitions[name].params]
        alias = None  # the parameter that is the subject, if one is
        locals_: dict[str, str] = {}
        values_ = []
        for param, arg in zip(params, args, strict=True):
            if alias is None and scope.subject is not None and isinstance(arg, ir.Var) and arg.name == scope.subject:
                alias = param
                continue
            locals_[param] = t = self.temp()
            values_.append(f"({t} := {self.expr(arg, depth, scope)})")
        env = "{" + ", ".join([*(f"{p!r}: {t}" for p, t in locals_.items()), *([f"{alias!r}: e"] if alias else [])]) + "}"
        body = self.expr(self.compiled.program.definitions[name].body, depth, _Scope(alias, locals_, env))
        if not values_:
            return body
        return f"({body} if ({', '.join(values_)},) else None)"  # a tuple is true: the body, after the arguments

    def operator(self, node: ir.Expr, name: str, args: tuple[ir.Expr, ...], depth: int, scope: _Scope) -> str:
        """A registry operator: missing when a strict one's operand is (the left one read
        first, the right one only when the left is there), else its Python meaning."""
        op = OPERATORS[name]
        if not op.strict:
            if len(args) != 1:
                return self.closure(node, scope)
            operand = self.expr(args[0], depth, scope)
            return f"({operand} is not None)" if name == "present" else f"{self.bind(op.python)}({operand})"
        if len(args) == 1:
            t = self.temp()
            return f"(None if ({t} := {self.expr(args[0], depth, scope)}) is None else {self.bind(op.python)}({t}))"
        if len(args) != 2:
            return self.closure(node, scope)
        a, bound = self.named(self.expr(args[0], depth, scope))
        left = f"{bound} is None"
        if isinstance(args[1], FIXED):
            value = self.compiled.eval(args[1], {})
            if value is None:
                return "None"  # the left operand has no effect to keep: missing whatever it is
            b, right = self.constant(value), ""
        else:
            b, bound = self.named(self.expr(args[1], depth, scope))
            right = f" or {bound} is None"
        if op.form == "compare" and name in COMPARISONS:
            meaning = f"({a} {name} {b})"
        elif name in ARITHMETIC:
            meaning = f"({a} {ARITHMETIC[name]} {b})"
        else:
            meaning = f"{self.bind(op.python)}({a}, {b})"
        return f"(None if {left}{right} else {meaning})"

    def kleene(self, node: ir.And | ir.Or, depth: int, scope: _Scope) -> str:
        """`and` (`or`): false (true) at the first operand that is, read in order; else
        missing if one was; else true (false). Nested ones of the same kind are one list."""
        parts = list(operands(node, type(node)))
        if len(parts) > MAX_OPERANDS:
            return self.closure(node, scope)
        decisive = "False" if isinstance(node, ir.And) else "True"
        other = "True" if decisive == "False" else "False"
        named = [self.named(self.expr(p, depth, scope)) for p in parts]
        tests = " else ".join(f"{decisive} if {bound} is {decisive}" for _, bound in named)
        unknown = " or ".join(f"{name} is None" for name, _ in named)
        return f"({tests} else (None if {unknown} else {other}))"

    def step_of(self, steps: tuple[str, ...], value: str) -> str:
        position: dict[str, int] = {}
        for i, step in enumerate(steps):
            position.setdefault(step, i)  # `steps.index`: the first
        t = self.temp()
        return f"({self.bind(position)}.get({t}) if isinstance(({t} := {value}), str) else None)"


def field_reads(rule: ir.Rule) -> Counter[tuple[tuple[str, ...], Any]]:
    """How often the decision reads each field of the rule's own variable outside aggregates
    (whose filters and values may bind other names and are their closures anyway)."""
    found: Counter[tuple[tuple[str, ...], Any]] = Counter()
    stack: list[ir.Expr] = [p for p in (rule.where, rule.unless, rule.require) if p is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Field) and isinstance(node.base, ir.Var) and node.base.name == rule.var:
            found[(node.path, node.type)] += 1
        if not isinstance(node, ir.Aggregate | ir.DefCall):
            stack.extend(children(node))
    return found


def dig(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` inside the subject's data; None where an object is not there."""
    obj: Any = data
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


__all__ = ["RuleLoop", "rule_loop"]
