"""The black list, credit archive and credit repair under ``/api/v1/programme/blacklist``."""

from __future__ import annotations

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, IdParam, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.programme.blacklist import queries, repair, service
from lianrong.programme.blacklist import schemas as s

router = ApiRouter(prefix="/programme/blacklist", tags=["programme"])


@router.get("", response_model=list[s.EntryRead])
def list_entries(ctx: Ctx, actor: CurrentActor, status: str | None = None) -> list[queries.EntryRow]:
    """The black list as the caller may see it (district: all; chain office: its members; bank: listed; enterprise: its own)."""
    return queries.entries(ctx, viewer=actor, status=status)


@router.post("", response_model=s.EntryRead, status_code=201)
def propose(body: s.EntryCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> service.Entry:
    """The district operator records an entry (proposed); the approver lists it."""
    return service.propose(ctx, actor=actor, **body.model_dump(), idempotency_key=key)


@router.get("/repairs", response_model=list[s.RepairRead])
def list_repairs(ctx: Ctx, actor: CurrentActor, status: str | None = None) -> list[queries.RepairRow]:
    """Credit repair applications the caller may see."""
    return queries.repairs(ctx, viewer=actor, status=status)


@router.post("/repairs", response_model=s.RepairRead, status_code=201)
def apply_repair(body: s.RepairCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> repair.Repair:
    """The listed enterprise applies for credit repair."""
    return repair.apply(ctx, actor=actor, **body.model_dump(), idempotency_key=key)


@router.get("/repairs/{repair_id}", response_model=s.RepairDetailRead)
def get_repair(repair_id: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.RepairDetail:
    """One application with its entry and steps."""
    return queries.repair(ctx, viewer=actor, repair_id=repair_id)


@router.post("/repairs/{repair_id}/endorse", response_model=s.RepairRead)
def endorse_repair(
    repair_id: IdParam, body: s.Decision, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> repair.Repair:
    """The applicant's chain office endorses the application."""
    return repair.endorse(ctx, actor=actor, repair_id=repair_id, endorse=True, reason=body.reason, idempotency_key=key)


@router.post("/repairs/{repair_id}/return", response_model=s.RepairRead)
def return_repair(
    repair_id: IdParam, body: s.Removal, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> repair.Repair:
    """The applicant's chain office returns the application, with a reason."""
    return repair.endorse(ctx, actor=actor, repair_id=repair_id, endorse=False, reason=body.reason, idempotency_key=key)


@router.post("/repairs/{repair_id}/review", response_model=s.RepairRead)
def review_repair(
    repair_id: IdParam, body: s.Review, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> repair.Repair:
    """The district operator reviews the application."""
    return repair.review(ctx, actor=actor, repair_id=repair_id, opinion=body.opinion, idempotency_key=key)


@router.post("/repairs/{repair_id}/approve", response_model=s.RepairRead)
def approve_repair(
    repair_id: IdParam, body: s.Decision, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> repair.Repair:
    """The district approver removes the entry (after its minimum listing period)."""
    return repair.decide(ctx, actor=actor, repair_id=repair_id, approve=True, reason=body.reason, idempotency_key=key)


@router.post("/repairs/{repair_id}/refuse", response_model=s.RepairRead)
def refuse_repair(
    repair_id: IdParam, body: s.Removal, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> repair.Repair:
    """The district approver refuses the application, with a reason."""
    return repair.decide(ctx, actor=actor, repair_id=repair_id, approve=False, reason=body.reason, idempotency_key=key)


@router.get("/archive/{party}", response_model=s.ArchiveRead)
def get_archive(party: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.CreditArchive:
    """An enterprise's credit archive (the district, its chain office, itself)."""
    return queries.archive(ctx, viewer=actor, party=party)


@router.get("/{entry_id}", response_model=s.EntryDetailRead)
def get_entry(entry_id: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.EntryDetail:
    """One entry with its steps, restrictions, repairs and the same person's other entries."""
    return queries.entry(ctx, viewer=actor, entry_id=entry_id)


@router.post("/{entry_id}/approve", response_model=s.EntryRead)
def approve(entry_id: IdParam, body: s.Decision, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> service.Entry:
    """The district approver lists a proposed entry; its restrictions follow."""
    return service.decide(ctx, actor=actor, entry_id=entry_id, approve=True, reason=body.reason, idempotency_key=key)


@router.post("/{entry_id}/reject", response_model=s.EntryRead)
def reject(entry_id: IdParam, body: s.Removal, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> service.Entry:
    """The district approver rejects a proposed entry, with a reason."""
    return service.decide(ctx, actor=actor, entry_id=entry_id, approve=False, reason=body.reason, idempotency_key=key)


@router.post("/{entry_id}/remove", response_model=s.EntryRead)
def remove(entry_id: IdParam, body: s.Removal, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> service.Entry:
    """The district approver removes a listed entry (a correction); its restrictions are lifted."""
    return service.remove(ctx, actor=actor, entry_id=entry_id, reason=body.reason, idempotency_key=key)
