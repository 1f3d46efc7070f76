"""Runtime values: parsing snapshot strings, calendar arithmetic, display.

The end-of-month rule: adding or subtracting months moves the calendar month and keeps
the day of the month; when that day does not exist in the target month, it becomes the
month's last day. So 2024-08-31 − 6 months = 2024-02-29, and 2023-03-31 + 1 month =
2023-04-30. It is the rule of Java's `plusMonths`, PostgreSQL, DuckDB and most legal
drafting conventions, and the SQL backends reproduce it exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from lawcode.compiler import types as T
from lawcode.compiler.operators import add_months as add_months  # the rule above; declared with the operators

UTC = dt.UTC

_ISO_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


def parse_date(text: str) -> dt.date:
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError(f"not a date: {text!r}")
    return dt.date.fromisoformat(text)


def parse_datetime(text: str) -> dt.datetime:
    """RFC 3339 date-time; a value without an offset is taken as UTC.

    Its UTC instant must fall in years 0001 to 9999 (`9999-12-31T23:59:59-23:59` does
    not): out of range is a ValueError, so the schema check reports it as a bad date-time,
    as the SQL backends do, rather than an OverflowError escaping.
    """
    if not isinstance(text, str) or ("T" not in text and "t" not in text):
        raise ValueError(f"not a date-time: {text!r}")
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is UTC:  # `Z` or `+00:00`: the common case, and read once per field read
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date-time out of range once in UTC: {text!r}") from None


def parse_duration(text: str) -> tuple[int, dt.timedelta]:
    """ISO 8601 duration → (calendar months, exact part)."""
    match = _ISO_DURATION.fullmatch(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    months = int(g.get("years", 0)) * 12 + int(g.get("months", 0))
    exact = dt.timedelta(
        weeks=int(g.get("weeks", 0)),
        days=int(g.get("days", 0)),
        hours=int(g.get("hours", 0)),
        minutes=int(g.get("minutes", 0)),
        seconds=float(g.get("seconds", 0)),
    )
    return months, exact


def as_period(text: str) -> int:
    months, exact = parse_duration(text)
    if exact:
        raise ValueError(f"{text!r} is not a whole number of months or years")
    return months


def as_duration(text: str) -> dt.timedelta:
    months, exact = parse_duration(text)
    if months:
        raise ValueError(f"{text!r} has months or years, which have no fixed length; use days")
    return exact


# A valid ISO 8601 duration of the wrong form for its type: present, so never read as
# missing, but refused (S020) with its pointer wherever the snapshot holds it for a rule.
FORM_MESSAGES: dict[T.Type, str] = {
    T.PERIOD: "{v!r} is not a whole number of months or years, as a period is",
    T.DURATION: "{v!r} has months or years, which have no fixed length in a duration",
}
FORM_HINTS: dict[T.Type, str] = {
    T.PERIOD: "write whole months or years (P6M, P1Y); a length in days or hours is a duration, not a period",
    T.DURATION: "write days, hours, minutes or seconds (P30D, PT48H); months and years make a period, not a duration",
}


def form_problem(raw: Any, t: T.Type) -> str | None:
    """Why a present value cannot be read as a period or duration although it is an ISO 8601
    duration (`P180D` where a period is expected); None when it can be, or is another
    problem (not a duration at all: the schema's `format` reports that)."""
    if t not in FORM_MESSAGES or not isinstance(raw, str):
        return None
    try:
        months, exact = parse_duration(raw)
    except ValueError:
        return None
    wrong = bool(exact) if t == T.PERIOD else bool(months)
    return FORM_MESSAGES[t].format(v=raw) if wrong else None


def convert(raw: Any, t: T.Type) -> Any:
    """A JSON value read as type `t`; None when absent, null or of the wrong shape."""
    return converter(t)(raw)


@functools.cache
def converter(t: T.Type) -> Callable[[Any], Any]:
    """`convert(·, t)` as one function, chosen once per type: the compiled evaluator reads
    a field with it, without deciding again per value which type it is reading."""
    if isinstance(t, T.ListType):
        element = converter(t.element)

        def listed(raw: Any) -> Any:
            return [element(x) for x in raw] if isinstance(raw, list) else None

        return listed
    if t in _PARSERS:
        parse = _PARSERS[t]

        def parsed(raw: Any) -> Any:
            if raw is None:
                return None
            try:
                return parse(raw)
            except (ValueError, TypeError, OverflowError):
                return None

        return parsed
    if t == T.NUMBER:
        return lambda raw: raw if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    if t in _JSON_KINDS:
        kind = _JSON_KINDS[t]
        return lambda raw: raw if isinstance(raw, kind) else None
    return _as_is


def _as_is(raw: Any) -> Any:
    return raw


_PARSERS: dict[T.Type, Callable[[Any], Any]] = {T.DATE: parse_date, T.DATETIME: parse_datetime, T.DURATION: as_duration, T.PERIOD: as_period}
_JSON_KINDS: dict[T.Type, type] = {T.STRING: str, T.BOOL: bool}  # read as they are (a number: not a bool)


# ---------------------------------------------------------------- display


def _split(value: dt.timedelta) -> tuple[str, int, int, int, int]:
    """sign, days, hours, minutes, seconds of a duration (whole seconds)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return sign, days, hours, minutes, secs


def format_duration(value: dt.timedelta) -> str:
    sign, days, hours, minutes, secs = _split(value)
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"), (secs, "second")):
        if amount:
            parts.append(f"{amount} {unit}{'s' if amount != 1 else ''}")
    return sign + (" ".join(parts) if parts else "0 days")


def iso_duration(value: dt.timedelta) -> str:
    sign, days, hours, minutes, secs = _split(value)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return f"{sign}P{days}D" + (f"T{time}" if time else "") if days or not time else f"{sign}PT{time}"


def format_datetime(value: dt.datetime) -> str:
    """RFC 3339 in UTC to the second (`2024-05-01T10:00:00Z`); reports print many, and
    `isoformat` is several times faster than `strftime`."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def display(value: Any, t: T.Type, ladders: dict[str, tuple[str, ...]]) -> str:
    """How a value reads inside a message."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    # The cheap isinstance first: comparing types is a Python call, and messages show many values.
    if isinstance(value, dt.datetime) and t == T.DATETIME:
        return format_datetime(value)
    if isinstance(value, dt.date) and t == T.DATE:
        return value.isoformat()
    if isinstance(value, dt.timedelta) and t == T.DURATION:
        return format_duration(value)
    if t == T.PERIOD:
        years, months = divmod(int(value), 12)
        if months == 0 and years:
            return f"{years} year{'s' if years != 1 else ''}"
        return f"{int(value)} month{'s' if value != 1 else ''}"
    if isinstance(t, T.StepType):
        return str(ladders[t.ladder][value])
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list):
        element = t.element if isinstance(t, T.ListType) else T.UNKNOWN
        return "[" + ", ".join(display(v, element, ladders) for v in value) + "]"
    return str(value)


def to_json(value: Any, t: T.Type, ladders: dict[str, tuple[str, ...]]) -> Any:
    """A value as it appears in the JSON report (stable across backends)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dt.datetime) and t == T.DATETIME:
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return iso_duration(value)
    if t == T.PERIOD:
        return f"P{int(value)}M"
    if isinstance(t, T.StepType):
        return ladders[t.ladder][value]
    if isinstance(t, T.EscalationType):
        return {str(k): ladders[t.ladder][v] for k, v in value}
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, list | tuple):
        element = t.element if isinstance(t, T.ListType) else T.UNKNOWN
        return [to_json(v, element, ladders) for v in value]
    if isinstance(t, T.EntityType) and hasattr(value, "pointer"):
        return value.pointer
    return value
