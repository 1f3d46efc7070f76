"""The compiled evaluator (`engine/closures.py`) against the tracing evaluator, on generated IR.

Expressions are generated as ruleset text over the mini schema (every kind of IR node the
lowering makes: Kleene logic, the registry's operators, `??`, `if`, `in`, aggregates with and
without join keys, definitions, ladder steps and escalations, dates and periods), compiled,
and evaluated for every user of a generated snapshot by both evaluators: the values must be
the same, type included. The rule's decision is compared the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.compiler import types as T
from lawcode.compiler.operators import AGGREGATES
from lawcode.compiler.program import Program
from lawcode.engine.closures import KEPT, UNSURE, Compiled, repeated_definitions
from lawcode.engine.evaluate import Evaluator, TracingEvaluator, resolve_parameters
from lawcode.engine.run import decide, render_message
from lawcode.engine.snapshot import Snapshot

EVALUATORS = DATA / "evaluators"
PRELUDE = (EVALUATORS / "prelude.law").read_text(encoding="utf-8")  # shared with test_rulecode.py


def _either(*options: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(*options)


def _two(template: str, a: st.SearchStrategy[str], b: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(a, b).map(lambda ab: template.format(*ab))


def expressions(depth: int) -> tuple[st.SearchStrategy[str], st.SearchStrategy[str], st.SearchStrategy[str]]:
    """(number, bool, datetime) expressions over `u` (a user), `depth` levels deep."""
    numbers_0 = _either(
        st.sampled_from(["0", "1", "3", "2.5", "cap", "u.credit", "founded(u)", "len(u.tags)", "months(keep)"]),
        st.integers(-3, 6).map(str),
    )
    datetimes_0 = st.sampled_from(["u.verified_at", "u.first_post_at", "oldest", "2024-01-31T12:00:00Z"])
    bools_0 = st.sampled_from(["true", "false", "present(u.verified_at)", 'u.id in ["u1", "g1", "u3"]', '"x" in u.tags', "u.credit > 2", "u.verified_at < u.first_post_at"])
    if depth == 0:
        return numbers_0, bools_0, datetimes_0
    n, b, t = expressions(depth - 1)
    group_filter = _either(
        st.just('g.status == "active"'),
        n.map(lambda x: f"g.member_count > ({x})"),
        st.just("g.creator_id == u.id"),
        n.map(lambda x: f"g.creator_id == u.id and (g.member_count ?? 0) >= ({x})"),
        st.just("present(g.member_count)"),
        st.just("members(g) > 0"),
    )
    aggregate_numbers = _either(
        group_filter.map(lambda f: f"count(g in groups where {f})"),
        group_filter.map(lambda f: f"sum(g.member_count for g in groups where {f})"),
        group_filter.map(lambda f: f"max(g.member_count for g in groups where {f})"),
        group_filter.map(lambda f: f"min(members(g) for g in groups where {f})"),
        st.just("count(m in memberships where m.user_id == u.id)"),
        st.just("count(s in sanctions where s.group_id == u.id)"),
    )
    aggregate_bools = _either(
        group_filter.map(lambda f: f"exists(g in groups where {f})"),
        group_filter.map(lambda f: f'all(g.status == "active" for g in groups where {f})'),
        st.tuples(group_filter, n).map(lambda fx: f"any(g.member_count > ({fx[1]}) for g in groups where {fx[0]})"),
        st.just("exists(s in sanctions where measures(s.measure) >= escalation[(s.prior_violations ?? 0) + 1])"),
        st.just('all(x != "" for x in u.tags)'),
    )
    numbers = _either(
        n, aggregate_numbers,
        _two("({}) + ({})", n, n), _two("({}) - ({})", n, n), _two("({}) * ({})", n, n), _two("({}) / ({})", n, n),
        n.map(lambda x: f"-({x})"), n.map(lambda x: f"abs({x})"), n.map(lambda x: f"twice({x})"), n.map(lambda x: f"four({x})"),
        _two("({}) ?? ({})", n, n),
        st.tuples(b, n, n).map(lambda c: f"if {c[0]} then ({c[1]}) else ({c[2]})"),
        _two("days(({}) - ({}))", t, t),
        st.tuples(n, n, n).map(lambda c: f"({c[0]}) + ({c[1]}) - ({c[2]}) * 2"),  # a chain
    )
    datetimes = _either(t, t.map(lambda x: f"({x}) + keep"), t.map(lambda x: f"({x}) - 3 days"), _two("({}) ?? ({})", t, t))
    logic = _either(_two("({}) and ({})", b, b), _two("({}) or ({})", b, b), b.map(lambda x: f"not ({x})"))
    bools = _either(
        b, logic, aggregate_bools, logic,
        _two("({}) < ({})", n, n), _two("({}) == ({})", n, n), _two("({}) >= ({})", n, n),
        _two("({}) <= ({})", t, t), t.map(lambda x: f"date({x}) < as_of - keep"),
        _two("({}) and ({})", b, b), _two("({}) or ({})", b, b), b.map(lambda x: f"not ({x})"),
        n.map(lambda x: f"present({x})"), n.map(lambda x: f"({x}) in [1, 2, cap]"),
        st.tuples(b, b, b).map(lambda c: f"({c[0]}) and ({c[1]}) and ({c[2]})"),
    )
    return numbers, bools, datetimes


NUMBERS, BOOLS, DATETIMES = expressions(2)
ids = st.sampled_from(["u1", "u2", "u3", "g1", "g2"])
moments = st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2024, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s)


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


users = st.builds(lambda i, v, p, c, t: _present(id=i, verified_at=v, first_post_at=p, credit=c, tags=t), ids, _maybe(moments), _maybe(moments), _maybe(st.integers(0, 5)), _maybe(st.lists(st.sampled_from(["x", "y", ""]), max_size=3)))
groups = st.builds(lambda i, s, n, c: _present(id=i, status=s, member_count=n, creator_id=c), ids, st.sampled_from(["active", "closed"]), _maybe(st.integers(0, 9)), _maybe(ids))
memberships = st.builds(lambda u, g: _present(user_id=u, group_id=g), ids, _maybe(ids))
sanctions = st.builds(lambda i, g, m, p: _present(id=i, group_id=g, measure=m, prior_violations=p), ids, ids, st.sampled_from(["warning", "suspend_posting", "close_group"]), _maybe(st.integers(0, 6)))
snapshots = st.builds(
    lambda as_of, cap, u, g, m, lg, s: {"as_of": as_of.isoformat(), "policy": _present(max_group_members=cap), "users": u, "groups": g, "memberships": m, "logs": lg, "sanctions": s},
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2025, 12, 31)),
    _maybe(st.integers(1, 4)),
    st.lists(users, max_size=5, unique_by=lambda e: e["id"]),
    st.lists(groups, max_size=4, unique_by=lambda e: e["id"]),
    st.lists(memberships, max_size=6),
    st.lists(st.builds(lambda a: {"at": a}, moments), max_size=3),
    st.lists(sanctions, max_size=3, unique_by=lambda e: e["id"]),
)


@functools.lru_cache(maxsize=512)
def program(where: str, require: str, value: str) -> Program:
    text = PRELUDE + f"def value(u: users) = {value}\nrule r {{ cites d art 1 for each u in users where {where} require {require} message \"{{u.id}}: {{value(u)}}\" }}\n"
    return compile_text(text, base_dir=EVALUATORS)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same Python type (1 and 1.0, or True and 1, would print apart)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and (a == b or a is None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(BOOLS, BOOLS, st.one_of(NUMBERS, BOOLS, DATETIMES), snapshots)
def test_compiled_and_tracing_evaluators_agree(where: str, require: str, value: str, data: dict[str, Any]) -> None:
    prog = program(where, require, value)
    snapshot = Snapshot(data)
    params, origins = resolve_parameters(prog, snapshot)
    compiled, walker = Compiled(prog, snapshot, params), Evaluator(prog, snapshot, params)
    rule = prog.rules[0]
    decision, message = compiled.decision(rule), compiled.message(rule)
    body = prog.definitions["value"].body
    for entity in compiled.entities("users"):
        env = {"u": entity}
        compiled.next_subject()
        traced = TracingEvaluator(prog, snapshot, params, origins).trace(body, env).value
        got = compiled.eval(body, env)
        assert same(got, traced), f"{value} on {entity.data}: compiled {got!r}, traced {traced!r}"
        outcome = decision(env)
        assert outcome is decide(walker, rule, env), f"where {where} require {require} on {entity.data}"
        for part in (rule.where, rule.require):
            assert part is not None
            assert same(compiled.eval(part, env), TracingEvaluator(prog, snapshot, params, origins).trace(part, env).value)
        assert message(env) == render_message(walker, rule, env)


def test_a_definition_called_twice_per_decision_is_memoised() -> None:
    """Sixteen definitions each calling the one below twice: 65,536 calls of the last without
    a memo; with it, one per definition (so this test finishes)."""
    lines = [PRELUDE, "def d0(n: number) = n + 1"]
    lines += [f"def d{i}(n: number) = d{i - 1}(n) + d{i - 1}(n)" for i in range(1, 17)]
    lines.append("rule r { cites d art 1 for each u in users require d16(u.credit ?? 0) > 0 }")
    prog = compile_text("\n".join(lines) + "\n", base_dir=EVALUATORS)
    assert repeated_definitions(prog) == {f"d{i}" for i in range(16)}
    snapshot = Snapshot({"as_of": "2024-01-01", "users": [{"id": "u1", "credit": 2}]})
    compiled = Compiled(prog, snapshot, resolve_parameters(prog, snapshot)[0])
    assert compiled.eval(prog.definitions["d16"].body, {"n": 2}) == 3 * 2**16
    assert compiled.decision(prog.rules[0])({"u": compiled.entities("users")[0]}) is True


def test_definitions_a_decision_calls_once_are_not_memoised() -> None:
    prog = program("true", "founded(u) < 2", "founded(u)")
    assert repeated_definitions(prog) == set()


def test_every_aggregate_tally_is_its_fold_on_those_states() -> None:
    for aggregate in AGGREGATES.values():
        if aggregate.tally is None:
            assert aggregate.takes_value, aggregate.name  # only count and exists are folded from counts alone
            continue
        for kept, unsure in itertools.product(range(3), repeat=2):
            states = [KEPT] * kept + [UNSURE] * unsure
            assert aggregate.tally(kept, unsure, T.NUMBER) == aggregate.fold(iter(states), T.NUMBER), (aggregate.name, kept, unsure)


def test_the_aggregates_are_the_funcs_the_parser_makes() -> None:
    assert set(AGGREGATES) == {"count", "exists", "sum", "min", "max", "all", "any"}
    assert [a.name for a in AGGREGATES.values() if not a.takes_value] == ["count", "exists"]
