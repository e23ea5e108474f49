"""Financing use cases: quote, apply, review (checklist), register (中登网), disburse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.credit.service import line_in_force, occupy, release
from lianrong.documents.service import (
    financing_has_documents,
    trade_documents_of,
)
from lianrong.financing import errors as financing_errors
from lianrong.financing import model as fin
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen, ratio_amount
from lianrong.parties.service import lpr_in_force, require_onboarded, supplier_params
from lianrong.platform import scope
from lianrong.platform.common import (
    Result,
    append_op,
    check_actor_party,
    check_actor_role,
    get_or_raise,
    lock_voucher,
    paged,
    resolve_party,
    row_dict,
    run_idempotent,
)
from lianrong.platform.context import Actor, Context
from lianrong.settlement.payments import create_instruction, submit
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v


def _load(uow: UnitOfWork, fragment_ids: list[str], actor: Actor | None = None) -> tuple[list[Any], list[Any]]:
    """The fragments and their vouchers (locked, in id order so concurrent cases never deadlock); with an
    ``actor``, a fragment outside its scope is not found, before any rule looks at it."""
    if not isinstance(fragment_ids, list) or not fragment_ids:
        raise errors.ValidationFailed(reason="no fragments / 未选择凭据份额")
    if len(set(fragment_ids)) != len(fragment_ids):
        raise errors.ValidationFailed(reason="a fragment is listed twice / 凭据份额重复")
    voucher_ids = set()
    for fid in fragment_ids:
        vid = uow.conn.execute(select(t.fragment.c.voucher_id).where(t.fragment.c.id == fid)).scalar() \
            if isinstance(fid, str) else None
        if vid is None:
            raise errors.NotFound("fragment", fid)
        if actor is not None and actor.role != "system":
            scope.check_fragment(uow, actor, fid)
        voucher_ids.add(vid)
    vouchers = [lock_voucher(uow, vid) for vid in sorted(voucher_ids)]
    frags = [uow.conn.execute(select(t.fragment).where(t.fragment.c.id == fid)).one() for fid in fragment_ids]
    return frags, vouchers


def _price(ctx: Context, uow: UnitOfWork, *, applicant_id: str, frags: list[Any], vouchers: list[Any],
           bank: Any, principal_fen: int | None, on: dt.date) -> dict[str, Any]:
    if len({vo.core_id for vo in vouchers}) != 1 or len({vo.maturity_on for vo in vouchers}) != 1:
        raise financing_errors.FinancingMixedCores()
    voucher = vouchers[0]
    params = supplier_params(uow, bank.id, voucher.core_id, applicant_id)
    ratio = min(params.max_ratio, ctx.policy.max_financing_ratio)
    face = sum(f.amount_fen for f in frags)
    principal = ratio_amount(amount=face, ratio=ratio) if principal_fen is None else check_fen(principal_fen, field="principal")
    fin.check_application(face_fen=face, principal_fen=principal, max_ratio=ratio, today=on,
                          maturity_on=voucher.maturity_on, max_term_days=params.max_term_days,
                          max_financing_months=ctx.policy.max_financing_months)
    lpr = lpr_in_force(uow, bank, on)
    q = fin.quote(principal_fen=principal, lpr=lpr, spread=params.spread, financing_on=on,
                  maturity_on=voucher.maturity_on)
    return {"core_id": voucher.core_id, "face_fen": face, "principal_fen": principal, "ratio": ratio,
            "lpr": lpr, "spread": params.spread, "annual_rate": q.annual_rate, "days": q.days,
            "interest_fen": q.interest_fen, "net_fen": q.net_fen, "maturity_on": voucher.maturity_on}


def _check_fragments(ctx: Context, *, actor_party: str, frags: list[Any], vouchers: list[Any]) -> None:
    by_id = {vo.id: vo for vo in vouchers}
    for f in frags:
        vo = by_id[f.voucher_id]
        if vo.status != "active":
            raise errors.InvalidState(entity="voucher", state=vo.status, action="finance")
        v.check_can_move(fragment=v.FragmentState(f.id, f.holder_id, f.amount_fen, f.tier, f.status),
                         actor_party=actor_party, today=ctx.clock.today(), maturity=vo.maturity_on,
                         action="finance")


def preview(ctx: Context, *, actor: Actor, fragment_ids: list[str], bank: str | None = None,
            principal_fen: int | None = None) -> Result:
    """Interest and net proceeds of a financing, before applying (writes nothing)."""
    with ctx.uow(readonly=True) as uow:
        frags, vouchers = _load(uow, fragment_ids, actor)
        holder = actor.party_id if actor.role != "system" else frags[0].holder_id
        _check_fragments(ctx, actor_party=holder, frags=frags, vouchers=vouchers)
        b = resolve_party(uow, bank, kind="bank") if bank else get_or_raise(uow, t.party, vouchers[0].bank_id, "bank")
        return _price(ctx, uow, applicant_id=holder, frags=frags, vouchers=vouchers, bank=b,
                      principal_fen=principal_fen, on=ctx.clock.today())


def apply(ctx: Context, *, actor: Actor, fragment_ids: list[str], bank: str | None = None,
          principal_fen: int | None = None, idempotency_key: str) -> Result:
    """A holder applies to finance fragments of one core enterprise; they are frozen meanwhile."""
    check_actor_role(actor, "operator")

    def body(uow: UnitOfWork) -> Result:
        frags, vouchers = _load(uow, fragment_ids, actor)
        applicant = actor.party_id if actor.role != "system" else frags[0].holder_id
        _check_fragments(ctx, actor_party=applicant, frags=frags, vouchers=vouchers)
        b = resolve_party(uow, bank, kind="bank") if bank else get_or_raise(uow, t.party, vouchers[0].bank_id, "bank")
        a = get_or_raise(uow, t.party, applicant, "enterprise")
        require_onboarded(uow, b, a)
        today = ctx.clock.today()
        price = _price(ctx, uow, applicant_id=applicant, frags=frags, vouchers=vouchers, bank=b,
                       principal_fen=principal_fen, on=today)
        core = get_or_raise(uow, t.party, price["core_id"], "enterprise")
        line_in_force(uow, bank=b, core=core, on=today)  # refuse early when there is no line at all
        fid = new_id("fin")
        for f in frags:
            res = uow.conn.execute(update(t.fragment).where(t.fragment.c.id == f.id, t.fragment.c.status == v.ACTIVE)
                                   .values(status=v.FROZEN, financing_id=fid))
            if res.rowcount != 1:
                raise vouchers_errors.FragmentNotActive(fragment=f.id, state="spent")
        uow.conn.execute(insert(t.financing).values(
            id=fid, core_id=price["core_id"], bank_id=b.id, applicant_id=applicant, status=fin.APPLIED,
            face_fen=price["face_fen"], principal_fen=price["principal_fen"],
            annual_rate=str(price["annual_rate"]), lpr=str(price["lpr"]), spread=str(price["spread"]),
            applied_on=today, financing_on=None, maturity_on=price["maturity_on"], days=price["days"],
            interest_fen=price["interest_fen"], net_fen=price["net_fen"], checklist={},
            applied_by=actor.user_id, occupied_fen=0, created_at=ctx.clock.now()))
        for f in frags:
            uow.conn.execute(insert(t.financing_fragment).values(financing_id=fid, fragment_id=f.id,
                                                                  core_id=price["core_id"]))
        for vo in vouchers:
            append_op(ctx, uow, voucher=vo, op="finance_apply", actor=actor, payload={
                "financing": fid, "fragments": [f.id for f in frags if f.voucher_id == vo.id],
                "bank": b.id, "principal": price["principal_fen"]})
        return {"id": fid, "status": fin.APPLIED, "bank_id": b.id, "applicant_id": applicant,
                **{k: price[k] for k in ("face_fen", "principal_fen", "annual_rate", "days", "interest_fen",
                                         "net_fen", "maturity_on")}}

    return run_idempotent(ctx, key=idempotency_key, operation="financing.apply",
                          request={"actor": actor.user_id, "f": fragment_ids, "b": bank, "p": principal_fen},
                          body=body)


def _financing_for_bank(uow: UnitOfWork, actor: Actor, financing_id: str) -> Any:
    """The financing (locked) for its bank to act on: not found outside the actor's scope, refused to
    another party of it."""
    if actor.role != "system":
        scope.check_financing(uow, actor, financing_id)
    row = get_or_raise(uow, t.financing, financing_id, "financing", lock=True)
    check_actor_party(actor, row.bank_id, what="only the financing bank acts on it / 仅融资银行可操作")
    return row


def _vouchers_of(uow: UnitOfWork, financing_id: str) -> tuple[list[Any], list[Any]]:
    ids = [r.fragment_id for r in uow.conn.execute(select(t.financing_fragment.c.fragment_id).where(
        t.financing_fragment.c.financing_id == financing_id).order_by(t.financing_fragment.c.fragment_id))]
    return _load(uow, ids)


def _unfreeze(ctx: Context, uow: UnitOfWork, *, financing: Any, actor: Actor, status: str, reason: str) -> None:
    frags, vouchers = _vouchers_of(uow, financing.id)
    for f in frags:
        uow.conn.execute(update(t.fragment).where(t.fragment.c.id == f.id, t.fragment.c.status == v.FROZEN)
                         .values(status=v.ACTIVE, financing_id=None))
    uow.conn.execute(update(t.financing).where(t.financing.c.id == financing.id).values(status=status))
    for vo in vouchers:
        append_op(ctx, uow, voucher=vo, op="finance_" + status, actor=actor,
                  payload={"financing": financing.id, "reason": reason})


def review(ctx: Context, *, actor: Actor, financing_id: str, approve: bool,
           checklist: dict[str, bool] | None = None, reason: str | None = None,
           registration_no: str | None = None, registered_at: dt.datetime | None = None,
           idempotency_key: str) -> Result:
    """The bank reviews trade authenticity (contract, invoices, documents) and approves or rejects."""
    check_actor_role(actor, "approver")
    checklist = {k: bool(val) for k, val in (checklist or {}).items()}

    def body(uow: UnitOfWork) -> Result:
        f = _financing_for_bank(uow, actor, financing_id)
        if f.status != fin.APPLIED:
            raise errors.InvalidState(entity="financing", state=f.status, action="review")
        if not approve:
            _unfreeze(ctx, uow, financing=f, actor=actor, status=fin.REJECTED, reason=reason or "")
            return {"id": f.id, "status": fin.REJECTED}
        fin.check_checklist(checklist)
        if checklist.get("documents") and not financing_has_documents(uow, f.id):
            raise financing_errors.NoDocumentsToVerify()
        values: dict[str, Any] = {"status": fin.APPROVED, "checklist": checklist, "reviewed_by": actor.user_id}
        if registration_no:
            values.update(_registration(registration_no, registered_at or ctx.clock.now()))
        uow.conn.execute(update(t.financing).where(t.financing.c.id == f.id).values(**values))
        _, vouchers = _vouchers_of(uow, f.id)
        for vo in vouchers:
            append_op(ctx, uow, voucher=vo, op="finance_approve", actor=actor,
                      payload={"financing": f.id, "checklist": checklist})
        return {"id": f.id, "status": fin.APPROVED, "checklist": checklist}

    return run_idempotent(ctx, key=idempotency_key, operation="financing.review",
                          request={"actor": actor.user_id, "f": financing_id, "a": approve, "c": checklist,
                                   "r": reason, "n": registration_no, "t": registered_at}, body=body)


def _registration(number: str, at: dt.datetime) -> dict[str, Any]:
    return {"registration_no": fin.check_registration_no(number), "registered_at": at}


def register(ctx: Context, *, actor: Actor, financing_id: str, registration_no: str,
             registered_at: dt.datetime | None = None, idempotency_key: str) -> Result:
    """Record the 中登网 registration number and time of a financing."""
    at = registered_at or ctx.clock.now()

    def body(uow: UnitOfWork) -> Result:
        f = _financing_for_bank(uow, actor, financing_id)
        values = _registration(registration_no, at)  # after who may act: a refusal reveals nothing
        if f.status not in (fin.APPLIED, fin.APPROVED):
            raise errors.InvalidState(entity="financing", state=f.status, action="register")
        uow.conn.execute(update(t.financing).where(t.financing.c.id == f.id).values(**values))
        return {"id": f.id, **values}

    return run_idempotent(ctx, key=idempotency_key, operation="financing.register",
                          request={"actor": actor.user_id, "f": financing_id, "registration_no": registration_no,
                                   "registered_at": at}, body=body)


def disburse(ctx: Context, *, actor: Actor, financing_id: str, idempotency_key: str) -> Result:
    """Disburse: re-price from today, occupy credit, lock the fragments as the bank's, pay net proceeds."""
    check_actor_role(actor, "approver", "operator")

    def body(uow: UnitOfWork) -> Result:
        f = _financing_for_bank(uow, actor, financing_id)
        if f.status != fin.APPROVED:
            raise errors.InvalidState(entity="financing", state=f.status, action="disburse")
        if ctx.policy.registration_required and not f.registration_no:
            raise financing_errors.RegistrationRequired()
        frags, vouchers = _vouchers_of(uow, f.id)
        today = ctx.clock.today()
        for vo in vouchers:
            if vo.status != "active" or today >= vo.maturity_on:
                raise vouchers_errors.Matured(maturity=vo.maturity_on.isoformat(), action="disburse")
        bank = get_or_raise(uow, t.party, f.bank_id, "bank")
        core = get_or_raise(uow, t.party, f.core_id, "enterprise")
        q = fin.quote(principal_fen=f.principal_fen, lpr=Decimal(f.lpr), spread=Decimal(f.spread),
                      financing_on=today, maturity_on=f.maturity_on)
        line_id, occupied = None, 0
        if ctx.policy.credit_occupation == "financing":
            line_id = occupy(uow, bank=bank, core=core, amount_fen=f.principal_fen, on=today)
            occupied = f.principal_fen
        for fr in frags:
            res = uow.conn.execute(update(t.fragment).where(t.fragment.c.id == fr.id, t.fragment.c.status == v.FROZEN)
                                   .values(status=v.FINANCED, holder_id=bank.id))
            if res.rowcount != 1:
                raise vouchers_errors.FragmentNotActive(fragment=fr.id, state=fr.status)
        uow.conn.execute(update(t.financing).where(t.financing.c.id == f.id).values(
            status=fin.DISBURSED, financing_on=today, days=q.days, interest_fen=q.interest_fen,
            net_fen=q.net_fen, disbursed_by=actor.user_id, credit_line_id=line_id, occupied_fen=occupied))
        ins = create_instruction(ctx, uow, kind="disbursement", core_id=f.core_id, payer_id=bank.id,
                                 payee_id=f.applicant_id, bank_id=bank.id, amount_fen=q.net_fen,
                                 value_on=today, financing_id=f.id)
        for vo in vouchers:
            append_op(ctx, uow, voucher=vo, op="finance_disburse", actor=actor, payload={
                "financing": f.id, "fragments": [fr.id for fr in frags if fr.voucher_id == vo.id],
                "new_holder": bank.id, "principal": f.principal_fen, "interest": q.interest_fen,
                "net": q.net_fen, "registration": f.registration_no, "instruction": ins})
        outcomes = submit(ctx, uow, [ins])
        return {"id": f.id, "status": fin.DISBURSED, "financing_on": today, "days": q.days,
                "principal_fen": f.principal_fen, "interest_fen": q.interest_fen, "net_fen": q.net_fen,
                "instruction_id": ins, "instruction_status": outcomes[ins]}

    return run_idempotent(ctx, key=idempotency_key, operation="financing.disburse",
                          request={"actor": actor.user_id, "f": financing_id}, body=body)


def get_financing(ctx: Context, *, financing_id: str, actor: Actor | None = None) -> Result:
    """A financing with its fragments and the trade documents behind them (reused, never re-uploaded).

    With an ``actor``, only a financing it is a party to (bank, applicant, core) or oversees.
    """
    with ctx.uow(readonly=True) as uow:
        f = get_or_raise(uow, t.financing, financing_id, "financing")  # unknown: not found, as out of scope
        if actor is not None:
            scope.check_financing(uow, actor, financing_id, row=f)
        frs = [row_dict(r) for r in uow.conn.execute(
            select(t.fragment).join(t.financing_fragment, t.financing_fragment.c.fragment_id == t.fragment.c.id)
            .where(t.financing_fragment.c.financing_id == financing_id))]
        contracts = sorted({r["contract_id"] for r in frs if r.get("contract_id")})
        vouchers = sorted({r["voucher_id"] for r in frs})
        issued_from = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.contract_id)
                                            .where(t.voucher.c.id.in_(vouchers))).all()) if vouchers else {}
        issue_contracts = [issued_from.get(vid) for vid in vouchers]
        trades = trade_documents_of(uow, [c for c in dict.fromkeys(issue_contracts + contracts)])
        docs = [trades[c] for c in dict.fromkeys(issue_contracts + contracts)]
        return {**row_dict(f), "fragments": frs, "documents": docs}


def _financings_query(uow: UnitOfWork, *, actor: Actor | None, bank: str | None, status: str | None,
                      applicant: str | None, core: str | None) -> Any:
    stmt = select(t.financing).order_by(t.financing.c.created_at.desc(), t.financing.c.id)
    if actor is not None and (limit_to := scope.financing_filter(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if bank:
        stmt = stmt.where(t.financing.c.bank_id == resolve_party(uow, bank).id)
    if applicant:
        stmt = stmt.where(t.financing.c.applicant_id == resolve_party(uow, applicant).id)
    if core:
        stmt = stmt.where(t.financing.c.core_id == resolve_party(uow, core).id)
    if status:
        stmt = stmt.where(t.financing.c.status == status)
    return stmt


def _financing_row(row: Any) -> Result:
    return row_dict(row, drop=("checklist",))


def list_financings(ctx: Context, *, bank: str | None = None, status: str | None = None,
                    applicant: str | None = None, core: str | None = None,
                    actor: Actor | None = None) -> list[Result]:
    """Financings, filterable by bank, applicant, core enterprise and status (the actor's only, if given)."""
    with ctx.uow(readonly=True) as uow:
        stmt = _financings_query(uow, actor=actor, bank=bank, status=status, applicant=applicant, core=core)
        return [_financing_row(r) for r in uow.conn.execute(stmt)]


def page_financings(ctx: Context, *, actor: Actor, bank: str | None = None, status: str | None = None,
                    applicant: str | None = None, core: str | None = None, limit: int = 50,
                    offset: int = 0) -> Result:
    """One page of the financings the actor may see, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _financings_query(uow, actor=actor, bank=bank, status=status, applicant=applicant, core=core)
        return paged(uow, stmt, limit=limit, offset=offset, convert=_financing_row)


__all__ = ["apply", "review", "register", "disburse", "preview", "release"]
