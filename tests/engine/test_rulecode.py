"""The generated rule loops (`engine/rulecode.py`) against the tree-walking evaluator.

Rules are generated as ruleset text over the mini schema, with the node kinds the loops
write inline (Kleene logic, the registry's operators, `??`, `if`, ladder steps,
escalations, definitions called once, keyed counts) and ones they leave to the closures
(filtered aggregates, memoised definitions, `in`, chains), then decided for every user of
a generated snapshot, whose values may be of the wrong type or unparseable (the snapshot
is not validated), so the loops' slow path is taken too. Each outcome must be the
walker's (`run.decide`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import DATA
from lawcode.compiler import compile_text
from lawcode.compiler.program import Program
from lawcode.engine.closures import Compiled
from lawcode.engine.evaluate import Evaluator, resolve_parameters
from lawcode.engine.rulecode import rule_loop
from lawcode.engine.run import PROGRESS_EVERY, decide, evaluate
from lawcode.engine.snapshot import Snapshot

EVALUATORS = DATA / "evaluators"
PRELUDE = (EVALUATORS / "prelude.law").read_text(encoding="utf-8")  # shared with test_closures.py

NUMBER_ATOMS = ["0", "1", "3", "2.5", "cap", "u.credit", "founded(u)", "len(u.tags)", "months(keep)", "-(u.credit)", "twice(u.credit)", "four(founded(u))", "active_founded(u)", "active_by(u.id)"]
BOOL_ATOMS = [
    "true", "false", "present(u.verified_at)", "present(u.first_post_at)", "tagged(u)", "verified_by(u, u.first_post_at)",
    'u.id in ["u1", "g1", "u3"]', '"x" in u.tags', "u.credit > 2", "u.verified_at < u.first_post_at",
    "date(u.verified_at) < as_of - keep", "exists(g in groups where g.creator_id == u.id and g.status == \"active\")",
    "u.verified_at ?? u.first_post_at <= 2024-06-01T00:00:00Z", "u.credit + 1 - cap * 2 > 0",
]


def bools(depth: int) -> st.SearchStrategy[str]:
    numbers = st.sampled_from(NUMBER_ATOMS)
    atoms = st.one_of(
        st.sampled_from(BOOL_ATOMS),
        st.tuples(numbers, st.sampled_from(["<", "<=", "==", "!=", ">=", ">"]), numbers).map(" ".join),
        st.tuples(numbers, st.sampled_from(["+", "-", "*", "/"]), numbers, numbers).map(lambda c: f"({c[0]}) {c[1]} ({c[2]}) >= ({c[3]})"),
        st.tuples(numbers, numbers).map(lambda c: f"(({c[0]}) ?? ({c[1]})) > 1"),
        st.just("measures(u.name) >= escalation[(u.credit ?? 0) + 1]"),
    )
    if depth == 0:
        return atoms
    inner = bools(depth - 1)
    return st.one_of(
        atoms,
        st.tuples(inner, inner).map(lambda c: f"({c[0]}) and ({c[1]})"),
        st.tuples(inner, inner, inner).map(lambda c: f"({c[0]}) or ({c[1]}) or ({c[2]})"),
        inner.map(lambda c: f"not ({c})"),
        st.tuples(inner, inner, inner).map(lambda c: f"if {c[0]} then ({c[1]}) else ({c[2]})"),
    )


BOOLS = bools(2)
ids = st.sampled_from(["u1", "u2", "u3", "g1", "g2"])
moments = st.one_of(
    st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2024, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from(["9999-12-31T23:00:00Z", "not a time", "2024-02-30T00:00:00Z"]),  # past 9999 once shifted; unparseable
    st.integers(0, 3),  # of the wrong type
)
odd = st.one_of(st.none(), st.just("text"), st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=16))


def _maybe(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s)


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


users = st.builds(
    lambda i, v, p, c, t, n: _present(id=i, verified_at=v, first_post_at=p, credit=c, tags=t, name=n),
    ids, _maybe(moments), _maybe(moments), st.one_of(_maybe(st.integers(0, 5)), odd), _maybe(st.lists(st.sampled_from(["x", "y", ""]), max_size=3)),
    _maybe(st.sampled_from(["warning", "close_group", "other"])),
)
groups = st.builds(lambda i, s, c: _present(id=i, status=s, creator_id=c), ids, st.sampled_from(["active", "closed"]), st.one_of(_maybe(ids), st.just(1)))
memberships = st.builds(lambda u: _present(user_id=u), _maybe(ids))
snapshots = st.builds(
    lambda as_of, u, g, m, lg: {"as_of": as_of.isoformat(), "users": u, "groups": g, "memberships": m, "logs": lg},
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.lists(st.one_of(users, st.just("not an object")), max_size=5),
    st.lists(groups, max_size=4),
    st.lists(memberships, max_size=4),
    st.lists(st.builds(lambda a: {"at": a}, moments), max_size=3),
)


@functools.lru_cache(maxsize=512)
def program(where: str, unless: str, require: str) -> Program:
    return compile_text(PRELUDE + f"rule r {{ cites d art 1 for each u in users where {where} unless {unless} require {require} }}\n", base_dir=EVALUATORS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(BOOLS, BOOLS, BOOLS, snapshots)
def test_the_generated_loop_decides_as_the_walker(where: str, unless: str, require: str, data: dict[str, Any]) -> None:
    prog = program(where, unless, require)
    snapshot = Snapshot(data)
    params, _ = resolve_parameters(prog, snapshot)
    rule, compiled, walker = prog.rules[0], Compiled(prog, snapshot, params), Evaluator(prog, snapshot, params)
    loop = rule_loop(compiled, rule)
    assert loop is not None
    items = snapshot.collection("users")
    expected = [(i, outcome) for i, entity in enumerate(compiled.entities("users")) if (outcome := decide(walker, rule, {"u": entity})) is not True]
    assert loop(items, 0) == expected, f"where {where} unless {unless} require {require}"
    assert loop(items[1:], 1) == [f for f in expected if f[0] >= 1]  # a later slice keeps its positions


def test_a_rule_on_the_platform_has_no_loop() -> None:
    prog = compile_text(PRELUDE + "rule r { cites d art 1 on platform require oldest <= 2024-01-01T00:00:00Z }\n", base_dir=EVALUATORS)
    snapshot = Snapshot({"as_of": "2024-01-01", "logs": []})
    params, _ = resolve_parameters(prog, snapshot)
    assert rule_loop(Compiled(prog, snapshot, params), prog.rules[0]) is None


def test_values_are_bound_names_never_source_text() -> None:
    """A literal that would break the generated text if pasted in stays a bound value."""
    tricky = 'a\\"b\\\\n\')\\nimport os'  # in the DSL: a quote, a backslash, a newline
    prog = compile_text(PRELUDE + f'rule r {{ cites d art 1 for each u in users require u.name != "{tricky}" }}\n', base_dir=EVALUATORS)
    literal = prog.rules[0].require.right.value  # type: ignore[attr-defined]
    assert literal == 'a"b\\n\')\nimport os'
    snapshot = Snapshot({"as_of": "2024-01-01", "users": [{"id": "u1", "name": literal}, {"id": "u2", "name": "b"}]})
    params, _ = resolve_parameters(prog, snapshot)
    loop = rule_loop(Compiled(prog, snapshot, params), prog.rules[0])
    assert loop is not None
    assert loop(snapshot.collection("users"), 0) == [(0, False)]


def test_progress_is_told_at_every_multiple_across_rules() -> None:
    """The loops run a chunk at a time so that `progress` hears every PROGRESS_EVERY subjects."""
    prog = compile_text(PRELUDE + "".join(f"rule r{i} {{ cites d art 1 for each u in users require present(u.verified_at) }}\n" for i in range(3)), base_dir=EVALUATORS)
    n = PROGRESS_EVERY + PROGRESS_EVERY // 2
    snapshot = Snapshot({"as_of": "2024-01-01", "users": [{"id": f"u{i}"} for i in range(n)]})
    told: list[tuple[int, int]] = []
    report = evaluate(prog, snapshot, progress=lambda done, total: told.append((done, total)))
    assert [done for done, _ in told] == [PROGRESS_EVERY * k for k in range(1, 3 * n // PROGRESS_EVERY + 1)] + [3 * n]
    assert {total for _, total in told} == {3 * n}
    assert len(report.violations) == 3 * n and report.subjects_checked == 3 * n
