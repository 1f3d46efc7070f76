"""The five rules of five.law written by hand in plain Python: the floor for the python backend.

What a programmer would write for these rules and nothing more: the snapshot parsed with
the standard library's `json`, each rule a loop, dates parsed with `datetime`, and the
three-valued cases the rules have handled as lawcode decides them (a missing fact makes a
subject undetermined, not violated). It returns the violated (rule, subject id) pairs,
which `bench/one.py` digests and `bench/run.py` compares with lawcode's. What it does not
do, and lawcode does: validate the snapshot against its JSON Schema, refuse repeated ids
and keys, give any rule but these five a meaning, and build the report (messages, evidence
with JSON pointers, citations).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path
from typing import Any

STEPS = ("warning_and_rectification", "suspend_posting", "close_group")
ESCALATION = {1: "warning_and_rectification", 3: "suspend_posting", 5: "close_group"}


def load(path: str) -> Any:
    return json.loads(Path(path).read_bytes())


def moment(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def months_back(day: dt.date, months: int) -> dt.date:
    """`day` minus calendar months, the day clamped to the month's end (lawcode's rule)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def check(data: dict[str, Any]) -> tuple[list[tuple[str, str]], int]:
    """The violated (rule, subject) pairs, sorted, and how many decisions were undetermined."""
    policy = data.get("policy") or {}
    as_of = dt.date.fromisoformat(data["as_of"])
    out: list[tuple[str, str]] = []
    undetermined = 0

    # log-retention: the oldest log must be at least log_retention old.
    retention = policy.get("log_retention", "P6M")
    months = int(retention[1:-1]) * (12 if retention.endswith("Y") else 1)
    stamps = [moment(log.get("at")) for log in data.get("logs", [])]
    if not stamps or None in stamps:
        undetermined += 1
    elif min(s for s in stamps if s is not None).date() > months_back(as_of, months):
        out.append(("log-retention", "platform"))

    # member-cap: active groups at most max_group_members.
    cap = policy.get("max_group_members", 500)
    founded: dict[str, int] = {}
    unknown_creator = False
    for g in data.get("groups", []):
        creator = g.get("creator_id")
        if creator is None:
            unknown_creator = True
        else:
            founded[creator] = founded.get(creator, 0) + 1
        status, members = g.get("status"), g.get("member_count")
        if status == "active" and members is not None and members > cap:
            out.append(("member-cap", g["id"]))
        elif (status == "active" or status is None) and (members is None or members > cap):
            undetermined += 1  # a missing status with a count within the cap is satisfied either way

    # groups-founded and verified-before-posting, one pass over the users.
    most = policy.get("max_groups_founded", 10)
    for u in data.get("users", []):
        uid = u.get("id")
        if uid is None or unknown_creator:
            undetermined += 1
        elif founded.get(uid, 0) > most:
            out.append(("groups-founded", uid))
        posted = moment(u.get("first_post_at"))
        if posted is not None:
            verified = moment(u.get("verified_at"))
            if verified is None or verified > posted:
                out.append(("verified-before-posting", uid))

    # sanction-step: the measure applied is at least the one the escalation table calls for.
    table = sorted((int(k), STEPS.index(v)) for k, v in (policy.get("escalation") or ESCALATION).items())
    for s in data.get("sanctions", []):
        measure, prior = s.get("measure"), s.get("prior_violations")
        due = None  # the step of the highest threshold the count reaches
        for threshold, step in table:
            if prior is not None and prior + 1 >= threshold:
                due = step
        if measure not in STEPS or due is None:
            undetermined += 1
        elif STEPS.index(measure) < due:
            out.append(("sanction-step", s["id"]))
    return sorted(out), undetermined
