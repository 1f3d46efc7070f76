"""Why a rule fired or stayed silent for a subject: the decision as a tree of values.

`explain` re-runs one rule's decision with the `TracingEvaluator` (the very evaluator
that gives the report its evidence) and keeps, for every sub-expression that decided
it, the value it had, where in the snapshot the value came from (a JSON pointer), and
where in the ruleset the expression is written. Clauses are traced in the order the
decision reads them (`where`, `unless`, `require`) and only as far as it reads them: a
subject the rule does not apply to shows its `where`, nothing else.

The result is plain data with `to_json()`, so the CLI (`lawcode explain`, rendered by
`explain_text`) and the playground show the same tree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.program import Program
from lawcode.dsl import ast
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, did_you_mean
from lawcode.dsl.spans import Span, text_at
from lawcode.engine import values
from lawcode.engine.evaluate import Evaluator, TraceNode, TracingEvaluator, iter_nodes, resolve_parameters
from lawcode.engine.run import decide, render_message
from lawcode.engine.snapshot import Entity, Snapshot

EXPLAIN_VERSION = 1
DEFAULT_LIMIT = 10
# Nodes whose value is their own text (a literal) or a binding: shown through their parent.
_HIDDEN = (ir.Var, ir.Root, ir.CollectionRef, ir.Const)
_POINTER = re.compile(r"^/([^/]+)/(\d+)$")
Outcome = str  # "true" | "false" | "missing" | "value"


@dataclass(frozen=True, slots=True)
class Node:
    """One sub-decision: an expression as written, its value, where that came from."""

    expr: str
    kind: str
    value: Any  # as in the JSON report
    display: str  # as in a message
    outcome: Outcome
    pointer: str | None
    note: str | None
    missing: tuple[str, ...]
    span: Span
    children: tuple[Node, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "expr": self.expr,
            "kind": self.kind,
            "value": self.value,
            "display": self.display,
            "outcome": self.outcome,
            "pointer": self.pointer,
            "note": self.note,
            "missing": list(self.missing),
            "span": self.span.to_json(),
            "children": [c.to_json() for c in self.children],
        }


@dataclass(frozen=True, slots=True)
class Clause:
    clause: str  # where | unless | require
    tree: Node

    def to_json(self) -> dict[str, Any]:
        return {"clause": self.clause, "outcome": self.tree.outcome, "tree": self.tree.to_json()}


@dataclass(frozen=True, slots=True)
class Explanation:
    """The decision of one rule for one subject (None: the platform as a whole)."""

    rule: ir.Rule
    subject: Entity | None
    outcome: str  # violated | satisfied | undetermined | not_in_force
    reason: str
    clauses: tuple[Clause, ...]
    message: str | None
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "lawcode_explain": EXPLAIN_VERSION,
            "rule": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "citations": [{**c.to_json(), "label": c.label} for c in rule.citations],
            "source": {"file": rule.span.file, "line": rule.span.line, "column": rule.span.column},
            "subject": _subject_json(self.subject),
            "outcome": self.outcome,
            "reason": self.reason,
            "message": self.message,
            "missing": list(self.missing),
            "clauses": [c.to_json() for c in self.clauses],
        }


@dataclass(frozen=True, slots=True)
class Explained:
    """What `explain` found: the explanations, and how many subjects it looked at."""

    rule: ir.Rule
    explanations: tuple[Explanation, ...]
    subjects: int  # subjects the rule checks in this snapshot
    failing: int  # of those, violated or undetermined
    selected: bool  # the caller named the subject

    def to_json(self) -> dict[str, Any]:
        return {
            "lawcode_explain": EXPLAIN_VERSION,
            "rule": self.rule.id,
            "subjects": self.subjects,
            "failing": self.failing,
            "explanations": [e.to_json() for e in self.explanations],
        }


def _subject_json(entity: Entity | None) -> dict[str, Any] | None:
    if entity is None:
        return None
    return {"collection": entity.collection, "id": entity.id, "pointer": entity.pointer}


# ---------------------------------------------------------------- entry point


def find_rule(program: Program, rule_id: str) -> ir.Rule:
    for rule in program.rules:
        if rule.id == rule_id:
            return rule
    ids = [r.id for r in program.rules]
    hint = did_you_mean(rule_id, ids) or ("rules: " + ", ".join(ids[:8]) + (" …" if len(ids) > 8 else "") if ids else "the ruleset has no rules")
    raise LawcodeError([Diagnostic("X001", f"no rule `{rule_id}` in this ruleset", hint=hint)])


def explain(
    program: Program,
    snapshot: Snapshot,
    rule_id: str,
    subject: str | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> Explained:
    """Explain `rule_id` for one subject, or for every subject it fails on.

    `subject` is an element's `id` (`g1`), its JSON pointer (`/groups/0`) or its
    position (`#0`). Without it, a rule over a collection is explained for each subject
    that is violated or undetermined (the first `limit` of them); a platform rule is
    always explained. Raises `LawcodeError` for an unknown rule or subject.
    """
    rule = find_rule(program, rule_id)
    params, origins = resolve_parameters(program, snapshot)
    fast = Evaluator(program, snapshot, params)
    if rule.collection is None:
        if subject is not None:
            raise LawcodeError([Diagnostic("X003", f"rule `{rule.id}` checks the platform as a whole, not one subject", hint="drop --subject")])
        one = _explain_one(program, snapshot, rule, None, params, origins)
        return Explained(rule, (one,), 1, int(one.outcome in ("violated", "undetermined")), True)
    elements = snapshot.collection(rule.collection)
    entities = [Entity(rule.collection, i, item) for i, item in enumerate(elements)]
    if subject is not None:
        chosen = _select(rule, entities, subject)
        found = tuple(_explain_one(program, snapshot, rule, e, params, origins) for e in chosen)
        return Explained(rule, found, len(entities), sum(e.outcome in ("violated", "undetermined") for e in found), True)
    if not rule.in_force_on(snapshot.as_of):
        return Explained(rule, (_not_in_force(rule, None),), len(entities), 0, False)
    failing = [e for e in entities if decide(fast, rule, _env(rule, e)) is not True]
    found = tuple(_explain_one(program, snapshot, rule, e, params, origins) for e in failing[:limit])
    return Explained(rule, found, len(entities), len(failing), False)


def explain_subject(program: Program, snapshot: Snapshot, rule_id: str, subject: str | None) -> Explanation:
    """The decision of `rule_id` for exactly one subject, failing or not.

    For a caller that shows one decision at a time (the playground's Explain, asked
    about one row of a report): `subject` is named as for `explain` and is required for
    a rule over a collection (None: a platform rule). An id that several elements share
    is refused rather than one of them picked: name it by pointer or position.
    """
    rule = find_rule(program, rule_id)
    if rule.collection is not None and subject is None:
        raise LawcodeError([Diagnostic("X004", f"rule `{rule.id}` checks each of `{rule.collection}`: name the subject", hint=f"its id, JSON pointer (/{rule.collection}/0) or position (#0)")])
    found = explain(program, snapshot, rule_id, subject)
    if len(found.explanations) > 1:
        where = ", ".join(e.subject.pointer for e in found.explanations if e.subject)
        raise LawcodeError([Diagnostic("X005", f"{len(found.explanations)} elements of `{rule.collection}` have id `{subject}`", hint=f"name one by its JSON pointer: {where}")])
    return found.explanations[0]


def _env(rule: ir.Rule, entity: Entity | None) -> dict[str, Any]:
    return {rule.var: entity} if rule.var and entity is not None else {}


def _select(rule: ir.Rule, entities: list[Entity], subject: str) -> list[Entity]:
    match = _POINTER.match(subject)
    if match and match.group(1) == rule.collection and int(match.group(2)) < len(entities):
        return [entities[int(match.group(2))]]
    if subject.startswith("#") and subject[1:].isdigit() and int(subject[1:]) < len(entities):
        return [entities[int(subject[1:])]]
    chosen = [e for e in entities if str(e.id) == subject]
    if chosen:
        return chosen
    ids = [str(e.id) for e in entities]
    hint = did_you_mean(subject, ids) or (f"`{rule.collection}` holds {len(ids)} element(s)" + (f", e.g. {', '.join(ids[:5])}" if ids else ""))
    raise LawcodeError([Diagnostic("X002", f"no element of `{rule.collection}` has id `{subject}`", hint=hint)])


def _not_in_force(rule: ir.Rule, entity: Entity | None) -> Explanation:
    start = rule.in_force_from.isoformat() if rule.in_force_from else "…"
    end = rule.in_force_until.isoformat() if rule.in_force_until else "…"
    return Explanation(rule, entity, "not_in_force", f"the rule is in force {start} – {end}, not on the snapshot's date", (), None, ())


def _explain_one(
    program: Program,
    snapshot: Snapshot,
    rule: ir.Rule,
    entity: Entity | None,
    params: dict[str, Any],
    origins: dict[str, str | None],
) -> Explanation:
    if not rule.in_force_on(snapshot.as_of):
        return _not_in_force(rule, entity)
    env = _env(rule, entity)
    tracer = _ElementTracer(program, snapshot, params, origins)
    ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
    clauses: list[Clause] = []
    traces: list[TraceNode] = []
    written = _written(program, rule)
    for name, expr in (("where", rule.where), ("unless", rule.unless), ("require", rule.require)):
        if expr is None:
            continue
        trace = tracer.trace(expr, env)
        traces.append(trace)
        for part in _split(trace, written.get(name, 1), ir.Or if name == "unless" else ir.And):
            clauses.append(Clause(name, _node(part, program, ladders)))
        if (name, trace.value) in (("where", False), ("unless", True)):
            break  # decided: the clauses after it are not read
    outcome = {True: "satisfied", False: "violated", None: "undetermined"}[decide(Evaluator(program, snapshot, params), rule, env)]
    missing = tuple(dict.fromkeys(p for t in traces for n in iter_nodes(t) for p in n.missing))
    message = render_message(Evaluator(program, snapshot, params), rule, env)
    said = {name: _outcome(t.value, T.BOOL) for name, t in zip([c for c in ("where", "unless", "require") if getattr(rule, c) is not None], traces, strict=False)}
    return Explanation(rule, entity, outcome, _reason(outcome, said), tuple(clauses), message, missing)


def _written(program: Program, rule: ir.Rule) -> dict[str, int]:
    """How many `require` and `unless` clauses the rule has in its source."""
    for module in program.modules.values():
        for decl in module.declarations:
            if isinstance(decl, ast.Rule) and decl.id == rule.id and decl.span == rule.span:
                return {"require": len(decl.requires), "unless": len(decl.unless)}
    return {}


def _split(trace: TraceNode, count: int, joiner: type[ir.And] | type[ir.Or]) -> list[TraceNode]:
    """The traces of each written clause, out of the `and` (`or`) that joined them.

    `require a` `require b` compile to `a and b`; the reader wrote two clauses and sees
    two. A clause the decision did not read (after a false `require`) has no trace.
    """
    parts: list[TraceNode] = []
    node = trace
    for _ in range(count - 1):
        if not isinstance(node.expr, joiner) or not node.children:
            break
        left, *right = node.children
        parts[:0] = right
        node = left
    return [node, *parts]


def _reason(outcome: str, said: dict[str, Outcome]) -> str:
    if outcome == "violated":
        parts = [f"`{c}` is {'true' if c == 'where' else 'false'}" for c in ("where", "unless", "require") if c in said]
        return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    if outcome == "satisfied":
        if said.get("where") == "false":
            return "the rule does not apply to it: `where` is false"
        if said.get("unless") == "true":
            return "it is exempt: `unless` is true"
        return "`require` is true"
    unknown = [c for c, o in said.items() if o == "missing"]
    return "a needed fact is missing, so " + " and ".join(f"`{c}`" for c in unknown) + (" is" if len(unknown) == 1 else " are") + " unknown"


# ---------------------------------------------------------------- trace → nodes

ELEMENTS_SHOWN = 5


class _ElementTracer(TracingEvaluator):
    """A tracer that also opens aggregates: the filter (and value) of their first elements.

    The report's tracer only counts an aggregate's elements; a reader asking *why*
    `exists(…)` is false wants to see an element and the condition it failed.
    """

    def _aggregate(self, node: ir.Aggregate, env: dict[str, Any]) -> Any:
        result = super()._aggregate(node, env)
        frame = self._frame()
        found = self.plain.candidates(node, env)
        if found is None or (node.where is None and node.value is None):
            return result
        elements = found[0] + found[1]
        inner = dict(env)
        for element in elements[:ELEMENTS_SHOWN]:
            inner[node.var] = element
            where = element.pointer if isinstance(element, Entity) else repr(element)
            for part in (node.where, node.value):
                if part is not None:
                    self.eval(part, inner)
                    frame.children[-1].note = f"{node.var} = {where}"
        if len(elements) > ELEMENTS_SHOWN:
            frame.note = (frame.note + "; " if frame.note else "") + f"the first {ELEMENTS_SHOWN} shown"
        return result



def _node(trace: TraceNode, program: Program, ladders: dict[str, tuple[str, ...]]) -> Node:
    expr = trace.expr
    children = tuple(_node(c, program, ladders) for c in _flat(trace, _shown(trace.children)))
    return Node(
        expr=text_at(program.sources, expr.span),
        kind=type(expr).__name__,
        value=_json_value(trace.value, expr.type, ladders),
        display=_display(trace.value, expr.type, ladders),
        outcome=_outcome(trace.value, expr.type),
        pointer=trace.pointer,
        note=trace.note,
        missing=tuple(dict.fromkeys(trace.missing)),
        span=expr.span,
        children=children,
    )


def _flat(trace: TraceNode, children: list[TraceNode]) -> list[TraceNode]:
    """`a and b and c` as one node with three operands, not a ladder of two-operand `and`s."""
    if not isinstance(trace.expr, ir.And | ir.Or):
        return children
    out: list[TraceNode] = []
    for child in children:
        if type(child.expr) is type(trace.expr) and child.note is None:
            out.extend(_flat(child, _shown(child.children)))
        else:
            out.append(child)
    return out


def _shown(children: list[TraceNode]) -> list[TraceNode]:
    """Children worth a line: bindings and literals are hidden, their children lifted."""
    out: list[TraceNode] = []
    for child in children:
        if isinstance(child.expr, _HIDDEN):
            out.extend(_shown(child.children))
        else:
            out.append(child)
    return out


def _outcome(value: Any, t: T.Type) -> Outcome:
    if value is None:
        return "missing"
    if t == T.BOOL or isinstance(value, bool):
        return "true" if value else "false"
    return "value"


def _json_value(value: Any, t: T.Type, ladders: dict[str, tuple[str, ...]]) -> Any:
    if isinstance(value, Entity):
        return value.pointer
    converted = values.to_json(value, t, ladders)
    try:
        json.dumps(converted)
    except (TypeError, ValueError):
        return str(converted)
    return converted


def _display(value: Any, t: T.Type, ladders: dict[str, tuple[str, ...]]) -> str:
    if isinstance(value, Entity):
        return f"{value.collection} {value.id} ({value.pointer})"
    if isinstance(t, T.EscalationType) and isinstance(value, tuple):
        return ", ".join(f"{count}: {ladders[t.ladder][step]}" for count, step in value)
    if isinstance(value, str) and not isinstance(t, T.StepType):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return values.display(value, t, ladders)
