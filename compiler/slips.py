"""Hints for names that are a slip of another notation, not a typo of a declared name.

A writer who knows ISO 8601 from snapshots writes `P30D` in a rule; the grammar reads it
as a name, and "unknown name `P30D`" says nothing useful. The compiler asks here first
(`lower.py`, for E030), and the hint gives the literal the language uses.
"""

from __future__ import annotations

import re

_ISO = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?",
    re.IGNORECASE,
)
_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")


def duration_literal(name: str) -> str | None:
    """`30 days` for `P30D`, `6 months` for `P6M`, `1 day + 12 hours` for `P1DT12H`; None if not ISO."""
    match = _ISO.fullmatch(name)
    if match is None or name.upper() in ("P", "PT") or name.upper().endswith("T"):
        return None
    parts = []
    for unit in _UNITS:
        count = match.group(unit)
        if count is not None:
            parts.append(f"{int(count)} {unit if int(count) != 1 else unit[:-1]}")
    return " + ".join(parts) if parts else None


def slip_hint(name: str) -> str | None:
    """A hint for a name that is another notation's way of writing a literal."""
    literal = duration_literal(name)
    if literal is not None:
        return f"a length of time is written `{literal}` in a rule; ISO 8601 (`{name}`) is how a snapshot writes it"
    return None
