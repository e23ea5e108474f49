"""Vouchers: prepare (maker), approve (checker) or reject, the bank's approval of a long term; reads."""

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
from lianrong.vouchers import issuance, lineage, queries
from lianrong.vouchers.model import VoucherStatus
from lianrong.vouchers.schemas import (
    VoucherCreate,
    VoucherDetail,
    VoucherIssued,
    VoucherPage,
    VoucherPrepared,
    VoucherRejectCreate,
    VoucherStateRead,
    VoucherTree,
)

router = ApiRouter(prefix="/vouchers", tags=["vouchers"])


@router.get("", response_model=VoucherPage)
def list_vouchers(
    ctx: Ctx,
    actor: CurrentActor,
    page: Paging,
    core: PartyQuery = None,
    bank: PartyQuery = None,
    status: VoucherStatus | None = None,
) -> queries.Page[queries.VoucherSummary]:
    """Vouchers the caller issued, carries or holds a part of (everything for the overseers), newest first."""
    return queries.vouchers(
        ctx, viewer=actor, core=core, bank=bank, status=status, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=VoucherPrepared, status_code=201)
def prepare(body: VoucherCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> issuance.PreparedVoucher:
    """The core enterprise's operator prepares a voucher to a tier-1 supplier, backed by invoices."""
    return issuance.prepare(
        ctx,
        actor=actor,
        bank=body.bank,
        supplier=body.supplier,
        contract_id=body.contract_id,
        invoices=[i.model_dump() for i in body.invoices],
        amount_fen=body.amount_fen,
        maturity_on=body.maturity_on,
        long_term_reason=body.long_term_reason,
        idempotency_key=key,
    )


@router.get("/{voucher_id}", response_model=VoucherDetail)
def get_voucher(voucher_id: IdParam, ctx: Ctx, actor: CurrentActor) -> queries.VoucherDetail:
    """One voucher with its invoices and amounts by fragment status."""
    return queries.voucher(ctx, viewer=actor, voucher_id=voucher_id)


@router.get("/{voucher_id}/tree", response_model=VoucherTree)
def voucher_tree(voucher_id: IdParam, ctx: Ctx, actor: CurrentActor) -> lineage.VoucherTree:
    """The whole fragment tree (the issuer, the bank and the overseers)."""
    return lineage.voucher_tree(ctx, viewer=actor, voucher_id=voucher_id)


@router.post("/{voucher_id}/approve", response_model=VoucherIssued)
def approve(voucher_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> issuance.IssuedVoucher:
    """A second user of the core enterprise approves: the voucher is issued to the tier-1 supplier."""
    return issuance.approve(ctx, actor=actor, voucher_id=voucher_id, idempotency_key=key)


@router.post("/{voucher_id}/reject", response_model=VoucherStateRead)
def reject(
    voucher_id: IdParam, body: VoucherRejectCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> issuance.VoucherState:
    """The core enterprise or the bank rejects a pending voucher; its invoice allocations are freed."""
    return issuance.reject(ctx, actor=actor, voucher_id=voucher_id, reason=body.reason, idempotency_key=key)


@router.post("/{voucher_id}/bank-approve", response_model=VoucherStateRead)
def bank_approve(voucher_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> issuance.VoucherState:
    """The bank approves a payment term over six months (77号), before the core's approval."""
    return issuance.bank_approve_term(ctx, actor=actor, voucher_id=voucher_id, idempotency_key=key)
