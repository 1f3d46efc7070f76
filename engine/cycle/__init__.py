"""Compliance across time: baselines, waivers with expiry, history (docs/compliance-cycle.md).

Libraries only; the command line (`check --baseline/--waivers`, `lawcode history`) and
the playground call them. A violation's standing (`report.Standing`) is what they add
to a report; nothing they do removes a violation from it.
"""

from lawcode.engine.cycle.annotate import annotate, counts_line, failing
from lawcode.engine.cycle.baseline import Baseline, Comparison, compare, is_report, key_of, read_report
from lawcode.engine.cycle.waivers import (
    WaiverFile,
    WaiverResult,
    apply_waivers,
    is_waived,
    load_waivers,
    parse_waivers,
)

__all__ = [
    "Baseline",
    "Comparison",
    "WaiverFile",
    "WaiverResult",
    "annotate",
    "apply_waivers",
    "compare",
    "counts_line",
    "failing",
    "is_report",
    "is_waived",
    "key_of",
    "load_waivers",
    "parse_waivers",
    "read_report",
]
