"""Issuance use cases: a core enterprise prepares a voucher (maker), the bank approves a long term (77号),
a second user approves (checker: the voucher is issued to the tier-1 supplier) or the voucher is rejected."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.crypto import GENESIS
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.calendar.service import holiday_source
from lianrong.credit.service import occupy
from lianrong.documents import errors as documents_errors
from lianrong.documents.service import check_contract
from lianrong.kernel import errors
from lianrong.kernel.calendar import roll_forward
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.parties import errors as parties_errors
from lianrong.parties.designations import core_params
from lianrong.parties.restricting import check_party_may
from lianrong.parties.restrictions import Action
from lianrong.parties.service import require_onboarded
from lianrong.platform import scope
from lianrong.platform.common import (
    Result,
    append_op,
    check_actor_party,
    check_actor_role,
    get_or_raise,
    lock_voucher,
    resolve_party,
    run_idempotent,
)
from lianrong.platform.context import Actor, Context
from lianrong.programme.whitelist.service import check_may_issue as check_whitelisted
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v
from lianrong.vouchers.model import VoucherStatus
from lianrong.vouchers.policy import check_issue_term, check_issuer_not_defaulted, check_maker_checker


def _day(value: Any) -> dt.date | None:
    """A date from a use case's recorded result (ISO text) or as it is."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class PreparedVoucher:
    """A voucher as prepared: pending its approval, with the maturity it got and the warnings of its term."""

    id: str
    number: str
    status: VoucherStatus
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    requested_maturity: dt.date | None  # the maturity asked for, before rolling to a working day
    maturity_official: bool
    long_term: bool
    warnings: tuple[str, ...]
    core_id: str
    supplier_id: str
    bank_id: str

    @classmethod
    def of(cls, result: Result) -> PreparedVoucher:
        return cls(
            **{
                **result,
                "status": VoucherStatus(result["status"]),
                "issue_on": _day(result["issue_on"]),
                "maturity_on": _day(result["maturity_on"]),
                "requested_maturity": _day(result.get("requested_maturity")),
                "warnings": tuple(result["warnings"]),
            }
        )


@dataclass(frozen=True, slots=True)
class IssuedVoucher:
    """A voucher as issued: its root fragment, held by the tier-1 supplier."""

    id: str
    number: str
    status: VoucherStatus
    root_fragment_id: str
    holder_id: str
    face_fen: int
    maturity_on: dt.date

    @classmethod
    def of(cls, result: Result) -> IssuedVoucher:
        return cls(**{**result, "status": VoucherStatus(result["status"]), "maturity_on": _day(result["maturity_on"])})


@dataclass(frozen=True, slots=True)
class VoucherState:
    """A voucher's status after a decision on it (and who at the bank approved its term, if that was it)."""

    id: str
    status: VoucherStatus
    bank_approved_by: str | None = None

    @classmethod
    def of(cls, result: Result) -> VoucherState:
        return cls(**{**result, "status": VoucherStatus(result["status"])})


def prepare(
    ctx: Context,
    *,
    actor: Actor,
    bank: str,
    supplier: str,
    contract_id: str,
    invoices: list[dict[str, Any]],
    amount_fen: int,
    maturity_on: dt.date,
    long_term_reason: str | None = None,
    idempotency_key: str,
) -> PreparedVoucher:
    """A core enterprise's operator prepares a voucher to a tier-1 supplier, backed by invoices.

    ``invoices`` lists ``{"invoice_id", "amount_fen"}``: how much of each invoice backs the voucher.
    The allocations are reserved now (an invoice never backs more than its amount) and released if
    the voucher is rejected.
    """
    check_actor_role(actor, "operator")
    # who may prepare at all is decided before the request's content is looked at
    scope.check_may_act(ctx, actor, "core", what="only a core enterprise prepares vouchers / 仅核心企业可签发凭据")
    check_fen(amount_fen)
    if not isinstance(invoices, list) or not invoices:
        raise errors.ValidationFailed(reason="at least one invoice is required / 至少需要一张发票")
    allocations: dict[str, int] = {}
    for item in invoices:
        iid = item.get("invoice_id") if isinstance(item, dict) else None
        if not isinstance(iid, str):
            raise errors.ValidationFailed(reason="invoice_id missing / 缺少发票")
        allocations[iid] = allocations.get(iid, 0) + check_fen(item.get("amount_fen"))
    v.check_invoice_allocations(amount_fen=amount_fen, allocations=list(allocations.values()))

    def body(uow: UnitOfWork) -> Result:
        today = ctx.clock.today()
        core = get_or_raise(uow, t.party, actor.party_id, "enterprise") if actor.role != "system" else None
        b = resolve_party(uow, bank, kind="bank")
        s = resolve_party(uow, supplier, kind="enterprise")
        c = get_or_raise(uow, t.contract, contract_id, "contract")
        check_contract(uow, actor, c.id)  # another's trade is not found, not "mismatched"
        core = core or get_or_raise(uow, t.party, c.buyer_id, "enterprise")
        if c.buyer_id != core.id or c.seller_id != s.id:
            raise documents_errors.ContractMismatch(
                reason="the contract must be the core enterprise buying from the supplier / 合同须为核心企业向该供应商采购"
            )
        if not c.non_cash_agreed:
            raise documents_errors.NonCashNotAgreed()
        if c.confirmed_at is None:
            raise documents_errors.ContractUnconfirmed(contract=c.number)
        check_issuer_not_defaulted(core_name=core.name, defaulted_on=core.defaulted_on)
        check_party_may(uow, party_id=core.id, action=Action.ISSUE, bank_id=b.id, today=today)
        check_whitelisted(ctx, uow, core_id=core.id, core_name=core.name)
        core_params(uow, b.id, core.id)
        if s.id == core.id:
            raise vouchers_errors.TransferToSelf()
        if (
            uow.conn.execute(
                select(t.supplier_ledger.c.supplier_id).where(
                    t.supplier_ledger.c.bank_id == b.id,
                    t.supplier_ledger.c.core_id == core.id,
                    t.supplier_ledger.c.supplier_id == s.id,
                )
            ).first()
            is None
        ):
            raise parties_errors.NotInLedger(party=s.name, core=core.name, bank=b.name)
        require_onboarded(uow, b, s)
        check_party_may(uow, party_id=s.id, action=Action.RECEIVE, bank_id=b.id, today=today)
        rolled = roll_forward(maturity_on, source=holiday_source(ctx, uow)) if ctx.policy.roll_maturity else None
        maturity = rolled.day if rolled else maturity_on
        official = rolled.official if rolled else True
        term = check_issue_term(
            policy=ctx.policy,
            issue_on=today,
            maturity_on=maturity,
            contract_due_on=c.due_on,
            reason=long_term_reason,
            requested_on=maturity_on,
        )
        available = 0
        for iid, amount in allocations.items():
            inv = get_or_raise(uow, t.invoice, iid, "invoice")
            check_contract(uow, actor, inv.contract_id, entity="invoice", ref=iid)
            if inv.seller_id != s.id or inv.buyer_id != core.id:
                raise documents_errors.InvoicePartyMismatch()
            if inv.contract_id != c.id:
                # lineage shows the issuing contract with its invoices: one from another trade would hide
                raise documents_errors.ContractMismatch(
                    reason="the invoice belongs to another contract / 发票不属于该合同"
                )
            free = inv.amount_fen - inv.allocated_fen
            available += free
            if amount > free:
                raise documents_errors.InvoiceOverallocated(
                    invoice=f"{inv.code}{inv.number}", available=free, requested=amount
                )
            res = uow.conn.execute(
                update(t.invoice)
                .where(
                    t.invoice.c.id == iid,
                    t.invoice.c.allocated_fen + amount <= t.invoice.c.amount_fen,
                )
                .values(allocated_fen=t.invoice.c.allocated_fen + amount)
            )
            if res.rowcount != 1:
                raise errors.Conflict()
        vid = new_id("vch")
        warnings = list(term.warnings)
        if not official:
            warnings.append("maturity_calendar_unofficial")
        if rolled and rolled.rolled:
            warnings.append("maturity_rolled_to_working_day")
        number = f"LR{today:%Y%m%d}{vid[-8:]}"
        uow.conn.execute(
            insert(t.voucher).values(
                id=vid,
                number=number,
                core_id=core.id,
                bank_id=b.id,
                supplier_id=s.id,
                contract_id=c.id,
                face_fen=amount_fen,
                issue_on=today,
                requested_maturity=maturity_on,
                maturity_on=maturity,
                maturity_official=official,
                status=v.VoucherStatus.PENDING,
                long_term_reason=long_term_reason,
                prepared_by=actor.user_id,
                warnings=warnings,
                seq=0,
                head_hash=GENESIS,
                hash_algorithm=ctx.hash_algorithm,
                created_at=ctx.clock.now(),
            )
        )
        for iid, amount in allocations.items():
            uow.conn.execute(
                insert(t.voucher_invoice).values(voucher_id=vid, invoice_id=iid, core_id=core.id, amount_fen=amount)
            )
        voucher = lock_voucher(uow, vid)
        append_op(
            ctx,
            uow,
            voucher=voucher,
            op="prepare",
            actor=actor,
            payload={
                "core": core.id,
                "bank": b.id,
                "supplier": s.id,
                "contract": c.id,
                "face": amount_fen,
                "maturity": maturity,
                "requested_maturity": maturity_on,
                "invoices": allocations,
                "long_term": term.long_term,
                "reason": long_term_reason,
            },
        )
        return {
            "id": vid,
            "number": number,
            "status": v.VoucherStatus.PENDING,
            "face_fen": amount_fen,
            "issue_on": today,
            "maturity_on": maturity,
            "requested_maturity": maturity_on,
            "maturity_official": official,
            "long_term": term.long_term,
            "warnings": warnings,
            "core_id": core.id,
            "supplier_id": s.id,
            "bank_id": b.id,
        }

    done = run_idempotent(
        ctx,
        key=idempotency_key,
        operation="voucher.prepare",
        request={
            "actor": actor.user_id,
            "bank": bank,
            "s": supplier,
            "c": contract_id,
            "inv": allocations,
            "a": amount_fen,
            "m": maturity_on,
            "r": long_term_reason,
        },
        body=body,
    )
    return PreparedVoucher.of(done)


def _voucher_in_scope(uow: UnitOfWork, actor: Actor, voucher_id: str) -> Any:
    """The voucher (locked), if the actor may see it; else not found, as an id that names nothing."""
    if actor.role != "system":
        scope.check_voucher(uow, actor, voucher_id)
    return lock_voucher(uow, voucher_id)


def _is_long_term(ctx: Context, voucher: Any) -> bool:
    from lianrong.kernel.calendar import add_months

    return voucher.maturity_on > add_months(voucher.issue_on, ctx.policy.long_term_months)


def bank_approve_term(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> VoucherState:
    """The bank approves a voucher term over six months (77号), before the core's approval."""
    check_actor_role(actor, "approver")

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        check_actor_party(
            actor, voucher.bank_id, what="only the voucher's bank approves its term / 仅凭据所属银行可审批期限"
        )
        v.check_transition("voucher", voucher.status, v.VoucherAction.APPROVE_TERM)
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher.id).values(bank_approved_by=actor.user_id))
        append_op(ctx, uow, voucher=voucher, op="bank_approve_term", actor=actor, payload={})
        return {"id": voucher.id, "status": voucher.status, "bank_approved_by": actor.user_id}

    done = run_idempotent(
        ctx,
        key=idempotency_key,
        operation="voucher.bank_approve",
        request={"actor": actor.user_id, "v": voucher_id},
        body=body,
    )
    return VoucherState.of(done)


def approve(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> IssuedVoucher:
    """A second user of the core enterprise approves: the voucher is issued to the tier-1 supplier."""
    check_actor_role(actor, "approver")

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        check_actor_party(actor, voucher.core_id, what="only the issuing core enterprise approves / 仅签发企业可复核")
        issued = v.check_transition("voucher", voucher.status, v.VoucherAction.APPROVE)
        check_maker_checker(prepared_by=voucher.prepared_by, approver=actor.user_id)
        today = ctx.clock.today()
        core = get_or_raise(uow, t.party, voucher.core_id, "enterprise")
        bank = get_or_raise(uow, t.party, voucher.bank_id, "bank")
        supplier = get_or_raise(uow, t.party, voucher.supplier_id, "enterprise")
        check_issuer_not_defaulted(core_name=core.name, defaulted_on=core.defaulted_on)
        if voucher.maturity_on <= today:
            raise vouchers_errors.MaturityInPast(maturity=voucher.maturity_on.isoformat(), today=today.isoformat())
        if _is_long_term(ctx, voucher) and ctx.policy.long_term_requires_bank_approval and not voucher.bank_approved_by:
            raise vouchers_errors.LongTermNeedsBankApproval()
        require_onboarded(uow, bank, supplier)
        check_party_may(uow, party_id=core.id, action=Action.ISSUE, bank_id=bank.id, today=today)
        check_whitelisted(ctx, uow, core_id=core.id, core_name=core.name)
        check_party_may(uow, party_id=supplier.id, action=Action.RECEIVE, bank_id=bank.id, today=today)
        line_id = None
        if ctx.policy.credit_occupation == "issuance":
            line_id = occupy(uow, bank=bank, core=core, amount_fen=voucher.face_fen, on=today)
        fid = new_id("frg")
        uow.conn.execute(
            insert(t.fragment).values(
                id=fid,
                voucher_id=voucher.id,
                core_id=voucher.core_id,
                parent_id=None,
                holder_id=supplier.id,
                amount_fen=voucher.face_fen,
                tier=1,
                status=v.ACTIVE,
                contract_id=voucher.contract_id,
                created_at=ctx.clock.now(),
            )
        )
        uow.conn.execute(
            update(t.voucher)
            .where(t.voucher.c.id == voucher.id)
            .values(status=issued, approved_by=actor.user_id, issue_on=today, credit_line_id=line_id)
        )
        append_op(
            ctx,
            uow,
            voucher=voucher,
            op="issue",
            actor=actor,
            payload={"root": fid, "holder": supplier.id, "amount": voucher.face_fen, "credit_line": line_id},
        )
        return {
            "id": voucher.id,
            "number": voucher.number,
            "status": issued,
            "root_fragment_id": fid,
            "holder_id": supplier.id,
            "face_fen": voucher.face_fen,
            "maturity_on": voucher.maturity_on,
        }

    done = run_idempotent(
        ctx,
        key=idempotency_key,
        operation="voucher.approve",
        request={"actor": actor.user_id, "v": voucher_id},
        body=body,
    )
    return IssuedVoucher.of(done)


def reject(ctx: Context, *, actor: Actor, voucher_id: str, reason: str, idempotency_key: str) -> VoucherState:
    """The approver (or the bank, for a long term) rejects a pending voucher; invoices are freed."""
    check_actor_role(actor, "operator", "approver")  # a viewer's account never writes

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        if actor.role != "system" and actor.party_id not in (voucher.core_id, voucher.bank_id):
            raise errors.Forbidden(reason="not the voucher's core enterprise or bank / 非凭据相关方")
        rejected = v.check_transition("voucher", voucher.status, v.VoucherAction.REJECT)
        for r in uow.conn.execute(select(t.voucher_invoice).where(t.voucher_invoice.c.voucher_id == voucher.id)).all():
            uow.conn.execute(
                update(t.invoice)
                .where(t.invoice.c.id == r.invoice_id)
                .values(allocated_fen=t.invoice.c.allocated_fen - r.amount_fen)
            )
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher.id).values(status=rejected))
        append_op(ctx, uow, voucher=voucher, op="reject", actor=actor, payload={"reason": reason})
        return {"id": voucher.id, "status": rejected}

    done = run_idempotent(
        ctx,
        key=idempotency_key,
        operation="voucher.reject",
        request={"actor": actor.user_id, "v": voucher_id, "r": reason},
        body=body,
    )
    return VoucherState.of(done)
