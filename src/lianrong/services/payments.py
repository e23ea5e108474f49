"""Payment instructions: create, hand to the payments adapter, and apply the bank's outcomes.

A confirmed settlement pays a final holder: the fragment is settled; a financing whose fragments are
all paid is repaid, its credit released and any surplus above principal refunded to the supplier; a
voucher with every leaf paid is settled. A failed one makes the voucher overdue and marks the core
enterprise defaulted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from ..adapters.db import tables as t
from ..adapters.db.uow import UnitOfWork
from ..adapters.payments import Instruction, Outcome
from ..domain import errors
from ..domain import financing as fin
from ..domain import vouchers as v
from ..domain.money import check_fen
from ..ids import new_id
from . import scope
from .common import SYSTEM_ACTOR, Result, append_op, lock_voucher, paged, resolve_party, row_dict, run_idempotent
from .context import Actor, Context
from .credit import release


def create_instruction(ctx: Context, uow: UnitOfWork, *, kind: str, core_id: str, payer_id: str,
                       payee_id: str, bank_id: str, amount_fen: int, value_on: dt.date,
                       voucher_id: str | None = None, fragment_id: str | None = None,
                       financing_id: str | None = None) -> str:
    """Record a pending instruction; returns its id."""
    check_fen(amount_fen)
    iid = new_id("pay")
    account = uow.conn.execute(select(t.onboarding.c.settlement_account).where(
        t.onboarding.c.bank_id == bank_id, t.onboarding.c.party_id == payee_id)).scalar()
    uow.conn.execute(insert(t.payment_instruction).values(
        id=iid, core_id=core_id, kind=kind, voucher_id=voucher_id, fragment_id=fragment_id,
        financing_id=financing_id, payer_id=payer_id, payee_id=payee_id, payee_account=account,
        bank_id=bank_id, amount_fen=amount_fen, value_on=value_on, status="pending",
        created_at=ctx.clock.now()))
    return iid


def submit(ctx: Context, uow: UnitOfWork, instruction_ids: list[str]) -> dict[str, str]:
    """Hand pending instructions to the adapter and apply what it answers at once."""
    if not instruction_ids:
        return {}
    rows = _pending(uow, instruction_ids)
    banks = {r.id for r in uow.conn.execute(select(t.party.c.id).where(
        t.party.c.kind == "bank", t.party.c.id.in_({r.payer_id for r in rows})))}
    outcomes = ctx.payments.submit(uow.conn, [
        Instruction(id=r.id, payer_id=r.payer_id, payee_id=r.payee_id, amount_fen=r.amount_fen,
                    payer_is_bank=r.payer_id in banks) for r in rows])
    apply_outcomes(ctx, uow, outcomes)
    return {k: o.status for k, o in outcomes.items()}


def _pending(uow: UnitOfWork, ids: list[str]) -> list[Any]:
    out = []
    for chunk in range(0, len(ids), 500):
        out += uow.conn.execute(select(t.payment_instruction).where(
            t.payment_instruction.c.id.in_(ids[chunk:chunk + 500]),
            t.payment_instruction.c.status == "pending").order_by(t.payment_instruction.c.id)).all()
    return out


def apply_outcomes(ctx: Context, uow: UnitOfWork, outcomes: dict[str, Outcome]) -> None:
    """Record confirmations and failures and carry out their consequences."""
    now = ctx.clock.now()
    confirmed = [(k, o) for k, o in outcomes.items() if o.status == "confirmed"]
    failed = [(k, o) for k, o in outcomes.items() if o.status == "failed"]
    if confirmed:
        uow.conn.execute(
            update(t.payment_instruction).where(t.payment_instruction.c.id == _bind("iid"),
                                                t.payment_instruction.c.status == "pending")
            .values(status="confirmed", reference=_bind("ref"), confirmed_at=now),
            [{"iid": k, "ref": o.reference} for k, o in confirmed])
    if failed:
        uow.conn.execute(
            update(t.payment_instruction).where(t.payment_instruction.c.id == _bind("iid"),
                                                t.payment_instruction.c.status == "pending")
            .values(status="failed", failure=_bind("why")),
            [{"iid": k, "why": o.failure} for k, o in failed])
    settle_ids = [k for k, _ in confirmed]
    fail_ids = [k for k, _ in failed]
    if settle_ids:
        _on_paid(ctx, uow, settle_ids)
    if fail_ids:
        _on_unpaid(ctx, uow, fail_ids)


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _instructions(uow: UnitOfWork, ids: list[str], kind: str) -> list[Any]:
    out = []
    for chunk in range(0, len(ids), 500):
        out += uow.conn.execute(select(t.payment_instruction).where(
            t.payment_instruction.c.id.in_(ids[chunk:chunk + 500]),
            t.payment_instruction.c.kind == kind)).all()
    return out


def _on_paid(ctx: Context, uow: UnitOfWork, ids: list[str]) -> None:
    rows = _instructions(uow, ids, "settlement")
    if not rows:
        return
    uow.conn.execute(update(t.fragment).where(t.fragment.c.id == _bind("fid"))
                     .values(status=v.SETTLED), [{"fid": r.fragment_id} for r in rows])
    frag_ids = [r.fragment_id for r in rows]
    financings: set[str] = set()
    for chunk in range(0, len(frag_ids), 500):
        financings.update(f for (f,) in uow.conn.execute(select(t.fragment.c.financing_id).where(
            t.fragment.c.id.in_(frag_ids[chunk:chunk + 500]), t.fragment.c.financing_id.is_not(None))))
    for fid in sorted(financings):
        _maybe_repaid(ctx, uow, fid)
    for vid in sorted({r.voucher_id for r in rows}):
        _maybe_settled(ctx, uow, vid, paid=[r for r in rows if r.voucher_id == vid])


def _maybe_repaid(ctx: Context, uow: UnitOfWork, financing_id: str) -> None:
    f = uow.conn.execute(select(t.financing).where(t.financing.c.id == financing_id)).one()
    if f.status not in (fin.DISBURSED, fin.OVERDUE):
        return
    open_ = uow.conn.execute(select(func.count()).select_from(t.fragment).where(
        t.fragment.c.financing_id == financing_id, t.fragment.c.status != v.SETTLED)).scalar()
    if open_:
        return
    uow.conn.execute(update(t.financing).where(t.financing.c.id == financing_id).values(status=fin.REPAID))
    if f.credit_line_id and f.occupied_fen:
        release(uow, line_id=f.credit_line_id, amount_fen=f.occupied_fen)
    extra = fin.surplus(collected_fen=f.face_fen, principal_fen=f.principal_fen)
    if extra:
        ins = create_instruction(ctx, uow, kind="surplus", core_id=f.core_id, payer_id=f.bank_id,
                                 payee_id=f.applicant_id, bank_id=f.bank_id, amount_fen=extra,
                                 value_on=ctx.clock.today(), financing_id=f.id)
        submit(ctx, uow, [ins])


def _maybe_settled(ctx: Context, uow: UnitOfWork, voucher_id: str, *, paid: list[Any]) -> None:
    voucher = lock_voucher(uow, voucher_id)
    open_ = uow.conn.execute(select(func.count()).select_from(t.fragment).where(
        t.fragment.c.voucher_id == voucher_id,
        t.fragment.c.status.in_((v.ACTIVE, v.FROZEN, v.FINANCED, v.OVERDUE)))).scalar()
    payload = {"paid": [{"fragment": r.fragment_id, "payee": r.payee_id, "amount": r.amount_fen,
                         "instruction": r.id} for r in paid]}
    seq_voucher = voucher
    if not open_ and voucher.status in ("active", "overdue"):
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher_id).values(status="settled"))
        if voucher.credit_line_id:
            release(uow, line_id=voucher.credit_line_id, amount_fen=voucher.face_fen)
        payload["voucher_settled"] = True
    append_op(ctx, uow, voucher=seq_voucher, op="settle", actor=SYSTEM_ACTOR, payload=payload)


def _on_unpaid(ctx: Context, uow: UnitOfWork, ids: list[str]) -> None:
    rows = _instructions(uow, ids, "settlement")
    for vid in sorted({r.voucher_id for r in rows}):
        mark_overdue(ctx, uow, vid, failed=[r.id for r in rows if r.voucher_id == vid])


def mark_overdue(ctx: Context, uow: UnitOfWork, voucher_id: str, *, failed: list[str]) -> None:
    """The core enterprise did not pay by the end of maturity: overdue, and the issuer defaulted."""
    voucher = lock_voucher(uow, voucher_id)
    live = (t.fragment.c.voucher_id == voucher_id,
            t.fragment.c.status.in_((v.ACTIVE, v.FROZEN, v.FINANCED)))
    unpaid = uow.conn.execute(select(func.count(), func.coalesce(func.sum(t.fragment.c.amount_fen), 0))
                              .where(*live)).one()
    financings = sorted({r.financing_id for r in uow.conn.execute(
        select(t.fragment.c.financing_id).where(*live, t.fragment.c.status == v.FINANCED).distinct())
        if r.financing_id})
    uow.conn.execute(update(t.fragment).where(*live).values(status=v.OVERDUE))
    for fid in financings:
        uow.conn.execute(update(t.financing).where(t.financing.c.id == fid, t.financing.c.status == fin.DISBURSED)
                         .values(status=fin.OVERDUE))
    if voucher.status == "active":
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher_id).values(status="overdue"))
    uow.conn.execute(update(t.party).where(t.party.c.id == voucher.core_id, t.party.c.defaulted_on.is_(None))
                     .values(defaulted_on=voucher.maturity_on))
    append_op(ctx, uow, voucher=voucher, op="overdue", actor=SYSTEM_ACTOR,
              payload={"unpaid_fragments": unpaid[0], "unpaid_fen": unpaid[1],
                       "failed_instructions": failed[:1000]})


def fund(ctx: Context, *, party: str, amount_fen: int, idempotency_key: str) -> Result:
    """Credit a simulated account (demo and tests only; the simulated bank holds no real money)."""
    check_fen(amount_fen)

    def body(uow: UnitOfWork) -> Result:
        p = resolve_party(uow, party)
        cur = uow.conn.execute(select(t.sim_account.c.balance_fen).where(t.sim_account.c.party_id == p.id)).scalar()
        if cur is None:
            uow.conn.execute(insert(t.sim_account).values(party_id=p.id, balance_fen=amount_fen))
        else:
            uow.conn.execute(update(t.sim_account).where(t.sim_account.c.party_id == p.id)
                             .values(balance_fen=cur + amount_fen))
        return {"party_id": p.id, "balance_fen": (cur or 0) + amount_fen}

    return run_idempotent(ctx, key=idempotency_key, operation="sim.fund",
                          request={"p": party, "a": amount_fen}, body=body)


def balances(ctx: Context) -> list[Result]:
    """Simulated account balances."""
    with ctx.uow(readonly=True) as uow:
        return [row_dict(r) for r in uow.conn.execute(
            select(t.sim_account.c.party_id, t.party.c.name, t.sim_account.c.balance_fen)
            .join(t.party, t.party.c.id == t.sim_account.c.party_id).order_by(t.party.c.name))]


def _instructions_scope(uow: UnitOfWork, actor: Actor | None) -> Any | None:
    """Instructions the actor may see: its bank's, those it pays or is paid, those on its vouchers."""
    if actor is None or scope.sees_everything(uow, actor):
        return None
    p, pi = actor.party_id, t.payment_instruction.c
    return or_(pi.bank_id == p, pi.payer_id == p, pi.payee_id == p, pi.core_id == p)


def _instructions_query(uow: UnitOfWork, *, actor: Actor | None, status: str | None, kind: str | None,
                        value_on: dt.date | None, bank: str | None = None) -> Any:
    stmt = select(t.payment_instruction).order_by(t.payment_instruction.c.created_at, t.payment_instruction.c.id)
    if (limit_to := _instructions_scope(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if status:
        stmt = stmt.where(t.payment_instruction.c.status == status)
    if kind:
        stmt = stmt.where(t.payment_instruction.c.kind == kind)
    if value_on:
        stmt = stmt.where(t.payment_instruction.c.value_on == value_on)
    if bank:
        stmt = stmt.where(t.payment_instruction.c.bank_id == resolve_party(uow, bank).id)
    return stmt


def list_instructions(ctx: Context, *, status: str | None = None, kind: str | None = None,
                      value_on: dt.date | None = None, actor: Actor | None = None) -> list[Result]:
    """Payment instructions, filterable (the actor's only, if given)."""
    with ctx.uow(readonly=True) as uow:
        stmt = _instructions_query(uow, actor=actor, status=status, kind=kind, value_on=value_on)
        return [row_dict(r) for r in uow.conn.execute(stmt)]


def page_instructions(ctx: Context, *, actor: Actor, status: str | None = None, kind: str | None = None,
                      value_on: dt.date | None = None, bank: str | None = None, limit: int = 50,
                      offset: int = 0) -> Result:
    """One page of the payment instructions the actor may see, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _instructions_query(uow, actor=actor, status=status, kind=kind, value_on=value_on, bank=bank)
        return paged(uow, stmt, limit=limit, offset=offset)


def record_confirmations(ctx: Context, *, actor: Actor, confirmations: Iterable[Any],
                         idempotency_key: str) -> Result:
    """Apply a bank's confirmation file: all rows or none (amounts must match the instructions)."""
    items = list(confirmations)

    def body(uow: UnitOfWork) -> Result:
        outcomes: dict[str, Outcome] = {}
        problems = []
        for c in items:
            row = uow.conn.execute(select(t.payment_instruction).where(
                t.payment_instruction.c.id == c.instruction_id)).first()
            if row is None:
                problems.append(f"{c.instruction_id}: unknown instruction / 未知指令")
            elif actor.role != "system" and actor.party_id != row.bank_id:
                problems.append(f"{c.instruction_id}: not this bank's / 非本行指令")
            elif row.amount_fen != c.amount_fen:
                problems.append(f"{c.instruction_id}: amount {c.amount_fen} ≠ {row.amount_fen} / 金额不符")
            elif row.status != "pending":
                continue  # already applied: importing the same file twice changes nothing
            else:
                outcomes[row.id] = Outcome(c.status, reference=c.reference, failure=c.failure_reason)
        if problems:
            raise errors.PaymentFileInvalid(reason="; ".join(problems[:20]), rows=problems)
        apply_outcomes(ctx, uow, outcomes)
        return {"applied": len(outcomes), "confirmed": sum(o.status == "confirmed" for o in outcomes.values()),
                "failed": sum(o.status == "failed" for o in outcomes.values())}

    return run_idempotent(ctx, key=idempotency_key, operation="payments.confirm",
                          request={"actor": actor.user_id, "rows": [
                              [c.instruction_id, c.status, c.reference, c.amount_fen] for c in items]},
                          body=body)


__all__ = ["Actor", "submit", "create_instruction", "mark_overdue", "fund", "record_confirmations"]


def export_file(ctx: Context, *, path: Any, status: str = "pending", actor: Actor | None = None) -> int:
    """Write instructions as a bank batch file (.csv or .xlsx); with an actor, only those it may see."""
    from ..adapters.payment_files import InstructionLine, export_batch

    with ctx.uow(readonly=True) as uow:
        names = {r.id: r for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc))}
        numbers = {r.id: r.number for r in uow.conn.execute(select(t.voucher.c.id, t.voucher.c.number))}
        stmt = select(t.payment_instruction).where(t.payment_instruction.c.status == status)
        if (limit_to := _instructions_scope(uow, actor)) is not None:
            stmt = stmt.where(limit_to)
        rows = uow.conn.execute(stmt.order_by(t.payment_instruction.c.value_on, t.payment_instruction.c.id)).all()
    lines = [InstructionLine(
        instruction_id=r.id, kind=r.kind, value_on=r.value_on, payer_name=names[r.payer_id].name,
        payer_uscc=names[r.payer_id].uscc, payee_name=names[r.payee_id].name, payee_uscc=names[r.payee_id].uscc,
        payee_account=r.payee_account or "", amount_fen=r.amount_fen,
        voucher_number=numbers.get(r.voucher_id) if r.voucher_id else None,
        reference_hint=f"LianRong {r.kind} {r.id}") for r in rows]
    return export_batch(lines, path)


def import_confirmations(ctx: Context, *, actor: Actor, path: Any, idempotency_key: str) -> Result:
    """Read a bank's confirmation file and apply it (all rows or none)."""
    from ..adapters.payment_files import parse_confirmations

    return record_confirmations(ctx, actor=actor, confirmations=parse_confirmations(path),
                                idempotency_key=idempotency_key)


def retry_failed(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> Result:
    """Resubmit a voucher's failed settlement instructions (the core enterprise found the money).

    Paid parts become settled and a fully paid voucher is settled; the core enterprise's default stays
    on record (77号 looks at whether it paid at maturity). An explicit action, never part of the
    settlement job, so that rerunning the job still changes nothing.
    """

    def body(uow: UnitOfWork) -> Result:
        voucher = lock_voucher(uow, voucher_id)
        if actor.role != "system" and actor.party_id not in (voucher.core_id, voucher.bank_id):
            raise errors.Forbidden(reason="only the issuer or its bank retries a payment / 仅签发企业或其银行可重新支付")
        if voucher.status != "overdue":
            raise errors.InvalidState(entity="voucher", state=voucher.status, action="retry payment")
        failed = [r.id for r in uow.conn.execute(select(t.payment_instruction.c.id).where(
            t.payment_instruction.c.voucher_id == voucher_id, t.payment_instruction.c.kind == "settlement",
            t.payment_instruction.c.status == "failed"))]
        if failed:
            uow.conn.execute(update(t.payment_instruction).where(t.payment_instruction.c.id.in_(failed))
                             .values(status="pending", failure=None))
        outcomes = submit(ctx, uow, failed)
        status = uow.conn.execute(select(t.voucher.c.status).where(t.voucher.c.id == voucher_id)).scalar()
        return {"voucher_id": voucher_id, "retried": len(failed), "status": status,
                "confirmed": sum(o == "confirmed" for o in outcomes.values()),
                "failed": sum(o == "failed" for o in outcomes.values())}

    return run_idempotent(ctx, key=idempotency_key, operation="payments.retry",
                          request={"actor": actor.user_id, "v": voucher_id}, body=body)
