"""The reference evaluator: the meaning of a `Program`, one subject at a time.

Missing facts are `None` and follow SQL's three-valued logic: comparisons and
arithmetic on a missing value are missing, `and`/`or` are Kleene's, a filter that is
missing for some element makes a count missing. A rule is violated only when its
decision is definite; when it is missing, the subject is undetermined.

Aggregates whose filter equates an element field with an outer value (`m.group_id ==
g.id`) use a hash index built once per snapshot, so a rule over every group does not
rescan every membership.

`Evaluator` is the fast path. `TracingEvaluator` re-runs a decision and keeps the tree of
sub-decisions with the values and JSON pointers read: it is called only for subjects
that are violated or undetermined (for evidence) and by `lawcode explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.lower import children
from lawcode.compiler.operators import AGGREGATES, OPERATORS, State
from lawcode.compiler.program import Program
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine import values
from lawcode.engine.jsontext import pointer
from lawcode.engine.snapshot import Entity, Snapshot, dig, form_diagnostic

Env = dict[str, Any]


def resolve_parameters(program: Program, snapshot: Snapshot) -> tuple[dict[str, Any], dict[str, str | None]]:
    """Each parameter's value: the platform's declared policy if present, else the default.

    Returns the values and, per parameter, the pointer it came from (None: default).
    Raises with every malformed policy value at once.
    """
    found: dict[str, Any] = {}
    origin: dict[str, str | None] = {}
    problems: list[Diagnostic] = []
    for param in program.parameters.values():
        found[param.name], origin[param.name] = param.default, None
        if param.source is None:
            continue
        raw = dig(snapshot.data, param.source)
        if raw is None:
            continue
        where = pointer(*param.source)
        try:
            found[param.name] = _policy_value(raw, param.type, program)
            origin[param.name] = where
        except ValueError as exc:
            problems.append(Diagnostic("S020", f"policy value for parameter `{param.name}` is unusable: {exc}", where=f"{snapshot.name} {where}", hint=f"`{param.name}` is a {param.type}"))
    reported = {problem.where for problem in problems}  # a parameter's own S020 says it already
    for path, t in root_forms(program):
        problem = values.form_problem(dig(snapshot.data, path), t)
        if problem is not None and f"{snapshot.name} {pointer(*path)}" not in reported:
            problems.append(form_diagnostic(problem, t, f"{snapshot.name} {pointer(*path)}"))
    if problems:
        raise LawcodeError(problems)
    return found, origin


_ROOT_FORMS: dict[int, tuple[Program, tuple[tuple[tuple[str, ...], T.Type], ...]]] = {}


def root_forms(program: Program) -> tuple[tuple[tuple[str, ...], T.Type], ...]:
    """The policy (and other scalar-part) fields a rule reads directly as a period or a
    duration, each once: a present value of the other form there is S020, not missing.
    Kept per program (`lawcode test` resolves hundreds of snapshots against one)."""
    kept = _ROOT_FORMS.get(id(program))
    if kept is not None and kept[0] is program:
        return kept[1]
    found: dict[tuple[str, ...], T.Type] = {}
    stack: list[ir.Expr] = [d.body for d in program.definitions.values()]
    for rule in program.rules:
        stack += [part for part in (rule.where, rule.unless, rule.require, *rule.message) if part is not None and not isinstance(part, str)]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Field) and isinstance(node.base, ir.Root) and node.type in values.FORM_MESSAGES:
            found.setdefault(node.path, node.type)
        stack.extend(children(node))
    forms = tuple(sorted(found.items()))
    if len(_ROOT_FORMS) > 16:
        _ROOT_FORMS.clear()
    _ROOT_FORMS[id(program)] = (program, forms)
    return forms


def _policy_value(raw: Any, t: T.Type, program: Program) -> Any:
    if isinstance(t, T.EscalationType):
        steps = program.ladders[t.ladder].steps
        if not isinstance(raw, dict):
            raise ValueError("an escalation is an object of count → step")
        table = []
        for key, step in raw.items():
            if not str(key).isdigit():
                raise ValueError(f"threshold {key!r} is not a whole number")
            if step not in steps:
                raise ValueError(f"{step!r} is not a step of {t.ladder} ({', '.join(steps)})")
            table.append((int(key), steps.index(step)))
        return tuple(sorted(table))
    if isinstance(t, T.StepType):
        steps = program.ladders[t.ladder].steps
        if raw not in steps:
            raise ValueError(f"{raw!r} is not a step of {t.ladder}")
        return steps.index(raw)
    if t == T.PERIOD:
        return values.as_period(raw)
    if t == T.DURATION:
        return values.as_duration(raw)
    if isinstance(t, T.ListType):
        if not isinstance(raw, list):
            raise ValueError("expected a list")
        return tuple(values.convert(x, t.element) for x in raw)
    converted = values.convert(raw, t)
    if converted is None:
        raise ValueError(f"expected a {t}, found {raw!r}")
    return converted


class Evaluator:
    def __init__(self, program: Program, snapshot: Snapshot, params: dict[str, Any]) -> None:
        self.program = program
        self.snapshot = snapshot
        self.params = params
        self.ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
        self._constants: dict[str, Any] = {}
        self._dispatch: dict[type, Callable[[Any, Env], Any]] = {
            ir.Const: self._const,
            ir.AsOf: self._as_of,
            ir.ParamRef: self._param,
            ir.Var: self._var,
            ir.Root: self._root,
            ir.Field: self._field,
            ir.Lookup: self._lookup,
            ir.Op: self._op,
            ir.Chain: self._chain,
            ir.And: self._and,
            ir.Or: self._or,
            ir.Not: self._not,
            ir.Compare: self._compare,
            ir.Member: self._member,
            ir.ListExpr: self._list,
            ir.Coalesce: self._coalesce,
            ir.If: self._if,
            ir.Aggregate: self._aggregate,
            ir.DefCall: self._defcall,
            ir.StepOf: self._step_of,
            ir.Escalate: self._escalate,
        }

    def eval(self, node: ir.Expr, env: Env) -> Any:
        return self._dispatch[type(node)](node, env)

    # -- leaves
    def _const(self, node: ir.Const, env: Env) -> Any:
        return node.value

    def _as_of(self, node: ir.AsOf, env: Env) -> Any:
        return self.snapshot.as_of

    def _param(self, node: ir.ParamRef, env: Env) -> Any:
        return self.params[node.name]

    def _var(self, node: ir.Var, env: Env) -> Any:
        return env[node.name]

    def _root(self, node: ir.Root, env: Env) -> Any:
        return self.snapshot.data

    def _field(self, node: ir.Field, env: Env) -> Any:
        base = self.eval(node.base, env)
        if base is None:
            return None
        obj = base.data if isinstance(base, Entity) else base
        return values.convert(dig(obj, node.path), node.type)

    def _lookup(self, node: ir.Lookup, env: Env) -> Any:
        key = self.eval(node.key, env)
        if key is None:
            return None
        return self.snapshot.lookup(node.collection, key)

    # -- logic (Kleene)
    def _and(self, node: ir.And, env: Env) -> Any:
        a = self.eval(node.left, env)
        if a is False:
            return False
        b = self.eval(node.right, env)
        if b is False:
            return False
        return None if a is None or b is None else True

    def _or(self, node: ir.Or, env: Env) -> Any:
        a = self.eval(node.left, env)
        if a is True:
            return True
        b = self.eval(node.right, env)
        if b is True:
            return True
        return None if a is None or b is None else False

    def _not(self, node: ir.Not, env: Env) -> Any:
        a = self.eval(node.operand, env)
        return None if a is None else not a

    def _compare(self, node: ir.Compare, env: Env) -> Any:
        a = self.eval(node.left, env)
        b = self.eval(node.right, env)
        return OPERATORS[node.op].apply((a, b))

    def _member(self, node: ir.Member, env: Env) -> Any:
        item = self.eval(node.item, env)
        container = self.eval(node.container, env)
        if item is None or container is None:
            return None
        if item in [c for c in container if c is not None]:
            return True
        return None if any(c is None for c in container) else False

    def _list(self, node: ir.ListExpr, env: Env) -> Any:
        return [self.eval(i, env) for i in node.items]

    def _coalesce(self, node: ir.Coalesce, env: Env) -> Any:
        value = self.eval(node.value, env)
        return value if value is not None else self.eval(node.fallback, env)

    def _if(self, node: ir.If, env: Env) -> Any:
        cond = self.eval(node.condition, env)
        if cond is None:
            return None
        return self.eval(node.then if cond else node.otherwise, env)

    # -- operators (their meanings: `compiler/operators.py`)
    def _op(self, node: ir.Op, env: Env) -> Any:
        return OPERATORS[node.name].apply([self.eval(a, env) for a in node.args])

    def _chain(self, node: ir.Chain, env: Env) -> Any:
        """The binary operators one after another, reading every operand as each `Op` does."""
        value = self.eval(node.first, env)
        for step in node.steps:
            value = OPERATORS[step.name].apply((value, self.eval(step.operand, env)))
        return value

    # -- aggregates
    def candidates(self, node: ir.Aggregate, env: Env) -> tuple[list[Any], list[Any]] | None:
        """(elements whose key matches, elements whose key is unknown); None if the outer key
        is missing or the collection is absent from the snapshot (unknown, not empty)."""
        source = node.source
        if isinstance(source, ir.CollectionRef):
            if not self.snapshot.has_collection(source.collection):
                return None
            items = self.snapshot.collection(source.collection)
            if node.keys:
                outer = tuple(self.eval(expr, env) for _, expr in node.keys)
                if any(v is None for v in outer):
                    return None
                index, unknown = self.snapshot.keyed(source.collection, tuple(p for p, _ in node.keys))
                from lawcode.engine.snapshot import index_key

                hits = index.get(tuple(index_key(v) for v in outer), [])
                return (
                    [Entity(source.collection, i, items[i]) for i in hits],
                    [Entity(source.collection, i, items[i]) for i in unknown],
                )
            return [Entity(source.collection, i, item) for i, item in enumerate(items)], []
        seq = self.eval(source, env)
        if seq is None:
            return None
        return list(seq), []

    def _aggregate(self, node: ir.Aggregate, env: Env) -> Any:
        found = self.candidates(node, env)
        if found is None:
            return None
        matched, unknown = found
        return self.fold(node, env, matched, unknown)

    def fold(self, node: ir.Aggregate, env: Env, matched: list[Any], unknown: list[Any]) -> Any:
        """The aggregate's registry fold (`compiler/operators.py`) over the elements' states."""
        return AGGREGATES[node.func].fold(self.states(node, env, matched, unknown), node.type)

    def states(self, node: ir.Aggregate, env: Env, matched: list[Any], unknown: list[Any]) -> Iterator[State]:
        """(filter, value) per element the filter does not exclude, key matches first; an
        element whose key is unknown has an unknown filter unless the rest of it is false.
        A generator: the fold reads only as far as it needs (`exists` stops at a match)."""
        var, where, value = node.var, node.where, node.value
        inner = dict(env)
        for elements, key_known in ((matched, True), (unknown, False)):
            for element in elements:
                inner[var] = element
                f = True if where is None else self.eval(where, inner)
                if f is False:
                    continue
                if not key_known:
                    f = None
                yield f, (self.eval(value, inner) if value is not None else None)

    # -- definitions and ladders
    def _defcall(self, node: ir.DefCall, env: Env) -> Any:
        definition = self.program.definitions[node.name]
        if not definition.params:
            if node.name not in self._constants:
                self._constants[node.name] = self.eval(definition.body, {})
            return self._constants[node.name]
        args = {name: self.eval(arg, env) for (name, _), arg in zip(definition.params, node.args, strict=True)}
        return self.eval(definition.body, args)

    def _step_of(self, node: ir.StepOf, env: Env) -> Any:
        raw = self.eval(node.value, env)
        steps = self.ladders[node.ladder]
        return steps.index(raw) if raw in steps else None

    def _escalate(self, node: ir.Escalate, env: Env) -> Any:
        count = self.eval(node.count, env)
        if count is None:
            return None
        step = None
        for threshold, index in self.params[node.param]:
            if count >= threshold:
                step = index
        return step


# ---------------------------------------------------------------- tracing


@dataclass(slots=True)
class TraceNode:
    """One sub-decision: the expression, the value it had, where that value came from."""

    expr: ir.Expr
    value: Any = None
    pointer: str | None = None
    missing: list[str] = field(default_factory=list)
    note: str | None = None
    children: list[TraceNode] = field(default_factory=list)


MISSING_SAMPLE = 5


class TracingEvaluator(Evaluator):
    def __init__(self, program: Program, snapshot: Snapshot, params: dict[str, Any], origins: dict[str, str | None]) -> None:
        super().__init__(program, snapshot, params)
        self.origins = origins
        self.plain = Evaluator(program, snapshot, params)
        self.stack: list[TraceNode] = []
        # Within one trace, a definition called again with the same arguments: its body's
        # trace, shared rather than traced again (the tree reads the same, and definitions
        # that call each other twice over would take exponential time and memory).
        self.calls: dict[tuple[str, tuple[Any, ...], tuple[type, ...]], TraceNode] = {}

    def trace(self, node: ir.Expr, env: Env) -> TraceNode:
        root = TraceNode(node)
        self.stack = [root]
        self.calls = {}
        root.value = Evaluator.eval(self, node, env)
        self.stack = []
        return root

    def eval(self, node: ir.Expr, env: Env) -> Any:
        frame = TraceNode(node)
        if self.stack:
            self.stack[-1].children.append(frame)
        self.stack.append(frame)
        try:
            frame.value = super().eval(node, env)
        finally:
            self.stack.pop()
        return frame.value

    def _frame(self) -> TraceNode:
        return self.stack[-1]

    def _param(self, node: ir.ParamRef, env: Env) -> Any:
        origin = self.origins.get(node.name)
        self._frame().pointer = origin
        self._frame().note = "declared by the platform" if origin else "ruleset default"
        return super()._param(node, env)

    def _as_of(self, node: ir.AsOf, env: Env) -> Any:
        self._frame().pointer = "/as_of"
        return super()._as_of(node, env)

    def _field(self, node: ir.Field, env: Env) -> Any:
        base = self.eval(node.base, env)
        frame = self._frame()
        if base is None:
            return None
        if isinstance(base, Entity):
            frame.pointer = base.pointer + pointer(*node.path)
            obj = base.data
        else:
            frame.pointer = pointer(*node.path)
            obj = base
        value = values.convert(dig(obj, node.path), node.type)
        if value is None:
            frame.missing.append(frame.pointer)
        return value

    def _defcall(self, node: ir.DefCall, env: Env) -> Any:
        definition = self.program.definitions[node.name]
        if not definition.params:
            return super()._defcall(node, env)
        args = [self.eval(arg, env) for arg in node.args]
        key = (node.name, tuple(args), tuple(map(type, args)))  # 1 and 1.0: equal keys, not equal values
        frame = self._frame()
        try:
            shared, hashable = self.calls.get(key), True
        except TypeError:  # a list argument: traced each time
            shared, hashable = None, False
        if shared is not None:
            frame.children.append(shared)
            return shared.value
        value = self.eval(definition.body, {name: a for (name, _), a in zip(definition.params, args, strict=True)})
        if hashable:
            self.calls[key] = frame.children[-1]
        return value

    def _escalate(self, node: ir.Escalate, env: Env) -> Any:
        origin = self.origins.get(node.param)
        result = super()._escalate(node, env)
        frame = self._frame()
        frame.pointer = origin
        frame.note = f"{node.param}: " + ("declared by the platform" if origin else "ruleset default")
        return result

    def _lookup(self, node: ir.Lookup, env: Env) -> Any:
        key = self.eval(node.key, env)
        frame = self._frame()
        if key is None:
            return None
        if not self.snapshot.has_collection(node.collection):
            absent(frame, node.collection)
            return None
        found = self.snapshot.lookup(node.collection, key)
        if found is None:
            frame.note = f"no element of {node.collection} has id {key!r}"
            frame.missing.append(pointer(node.collection) + f"?id={key}")
        else:
            frame.pointer = found.pointer
        return found

    def _aggregate(self, node: ir.Aggregate, env: Env) -> Any:
        frame = self._frame()
        for _, outer in node.keys:
            self.eval(outer, env)
        if not isinstance(node.source, ir.CollectionRef):
            self.eval(node.source, env)
        elif not self.snapshot.has_collection(node.source.collection):
            absent(frame, node.source.collection)
            return None
        found = self.plain.candidates(node, env)
        if found is None:
            return None
        matched, unknown = found
        result = self.plain.fold(node, env, matched, unknown)
        if isinstance(node.source, ir.CollectionRef):
            frame.pointer = pointer(node.source.collection)
            frame.note = f"{len(matched)} element(s) matched the key" if node.keys else f"{len(matched)} element(s)"
        if result is None:
            frame.missing.extend(self._missing_in(node, env, matched + unknown))
            if not frame.missing and isinstance(node.source, ir.CollectionRef):
                frame.missing.append(pointer(node.source.collection))
        return result

    def _missing_in(self, node: ir.Aggregate, env: Env, elements: list[Any]) -> list[str]:
        """Pointers of missing facts in the first few elements that made the aggregate unknown."""
        out: list[str] = []
        inner = dict(env)
        for element in elements:
            inner[node.var] = element
            sub = TracingEvaluator(self.program, self.snapshot, self.params, self.origins)
            for part in (node.where, node.value):
                if part is not None:
                    out.extend(p for n in iter_nodes(sub.trace(part, inner)) for p in n.missing)
            for path, _ in node.keys:
                if isinstance(element, Entity) and dig(element.data, path) is None:
                    out.append(element.pointer + pointer(*path))
            if len(out) >= MISSING_SAMPLE:
                break
        return list(dict.fromkeys(out))[:MISSING_SAMPLE]


def absent(frame: TraceNode, collection: str) -> None:
    """An aggregate over, or a lookup in, a collection the snapshot does not hold: missing, at its pointer."""
    frame.pointer = pointer(collection)
    frame.note = f"the snapshot has no `{collection}`"
    frame.missing.append(frame.pointer)


def iter_nodes(node: TraceNode) -> Iterator[TraceNode]:
    """The trace's nodes in evaluation order (pre-order), walked without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))
