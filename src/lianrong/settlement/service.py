"""Maturity settlement: the core enterprise pays every final holder of each voucher due on a date.

Idempotent by construction: a leaf gets at most one settlement instruction (unique per fragment), so
running the job twice changes nothing. Each voucher is its own unit of work; a failing voucher is
logged and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.financing.service import expire_pending
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import SYSTEM_ACTOR, append_op, lock_voucher_head
from lianrong.platform.context import Actor, Context
from lianrong.settlement import errors as settlement_errors
from lianrong.settlement.payments import PendingInstruction, mark_overdue, submit_pending

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class VoucherSettlement:
    """What settling one voucher did: the instructions made, their outcomes, and whether it is overdue."""

    instructions: int = 0
    confirmed: int = 0
    failed: int = 0
    pending: int = 0
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class SettlementError:
    """A voucher a run could not settle, with the refusal's error body (the batch went on)."""

    voucher_id: str
    code: str
    message_zh: str
    message_en: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SettlementRun:
    """A settlement run: the date it covered, the vouchers settled, their instructions' outcomes, the vouchers
    overdue and those refused."""

    date: dt.date
    vouchers: int
    instructions: int
    confirmed: int
    failed: int
    pending: int
    overdue: tuple[str, ...]
    errors: tuple[SettlementError, ...]


def due_vouchers(ctx: Context, *, on: dt.date, bank: str | None = None) -> list[str]:
    """Ids of vouchers whose (rolled) maturity is on or before the date and are still open (of one bank)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.voucher.c.id).where(
            t.voucher.c.maturity_on <= on, t.voucher.c.status.in_(("active", "overdue"))
        )
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
    raise errors.Forbidden(
        reason="only a bank or the district administrator runs settlement / 仅银行或区金融办管理员可执行兑付"
    )


def settlement_date(ctx: Context, on: dt.date | None = None) -> dt.date:
    """The date a settlement run covers (default: today's business date); a later date is refused.

    The one rule for every path (API, console, CLI, jobs): vouchers are never settled before they mature.
    """
    today = ctx.clock.today()
    if on is None:
        return today
    if on > today:
        raise settlement_errors.SettlementFutureDate(date=on.isoformat(), today=today.isoformat())
    return on


def settle(
    ctx: Context, *, on: dt.date, progress: Callable[[int], None] | None = None, actor: Actor | None = None
) -> SettlementRun:
    """Settle every voucher due on or before ``on`` and not yet settled: instructions, confirmations, overdue.

    With an ``actor``, a bank settles only the vouchers it carries (see ``settlement_scope``).
    """
    bank = settlement_scope(ctx, actor) if actor is not None else None
    on = settlement_date(ctx, on)
    done: list[VoucherSettlement] = []
    overdue: list[str] = []
    failures: list[SettlementError] = []
    for vid in due_vouchers(ctx, on=on, bank=bank):
        try:
            r = settle_voucher(ctx, voucher_id=vid, on=on)
        except errors.LianRongError as exc:  # one bad voucher never stops the batch
            log.warning("settle.voucher_failed", voucher=vid, code=exc.code, error=exc.message_en)
            failures.append(SettlementError(voucher_id=vid, **exc.to_dict()))
            continue
        done.append(r)
        if r.overdue:
            overdue.append(vid)
        if progress:
            progress(1)
    return SettlementRun(
        date=on,
        vouchers=len(done),
        instructions=sum(r.instructions for r in done),
        confirmed=sum(r.confirmed for r in done),
        failed=sum(r.failed for r in done),
        pending=sum(r.pending for r in done),
        overdue=tuple(overdue),
        errors=tuple(failures),
    )


_LEAVES_SQL = (
    # the voucher's unpaid leaves with the holder's account at the voucher's bank; a leaf that already
    # has a settlement instruction (an earlier run, a pending batch file) is not paid twice
    "SELECT f.id, f.holder_id, f.amount_fen, o.settlement_account FROM fragment f "
    "LEFT JOIN onboarding o ON o.bank_id = :bank AND o.party_id = f.holder_id "
    "WHERE f.voucher_id = :v AND f.status IN ('active', 'financed', 'overdue') "
    "AND NOT EXISTS (SELECT 1 FROM payment_instruction i WHERE i.fragment_id = f.id AND i.kind = 'settlement') "
    "ORDER BY f.id"
)

_INSERT_INSTRUCTION_SQL = (
    "INSERT INTO payment_instruction (id, core_id, kind, voucher_id, fragment_id, financing_id, payer_id, "
    "payee_id, payee_account, bank_id, amount_fen, value_on, status, reference, failure, created_at, "
    "confirmed_at) VALUES (:id, :core, 'settlement', :v, :f, NULL, :core, :payee, :account, :bank, :amount, "
    ":value_on, 'pending', NULL, NULL, :at, NULL)"
)


def settle_voucher(ctx: Context, *, voucher_id: str, on: dt.date) -> VoucherSettlement:
    """Settle one due voucher in one unit of work.

    The per-voucher path runs 100,000 times a day at scale: fixed SQL (``uow.raw``), one read for the
    leaves and their accounts, ``executemany`` for the instructions, and the rows just written are
    handed to the payments step instead of being read back.
    """
    with ctx.uow() as uow:
        raw = uow.raw
        voucher = lock_voucher_head(uow, voucher_id)
        outcomes = {"confirmed": 0, "failed": 0, "pending": 0}
        if voucher.status not in ("active", "overdue") or voucher.maturity_on > on:
            return VoucherSettlement()
        # pending financing applications end at maturity: the holder is paid instead
        pending_fin = sorted(
            {
                f
                for (f,) in raw.all(
                    "SELECT DISTINCT fa.financing_id FROM fragment fr JOIN financing_asset fa ON fa.kind = 'voucher' "
                    "AND fa.asset_id = fr.id JOIN financing fi ON fi.id = fa.financing_id "
                    "WHERE fr.voucher_id = :v AND fr.status = 'frozen' AND fi.status IN ('applied', 'approved')",
                    {"v": voucher_id},
                )
            }
        )
        if pending_fin:
            expire_pending(ctx, uow, financing_ids=pending_fin)
            voucher = lock_voucher_head(uow, voucher_id)
        leaves = raw.all(_LEAVES_SQL, {"v": voucher_id, "bank": voucher.bank_id})
        now = raw.ts(ctx.clock.now())
        value_on = raw.day(voucher.maturity_on)
        rows = [
            {
                "id": new_id("pay"),
                "core": voucher.core_id,
                "v": voucher_id,
                "f": fid,
                "payee": holder,
                "account": account,
                "bank": voucher.bank_id,
                "amount": amount,
                "value_on": value_on,
                "at": now,
            }
            for fid, holder, amount, account in leaves
        ]
        if rows:
            raw.many(_INSERT_INSTRUCTION_SQL, rows)
            append_op(
                ctx,
                uow,
                voucher=voucher,
                op="settle_instruct",
                actor=SYSTEM_ACTOR,
                payload={
                    "instructions": len(rows),
                    "amount": sum(r["amount"] for r in rows),
                    "value_on": voucher.maturity_on,
                },
            )
            # handed to the bank in id order, as submit() reads pending instructions
            pending = sorted(
                (
                    PendingInstruction(
                        r["id"], "settlement", voucher_id, r["f"], voucher.core_id, r["payee"], r["amount"]
                    )
                    for r in rows
                ),
                key=lambda r: r.id,
            )
            for status in submit_pending(ctx, uow, pending).values():
                outcomes[status] = outcomes.get(status, 0) + 1
        # unpaid by the end of the maturity date: overdue (a pending batch file waits for that day)
        current, still_pending = raw.one(  # type: ignore[misc]
            "SELECT status, (SELECT i.id FROM payment_instruction i WHERE i.status = 'pending' "
            "AND i.voucher_id = :v AND i.kind = 'settlement' LIMIT 1) FROM voucher WHERE id = :v",
            {"v": voucher_id},
        )
        if current == "active" and still_pending and ctx.clock.today() > voucher.maturity_on:
            mark_overdue(ctx, uow, voucher_id, failed=[])
            current = raw.one("SELECT status FROM voucher WHERE id = :v", {"v": voucher_id})[0]  # type: ignore[index]
        uow.commit()
        return VoucherSettlement(
            instructions=len(rows),
            confirmed=outcomes["confirmed"],
            failed=outcomes["failed"],
            pending=outcomes["pending"],
            overdue=current == "overdue",
        )
