"""Business-day rules: which day a payment actually happens on, and whether we knew for sure.

China moves workdays around every year (调休: weekend make-up workdays, weekday holidays), and the
State Council publishes the schedule only about a year ahead. Where no official schedule exists we
fall back to "Monday–Friday are workdays" and say so, so a caller can warn or re-check later.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from lianrong.kernel.errors import InvalidDate

__all__ = ["BEIJING", "BusinessDay", "HolidaySource", "add_months", "days_between", "roll_forward"]

#: Beijing time (UTC+8, no daylight saving): the zone of the business date and of printed times
BEIJING = timezone(timedelta(hours=8))

# The longest official closure is 8–9 days; a year of non-workdays means a broken source.
_MAX_ROLL_DAYS = 366


@runtime_checkable
class HolidaySource(Protocol):
    """Tells whether a day is an official workday in mainland China."""

    def is_workday(self, day: date) -> bool | None:
        """True/False from official data, None when there is no official data for that day."""
        ...


@dataclass(frozen=True)
class BusinessDay:
    """A day a payment can settle on, and how it was found."""

    day: date
    #: True when the requested day was not a workday and a later day was chosen
    rolled: bool
    #: False when some day examined had no official data and the weekends-only rule decided it
    official: bool


def roll_forward(day: date, *, source: HolidaySource) -> BusinessDay:
    """Return ``day`` if it is a workday, otherwise the next workday after it."""
    _check_date(day)
    official = True
    candidate = day
    for _ in range(_MAX_ROLL_DAYS):
        answer = source.is_workday(candidate)
        if answer is None:
            official = False
            answer = candidate.weekday() < 5
        if answer:
            return BusinessDay(day=candidate, rolled=candidate != day, official=official)
        try:
            candidate += timedelta(days=1)
        except OverflowError:
            raise InvalidDate(value=day, reason="no workday before the end of the calendar") from None
    raise InvalidDate(value=day, reason=f"no workday within {_MAX_ROLL_DAYS} days; check the holiday data")


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's last day: 2026-01-31 + 1 -> 2026-02-28."""
    _check_date(day)
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidDate(value=day, reason=f"months must be an int, got {months!r}")
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not date.min.year <= year <= date.max.year:
        raise InvalidDate(value=day, reason=f"{months} months later is outside the calendar")
    last = _stdlib_calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def days_between(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    _check_date(start)
    _check_date(end)
    return (end - start).days


def _check_date(value: object) -> None:
    # datetime is a date subclass, but mixing them compares unequal and breaks dict lookups by day
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidDate(value=value)
