"""Evaluate every rule in force over its subjects and assemble the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lawcode.compiler import ir
from lawcode.compiler import types as T
from lawcode.compiler.graph import reads
from lawcode.compiler.program import Program
from lawcode.dsl.spans import text_at
from lawcode.engine import values
from lawcode.engine.closures import Compiled
from lawcode.engine.evaluate import Evaluator, TraceNode, TracingEvaluator, iter_nodes, resolve_parameters
from lawcode.engine.report import Evidence, NotInForce, Report, Subject, Undetermined, Violation
from lawcode.engine.rulecode import rule_loop
from lawcode.engine.snapshot import Entity, Snapshot, subject_name

MAX_MISSING = 20
PROGRESS_EVERY = 1000  # subjects between two calls of a `progress` callback


def evaluate(
    program: Program,
    snapshot: Snapshot,
    rulesets: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check every rule in force on every subject; `progress(done, total)` is told how far."""
    params, origins = resolve_parameters(program, snapshot)
    total = 0
    if progress is not None:
        total = sum(1 if r.collection is None else len(snapshot.collection(r.collection)) for r in program.rules if r.in_force_on(snapshot.as_of))
    fast = Compiled(program, snapshot, params)
    tracer = TracingEvaluator(program, snapshot, params, origins)
    violations: list[Violation] = []
    undetermined: list[Undetermined] = []
    not_in_force: list[NotInForce] = []
    checked = 0
    for rule in program.rules:
        if not rule.in_force_on(snapshot.as_of):
            not_in_force.append(NotInForce(rule.id, rule.citations, rule.in_force_from, rule.in_force_until, rule.related))
            continue
        cites = rule.citations_on(snapshot.as_of)  # the basis in force today: what a violation cites
        failing, checked = _failing(fast, rule, checked, progress, total)
        # Traced in report order (by subject id, not by position): the tracer shows a
        # definition's facts the first time it reads it, so this order makes the evidence
        # independent of the order of the snapshot's collections (the SQL path sorts alike).
        failing.sort(key=lambda f: subject_key(f[0].id, f[0].index) if f[0] is not None else (0, 0, "", -1))
        for entity, outcome, message in failing:
            env = {rule.var: entity} if rule.var else {}
            subject = Subject(entity.collection, entity.id, entity.pointer, entity.index, subject_name(program.schema, entity.collection, entity.data)) if entity else None
            traces = [tracer.trace(part, env) for part in _parts(rule)]
            if outcome is False:
                violations.append(
                    Violation(rule.id, rule.title, rule.severity, rule.kind, cites, subject, message, evidence(program, traces, fast.ladders), rule_source(rule), rule.related)
                )
            else:
                missing = [p for t in traces for n in iter_nodes(t) for p in n.missing]
                undetermined.append(
                    Undetermined(rule.id, rule.severity, cites, subject, tuple(dict.fromkeys(missing))[:MAX_MISSING], message)
                )
    if progress is not None:
        progress(checked, total)
    return Report(
        as_of=snapshot.as_of,
        snapshot=snapshot.name,
        rulesets=rulesets,
        rules=program.rules,
        violations=tuple(sorted(violations, key=report_order)),
        undetermined=tuple(sorted(undetermined, key=report_order)),
        not_in_force=tuple(sorted(not_in_force, key=lambda n: n.rule)),
        subjects_checked=checked,
        documents=program.documents,
    )


def _failing(
    fast: Compiled, rule: ir.Rule, checked: int, progress: Callable[[int, int], None] | None, total: int
) -> tuple[list[tuple[Entity | None, bool | None, str]], int]:
    """The rule's subjects that are not satisfied, each with its outcome and message, and
    the count of subjects checked so far (`progress` is told every PROGRESS_EVERY).

    A rule over a collection is decided by its generated loop (`engine/rulecode.py`), a
    chunk of subjects at a time so that progress can be told; a rule on the platform is one
    decision, by the closures."""
    loop = rule_loop(fast, rule)
    message_of = fast.message(rule)
    failing: list[tuple[Entity | None, bool | None, str]] = []
    if loop is None or rule.var is None or rule.collection is None:
        decide_one = fast.decision(rule)
        for entity in [None] if rule.collection is None else fast.entities(rule.collection):
            checked += 1
            if progress is not None and checked % PROGRESS_EVERY == 0:
                progress(checked, total)
            env: dict[str, Any] = {rule.var: entity} if rule.var else {}
            fast.next_subject()
            outcome = decide_one(env)
            if outcome is not True:
                failing.append((entity, outcome, message_of(env)))
        return failing, checked
    items = fast.snapshot.collection(rule.collection)
    start = 0
    while start < len(items):
        end = min(len(items), start + PROGRESS_EVERY - checked % PROGRESS_EVERY)  # to the next multiple
        for index, outcome in loop(items[start:end], start):
            entity = Entity(rule.collection, index, items[index])
            fast.next_subject()  # the message's shared fields and memo are this subject's
            failing.append((entity, outcome, message_of({rule.var: entity})))
        checked += end - start
        start = end
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked, total)
    return failing, checked


def decide(ev: Evaluator | Compiled, rule: ir.Rule, env: dict[str, Any]) -> bool | None:
    """True: satisfied; False: violated; None: undetermined (Kleene, as in SQL).

    The decision for one subject by either evaluator (`Compiled.decision` is the same
    reading compiled once per rule, for the report's loop over every subject)."""
    applies = True if rule.where is None else ev.eval(rule.where, env)
    if applies is False:
        return True
    exempt = False if rule.unless is None else ev.eval(rule.unless, env)
    if exempt is True:
        return True
    ok = ev.eval(rule.require, env)
    if ok is True:
        return True
    if applies is True and exempt is False and ok is False:
        return False
    return None


def _parts(rule: ir.Rule) -> list[ir.Expr]:
    return [e for e in (rule.where, rule.unless, rule.require) if e is not None]


def render_message(ev: Evaluator | Compiled, rule: ir.Rule, env: dict[str, Any]) -> str:
    out = []
    for part in rule.message:
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(values.display(ev.eval(part, env), part.type, ev.ladders))
    return "".join(out)


def evidence(program: Program, traces: list[TraceNode], ladders: dict[str, tuple[str, ...]]) -> tuple[Evidence, ...]:
    """The facts behind a decision: fields, parameters, aggregates and as_of it read.

    Called once per violation: `ladders` (name → steps) is the caller's, built once per
    report, not once per violation."""
    sources = program.sources
    seen: set[tuple[str, str | None]] = set()
    out: list[Evidence] = []
    for trace in traces:
        for node in iter_nodes(trace):
            expr = node.expr
            if not isinstance(expr, _EVIDENCE):
                continue
            if isinstance(expr, ir.Lookup) and node.note is None:
                continue
            if isinstance(expr, ir.Field) and isinstance(expr.type, _NON_VALUES):
                continue
            text = text_at(sources, expr.span)
            key = (text, node.pointer)
            if key in seen:
                continue
            seen.add(key)
            value = None if isinstance(expr, ir.Lookup) else values.to_json(node.value, expr.type, ladders)
            out.append(Evidence(text, value, node.pointer, node.note))
    return tuple(out)


def rule_source(rule: ir.Rule) -> dict[str, Any]:
    return {"file": rule.span.file, "line": rule.span.line, "column": rule.span.column}


def report_order(item: Violation | Undetermined) -> tuple[Any, ...]:
    """Within a rule, by subject: collection, then id (numbers before strings), then position
    (only for ids that repeat). Every backend sorts with this key, so a snapshot with its
    collections in another order gives the same report apart from positional pointers."""
    if item.subject is None:
        return (item.rule, "", 0, 0, "", -1)
    return (item.rule, item.subject.collection, *subject_key(item.subject.id, item.subject.position))


def subject_key(sid: Any, position: int) -> tuple[int, Any, str, int]:
    """Subjects of one collection in report order: numeric ids, then the others by their
    text, then position (which only decides between equal ids)."""
    numeric = isinstance(sid, int | float) and not isinstance(sid, bool)
    return (0 if numeric else 1, sid if numeric else 0, "" if numeric else str(sid), position)


_NON_VALUES = (T.RecordType, T.EntityType)
_EVIDENCE = (ir.Field, ir.ParamRef, ir.AsOf, ir.Aggregate, ir.Lookup, ir.Escalate)
__all__ = ["decide", "evaluate", "evidence", "reads", "render_message"]
