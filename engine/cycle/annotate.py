"""A report with its standing across time: the baseline's verdicts, then the waivers'.

One entry point for the command line and the playground, so both mark a report the
same way: `annotate(report, program, baseline=…, waivers=…, snapshot=…)` returns the
same report (every violation still in it) with each violation's `standing` and the
report's `cycle` member: the comparison with the baseline and each waiver's state.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lawcode.compiler import Program
from lawcode.engine.cycle.baseline import Baseline, compare
from lawcode.engine.cycle.waivers import WaiverFile, apply_waivers, is_waived
from lawcode.engine.report import Report
from lawcode.engine.snapshot import Snapshot


def annotate(report: Report, program: Program, *, baseline: Baseline | None = None, waivers: WaiverFile | None = None, snapshot: Snapshot | None = None) -> Report:
    """`report` marked against `baseline` and `waivers` (either may be None)."""
    cycle: dict[str, Any] = {}
    if waivers is not None:
        report, result = apply_waivers(report, waivers, snapshot, program)
        waived = sum(1 for v in report.violations if is_waived(v))
        expired = sum(1 for v in report.violations if v.standing and v.standing.waiver and v.standing.waiver["state"] == "expired")
        cycle["waivers"] = {**result.to_json(), "violations_waived": waived, "violations_waiver_expired": expired}
    if baseline is not None:
        report, comparison = compare(report, baseline)
        cycle["baseline"] = comparison.to_json()
    return dataclasses.replace(report, cycle=cycle or None) if cycle else report


def failing(report: Report, threshold: int, *, new_only: bool = False) -> bool:
    """Whether the report should fail a CI gate: a violation at or above `threshold`
    (an index into ir.SEVERITIES) that no active waiver covers, or an undetermined
    subject at or above it; with `new_only`, only violations new since the baseline."""
    from lawcode.compiler.ir import SEVERITIES

    for v in report.violations:
        if is_waived(v) or SEVERITIES.index(v.severity) < threshold:
            continue
        if not new_only or (v.standing is not None and v.standing.baseline == "new"):
            return True
    if new_only:
        return False
    return any(SEVERITIES.index(u.severity) >= threshold for u in report.undetermined)


def counts_line(cycle: dict[str, Any] | None) -> str | None:
    """`12 new, 80 unchanged, 5 resolved · 3 waived, 1 waiver expired, 2 stale`: the cycle
    in one line of text, or None when the report has no baseline and no waivers."""
    if not cycle:
        return None
    parts = []
    if "baseline" in cycle:
        b = cycle["baseline"]
        parts.append(f"{b['new']} new, {b['unchanged']} unchanged, {b['resolved']} resolved (baseline as of {b['as_of']})")
    if "waivers" in cycle:
        w = cycle["waivers"]
        parts.append(f"{w['violations_waived']} waived, {w['violations_waiver_expired']} under an expired waiver, {w['stale']} stale waiver{'s' if w['stale'] != 1 else ''}")
    return " · ".join(parts)
