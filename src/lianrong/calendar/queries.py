"""Read model of the official calendar: the State Council's holidays and make-up workdays as loaded
(public data: every viewer reads them all; the viewer is still named, as in every read model)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lianrong.adapters.db import tables as t
from lianrong.platform.context import Actor, Context
from lianrong.platform.pages import Page


@dataclass(frozen=True)
class CalendarDay:
    """An official day: a ``holiday`` (a day off) or a make-up ``workday``, with its name."""

    day: dt.date
    kind: str
    workday: bool
    name: str | None


def _statement(year: int | None) -> Any:
    c = t.calendar_override.c
    stmt = select(c.day, c.workday, c.note).order_by(c.day)
    if year is not None:
        stmt = stmt.where(c.day >= dt.date(year, 1, 1), c.day <= dt.date(year, 12, 31))
    return stmt


def _day(r: Any) -> CalendarDay:
    workday = bool(r.workday)
    return CalendarDay(day=r.day, kind="workday" if workday else "holiday", workday=workday, name=r.note)


def days(ctx: Context, *, viewer: Actor, year: int | None = None) -> list[CalendarDay]:
    """The loaded official days (of one year), in date order."""
    with ctx.uow(readonly=True) as uow:
        return [_day(r) for r in uow.conn.execute(_statement(year))]


def page_days(
    ctx: Context, *, viewer: Actor, year: int | None = None, limit: int = 50, offset: int = 0
) -> Page[CalendarDay]:
    """One page of ``days``, with the total count."""
    stmt = _statement(year)
    with ctx.uow(readonly=True) as uow:
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        rows = uow.conn.execute(stmt.limit(limit).offset(offset)).all()
    return Page(items=[_day(r) for r in rows], total=total, limit=limit, offset=offset)
