"""Holiday sources for :func:`lianrong.kernel.calendar.roll_forward`.

``chinesecalendar`` ships the State Council schedules year by year and raises for years it does not
cover; an operator can load a newly published schedule as overrides before the package catches up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType

import chinese_calendar

from lianrong.kernel.errors import InvalidDate, ValidationFailed

__all__ = ["ChineseCalendarSource", "WeekendsOnlySource"]


def _freeze_overrides(overrides: Mapping[date, bool] | None) -> Mapping[date, bool]:
    checked: dict[date, bool] = {}
    for day, workday in (overrides or {}).items():
        # a datetime key would never match the date the caller asks about
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidDate(value=day)
        if not isinstance(workday, bool):
            raise ValidationFailed(reason=f"override for {day} must be True (workday) or False (holiday)")
        checked[day] = workday
    return MappingProxyType(checked)


class ChineseCalendarSource:
    """Official workdays from the ``chinesecalendar`` package; operator overrides win over it."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = _freeze_overrides(overrides)

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The operator-loaded official days (read-only)."""
        return self._overrides

    def is_workday(self, day: date) -> bool | None:
        """True/False from the overrides or the package, None for a year the package does not cover."""
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # the package's way of saying "no official schedule for this year" (e.g. 2027 in 1.11)
            return None


class WeekendsOnlySource:
    """No official schedule at all: every day not in ``overrides`` answers None.

    :func:`~lianrong.kernel.calendar.roll_forward` then applies its Monday–Friday fallback and
    marks the result unofficial. Useful in tests and for deployments without holiday data.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = _freeze_overrides(overrides)

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The days given explicitly (read-only); these count as official."""
        return self._overrides

    def is_workday(self, day: date) -> bool | None:
        """The override for ``day`` if there is one, else None (unknown)."""
        return self._overrides.get(day)
