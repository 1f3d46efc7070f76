"""The compiled reference evaluator: the IR turned into Python closures once, run per subject.

`Evaluator` (`evaluate.py`) walks the IR for every subject: a dictionary dispatch and a
method call per node, the operator looked up by name, the field's type compared with every
type `values.convert` knows. Here each node is compiled once into a closure that has all of
that decided already: the operator's Python meaning (`compiler/operators.py`), the field's
converter (`values.converter`), the parameter's value, the aggregate's fold
(`operators.AGGREGATES`) and, for `and`/`or`, the flattened list of operands. Evaluating
a subject then only calls closures.

The report's loop over a collection runs generated Python source instead (`rulecode.py`:
one function per rule), which writes the common node kinds inline and calls these closures
for the rest, and falls back on them for a subject whose inline code raises: the closures
stay the evaluator every node kind has, and the one the generated code is checked against
(docs/performance.md has the figures). What the closures skip is what cannot change a
value: an operand after a missing one of a strict operator is not evaluated, as nothing
the IR says has a side effect. The evidence, which does depend on what is read, comes
from the tracing evaluator, which keeps walking the tree; a property test
(`tests/engine/test_closures.py`) checks that the two agree on generated IR.

A definition with parameters is memoised per subject: its value depends only on its
arguments, and a ruleset whose definitions call each other twice over would otherwise be
exponential in their nesting (`rule_source` of 16 such definitions: 65,536 calls). The
caller clears the memo when it moves to the next subject (`Compiled.next_subject`), so it
holds one subject's values at a time. A definition without parameters is one value for the
whole evaluation, computed when first needed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler.lower import children
from lawcode.compiler.operators import AGGREGATES, FAILURES, OPERATORS, State
from lawcode.compiler.program import Program
from lawcode.engine import values
from lawcode.engine.closure_kinds import (
    Env,
    Fn,
    absent,
    apply_operator,
    choice,
    coalesce,
    escalate,
    fixed_right,
    kleene,
    member,
    negation,
    operands,
    step_of,
)
from lawcode.engine.snapshot import Entity, Snapshot, index_key

KEPT: State = (True, None)  # an element a count or exists keeps: filter true, no value
UNSURE: State = (None, None)  # one whose join key is missing: filter unknown
_FIXED = (ir.Const, ir.ParamRef, ir.AsOf)  # the same value for every subject
_NOT_YET = object()  # a memo's "no value yet" (None is a value: missing)


class Compiled:
    """A program's expressions compiled against one snapshot and its parameter values.

    Compiling binds what is fixed for the evaluation (parameter values, `as_of`, the
    collections and their join indexes) into the closures, so it is done once per report:
    for the CAC rulesets it takes a few milliseconds, against seconds of evaluation."""

    def __init__(self, program: Program, snapshot: Snapshot, params: dict[str, Any]) -> None:
        self.program = program
        self.snapshot = snapshot
        self.params = params
        self.ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
        self.memo: dict[tuple[str, tuple[Any, ...], tuple[type, ...]], Any] = {}
        self.seen: dict[int, Any] = {}  # the subject's fields read so far, by slot
        self._definitions: dict[str, tuple[Fn, list[str]]] = {}
        self._entities: dict[str, list[Entity]] = {}
        self._compiled: dict[int, tuple[ir.Expr, Fn]] = {}
        self.repeated = repeated_definitions(program)  # memoised per subject; the others are not

    # -- what the report loop calls
    def entities(self, collection: str) -> list[Entity]:
        """The elements of a collection as entities, made once and shared by every rule."""
        found = self._entities.get(collection)
        if found is None:
            found = [Entity(collection, i, item) for i, item in enumerate(self.snapshot.collection(collection))]
            self._entities[collection] = found
        return found

    def next_subject(self) -> None:
        """Forget the memoised definition values and fields of the subject just decided."""
        if self.memo:
            self.memo.clear()
        if self.seen:
            self.seen.clear()

    def decision(self, rule: ir.Rule) -> Callable[[Env], bool | None]:
        """The rule's decision for a subject: True satisfied, False violated, None undetermined
        (the same Kleene reading as `run.decide`)."""
        self._share_subject_fields(rule)
        where = None if rule.where is None else self.expr(rule.where)
        unless = None if rule.unless is None else self.expr(rule.unless)
        require = self.expr(rule.require)

        if where is None and unless is None:

            def required(env: Env) -> bool | None:
                ok = require(env)
                return True if ok is True else (False if ok is False else None)

            return required

        def decide(env: Env) -> bool | None:
            applies = True if where is None else where(env)
            if applies is False:
                return True
            exempt = False if unless is None else unless(env)
            if exempt is True:
                return True
            ok = require(env)
            if ok is True:
                return True
            if applies is True and exempt is False and ok is False:
                return False
            return None

        return decide

    def message(self, rule: ir.Rule) -> Callable[[Env], str]:
        """The rule's message for a subject, its values shown as `values.display` shows them."""
        ladders = self.ladders
        parts: list[str | tuple[Fn, Any]] = [p if isinstance(p, str) else (self.expr(p), p.type) for p in rule.message]

        def render(env: Env) -> str:
            return "".join(p if isinstance(p, str) else values.display(p[0](env), p[1], ladders) for p in parts)

        return render

    def _share_subject_fields(self, rule: ir.Rule) -> None:
        """Read each field of the subject once per subject, however often the rule names it.

        `present(u.verified_at) and u.verified_at <= u.first_post_at` reads `verified_at`
        twice; each read would parse the date-time again. The reads of one field of the rule's
        own variable (outside aggregates' filters and values, where a name may be bound to
        each element, and outside definitions' bodies, compiled apart) get one closure that
        keeps the value until `next_subject`."""
        if rule.var is None:
            return
        groups: dict[tuple[tuple[str, ...], Any], list[ir.Field]] = {}
        stack: list[ir.Expr] = [p for p in (rule.where, rule.unless, rule.require, *rule.message) if p is not None and not isinstance(p, str)]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.Field) and isinstance(node.base, ir.Var) and node.base.name == rule.var:
                groups.setdefault((node.path, node.type), []).append(node)
            inner = (node.where, node.value) if isinstance(node, ir.Aggregate) else ()
            stack.extend(child for child in children(node) if not any(child is i for i in inner))
        seen = self.seen
        for nodes in groups.values():
            if len(nodes) < 2 or id(nodes[0]) in self._compiled:
                continue
            read, slot = self._field(nodes[0]), len(self._compiled)  # a number no other group has

            def shared(env: Env, read: Fn = read, slot: int = slot) -> Any:
                value = seen.get(slot, _NOT_YET)
                if value is _NOT_YET:
                    value = seen[slot] = read(env)
                return value

            for node in nodes:
                self._compiled[id(node)] = (node, shared)

    def eval(self, node: ir.Expr, env: Env) -> Any:
        """One expression's value (compiled the first time it is asked for)."""
        return self.expr(node)(env)

    def expr(self, node: ir.Expr) -> Fn:
        """The closure computing `node` (compiled once per node object)."""
        found = self._compiled.get(id(node))
        if found is None:  # the node is kept beside its closure, so its id is not reused
            found = (node, self._compile(node))
            self._compiled[id(node)] = found
        return found[1]

    # -- compiling
    def _compile(self, node: ir.Expr) -> Fn:
        """One case per kind of IR node, each a line or two: a flat dispatch, whose complexity
        (21 by ruff's C901, 25 by radon, over the 20 allowed) counts the kinds of node, not
        paths to follow."""
        match node:
            case ir.Const(value=value):
                return lambda env: value
            case ir.AsOf():
                as_of = self.snapshot.as_of
                return lambda env: as_of
            case ir.ParamRef(name=name):
                param = self.params[name]
                return lambda env: param
            case ir.Var(name=name):
                return lambda env: env[name]
            case ir.Root():
                data = self.snapshot.data
                return lambda env: data
            case ir.Field():
                return self._field(node)
            case ir.Lookup(collection=collection, key=key):
                return self._lookup(collection, self.expr(key))
            case ir.Op(name=name, args=args):
                return self._operator(name, args)
            case ir.Compare(op=name, left=left, right=right):
                return self._operator(name, (left, right))
            case ir.Chain():
                return self._chain(node)
            case ir.And() | ir.Or():
                return kleene(type(node) is ir.And, [self.expr(p) for p in operands(node, type(node))])
            case ir.Not(operand=operand):
                return negation(self.expr(operand))
            case ir.Member(item=item, container=container):
                return member(self.expr(item), self.expr(container))
            case ir.ListExpr(items=items):
                fns = [self.expr(i) for i in items]
                return lambda env: [f(env) for f in fns]
            case ir.Coalesce(value=value, fallback=fallback):
                return coalesce(self.expr(value), self.expr(fallback))
            case ir.If(condition=condition, then=then, otherwise=otherwise):
                return choice(self.expr(condition), self.expr(then), self.expr(otherwise))
            case ir.Aggregate():
                return self._aggregate(node)
            case ir.DefCall(name=name, args=args):
                return self._call(name, [self.expr(a) for a in args])
            case ir.StepOf(ladder=ladder, value=value):
                return step_of(self.ladders[ladder], self.expr(value))
            case ir.Escalate(param=param, count=count):
                return escalate(self.params[param], self.expr(count))
        raise TypeError(f"no closure for IR node {type(node).__name__}")  # CollectionRef only appears as a source

    def _field(self, node: ir.Field) -> Fn:
        base, path, convert = self.expr(node.base), node.path, values.converter(node.type)
        if len(path) == 1 and isinstance(node.base, ir.Var):  # `u.verified_at`: the commonest read
            (key,), var = path, node.base.name

            def field_of(env: Env) -> Any:
                obj = env[var]
                if isinstance(obj, Entity):
                    obj = obj.data
                return convert(obj.get(key)) if isinstance(obj, dict) else None

            return field_of
        if len(path) == 1:
            (key,) = path

            def field(env: Env) -> Any:
                obj = base(env)
                if isinstance(obj, Entity):
                    obj = obj.data
                return convert(obj.get(key)) if isinstance(obj, dict) else None

            return field

        def nested(env: Env) -> Any:
            obj = base(env)
            if isinstance(obj, Entity):
                obj = obj.data
            for part in path:
                if not isinstance(obj, dict):
                    return None
                obj = obj.get(part)
            return convert(obj)

        return nested

    def _operator(self, name: str, args: tuple[ir.Expr, ...]) -> Fn:
        """An operator of the registry; a binary one with a fixed right operand (a parameter,
        a literal, `as_of`: `founded(u) <= max_groups_founded`) has it bound in."""
        op = OPERATORS[name]
        if len(args) == 2 and op.strict and isinstance(args[1], _FIXED):
            right = self.expr(args[1])({})
            if right is not None:
                return fixed_right(op.python, self.expr(args[0]), right)
        return apply_operator(op, [self.expr(a) for a in args])

    def _lookup(self, collection: str, key: Fn) -> Fn:
        snapshot = self.snapshot

        def lookup(env: Env) -> Any:
            k = key(env)
            return None if k is None else snapshot.lookup(collection, k)

        return lookup

    def _chain(self, node: ir.Chain) -> Fn:
        first = self.expr(node.first)
        steps = []
        for step in node.steps:
            op = OPERATORS[step.name]
            assert op.strict, step.name  # chains are of infix operators, all strict
            steps.append((op.python, self.expr(step.operand)))

        def chain(env: Env) -> Any:
            value = first(env)
            for python, operand in steps:
                if value is None:
                    return None
                b = operand(env)
                if b is None:
                    return None
                try:
                    value = python(value, b)
                except FAILURES:
                    return None
            return value

        return chain

    def _call(self, name: str, args: list[Fn]) -> Fn:
        body, names = self._definition(name)
        if not args:
            cell: list[Any] = []

            def constant(env: Env) -> Any:
                if not cell:
                    cell.append(body({}))
                return cell[0]

            return constant
        if name not in self.repeated:  # called once per decision: a memo would only cost
            if len(args) == 1:
                (arg,), (only,) = args, names
                return lambda env: body({only: arg(env)})
            return lambda env: body({n: a(env) for n, a in zip(names, args, strict=True)})
        memo = self.memo

        def call(env: Env) -> Any:
            found = tuple(a(env) for a in args)
            # The types too: 1 and 1.0 are equal keys, and `x + 1` differs on 10**20 and 1e20.
            key = (name, found, tuple(map(type, found)))
            try:
                value = memo.get(key, _NOT_YET)
            except TypeError:  # an argument that is a list: not memoised
                return body(dict(zip(names, found, strict=True)))
            if value is _NOT_YET:
                value = memo[key] = body(dict(zip(names, found, strict=True)))
            return value

        return call

    def _definition(self, name: str) -> tuple[Fn, list[str]]:
        """A definition's body, compiled once however many calls it has, and its parameters."""
        found = self._definitions.get(name)
        if found is None:
            definition = self.program.definitions[name]
            # definitions do not call themselves (program.py refuses cycles)
            found = self._definitions[name] = (self.expr(definition.body), [n for n, _ in definition.params])
        return found

    def _aggregate(self, node: ir.Aggregate) -> Fn:
        fold, result = AGGREGATES[node.func].fold, node.type
        states = self._states(node)
        source = node.source
        if isinstance(source, ir.CollectionRef) and not self.snapshot.has_collection(source.collection):
            return absent  # unknown, not empty: missing whatever its filter (docs/snapshot.md)
        if isinstance(source, ir.CollectionRef) and node.keys:
            return self._keyed(node, source.collection, fold, states)
        if isinstance(source, ir.CollectionRef):
            collection = source.collection

            def whole(env: Env) -> Any:
                return fold(states(env, self.entities(collection), ()), result)

            return whole
        seq = self.expr(source)

        def listed(env: Env) -> Any:
            found = seq(env)
            return None if found is None else fold(states(env, list(found), ()), result)

        return listed

    def _keyed(self, node: ir.Aggregate, collection: str, fold: Callable[[Any, Any], Any], states: Callable[[Env, Any, Any], Any]) -> Fn:
        """An aggregate joined to its outer scope by keys: the hash index, built once per snapshot."""
        outer = [self.expr(e) for _, e in node.keys]
        paths = tuple(p for p, _ in node.keys)
        result, snapshot, entities = node.type, self.snapshot, self.entities
        tally = AGGREGATES[node.func].tally if node.where is None and node.value is None else None
        index: list[tuple[dict[tuple[Any, ...], list[int]], list[Entity]]] = []  # filled on first use

        def lookup(key: tuple[Any, ...], env: Env) -> Any:
            if not index:
                positions, unknown = snapshot.keyed(collection, paths)
                index.append((positions, [entities(collection)[i] for i in unknown]))
            positions, unknown_entities = index[0]
            found = positions.get(key, ())
            if tally is not None:  # the keys are the whole filter: the fold needs only how many
                return tally(len(found), len(unknown_entities), result)
            every = entities(collection)
            return fold(states(env, [every[i] for i in found], unknown_entities), result)

        if len(outer) == 1:
            (one,) = outer

            def keyed_once(env: Env) -> Any:
                v = one(env)
                if v is None:
                    return None
                return lookup((v if type(v) is str else index_key(v),), env)  # `index_key` of a string: itself

            return keyed_once

        def keyed(env: Env) -> Any:
            key = []
            for f in outer:
                v = f(env)
                if v is None:
                    return None
                key.append(index_key(v))
            return lookup(tuple(key), env)

        return keyed

    def tally_by_key(self, node: ir.Aggregate) -> tuple[dict[Any, Any], Any] | None:
        """For the generated loops (`rulecode.py`): an aggregate joined by one key that is its
        whole filter (`count(g in groups where g.creator_id == u.id)`), as its value for each
        key value the collection holds, and its value for any other key. The key is looked up
        as `_keyed` looks it up (a string as it is, anything else through `index_key`); None
        for any other aggregate, and over a collection the snapshot does not hold."""
        source, tally = node.source, AGGREGATES[node.func].tally
        if not isinstance(source, ir.CollectionRef) or len(node.keys) != 1 or node.where is not None or node.value is not None or tally is None:
            return None
        if not self.snapshot.has_collection(source.collection):
            return None
        positions, unknown = self.snapshot.keyed(source.collection, (node.keys[0][0],))
        by_key = {key: tally(len(matched), len(unknown), node.type) for (key,), matched in positions.items()}
        return by_key, tally(0, len(unknown), node.type)

    def _states(self, node: ir.Aggregate) -> Callable[[Env, Any, Any], Iterator[State]]:
        """The elements' (filter, value) states, as `Evaluator.states` makes them."""
        var = node.var
        where = None if node.where is None else self.expr(node.where)
        value = None if node.value is None else self.expr(node.value)
        if where is None and value is None:  # count/exists on the keys alone: no closure to run
            return lambda env, matched, unknown: itertools.chain(itertools.repeat(KEPT, len(matched)), itertools.repeat(UNSURE, len(unknown)))

        def states(env: Env, matched: Any, unknown: Any) -> Iterator[State]:
            inner = dict(env)
            for element in matched:
                inner[var] = element
                f = True if where is None else where(inner)
                if f is not False:
                    yield f, (None if value is None else value(inner))
            for element in unknown:
                inner[var] = element
                if where is None or where(inner) is not False:
                    yield None, (None if value is None else value(inner))

        return states


def repeated_definitions(program: Program) -> set[str]:
    """The definitions with parameters that one decision may call more than once.

    Counted with multiplicity through the definitions' bodies (a body calling `d` twice
    calls everything `d` calls twice), and a call inside an aggregate's filter or value as
    many (it runs once per element). Only these are memoised: for a definition a decision
    calls once, the memo's key would cost more than it saves."""
    reached: dict[str, Counter[str]] = {}

    def calls(expr: ir.Expr) -> Counter[str]:
        found: Counter[str] = Counter()
        stack: list[tuple[ir.Expr, int]] = [(expr, 1)]
        while stack:
            node, weight = stack.pop()
            if isinstance(node, ir.DefCall):
                found[node.name] += weight
                for name, n in through(node.name).items():
                    found[name] += weight * n
            inner = (node.where, node.value) if isinstance(node, ir.Aggregate) else ()
            stack.extend((child, weight * 2 if any(child is i for i in inner) else weight) for child in children(node))
        return found

    def through(name: str) -> Counter[str]:
        if name not in reached:  # no cycles: program.py refuses them
            reached[name] = calls(program.definitions[name].body)
        return reached[name]

    out: set[str] = set()
    for rule in program.rules:
        for part in (rule.where, rule.unless, rule.require):
            if part is not None:
                out |= {name for name, n in calls(part).items() if n > 1}
    return {name for name in out if program.definitions[name].params}


__all__ = ["Compiled"]
