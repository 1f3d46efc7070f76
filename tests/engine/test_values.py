"""Calendar arithmetic and value parsing: what a lawyer means by "six months"."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawcode.engine import values


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-08-31", -6, "2024-02-29"),  # leap year: clamps to the 29th
        ("2023-08-31", -6, "2023-02-28"),
        ("2023-03-31", 1, "2023-04-30"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-06-15", -6, "2023-12-15"),
        ("2024-12-31", 2, "2025-02-28"),
    ],
)
def test_end_of_month_rule(day: str, months: int, expected: str) -> None:
    assert values.add_months(dt.date.fromisoformat(day), months).isoformat() == expected


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)), st.integers(-240, 240))
def test_months_keep_the_day_or_clamp_to_month_end(day: dt.date, months: int) -> None:
    moved = values.add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    if moved.day != day.day:
        assert moved.day < day.day
        assert (moved + dt.timedelta(days=1)).month != moved.month  # the last day of its month


@pytest.mark.parametrize(
    ("text", "months", "exact"),
    [("P6M", 6, dt.timedelta()), ("P1Y", 12, dt.timedelta()), ("P15D", 0, dt.timedelta(days=15)), ("PT48H", 0, dt.timedelta(hours=48)), ("P1DT2H30M", 0, dt.timedelta(days=1, hours=2, minutes=30))],
)
def test_iso_durations(text: str, months: int, exact: dt.timedelta) -> None:
    assert values.parse_duration(text) == (months, exact)


@pytest.mark.parametrize("text", ["P", "PT", "6 months", "P1.5M", "", "P1DT"])
def test_bad_iso_durations(text: str) -> None:
    with pytest.raises(ValueError):
        values.parse_duration(text)


def test_period_and_duration_do_not_mix() -> None:
    with pytest.raises(ValueError):
        values.as_period("P15D")
    with pytest.raises(ValueError):
        values.as_duration("P6M")


def test_datetimes_are_utc() -> None:
    assert values.parse_datetime("2024-05-01T10:00:00+08:00") == dt.datetime(2024, 5, 1, 2, tzinfo=dt.UTC)
    assert values.parse_datetime("2024-05-01T10:00:00") == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        values.parse_datetime("2024-05-01")


def test_display_and_json() -> None:
    from lawcode.compiler import types as T

    assert values.display(dt.timedelta(days=1, hours=2), T.DURATION, {}) == "1 day 2 hours"
    assert values.display(6, T.PERIOD, {}) == "6 months"
    assert values.display(24, T.PERIOD, {}) == "2 years"
    assert values.display(2.0, T.NUMBER, {}) == "2"
    assert values.display(None, T.NUMBER, {}) == "(missing)"
    assert values.to_json(dt.timedelta(hours=48), T.DURATION, {}) == "P2D"
    assert values.to_json(dt.timedelta(hours=5), T.DURATION, {}) == "PT5H"
    assert values.to_json(1, T.step_of("l"), {"l": ("a", "b")}) == "b"
