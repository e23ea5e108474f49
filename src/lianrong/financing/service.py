"""Financing use cases: quote, apply, review (checklist), register (中登网), disburse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.credit.service import line_in_force, occupy
from lianrong.documents.trades import financing_has_documents
from lianrong.financing import errors as financing_errors
from lianrong.financing import model as fin
from lianrong.financing.collateral import Asset, Collateral, collateral
from lianrong.financing.model import Price
from lianrong.financing.results import Disbursement, FinancingApplication, FinancingRegistration, FinancingReview
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen, ratio_amount
from lianrong.parties.designations import lpr_in_force, supplier_params
from lianrong.parties.restricting import check_party_may
from lianrong.parties.restrictions import Action
from lianrong.parties.service import require_onboarded
from lianrong.platform import scope
from lianrong.platform.common import (
    SYSTEM_ACTOR,
    check_actor_party,
    check_actor_role,
    get_or_raise,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.settlement.model import PaymentStatus
from lianrong.settlement.payments import create_instruction, submit


def _offered(uow: UnitOfWork, kind: str, asset_ids: list[str], actor: Actor) -> tuple[Collateral, list[Asset]]:
    """The collateral of ``kind`` and the assets offered (locked, within the actor's scope)."""
    impl = collateral(kind)
    return impl, impl.load(uow, asset_ids, actor=actor)


def _price(
    ctx: Context,
    uow: UnitOfWork,
    *,
    applicant_id: str,
    assets: list[Asset],
    bank: Any,
    principal_fen: int | None,
    on: dt.date,
) -> Price:
    if len({a.core_id for a in assets}) != 1 or len({a.maturity_on for a in assets}) != 1:
        raise financing_errors.FinancingMixedCores()
    core_id, maturity_on = assets[0].core_id, assets[0].maturity_on
    params = supplier_params(uow, bank.id, core_id, applicant_id)
    ratio = min(params.max_ratio, ctx.policy.max_financing_ratio)
    face = sum(a.face_fen for a in assets)
    principal = (
        ratio_amount(amount=face, ratio=ratio) if principal_fen is None else check_fen(principal_fen, field="principal")
    )
    fin.check_application(
        face_fen=face,
        principal_fen=principal,
        max_ratio=ratio,
        today=on,
        maturity_on=maturity_on,
        max_term_days=params.max_term_days,
        max_financing_months=ctx.policy.max_financing_months,
    )
    lpr = lpr_in_force(uow, bank, on)
    q = fin.quote(principal_fen=principal, lpr=lpr, spread=params.spread, financing_on=on, maturity_on=maturity_on)
    return Price(
        core_id=core_id,
        face_fen=face,
        principal_fen=principal,
        ratio=ratio,
        lpr=lpr,
        spread=params.spread,
        annual_rate=q.annual_rate,
        days=q.days,
        interest_fen=q.interest_fen,
        net_fen=q.net_fen,
        maturity_on=maturity_on,
    )


def _bank(uow: UnitOfWork, bank: str | None, assets: list[Asset]) -> Any:
    """The bank named, else the one the first asset names."""
    if bank:
        return resolve_party(uow, bank, kind="bank")
    if assets[0].bank_id is None:
        raise errors.ValidationFailed(reason="name the bank / 请指定银行")
    return get_or_raise(uow, t.party, assets[0].bank_id, "bank")


def preview(
    ctx: Context,
    *,
    actor: Actor,
    fragment_ids: list[str],
    bank: str | None = None,
    principal_fen: int | None = None,
    kind: str = "voucher",
) -> Price:
    """Interest and net proceeds of a financing, before applying (writes nothing)."""
    with ctx.uow(readonly=True) as uow:
        impl, assets = _offered(uow, kind, fragment_ids, actor)
        holder = actor.party_id if actor.role != "system" else assets[0].holder_id
        impl.check_eligible(ctx, uow, assets, applicant_id=holder)
        return _price(
            ctx,
            uow,
            applicant_id=holder,
            assets=assets,
            bank=_bank(uow, bank, assets),
            principal_fen=principal_fen,
            on=ctx.clock.today(),
        )


def apply(
    ctx: Context,
    *,
    actor: Actor,
    fragment_ids: list[str],
    bank: str | None = None,
    principal_fen: int | None = None,
    kind: str = "voucher",
    idempotency_key: str,
) -> FinancingApplication:
    """A holder applies to finance assets of one obligor (fragments of one core enterprise); they are
    reserved (frozen) meanwhile."""
    check_actor_role(actor, "operator")

    def body(uow: UnitOfWork) -> FinancingApplication:
        impl, assets = _offered(uow, kind, fragment_ids, actor)
        applicant = actor.party_id if actor.role != "system" else assets[0].holder_id
        impl.check_eligible(ctx, uow, assets, applicant_id=applicant)
        b = _bank(uow, bank, assets)
        a = get_or_raise(uow, t.party, applicant, "enterprise")
        require_onboarded(uow, b, a)
        today = ctx.clock.today()
        check_party_may(uow, party_id=a.id, action=Action.FINANCE, bank_id=b.id, today=today)
        price = _price(ctx, uow, applicant_id=applicant, assets=assets, bank=b, principal_fen=principal_fen, on=today)
        core = get_or_raise(uow, t.party, price.core_id, "enterprise")
        line_in_force(uow, bank=b, core=core, on=today)  # refuse early when there is no line at all
        fid = new_id("fin")
        uow.conn.execute(
            insert(t.financing).values(
                id=fid,
                core_id=price.core_id,
                bank_id=b.id,
                applicant_id=applicant,
                status=fin.APPLIED,
                face_fen=price.face_fen,
                principal_fen=price.principal_fen,
                annual_rate=str(price.annual_rate),
                lpr=str(price.lpr),
                spread=str(price.spread),
                applied_on=today,
                financing_on=None,
                maturity_on=price.maturity_on,
                days=price.days,
                interest_fen=price.interest_fen,
                net_fen=price.net_fen,
                checklist={},
                applied_by=actor.user_id,
                occupied_fen=0,
                created_at=ctx.clock.now(),
            )
        )
        impl.reserve(
            ctx, uow, assets, financing_id=fid, actor=actor, details={"bank": b.id, "principal": price.principal_fen}
        )
        for asset in assets:
            uow.conn.execute(
                insert(t.financing_asset).values(
                    financing_id=fid,
                    kind=asset.kind,
                    asset_id=asset.id,
                    core_id=asset.core_id,
                    amount_fen=asset.face_fen,
                )
            )
        return FinancingApplication(
            id=fid,
            status=fin.APPLIED,
            bank_id=b.id,
            applicant_id=applicant,
            face_fen=price.face_fen,
            principal_fen=price.principal_fen,
            annual_rate=price.annual_rate,
            days=price.days,
            interest_fen=price.interest_fen,
            net_fen=price.net_fen,
            maturity_on=price.maturity_on,
        )

    request: dict[str, Any] = {"actor": actor.user_id, "f": fragment_ids, "b": bank, "p": principal_fen}
    if kind != "voucher":  # the vouchers' requests keep the hash their keys were recorded with
        request["k"] = kind
    return run_typed(
        ctx, FinancingApplication, key=idempotency_key, operation="financing.apply", request=request, body=body
    )


def _financing_for_bank(uow: UnitOfWork, actor: Actor, financing_id: str) -> Any:
    """The financing (locked) for its bank to act on: not found outside the actor's scope, refused to
    another party of it."""
    if actor.role != "system":
        scope.check_financing(uow, actor, financing_id)
    row = get_or_raise(uow, t.financing, financing_id, "financing", lock=True)
    check_actor_party(actor, row.bank_id, what="only the financing bank acts on it / 仅融资银行可操作")
    return row


def _secured_by(uow: UnitOfWork, financing_id: str) -> list[tuple[Collateral, list[Asset]]]:
    """The assets of a financing by kind, each kind's locked (as the system sees them)."""
    by_kind: dict[str, list[str]] = {}
    for r in uow.conn.execute(
        select(t.financing_asset.c.kind, t.financing_asset.c.asset_id)
        .where(t.financing_asset.c.financing_id == financing_id)
        .order_by(t.financing_asset.c.kind, t.financing_asset.c.asset_id)
    ):
        by_kind.setdefault(r.kind, []).append(r.asset_id)
    out = []
    for kind, ids in by_kind.items():
        impl = collateral(kind)
        out.append((impl, impl.load(uow, ids, actor=SYSTEM_ACTOR)))
    return out


def _release(
    ctx: Context, uow: UnitOfWork, *, financing: Any, actor: Actor, event: str, reason: str, op: str | None = None
) -> None:
    status = fin.next_status(financing.status, event, action="review")
    for impl, assets in _secured_by(uow, financing.id):
        impl.release(
            ctx,
            uow,
            assets,
            financing_id=financing.id,
            actor=actor,
            op=op or "finance_" + status,
            details={"reason": reason},
        )
    uow.conn.execute(update(t.financing).where(t.financing.c.id == financing.id).values(status=status))


def expire_pending(ctx: Context, uow: UnitOfWork, *, financing_ids: Sequence[str]) -> list[str]:
    """End applications not disbursed when their assets mature (inside the settlement's unit of work).

    Every asset of such a financing goes back to its holder, on every voucher it spans, not only the one
    maturing now: a financing secured by parts of several vouchers is ended as a whole. Returns the ids of
    the financings ended (those still applied or approved), in order.
    """
    sources, _ = fin.TRANSITIONS["expire"]
    ended = []
    for fid in sorted(set(financing_ids)):
        f = uow.conn.execute(select(t.financing).where(t.financing.c.id == fid)).one_or_none()
        if f is None or f.status not in sources:
            continue
        _release(
            ctx,
            uow,
            financing=f,
            actor=SYSTEM_ACTOR,
            event="expire",
            reason="the assets matured before disbursement / 融资资产到期前未放款",
            op="finance_expired",
        )
        ended.append(fid)
    return ended


def review(
    ctx: Context,
    *,
    actor: Actor,
    financing_id: str,
    approve: bool,
    checklist: dict[str, bool] | None = None,
    reason: str | None = None,
    registration_no: str | None = None,
    registered_at: dt.datetime | None = None,
    idempotency_key: str,
) -> FinancingReview:
    """The bank reviews trade authenticity (contract, invoices, documents) and approves or rejects."""
    check_actor_role(actor, "approver")
    checklist = {k: bool(val) for k, val in (checklist or {}).items()}

    def body(uow: UnitOfWork) -> FinancingReview:
        f = _financing_for_bank(uow, actor, financing_id)
        approved = fin.next_status(f.status, "approve", action="review")
        if not approve:
            _release(ctx, uow, financing=f, actor=actor, event="reject", reason=reason or "")
            return FinancingReview(id=f.id, status=fin.REJECTED)
        fin.check_checklist(checklist)
        if checklist.get("documents") and not financing_has_documents(uow, f.id):
            raise financing_errors.NoDocumentsToVerify()
        values: dict[str, Any] = {"status": approved, "checklist": checklist, "reviewed_by": actor.user_id}
        if registration_no:
            values.update(_registration(registration_no, registered_at or ctx.clock.now()))
        uow.conn.execute(update(t.financing).where(t.financing.c.id == f.id).values(**values))
        for impl, assets in _secured_by(uow, f.id):
            impl.record(
                ctx, uow, assets, financing_id=f.id, actor=actor, op="finance_approve", details={"checklist": checklist}
            )
        return FinancingReview(id=f.id, status=approved, checklist=checklist)

    return run_typed(
        ctx,
        FinancingReview,
        key=idempotency_key,
        operation="financing.review",
        request={
            "actor": actor.user_id,
            "f": financing_id,
            "a": approve,
            "c": checklist,
            "r": reason,
            "n": registration_no,
            "t": registered_at,
        },
        body=body,
    )


def _registration(number: str, at: dt.datetime) -> dict[str, Any]:
    return {"registration_no": fin.check_registration_no(number), "registered_at": at}


def register(
    ctx: Context,
    *,
    actor: Actor,
    financing_id: str,
    registration_no: str,
    registered_at: dt.datetime | None = None,
    idempotency_key: str,
) -> FinancingRegistration:
    """Record the 中登网 registration number and time of a financing."""
    at = registered_at or ctx.clock.now()

    def body(uow: UnitOfWork) -> FinancingRegistration:
        f = _financing_for_bank(uow, actor, financing_id)
        values = _registration(registration_no, at)  # after who may act: a refusal reveals nothing
        fin.check_registrable(f.status)
        uow.conn.execute(update(t.financing).where(t.financing.c.id == f.id).values(**values))
        return FinancingRegistration(id=f.id, **values)

    return run_typed(
        ctx,
        FinancingRegistration,
        key=idempotency_key,
        operation="financing.register",
        request={"actor": actor.user_id, "f": financing_id, "registration_no": registration_no, "registered_at": at},
        body=body,
    )


def disburse(ctx: Context, *, actor: Actor, financing_id: str, idempotency_key: str) -> Disbursement:
    """Disburse: re-price from today, occupy credit, lock the fragments as the bank's, pay net proceeds."""
    check_actor_role(actor, "approver", "operator")

    def body(uow: UnitOfWork) -> Disbursement:
        f = _financing_for_bank(uow, actor, financing_id)
        disbursed = fin.next_status(f.status, "disburse")
        if ctx.policy.registration_required and not f.registration_no:
            raise financing_errors.RegistrationRequired()
        secured = _secured_by(uow, f.id)
        today = ctx.clock.today()
        for impl, assets in secured:
            impl.check_assignable(ctx, uow, assets, today=today)
        check_party_may(uow, party_id=f.applicant_id, action=Action.FINANCE, bank_id=f.bank_id, today=today)
        bank = get_or_raise(uow, t.party, f.bank_id, "bank")
        core = get_or_raise(uow, t.party, f.core_id, "enterprise")
        q = fin.quote(
            principal_fen=f.principal_fen,
            lpr=Decimal(f.lpr),
            spread=Decimal(f.spread),
            financing_on=today,
            maturity_on=f.maturity_on,
        )
        line_id, occupied = None, 0
        if ctx.policy.credit_occupation == "financing":
            line_id = occupy(uow, bank=bank, core=core, amount_fen=f.principal_fen, on=today)
            occupied = f.principal_fen
        uow.conn.execute(
            update(t.financing)
            .where(t.financing.c.id == f.id)
            .values(
                status=disbursed,
                financing_on=today,
                days=q.days,
                interest_fen=q.interest_fen,
                net_fen=q.net_fen,
                disbursed_by=actor.user_id,
                credit_line_id=line_id,
                occupied_fen=occupied,
            )
        )
        ins = create_instruction(
            ctx,
            uow,
            kind="disbursement",
            core_id=f.core_id,
            payer_id=bank.id,
            payee_id=f.applicant_id,
            bank_id=bank.id,
            amount_fen=q.net_fen,
            value_on=today,
            financing_id=f.id,
        )
        for impl, assets in secured:
            impl.assign(
                ctx,
                uow,
                assets,
                financing_id=f.id,
                actor=actor,
                bank_id=bank.id,
                details={
                    "principal": f.principal_fen,
                    "interest": q.interest_fen,
                    "net": q.net_fen,
                    "registration": f.registration_no,
                    "instruction": ins,
                },
            )
        outcomes = submit(ctx, uow, [ins])
        return Disbursement(
            id=f.id,
            status=disbursed,
            financing_on=today,
            days=q.days,
            principal_fen=f.principal_fen,
            interest_fen=q.interest_fen,
            net_fen=q.net_fen,
            instruction_id=ins,
            instruction_status=PaymentStatus(outcomes[ins]),
        )

    return run_typed(
        ctx,
        Disbursement,
        key=idempotency_key,
        operation="financing.disburse",
        request={"actor": actor.user_id, "f": financing_id},
        body=body,
    )


__all__ = [
    "Disbursement",
    "FinancingApplication",
    "FinancingRegistration",
    "FinancingReview",
    "apply",
    "disburse",
    "preview",
    "register",
    "review",
]
