"""History: timelines of each rule and subject over a series of dated reports.

The input is a series of JSON reports (saved by `lawcode check -f json`, or evaluated
here from dated snapshots, see `sources.py`), one per `as_of`. A violation is the same
one across reports when its rule and subject (collection, id) are equal, as in
baselines. For each, the timeline records `opened` (first report it is in), `resolved`
(the first later report it is not in) and `reopened` (in a report again after being
resolved), the days each open spell lasted, and whether it is open on the last day and
since when. The same figures are summed per document and article (the violation's
first basis citation), and per report for the charts.

Deadlines that run across snapshots need nothing special here, by design: each snapshot
is judged by its own `as_of` and its own timestamps, so a complaint received before one
snapshot and handled before the next is on time or late by the `handled_at` the later
snapshot records, not by the day the later snapshot was taken; while it is pending
within its deadline it is no violation at all (docs/compliance-cycle.md works through
the CAC complaint and report deadlines).
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.engine.cycle.baseline import Key, key_of

HISTORY_VERSION = 1


@dataclass(frozen=True, slots=True)
class Point:
    """One dated report of the series: its violations by key (their JSON, with standing)."""

    as_of: dt.date
    source: str
    snapshot: str
    violations: Mapping[Key, Mapping[str, Any]]
    undetermined: int
    summary: Mapping[str, Any]

    @classmethod
    def from_report(cls, data: Mapping[str, Any], source: str) -> Point:
        violations: dict[Key, Mapping[str, Any]] = {}
        for item in data.get("violations", []):
            violations.setdefault(key_of(item["rule"], item.get("subject")), item)
        return cls(dt.date.fromisoformat(data["as_of"]), source, str(data.get("snapshot", "")), violations, len(data.get("undetermined", [])), data.get("summary", {}))


@dataclass(slots=True)
class Timeline:
    """One rule on one subject across the series."""

    key: Key
    rule: str
    title: str | None
    severity: str
    subject: Mapping[str, Any] | None
    document: str
    article: str
    summary: str | None
    events: list[tuple[dt.date, str]] = field(default_factory=list)
    spells: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)  # open from, resolved on
    message: str = ""
    waiver: Mapping[str, Any] | None = None  # the waiver on the last day it was seen

    @property
    def open_now(self) -> bool:
        return bool(self.spells) and self.spells[-1][1] is None

    def resolve_days(self) -> list[int]:
        return [(end - start).days for start, end in self.spells if end is not None]

    def to_json(self, last: dt.date) -> dict[str, Any]:
        since = self.spells[-1][0] if self.open_now else None
        return {
            "rule": self.rule, "title": self.title, "severity": self.severity, "subject": self.subject,
            "document": self.document, "article": self.article,
            "first_seen": self.spells[0][0].isoformat(),
            "events": [{"as_of": d.isoformat(), "event": e} for d, e in self.events],
            "open_now": self.open_now,
            "open_since": since.isoformat() if since else None,
            "open_days": (last - since).days if since else None,
            "days_to_resolve": self.resolve_days(),
            "message": self.message,
            "waiver": dict(self.waiver) if self.waiver else None,
        }


@dataclass(frozen=True, slots=True)
class History:
    points: tuple[Point, ...]
    timelines: tuple[Timeline, ...]

    @property
    def last(self) -> dt.date:
        return self.points[-1].as_of

    def series(self) -> list[dict[str, Any]]:
        """Per report: violations, how many opened, reopened and resolved that day, waived."""
        counts: dict[dt.date, Counter[str]] = {p.as_of: Counter() for p in self.points}
        for t in self.timelines:
            for day, event in t.events:
                counts[day][event] += 1
        return [
            {
                "as_of": p.as_of.isoformat(), "source": p.source, "violations": len(p.violations),
                "opened": counts[p.as_of]["opened"], "reopened": counts[p.as_of]["reopened"], "resolved": counts[p.as_of]["resolved"],
                "waived": sum(1 for v in p.violations.values() if (v.get("waiver") or {}).get("state") == "active"),
                "undetermined": p.undetermined,
            }
            for p in self.points
        ]

    def by_article(self) -> list[dict[str, Any]]:
        """Per document and article: opened, reopened, resolved, open now, days to resolve."""
        groups: dict[tuple[str, str], list[Timeline]] = {}
        for t in self.timelines:
            groups.setdefault((t.document, t.article), []).append(t)
        out = []
        for (document, article), items in sorted(groups.items(), key=lambda kv: (kv[0][0], _article_order(kv[0][1]))):
            days = [d for t in items for d in t.resolve_days()]
            open_days = [(self.last - t.spells[-1][0]).days for t in items if t.open_now]
            out.append({
                "document": document, "article": article, "summary": items[0].summary,
                "opened": sum(1 for t in items for _, e in t.events if e == "opened"),
                "reopened": sum(1 for t in items for _, e in t.events if e == "reopened"),
                "resolved": sum(1 for t in items for _, e in t.events if e == "resolved"),
                "open_now": len(open_days),
                "oldest_open_days": max(open_days) if open_days else None,
                "median_days_to_resolve": statistics.median(days) if days else None,
            })
        return out

    def to_json(self) -> dict[str, Any]:
        open_now = [t for t in self.timelines if t.open_now]
        days = [d for t in self.timelines for d in t.resolve_days()]
        return {
            "lawcode_history": HISTORY_VERSION,
            "from": self.points[0].as_of.isoformat(),
            "to": self.last.isoformat(),
            "reports": self.series(),
            "summary": {
                "reports": len(self.points),
                "timelines": len(self.timelines),
                "open_now": len(open_now),
                "resolved": sum(1 for t in self.timelines for _, e in t.events if e == "resolved"),
                "reopened": sum(1 for t in self.timelines for _, e in t.events if e == "reopened"),
                "median_days_to_resolve": statistics.median(days) if days else None,
                "oldest_open_days": max(((self.last - t.spells[-1][0]).days for t in open_now), default=None),
            },
            "by_article": self.by_article(),
            "timelines": [t.to_json(self.last) for t in self.timelines],
        }


def build(points: Iterable[Point]) -> History:
    """The history of a series of reports (any order; one report per `as_of`)."""
    ordered = sorted(points, key=lambda p: p.as_of)
    if not ordered:
        raise LawcodeError([Diagnostic("E088", "no reports or snapshots to make a history of", None, "name JSON reports or dated snapshots, or folders of them")])
    for a, b in itertools.pairwise(ordered):
        if a.as_of == b.as_of:
            raise LawcodeError([Diagnostic("E088", f"two reports are as of {a.as_of}: {a.source} and {b.source}", None, "a history has one report per day: leave one of them out", where=b.source)])
    timelines: dict[Key, Timeline] = {}
    for point in ordered:
        for key, item in point.violations.items():
            t = timelines.get(key)
            if t is None:
                t = timelines[key] = _timeline(key, item)
                t.events.append((point.as_of, "opened"))
                t.spells.append((point.as_of, None))
            elif not t.open_now:
                t.events.append((point.as_of, "reopened"))
                t.spells.append((point.as_of, None))
            t.message = str(item.get("message", ""))
            t.waiver = item.get("waiver")
        for key, t in timelines.items():
            if t.open_now and key not in point.violations:
                t.events.append((point.as_of, "resolved"))
                t.spells[-1] = (t.spells[-1][0], point.as_of)
    return History(tuple(ordered), tuple(sorted(timelines.values(), key=_timeline_order)))


def _timeline(key: Key, item: Mapping[str, Any]) -> Timeline:
    citation = item.get("citation") or {}
    return Timeline(
        key, item["rule"], item.get("title"), str(item.get("severity", "medium")), item.get("subject"),
        str(citation.get("document", "")), _place(citation), citation.get("summary"),
    )


def _place(citation: Mapping[str, Any]) -> str:
    """`art 8 para 1`, as the reports label a citation's place in its document."""
    parts = [f"{name} {citation[k]}" for k, name in (("article", "art"), ("paragraph", "para"), ("item", "item")) if citation.get(k) is not None]
    return " ".join(parts) or "(whole document)"


def _article_order(label: str) -> tuple[int, ...]:
    return tuple(int(p) for p in label.split() if p.isdigit())


def _timeline_order(t: Timeline) -> tuple[Any, ...]:
    subject = t.subject or {}
    return (t.rule, str(subject.get("collection", "")), str(subject.get("id", "")))


def history_of(reports: Sequence[tuple[Mapping[str, Any], str]]) -> History:
    """A history from parsed JSON reports, each with where it came from."""
    return build(Point.from_report(data, source) for data, source in reports)
