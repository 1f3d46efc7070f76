"""Hypothesis strategies for snapshots of tests/data/sql and tests/data/mini.

They aim at the places backends disagree: missing and null fields, boundary dates
(month ends, leap days, year 1 and 9999), date-times with offsets and fractions,
durations that are not the kind the field declares, empty collections, Chinese and
hostile strings, ids that look alike, join keys that are null, numbers that are
whole floats, tiny fractions and zero.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

IDS = ["u1", "u2", "U1", "u1 ", "用户", "<script>", "a/b", "a~b", "", "g1", "g-exempt", "g-free", "'; DROP TABLE x; --", "\\", 'q"q']
HOSTILE = ["", "admin", "Admin", "ADMIN", "İstanbul", "ß", "ΣΑΣ", "日本語の名前", "emoji 😀", "tab\there", "new\nline", "back\\slash", "quote'", 'dq"', "{x}", "a", "Z", "bot", "spam", "ok", "review", "banned"]
DATES = [
    "2024-02-29", "2024-08-31", "2023-03-31", "2024-03-01", "2024-01-31", "2023-02-28", "2000-02-29", "1900-02-28",
    "2024-12-31", "2025-01-01", "2006-08-31", "2024-06-30", "0001-01-01", "9999-12-31", "2010-05-15",
]
TIMES = ["T00:00:00Z", "T23:59:59Z", "T10:00:00+08:00", "T22:30:00-05:30", "T12:00:00.5Z", "T00:00:00.000001Z", "T08:00:00", "T12:34Z"]
DURATIONS = ["P15D", "PT48H", "P1M", "PT1.5S", "P1W", "P0D", "P2DT3H4M5S", "P1Y", "PT0.000001S", "P400D"]
PERIODS = ["P6M", "P1Y", "P15D", "P0M", "P18M", "P1Y6M"]


def maybe(strategy: st.SearchStrategy[Any], absent: float = 0.3) -> st.SearchStrategy[Any]:
    """A value, null, or (signalled by the sentinel) absent."""
    return st.one_of(strategy, st.just(None), st.just(ABSENT))


ABSENT = object()


def opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value or absent: for fields whose schema does not admit null."""
    return st.one_of(strategy, st.just(ABSENT))


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not ABSENT})


dates = st.sampled_from(DATES)
datetimes = st.builds(lambda d, t: d + t, st.sampled_from(DATES[:13]), st.sampled_from(TIMES))
numbers = st.one_of(st.integers(-5, 40), st.sampled_from([0.5, 2.5, 0.1, 3.0, -1.25, 1e-7, 12.75, 100.0]))
ints = st.integers(-3, 40)
strings = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6))
ids = st.sampled_from(IDS)
# Any JSON value (an untyped field): as the JSON text comes back from SQL, numbers stay in
# 64 bits and floats short, as real data has them.
anything = st.recursive(
    st.one_of(st.none(), st.booleans(), ints, st.sampled_from([0.5, -1.25, 3.0, 1e-7]), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "名", "", "x y"]), inner, max_size=3)),
    max_leaves=6,
)

users = obj(
    id=ids,
    name=maybe(strings),
    age=maybe(st.integers(-1, 90)),
    score=maybe(numbers),
    active=maybe(st.booleans()),
    born=maybe(dates),
    verified_at=maybe(datetimes),
    first_post_at=maybe(datetimes),
    wait=maybe(st.sampled_from(DURATIONS)),
    plan=maybe(st.sampled_from(PERIODS)),
    country=opt(st.sampled_from(["cn", "us", "de"])),
    tags=maybe(st.lists(st.one_of(st.sampled_from(["ok", "spam", "bot", "review", "banned", "x", "b"]), st.none()), max_size=4)),
    marks=maybe(st.lists(st.one_of(numbers, st.none()), max_size=4)),
    profile=maybe(obj(city=maybe(strings), level=maybe(ints))),
    friend_id=maybe(ids),
    group_ids=maybe(st.lists(ids, max_size=3)),
    logins=maybe(st.lists(st.one_of(datetimes, st.none()), max_size=3)),
    days=maybe(st.lists(dates, max_size=3)),
    waits=maybe(st.lists(st.sampled_from(DURATIONS), max_size=3)),
    extra=maybe(anything),
    mixed=maybe(st.one_of(strings, ints)),
    grid=maybe(st.lists(st.one_of(st.lists(st.integers(-2, 30), max_size=3), st.none()), max_size=3)),
    weeks=maybe(st.lists(st.lists(st.one_of(dates, st.none()), max_size=2), max_size=3)),
    devices=maybe(
        st.lists(
            obj(
                kind=st.sampled_from(["phone", "pc", "手机"]),
                seen=maybe(datetimes),
                trusted=maybe(st.booleans()),
                labels=maybe(st.lists(st.sampled_from(["ok", "spam", "x"]), max_size=2)),
                checked=maybe(st.lists(dates, max_size=2)),
                meta=opt(anything),
                ports=maybe(st.lists(obj(n=opt(st.integers(0, 9))), max_size=2)),
                place=maybe(obj(country=st.sampled_from(["cn", "us"]), since=maybe(dates), geo=maybe(obj(lat=maybe(numbers))))),
            ),
            max_size=3,
        )
    ),
)
groups = obj(
    id=ids,
    status=st.sampled_from(["active", "closed"]),
    creator_id=maybe(ids),
    owner_id=maybe(ids),
    member_count=maybe(ints),
    created=maybe(dates),
    info=maybe(obj(name=maybe(strings), category=maybe(strings))),
)
memberships = obj(
    user_id=maybe(ids),
    group_id=maybe(ids, absent=0.15),
    item_id=maybe(st.integers(0, 4)),
    joined=maybe(dates),
    role=maybe(st.sampled_from(["owner", "member", "bot", "admin"])),
    weight=maybe(numbers),
)
logs = obj(at=maybe(datetimes), level=maybe(st.sampled_from(["info", "error"])))
sanctions = obj(
    id=ids,
    group_id=maybe(ids),
    measure=opt(st.sampled_from(["warning", "suspend_posting", "close_group"])),
    prior=maybe(st.integers(0, 7)),
)
items = obj(id=maybe(st.integers(0, 4)), label=maybe(strings), price=maybe(numbers))
policy = obj(
    max_members=maybe(st.integers(0, 5)),
    retention=maybe(st.sampled_from(["P6M", "P1Y", "P3M"])),
    grace=maybe(st.sampled_from(["P15D", "PT36H", "P1D"])),
    escalation=maybe(st.sampled_from([{"1": "warning", "2": "close_group"}, {"0": "warning"}, {}, {"3": "suspend_posting", "1": "warning"}])),
    exempt=maybe(st.lists(ids, max_size=2)),
    threshold=maybe(numbers),
    min_step=maybe(st.sampled_from(["warning", "suspend_posting"])),
    started=maybe(dates),
)
platform = obj(name=maybe(strings), audited_at=maybe(datetimes))


def sql_snapshot(max_size: int = 6) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "as_of": st.sampled_from(["2024-08-31", "2024-02-29", "2023-03-31", "2025-01-01", "2024-06-30"]),
            "policy": maybe(policy),
            "platform": maybe(platform),
            "users": st.lists(users, max_size=max_size),
            "groups": st.lists(groups, max_size=max_size),
            "memberships": st.lists(memberships, max_size=max_size + 2),
            "logs": st.lists(logs, max_size=4),
            "sanctions": st.lists(sanctions, max_size=4),
            "items": st.lists(items, max_size=4),
        }
    ).map(lambda d: {k: v for k, v in d.items() if (v is not ABSENT and v is not None) or k == "as_of"})


def mini_snapshot(max_size: int = 6) -> st.SearchStrategy[dict[str, Any]]:
    """Snapshots of tests/data/mini/snapshot.schema.json."""
    mini_users = obj(id=ids, verified_at=maybe(datetimes), first_post_at=maybe(datetimes), credit=opt(ints))
    mini_groups = obj(id=ids, status=st.sampled_from(["active", "closed"]), member_count=opt(ints))
    mini_members = obj(user_id=ids, group_id=opt(ids))
    mini_logs = obj(at=datetimes)
    mini_sanctions = obj(id=ids, group_id=ids, measure=st.sampled_from(["warning", "suspend_posting", "close_group"]), prior_violations=opt(st.integers(0, 6)))
    mini_policy = obj(
        max_group_members=opt(st.integers(1, 4)),
        log_retention=opt(st.sampled_from(["P6M", "P1Y"])),
        escalation=opt(st.sampled_from([{"1": "warning", "2": "close_group"}, {}])),
    )
    return st.fixed_dictionaries(
        {
            "as_of": st.sampled_from(["2024-08-31", "2024-02-29", "2023-03-31"]),
            "policy": mini_policy,
            "users": st.lists(mini_users, max_size=max_size),
            "groups": st.lists(mini_groups, max_size=max_size),
            "memberships": st.lists(mini_members, max_size=max_size + 2),
            "logs": st.lists(mini_logs, max_size=4),
            "sanctions": st.lists(mini_sanctions, max_size=4),
        }
    )
