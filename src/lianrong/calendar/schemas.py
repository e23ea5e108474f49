"""API schemas of calendar: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    Field,
)

from lianrong.api.schemas import Output, Page


class CalendarDayRead(Output):
    """An official day (the read model ``calendar.queries.CalendarDay``)."""

    day: dt.date
    kind: Literal["holiday", "workday"] = Field(description="holiday: a day off; workday: a make-up working day")
    workday: bool
    name: str | None = None


class CalendarDayPage(Page[CalendarDayRead]):
    pass


class MaturityChangeRead(Output):
    id: str
    number: str
    status: str
    requested_maturity: dt.date
    maturity_on: dt.date = Field(description="the stored maturity (kept)")
    would_be: dt.date = Field(description="where the requested date rolls under the official days now loaded")


class CalendarLoadRead(Output):
    rows: int
    inserted: int
    updated: int
    unchanged: int
    first: dt.date
    last: dt.date
    vouchers: list[MaturityChangeRead] = Field(
        description="open vouchers whose maturity would now roll to another day; their maturity is not changed"
    )
