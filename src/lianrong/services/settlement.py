"""Maturity settlement: the core enterprise pays every final holder of each voucher due on a date.

Idempotent by construction: a leaf gets at most one settlement instruction (unique per fragment), so
running the job twice changes nothing. Each voucher is its own unit of work; a failing voucher is
logged and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import insert, select, update

from ..adapters.db import tables as t
from ..domain import errors
from ..domain import financing as fin
from ..domain import vouchers as v
from ..ids import new_id
from . import scope
from .common import SYSTEM_ACTOR, Result, append_op, lock_voucher
from .context import Actor, Context
from .payments import mark_overdue, submit

log = structlog.get_logger(__name__)


def due_vouchers(ctx: Context, *, on: dt.date, bank: str | None = None) -> list[str]:
    """Ids of vouchers whose (rolled) maturity is on or before the date and are still open (of one bank)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.voucher.c.id).where(t.voucher.c.maturity_on <= on,
                                            t.voucher.c.status.in_(("active", "overdue")))
        if bank:
            stmt = stmt.where(t.voucher.c.bank_id == bank)
        return [r.id for r in uow.conn.execute(stmt.order_by(t.voucher.c.maturity_on, t.voucher.c.id))]


def settlement_scope(ctx: Context, actor: Actor) -> str | None:
    """Who may run settlement: a bank for the vouchers it carries (its id), a district admin for all (None)."""
    if actor.role == "system":
        return None
    with ctx.uow(readonly=True) as uow:
        kind = scope.party_kind(uow, actor)
    if kind == "bank" and actor.role in ("operator", "approver", "admin"):
        return actor.party_id
    if kind == "district" and actor.role == "admin":
        return None
    raise errors.Forbidden(reason="only a bank or the district administrator runs settlement / 仅银行或区金融办管理员可执行兑付")


def settle(ctx: Context, *, on: dt.date, progress: Callable[[int], None] | None = None,
           actor: Actor | None = None) -> Result:
    """Settle every voucher due on (or before) ``on``: instructions, confirmations, overdue marking.

    With an ``actor``, a bank settles only the vouchers it carries (see ``settlement_scope``).
    """
    bank = settlement_scope(ctx, actor) if actor is not None else None
    if on > ctx.clock.today():
        raise errors.InvalidDate(value=f"{on} is in the future / 不能结算未来日期")
    summary: dict[str, Any] = {"date": on.isoformat(), "vouchers": 0, "instructions": 0,
                               "confirmed": 0, "failed": 0, "pending": 0, "overdue": [], "errors": []}
    for vid in due_vouchers(ctx, on=on, bank=bank):
        try:
            r = settle_voucher(ctx, voucher_id=vid, on=on)
        except errors.LianRongError as exc:  # one bad voucher never stops the batch
            log.warning("settle.voucher_failed", voucher=vid, code=exc.code, error=exc.message_en)
            summary["errors"].append({"voucher_id": vid, **exc.to_dict()})
            continue
        summary["vouchers"] += 1
        for k in ("instructions", "confirmed", "failed", "pending"):
            summary[k] += r[k]
        if r["overdue"]:
            summary["overdue"].append(vid)
        if progress:
            progress(1)
    return summary


def settle_voucher(ctx: Context, *, voucher_id: str, on: dt.date) -> Result:
    """Settle one due voucher in one unit of work."""
    with ctx.uow() as uow:
        voucher = lock_voucher(uow, voucher_id)
        out = {"instructions": 0, "confirmed": 0, "failed": 0, "pending": 0, "overdue": False}
        if voucher.status not in ("active", "overdue") or voucher.maturity_on > on:
            return out
        conn = uow.conn
        # pending financing applications end at maturity: the holder is paid instead
        pending_fin = sorted({r.financing_id for r in conn.execute(select(t.fragment.c.financing_id).where(
            t.fragment.c.voucher_id == voucher_id, t.fragment.c.status == v.FROZEN)) if r.financing_id})
        if pending_fin:
            conn.execute(update(t.fragment).where(t.fragment.c.voucher_id == voucher_id,
                                                  t.fragment.c.status == v.FROZEN)
                         .values(status=v.ACTIVE, financing_id=None))
            for fid in pending_fin:
                conn.execute(update(t.financing).where(t.financing.c.id == fid,
                                                       t.financing.c.status.in_((fin.APPLIED, fin.APPROVED)))
                             .values(status=fin.REJECTED))
            append_op(ctx, uow, voucher=voucher, op="finance_expired", actor=SYSTEM_ACTOR,
                      payload={"financings": pending_fin})
            voucher = lock_voucher(uow, voucher_id)
        paid_or_pending = {r.fragment_id for r in conn.execute(
            select(t.payment_instruction.c.fragment_id).where(
                t.payment_instruction.c.voucher_id == voucher_id,
                t.payment_instruction.c.kind == "settlement"))}
        leaves = [r for r in conn.execute(
            select(t.fragment.c.id, t.fragment.c.holder_id, t.fragment.c.amount_fen).where(
                t.fragment.c.voucher_id == voucher_id,
                t.fragment.c.status.in_((v.ACTIVE, v.FINANCED, v.OVERDUE))).order_by(t.fragment.c.id))
            if r.id not in paid_or_pending]
        now = ctx.clock.now()
        holders = sorted({leaf.holder_id for leaf in leaves})
        accounts = {pid: acct for pid, acct in conn.execute(
            select(t.onboarding.c.party_id, t.onboarding.c.settlement_account).where(
                t.onboarding.c.bank_id == voucher.bank_id, t.onboarding.c.party_id.in_(holders)))} \
            if holders else {}
        rows = [dict(id=new_id("pay"), core_id=voucher.core_id, kind="settlement", voucher_id=voucher_id,
                     fragment_id=leaf.id, financing_id=None, payer_id=voucher.core_id, payee_id=leaf.holder_id,
                     payee_account=accounts.get(leaf.holder_id), bank_id=voucher.bank_id,
                     amount_fen=leaf.amount_fen, value_on=voucher.maturity_on, status="pending",
                     created_at=now) for leaf in leaves]
        if rows:
            conn.execute(insert(t.payment_instruction), rows)
            append_op(ctx, uow, voucher=voucher, op="settle_instruct", actor=SYSTEM_ACTOR, payload={
                "instructions": len(rows), "amount": sum(r["amount_fen"] for r in rows),
                "value_on": voucher.maturity_on})
        out["instructions"] = len(rows)
        retry = [r.id for r in conn.execute(select(t.payment_instruction.c.id).where(
            t.payment_instruction.c.voucher_id == voucher_id, t.payment_instruction.c.kind == "settlement",
            t.payment_instruction.c.status == "pending"))] if not rows else [r["id"] for r in rows]
        outcomes = submit(ctx, uow, retry) if rows else {}
        for status in outcomes.values():
            out[status] = out.get(status, 0) + 1
        # unpaid by the end of the maturity date: overdue (a pending batch file waits for that day)
        still_pending = conn.execute(select(t.payment_instruction.c.id).where(
            t.payment_instruction.c.voucher_id == voucher_id, t.payment_instruction.c.kind == "settlement",
            t.payment_instruction.c.status == "pending").limit(1)).first()
        current = conn.execute(select(t.voucher.c.status).where(t.voucher.c.id == voucher_id)).scalar()
        if current == "active" and still_pending and ctx.clock.today() > voucher.maturity_on:
            mark_overdue(ctx, uow, voucher_id, failed=[])
        out["overdue"] = conn.execute(select(t.voucher.c.status).where(t.voucher.c.id == voucher_id)).scalar() == "overdue"
        uow.commit()
        return out
