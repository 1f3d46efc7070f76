"""History over three snapshots, with deadlines that run across them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import lawcode
from lawcode.engine.cycle import history, sources

DATA = Path(__file__).parents[2] / "data"
DEADLINES = DATA / "cycle" / "deadlines"
DAYS = [DEADLINES / f"day{n}.json" for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def ruleset() -> lawcode.Ruleset:
    return lawcode.load_ruleset(DEADLINES / "deadlines.law")


@pytest.fixture(scope="module")
def timelines(ruleset: lawcode.Ruleset) -> dict[tuple[str, object], dict[str, object]]:
    loaded = sources.load(DAYS, ruleset.program, ruleset.paths)
    data = history.history_of(loaded.reports).to_json()
    return {(t["rule"], t["subject"]["id"]): t for t in data["timelines"]}


def _events(t: dict[str, object]) -> list[tuple[str, str]]:
    return [(e["event"], e["as_of"]) for e in t["events"]]  # type: ignore[attr-defined]


def test_a_complaint_handled_in_time_in_a_later_snapshot_is_never_a_violation(timelines: dict) -> None:
    # received 02-29 11:00, pending on 03-01, handled 03-03 10:00 (deadline 03-03 11:00), first
    # recorded in the snapshot of 03-05: on time by the later snapshot's timestamps.
    assert ("complaint-handled-in-time", "c-ontime") not in timelines


def test_a_complaint_overdue_then_handled_late_stays_open(timelines: dict) -> None:
    # pending and within its deadline on 03-01, overdue on 03-05, handled late by 03-08
    t = timelines[("complaint-handled-in-time", "c-late")]
    assert _events(t) == [("opened", "2024-03-05")]
    assert t["open_now"] and t["open_since"] == "2024-03-05" and t["open_days"] == 3
    assert "2024-03-06T10:00:00Z" in t["message"], "the last snapshot's timestamps decide"


def test_opened_and_resolved_with_time_to_resolve(timelines: dict) -> None:
    t = timelines[("complaint-handled-in-time", "c-old")]
    assert _events(t) == [("opened", "2024-03-01"), ("resolved", "2024-03-08")]
    assert t["days_to_resolve"] == [7] and not t["open_now"]


def test_a_report_made_late_in_a_later_snapshot_is_late(timelines: dict) -> None:
    t = timelines[("finding-reported", "7")]
    assert _events(t) == [("opened", "2024-03-01")]
    assert ("finding-reported", 7) not in timelines


def test_reopened_when_it_comes_back(ruleset: lawcode.Ruleset) -> None:
    reports = [ruleset.evaluate(p).to_dict() for p in DAYS]
    back = json.loads(json.dumps(reports[1]))
    back["as_of"] = "2024-03-10"
    built = history.history_of([(r, f"r{i}") for i, r in enumerate([*reports, back])]).to_json()
    t = next(t for t in built["timelines"] if t["subject"]["id"] == "c-old")
    assert [e["event"] for e in t["events"]] == ["opened", "resolved", "reopened"]
    assert t["open_since"] == "2024-03-10" and t["days_to_resolve"] == [7]
    assert built["summary"]["reopened"] == 1


def test_per_article_and_per_day(ruleset: lawcode.Ruleset) -> None:
    built = history.history_of([(ruleset.evaluate(p).to_dict(), str(p)) for p in DAYS]).to_json()
    assert [(r["as_of"], r["violations"], r["opened"], r["resolved"]) for r in built["reports"]] == [
        ("2024-03-01", 2, 2, 0), ("2024-03-05", 3, 1, 0), ("2024-03-08", 2, 0, 1),
    ]
    articles = {(a["document"], a["article"]): a for a in built["by_article"]}
    assert articles[("forum-2017", "art 11")]["open_now"] == 1
    assert articles[("forum-2017", "art 11")]["median_days_to_resolve"] == 7
    assert articles[("forum-2017", "art 7")]["oldest_open_days"] == 7


def test_saved_reports_and_the_cache_give_the_same_history(ruleset: lawcode.Ruleset, tmp_path: Path) -> None:
    fresh = sources.load(DAYS, ruleset.program, ruleset.paths, cache=tmp_path / "cache.sqlite")
    again = sources.load(DAYS, ruleset.program, ruleset.paths, cache=tmp_path / "cache.sqlite")
    assert (fresh.evaluated, again.evaluated, again.cached) == (3, 0, 3)
    saved = tmp_path / "reports"
    saved.mkdir()
    for data, source in fresh.reports:
        (saved / Path(source).name).write_text(json.dumps(data))
    from_reports = sources.load([saved], None)
    assert from_reports.read == 3
    as_json = [history.history_of(x.reports).to_json()["timelines"] for x in (fresh, again, from_reports)]
    assert as_json[0] == as_json[1] == as_json[2]


def test_a_changed_ruleset_misses_the_cache(ruleset: lawcode.Ruleset, tmp_path: Path) -> None:
    sources.load(DAYS[:1], ruleset.program, ruleset.paths, cache=tmp_path / "cache.sqlite")
    copy = tmp_path / "rules"
    shutil.copytree(DEADLINES, copy)
    (copy / "deadlines.law").write_text((copy / "deadlines.law").read_text().replace("= 3 days", "= 4 days"))
    other = lawcode.load_ruleset(copy / "deadlines.law")
    assert sources.load(DAYS[:1], other.program, other.paths, cache=tmp_path / "cache.sqlite").evaluated == 1


def test_mistakes(ruleset: lawcode.Ruleset, tmp_path: Path) -> None:
    with pytest.raises(lawcode.LawcodeError, match="two reports are as of 2024-03-01"):
        history.history_of([(ruleset.evaluate(DAYS[0]).to_dict(), "a"), (ruleset.evaluate(DAYS[0]).to_dict(), "b")])
    with pytest.raises(lawcode.LawcodeError, match="give the ruleset"):
        sources.load(DAYS, None)
    with pytest.raises(lawcode.LawcodeError, match="no such file"):
        sources.load([tmp_path / "missing"], None)
    (tmp_path / "bad.sqlite").write_text("not a database at all, but long enough to be read as one" * 20)
    with pytest.raises(lawcode.LawcodeError, match="history cache"):
        sources.load(DAYS, ruleset.program, cache=tmp_path / "bad.sqlite")
