"""The official calendar: the State Council's holidays and make-up workdays, loaded by the district office."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Query, UploadFile

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, Paging, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.api.uploads import read_upload
from lianrong.calendar import queries
from lianrong.calendar import service as calendar
from lianrong.calendar.queries import CalendarDay
from lianrong.calendar.schemas import CalendarDayPage, CalendarLoadRead
from lianrong.platform.pages import Page

router = ApiRouter(prefix="/calendar", tags=["calendar"])


@router.get("/days", response_model=CalendarDayPage)
def list_days(
    ctx: Ctx, actor: CurrentActor, page: Paging, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> Page[CalendarDay]:
    """The official days loaded (public data: any user), in date order."""
    return queries.page_days(ctx, viewer=actor, year=year, limit=page.limit, offset=page.offset)


@router.post("/days", response_model=CalendarLoadRead)
def load(
    file: Annotated[UploadFile, File(description="CSV: date, kind (holiday/休 or workday/班), name")],
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> calendar.CalendarLoad:
    """Load the State Council's schedule (the district office's administrator or operator; all rows or none).

    Maturities already computed are kept; ``vouchers`` lists the open vouchers whose maturity would now
    roll to another day. A refusal lists every bad row in ``details.rows``.
    """
    return calendar.load(ctx, actor=actor, content=read_upload(ctx, file), idempotency_key=key)
