"""A week (or more) of daily CAC snapshots, and the time `lawcode history` takes over them.

    python -m bench.cycle_week [--days 7] [--out bench/data/week] [--runs 3]

Day 0 is the CAC violations example (rulesets/cac/examples/violations.json); each later
day is one day later (`as_of`) and fixes some of the records that differ from the
compliant example (taking the compliant record by id), breaks one of them again
(a reopened violation), and receives one forum complaint a day whose handling runs
across snapshots: even days' complaints are handled two days after receipt but only
recorded in the snapshot four days later (on time, by the later snapshot's
`handled_at`); odd days' are handled five days after receipt (late: the declared
handling time is three days): pending, then overdue in the snapshot of day k+4, then
handled late.
Deterministic: the same days give the same bytes.

Then it times, in fresh processes, interleaved, median of `--runs`: `lawcode history`
over the snapshots with no cache, with a warm SQLite cache, and over the saved JSON
reports (the machine is shared: compare the ratios, not the seconds).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "rulesets" / "cac" / "examples"
RULESET = ROOT / "rulesets" / "cac"


def _fixable(broken: dict[str, Any], good: dict[str, Any]) -> list[tuple[str, Any]]:
    """(collection, id) of every record the two examples both have and disagree on."""
    out = []
    for name, items in broken.items():
        if not isinstance(items, list) or not isinstance(good.get(name), list):
            continue
        fixed = {x.get("id"): x for x in good[name] if isinstance(x, dict)}
        out.extend((name, x["id"]) for x in items if isinstance(x, dict) and x.get("id") in fixed and fixed[x["id"]] != x)
    return sorted(out, key=lambda p: (p[0], str(p[1])))


def _replace(snapshot: dict[str, Any], source: dict[str, Any], collection: str, ident: Any) -> None:
    record = next(x for x in source[collection] if x.get("id") == ident)
    items = snapshot[collection]
    items[next(i for i, x in enumerate(items) if x.get("id") == ident)] = copy.deepcopy(record)


def _stamp(day: dt.date, hours: int = 9) -> str:
    return dt.datetime.combine(day, dt.time(hours), tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def day_snapshot(d: int, days: int, broken: dict[str, Any], good: dict[str, Any]) -> dict[str, Any]:
    """The snapshot of day `d` (0-based) of a series of `days`."""
    start = dt.date.fromisoformat(broken["as_of"])
    today = start + dt.timedelta(days=d)
    snap = copy.deepcopy(broken)
    snap["as_of"] = today.isoformat()
    fixable = _fixable(broken, good)
    for i, (collection, ident) in enumerate(fixable):
        fixed_on = 1 + (i * 5) % max(days - 1, 1)  # spread over days 1 … days-1
        if d >= fixed_on and not (i == 0 and d >= min(fixed_on + 3, days - 1)):  # the first one breaks again
            _replace(snap, good, collection, ident)
    for k in range(d + 1):  # one complaint received each day so far
        received = start + dt.timedelta(days=k)
        if k % 2 == 0:  # handled in time, recorded only in a snapshot taken after the deadline
            handled, recorded = received + dt.timedelta(days=2), received + dt.timedelta(days=4)
        else:  # overdue in the snapshot of day k+4, handled (late) in that of day k+5
            handled = recorded = received + dt.timedelta(days=5)
        done = today >= recorded
        snap["complaints"].append({
            "id": f"cp-week-{k + 1}", "service": "forum", "received_at": _stamp(received),
            "handled_at": _stamp(handled) if done else None, "outcome": "upheld" if done else None,
            "feedback_at": _stamp(handled, 12) if done else None,
        })
    return snap


def generate(days: int, out: Path) -> list[Path]:
    broken = orjson.loads((EXAMPLES / "violations.json").read_bytes())
    good = orjson.loads((EXAMPLES / "compliant.json").read_bytes())
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(days):
        snap = day_snapshot(d, days, broken, good)
        path = out / f"cac-{snap['as_of']}.json"
        path.write_bytes(orjson.dumps(snap, option=orjson.OPT_INDENT_2))
        paths.append(path)
    return paths


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lawcode", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "data" / "week")
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    snaps = generate(opts.days, opts.out / "snapshots")
    reports = opts.out / "reports"
    reports.mkdir(exist_ok=True)
    for path in snaps:
        subprocess.run([sys.executable, "-m", "lawcode", "check", str(RULESET), "-s", str(path), "-f", "json", "-o", str(reports / path.name)], cwd=ROOT, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache.sqlite"
        _run(["history", str(opts.out / "snapshots"), "--rules", str(RULESET), "--cache", str(cache), "-f", "json"])  # warm it
        plans = {
            "snapshots, no cache": ["history", str(opts.out / "snapshots"), "--rules", str(RULESET), "-f", "json"],
            "snapshots, warm cache": ["history", str(opts.out / "snapshots"), "--rules", str(RULESET), "--cache", str(cache), "-f", "json"],
            "saved JSON reports": ["history", str(reports), "-f", "json"],
        }
        times: dict[str, list[float]] = {k: [] for k in plans}
        for _ in range(opts.runs):  # interleaved: the machine is shared
            for name, args in plans.items():
                times[name].append(_run(args))
    print(f"history over {opts.days} daily CAC snapshots ({opts.out}), wall seconds, median of {opts.runs}, interleaved:")
    for name, values in times.items():
        print(f"  {name:<24} {statistics.median(values):6.2f} s")


if __name__ == "__main__":
    main()
