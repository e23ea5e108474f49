"""Financing: preview, apply (the holder), review, register and disburse (the bank); reads."""

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
from lianrong.financing import queries
from lianrong.financing import service as financing
from lianrong.financing.model import FinancingStatus
from lianrong.financing.schemas import (
    DisbursementRead,
    FinancingApplied,
    FinancingCreate,
    FinancingDetail,
    FinancingPage,
    PreviewRead,
    RegistrationCreate,
    RegistrationRead,
    ReviewCreate,
    ReviewRead,
)

router = ApiRouter(prefix="/financings", tags=["financings"])


@router.get("", response_model=FinancingPage)
def list_financings(
    ctx: Ctx,
    actor: CurrentActor,
    page: Paging,
    bank: PartyQuery = None,
    applicant: PartyQuery = None,
    core: PartyQuery = None,
    status: FinancingStatus | None = None,
) -> queries.Page[queries.FinancingRecord]:
    """Financings the caller's bank made, applied for, or on its vouchers (all for the overseers)."""
    return queries.page_financings(
        ctx, actor=actor, bank=bank, applicant=applicant, core=core, status=status, limit=page.limit, offset=page.offset
    )


@router.post("/preview", response_model=PreviewRead)
def preview(body: FinancingCreate, ctx: Ctx, actor: CurrentActor) -> PreviewRead:
    """Interest and net proceeds of financing these fragments today (writes nothing; no idempotency key)."""
    return PreviewRead.model_validate(
        financing.preview(
            ctx, actor=actor, fragment_ids=body.fragment_ids, bank=body.bank, principal_fen=body.principal_fen
        )
    )


@router.post("", response_model=FinancingApplied, status_code=201)
def apply(body: FinancingCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> financing.FinancingApplication:
    """The holder applies to finance fragments of one core enterprise; they are frozen meanwhile."""
    return financing.apply(
        ctx,
        actor=actor,
        fragment_ids=body.fragment_ids,
        bank=body.bank,
        principal_fen=body.principal_fen,
        idempotency_key=key,
    )


@router.get("/{financing_id}", response_model=FinancingDetail)
def get_financing(financing_id: IdParam, ctx: Ctx, actor: CurrentActor) -> FinancingDetail:
    """A financing with its fragments and the trade documents behind them."""
    return FinancingDetail.of(queries.financing_detail(ctx, actor=actor, financing_id=financing_id))


@router.post("/{financing_id}/review", response_model=ReviewRead)
def review(
    financing_id: IdParam, body: ReviewCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> financing.FinancingReview:
    """The bank's approver reviews trade authenticity (contract, invoices, documents): approve or reject."""
    return financing.review(
        ctx,
        actor=actor,
        financing_id=financing_id,
        approve=body.approve,
        checklist=body.checklist.model_dump(),
        reason=body.reason,
        registration_no=body.registration_no,
        registered_at=body.registered_at,
        idempotency_key=key,
    )


@router.post("/{financing_id}/register", response_model=RegistrationRead)
def register(
    financing_id: IdParam, body: RegistrationCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> financing.FinancingRegistration:
    """Record the 中登网 registration number and time (required before disbursement)."""
    return financing.register(
        ctx,
        actor=actor,
        financing_id=financing_id,
        registration_no=body.registration_no,
        registered_at=body.registered_at,
        idempotency_key=key,
    )


@router.post("/{financing_id}/disburse", response_model=DisbursementRead)
def disburse(financing_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> financing.Disbursement:
    """Disburse: re-price from today, occupy credit, the fragments become the bank's, net proceeds paid."""
    return financing.disburse(ctx, actor=actor, financing_id=financing_id, idempotency_key=key)
