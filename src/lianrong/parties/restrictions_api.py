"""Party restrictions over HTTP: the district office records and lifts them; an organisation reads its own."""

from __future__ import annotations

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, IdParam, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.parties import restricting
from lianrong.parties.restricting import RestrictionRecord
from lianrong.parties.schemas import RestrictionCreate, RestrictionLift, RestrictionRead

router = ApiRouter(tags=["parties"])


@router.get("/restrictions", response_model=list[RestrictionRead])
def list_restrictions(
    ctx: Ctx, actor: CurrentActor, party: str | None = None, source: str | None = None
) -> list[RestrictionRecord]:
    """Restrictions, newest first: the district office sees every one, any other organisation those on itself."""
    return restricting.restrictions(ctx, viewer=actor, party_id=party, source=source)


@router.post("/parties/{party}/restrictions", response_model=RestrictionRead, status_code=201)
def restrict(
    party: IdParam, body: RestrictionCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> RestrictionRecord:
    """Bar a party from an action (the district office's approver or administrator)."""
    return restricting.restrict(
        ctx,
        actor=actor,
        party_id=party,
        action=body.action,
        kind=body.kind,
        reason=body.reason,
        bank_id=body.bank,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        source=body.source,
        idempotency_key=key,
    )


@router.post("/restrictions/{restriction}/lift", response_model=RestrictionRead)
def lift(
    restriction: IdParam, body: RestrictionLift, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> RestrictionRecord:
    """End a restriction from today on, recording who lifted it and why (the district office)."""
    return restricting.lift(ctx, actor=actor, restriction_id=restriction, reason=body.reason, idempotency_key=key)
