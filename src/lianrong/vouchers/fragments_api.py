"""Fragments: holdings, lineage (穿透) and split/transfer."""

from __future__ import annotations

from lianrong.api.deps import (
    Ctx,
    CurrentActor,
    IdempotencyKey,
    IdParam,
    Paging,
    PartyQuery,
    WritingActor,
)
from lianrong.api.routing import ApiRouter
from lianrong.vouchers import lineage, queries
from lianrong.vouchers import service as vouchers
from lianrong.vouchers.schemas import (
    HoldingPage,
    LineageRead,
    TransferCreate,
    TransferRead,
)

router = ApiRouter(prefix="/fragments", tags=["fragments"])


@router.get("", response_model=HoldingPage)
def holdings(
    ctx: Ctx, actor: CurrentActor, page: Paging, holder: PartyQuery = None, include_closed: bool = False
) -> queries.Page[queries.Holding]:
    """``holder``'s fragments as far as they are in the caller's scope (a bank: those of the vouchers issued at
    it; an empty page when none is); without ``holder`` the caller's own, or for the district and chain
    offices every fragment."""
    return queries.holdings(
        ctx, viewer=actor, party=holder, include_closed=include_closed, limit=page.limit, offset=page.offset
    )


@router.get("/{fragment_id}/lineage", response_model=LineageRead)
def fragment_lineage(fragment_id: IdParam, ctx: Ctx, actor: CurrentActor) -> lineage.Lineage:
    """The path from the issuing trade to a fragment: tiers, holders and the documents of each step."""
    return lineage.lineage(ctx, viewer=actor, fragment_id=fragment_id)


@router.post("/{fragment_id}/transfer", response_model=TransferRead)
def transfer(
    fragment_id: IdParam, body: TransferCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> vouchers.TransferResult:
    """Split a held fragment and transfer parts to its sellers; the remainder stays with the sender."""
    return vouchers.transfer(ctx, actor=actor, fragment_id=fragment_id, parts=body.service_parts(), idempotency_key=key)
