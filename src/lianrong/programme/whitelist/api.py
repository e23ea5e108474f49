"""The white list's API: ``/api/v1/programme/whitelist/…``."""

from __future__ import annotations

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, IdParam, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.programme.whitelist import queries, renewal
from lianrong.programme.whitelist import service as wl
from lianrong.programme.whitelist.schemas import (
    WhitelistAcknowledgedRead,
    WhitelistDecisionCreate,
    WhitelistEntryChangeRead,
    WhitelistEntryCreate,
    WhitelistEntryDetailRead,
    WhitelistEntryRead,
    WhitelistPushRead,
    WhitelistReviewCreate,
    WhitelistRevokeCreate,
    WhitelistRoundChangeRead,
    WhitelistRoundCreate,
    WhitelistRoundDetailRead,
    WhitelistRoundRead,
)

router = ApiRouter(prefix="/programme/whitelist", tags=["programme"])


@router.get("/entries", response_model=list[WhitelistEntryRead])
def list_entries(
    ctx: Ctx, actor: CurrentActor, status: str | None = None, chain: str | None = None
) -> list[queries.Entry]:
    """The white list as the caller may see it (a bank: the published entries)."""
    return queries.entries(ctx, viewer=actor, status=status, chain=chain)


@router.get("/entries/{entry_id}", response_model=WhitelistEntryDetailRead)
def show_entry(entry_id: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.EntryDetail:
    """An entry with every version (its history) and its renewal cards."""
    return queries.entry(ctx, viewer=actor, entry_id=entry_id)


@router.post("/entries", response_model=WhitelistEntryChangeRead, status_code=201)
def propose(body: WhitelistEntryCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> wl.EntryChange:
    """A chain office proposes a core enterprise with the criteria's evidence."""
    criteria = body.criteria.model_dump()
    return wl.propose(ctx, actor=actor, core=body.core, chain=body.chain, criteria=criteria, idempotency_key=key)


@router.post("/entries/{entry_id}/review", response_model=WhitelistEntryChangeRead)
def review(
    entry_id: IdParam, body: WhitelistReviewCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> wl.EntryChange:
    """The district office approves (publishes and pushes to every bank) or rejects a proposal."""
    return wl.review(ctx, actor=actor, entry_id=entry_id, approve=body.approve, reason=body.reason, idempotency_key=key)


@router.post("/entries/{entry_id}/revoke", response_model=WhitelistEntryChangeRead)
def revoke(
    entry_id: IdParam, body: WhitelistRevokeCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> wl.EntryChange:
    """The district office revokes a listed entry, with a reason (vouchers issued before stay valid)."""
    return wl.revoke(ctx, actor=actor, entry_id=entry_id, reason=body.reason, idempotency_key=key)


@router.get("/pushes", response_model=list[WhitelistPushRead])
def list_pushes(ctx: Ctx, actor: CurrentActor, pending: bool = False) -> list[queries.Push]:
    """Changes of the list pushed to the caller's bank (``pending``: not acknowledged yet)."""
    return queries.pushes(ctx, viewer=actor, pending=pending)


@router.post("/pushes/{push_id}/acknowledge", response_model=WhitelistAcknowledgedRead)
def acknowledge(push_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> wl.Acknowledged:
    """The bank acknowledges a push."""
    return wl.acknowledge(ctx, actor=actor, push_id=push_id, idempotency_key=key)


@router.get("/rounds", response_model=list[WhitelistRoundRead])
def list_rounds(ctx: Ctx, actor: CurrentActor) -> list[queries.Round]:
    """The yearly renewal rounds, newest first."""
    return queries.rounds(ctx, viewer=actor)


@router.get("/rounds/{round_id}", response_model=WhitelistRoundDetailRead)
def show_round(round_id: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.RoundDetail:
    """A round with its cards (figures from the ledger, decisions)."""
    return queries.round_detail(ctx, viewer=actor, round_id=round_id)


@router.post("/rounds", response_model=WhitelistRoundChangeRead, status_code=201)
def open_round(body: WhitelistRoundCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> renewal.RoundChange:
    """Open the year's renewal round (the job does it in the configured month)."""
    return renewal.open_round(ctx, actor=actor, year=body.year, idempotency_key=key)


@router.post("/rounds/{round_id}/entries/{entry_id}", response_model=WhitelistEntryChangeRead)
def decide(
    round_id: IdParam,
    entry_id: IdParam,
    body: WhitelistDecisionCreate,
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> wl.EntryChange:
    """Renew an entry for a year, or revoke it (with a reason), on its card."""
    return renewal.decide(
        ctx,
        actor=actor,
        round_id=round_id,
        entry_id=entry_id,
        renew=body.renew,
        reason=body.reason,
        idempotency_key=key,
    )


@router.post("/rounds/{round_id}/close", response_model=WhitelistRoundChangeRead)
def close_round(round_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> renewal.RoundChange:
    """Close the round: entries not renewed expire; the difference is pushed to every bank."""
    return renewal.close_round(ctx, actor=actor, round_id=round_id, idempotency_key=key)
