"""Why a rule decided what it did for one subject: the decision tree, with values.

Built on the engine's own `TracingEvaluator` and `decide`, so the tree shows exactly the
values the report's decision read. This is the playground's minimal version, kept
until `lawcode.engine.explain` (issue 5) offers a JSON tree; `service.explain` is the
one place to switch.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lawcode.api import Ruleset
from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.diagnostics import Diagnostic, LawcodeError
from lawcode.dsl.spans import text_at
from lawcode.engine import values
from lawcode.engine.evaluate import Evaluator, TraceNode, TracingEvaluator, resolve_parameters
from lawcode.engine.run import decide, render_message
from lawcode.engine.snapshot import Entity, Snapshot

MAX_LIST = 50
_ENTITY_POINTER = re.compile(r"^/([^/]+)/(\d+)$")
OUTCOMES = {True: "satisfied", False: "violated", None: "undetermined"}


def explain(ruleset: Ruleset, snapshot: Snapshot, rule_id: str, subject: str | None) -> dict[str, Any]:
    """The decision of `rule_id` for the subject at JSON pointer `subject` (None: the platform)."""
    program = ruleset.program
    rule = next((r for r in program.rules if r.id == rule_id), None)
    if rule is None:
        known = ", ".join(r.id for r in program.rules) or "none"
        raise LawcodeError([Diagnostic("P010", f"no rule `{rule_id}` in this ruleset", hint=f"rules: {known}")])
    entity = _subject(rule, snapshot, subject)
    params, origins = resolve_parameters(program, snapshot)
    ladders = {name: ladder.steps for name, ladder in program.ladders.items()}
    env: dict[str, Any] = {rule.var: entity} if rule.var and entity is not None else {}
    in_force = rule.in_force_on(snapshot.as_of)
    out: dict[str, Any] = {
        "rule": rule.id,
        "title": rule.title,
        "subject": {"collection": entity.collection, "id": entity.id, "pointer": entity.pointer} if entity else None,
        "outcome": "not_in_force" if not in_force else OUTCOMES[decide(Evaluator(program, snapshot, params), rule, env)],
        "clauses": [],
        "message": None,
    }
    if not in_force:
        return out
    tracer = TracingEvaluator(program, snapshot, params, origins)
    for clause, expr in (("where", rule.where), ("unless", rule.unless), ("require", rule.require)):
        if expr is not None:
            out["clauses"].append({"clause": clause, "tree": _node(tracer.trace(expr, env), program.sources, ladders)})
    out["message"] = render_message(Evaluator(program, snapshot, params), rule, env)
    return out


def _subject(rule: ir.Rule, snapshot: Snapshot, subject: str | None) -> Entity | None:
    if rule.collection is None:
        return None
    match = _ENTITY_POINTER.match(subject or "")
    if match is None or match.group(1) != rule.collection:
        raise LawcodeError([Diagnostic("P011", f"rule `{rule.id}` checks each of `{rule.collection}`: name the subject by its JSON pointer", hint=f"e.g. \"/{rule.collection}/0\"")])
    items = snapshot.collection(rule.collection)
    index = int(match.group(2))
    if index >= len(items) or not isinstance(items[index], dict):
        raise LawcodeError([Diagnostic("P012", f"the snapshot has no subject at `{subject}`", hint=f"`{rule.collection}` has {len(items)} element(s)")])
    return Entity(rule.collection, index, items[index])


def _node(node: TraceNode, sources: dict[str, str], ladders: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    expr = node.expr
    kind = type(expr).__name__
    return {
        "kind": kind,
        "expr": text_at(sources, expr.span),
        "value": _value(node.value, expr, ladders),
        "display": _display(node.value, expr, ladders),
        "pointer": node.pointer,
        "note": node.note,
        "missing": list(node.missing),
        "span": expr.span.to_json(),
        "children": [_node(child, sources, ladders) for child in node.children],
    }


def _type(expr: ir.Expr) -> T.Type:
    return getattr(expr, "type", T.UNKNOWN)


def _value(value: Any, expr: ir.Expr, ladders: dict[str, tuple[str, ...]]) -> Any:
    if isinstance(value, Entity):
        return value.pointer
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list | tuple) and len(value) > MAX_LIST:
        value = list(value)[:MAX_LIST]
    try:
        out = values.to_json(value, _type(expr), ladders)
    except (IndexError, KeyError, TypeError, ValueError):
        out = str(value)
    if isinstance(out, dt.date | dt.datetime | dt.timedelta):
        return str(out)
    return out


def _display(value: Any, expr: ir.Expr, ladders: dict[str, tuple[str, ...]]) -> str:
    if isinstance(value, Entity):
        return f"{value.collection} {value.id} ({value.pointer})"
    if isinstance(value, dict):
        return "{…}"
    try:
        return values.display(value, _type(expr), ladders)
    except (IndexError, KeyError, TypeError, ValueError):
        return str(value)
