"""Credit lines of core enterprises, with their occupation."""

from __future__ import annotations

from lianrong.api.deps import (
    Ctx,
    CurrentActor,
    IdempotencyKey,
    Paging,
    PartyQuery,
    WritingActor,
)
from lianrong.api.routing import ApiRouter
from lianrong.credit import queries
from lianrong.credit import service as credit
from lianrong.credit.queries import CreditLine
from lianrong.credit.schemas import CreditLineCreate, CreditLinePage, CreditLineRead
from lianrong.platform.pages import Page

router = ApiRouter(prefix="/credit-lines", tags=["credit"])


@router.get("", response_model=CreditLinePage)
def list_lines(
    ctx: Ctx, actor: CurrentActor, page: Paging, core: PartyQuery = None, bank: PartyQuery = None
) -> Page[CreditLine]:
    """Credit lines with limit, occupied and available amounts (the caller's bank's or core's)."""
    return queries.page_lines(ctx, viewer=actor, core=core, bank=bank, limit=page.limit, offset=page.offset)


@router.post("", response_model=CreditLineRead, status_code=201)
def grant_line(body: CreditLineCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> credit.GrantedLine:
    """The bank grants a designated core enterprise a credit line for a period."""
    return credit.grant_line(
        ctx,
        actor=actor,
        bank=body.bank or actor.party_id,
        core=body.core,
        limit_fen=body.limit_fen,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        idempotency_key=key,
    )
