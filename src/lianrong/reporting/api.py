"""Reports: the split report (77号: split depth and unusual splitting are tracked and reported)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from lianrong.api.deps import Ctx, CurrentActor, Paging, PartyQuery
from lianrong.api.routing import ApiRouter
from lianrong.api.schemas import ID_PATTERN
from lianrong.reporting.schemas import SplitReportPage
from lianrong.vouchers import splits

router = ApiRouter(prefix="/reports", tags=["reports"])


@router.get("/splits", response_model=SplitReportPage)
def split_report(
    ctx: Ctx,
    actor: CurrentActor,
    page: Paging,
    core: PartyQuery = None,
    bank: PartyQuery = None,
    voucher: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    include_closed: bool = False,
    flagged_only: bool = False,
) -> splits.SplitReport:
    """Per voucher: parts, transfers, deepest tier against the core's maximum, and findings (depth near
    the limit, many parts, bursts of splitting by one holder, parts flowing back to an earlier holder).
    For the district and chain offices (every voucher), a bank (its vouchers) and a core enterprise (its own)."""
    return splits.split_report(
        ctx,
        actor=actor,
        core=core,
        bank=bank,
        voucher_id=voucher,
        include_closed=include_closed,
        flagged_only=flagged_only,
        limit=page.limit,
        offset=page.offset,
    )
