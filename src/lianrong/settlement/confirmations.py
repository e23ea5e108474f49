"""A bank's confirmations of payment instructions (typed in, or a file): recorded once each; a failed settlement retried."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.adapters.payments import Outcome
from lianrong.kernel import errors
from lianrong.kernel.money import format_yuan
from lianrong.platform import scope
from lianrong.platform.common import (
    check_actor_role,
    lock_voucher,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.settlement.model import (
    OUTCOME_ACTION,
    PaymentAction,
    PaymentKind,
    PaymentStatus,
    may,
    next_status,
)
from lianrong.settlement.payments import apply_outcomes, submit
from lianrong.vouchers.model import VoucherStatus


@dataclass(frozen=True, slots=True)
class ConfirmationsApplied:
    """What a bank's confirmations did: the instructions confirmed or failed, and the rows already applied."""

    applied: int
    confirmed: int
    failed: int
    unchanged: int = 0  # results recorded before it was counted replay without it


@dataclass(frozen=True, slots=True)
class PaymentRetry:
    """A voucher's failed settlement instructions resubmitted: how many, their outcomes and the voucher's status."""

    voucher_id: str
    retried: int
    status: VoucherStatus
    confirmed: int
    failed: int


def _check_confirmer(ctx: Context, actor: Actor) -> None:
    """Only a bank's operator or approver confirms instructions: refused before the file is read."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "bank", what="only a bank confirms payment instructions / 仅银行可确认支付指令")


def record_confirmations(
    ctx: Context, *, actor: Actor, confirmations: Iterable[Any], idempotency_key: str
) -> ConfirmationsApplied:
    """Apply a bank's confirmation file: all rows or none (amounts must match the instructions).

    A refusal lists every row at fault (``details.rows``: row, column, value, message in both languages);
    an instruction that is not the bank's is reported like one that does not exist.
    """
    from lianrong.settlement.confirmation_files import refuse_confirmations

    _check_confirmer(ctx, actor)
    items = list(confirmations)

    def body(uow: UnitOfWork) -> ConfirmationsApplied:
        outcomes: dict[str, Outcome] = {}
        problems: list[dict[str, Any]] = []
        unchanged = 0
        for c in items:
            row = uow.conn.execute(
                select(t.payment_instruction).where(t.payment_instruction.c.id == c.instruction_id)
            ).first()
            where = {"row": getattr(c, "row", None)}
            if row is None or (actor.role != "system" and actor.party_id != row.bank_id):
                problems.append(
                    {
                        **where,
                        "column": "instruction_id",
                        "value": c.instruction_id,
                        "message_zh": f"本行没有指令编号为{c.instruction_id}的支付指令",
                        "message_en": f"no payment instruction {c.instruction_id} of this bank",
                    }
                )
            elif row.amount_fen != c.amount_fen:
                problems.append(
                    {
                        **where,
                        "column": "amount_fen",
                        "value": str(c.amount_fen),
                        "message_zh": f"金额{c.amount_fen}分与指令金额{row.amount_fen}分"
                        f"（{format_yuan(row.amount_fen)}元）不符",
                        "message_en": f"amount {c.amount_fen} fen does not match the instruction's "
                        f"{row.amount_fen} fen ({format_yuan(row.amount_fen)} yuan)",
                    }
                )
            elif not may(row.status, OUTCOME_ACTION[c.status]):
                unchanged += 1  # already applied: importing the same file twice changes nothing
            else:
                outcomes[row.id] = Outcome(c.status, reference=c.reference, failure=c.failure_reason)
        if problems:
            raise refuse_confirmations(problems)
        apply_outcomes(ctx, uow, outcomes)
        return ConfirmationsApplied(
            applied=len(outcomes),
            confirmed=sum(o.status == "confirmed" for o in outcomes.values()),
            failed=sum(o.status == "failed" for o in outcomes.values()),
            unchanged=unchanged,
        )

    return run_typed(
        ctx,
        ConfirmationsApplied,
        key=idempotency_key,
        operation="payments.confirm",
        request={
            "actor": actor.user_id,
            "rows": [[c.instruction_id, c.status, c.reference, c.amount_fen] for c in items],
        },
        body=body,
    )


def export_file(ctx: Context, *, viewer: Actor, path: Any, status: str = PaymentStatus.PENDING.value) -> int:
    """Write the instructions the viewer may see (``SYSTEM``: all) as a bank batch file (.csv or .xlsx, by
    the path's suffix), whole or not at all; returns how many. The file is ``queries.export_instructions``'."""
    from lianrong.adapters.spreadsheet import write_atomically
    from lianrong.settlement.queries import export_instructions

    target = Path(path)
    count, data = export_instructions(ctx, viewer=viewer, fmt=target.suffix.lower().lstrip("."), status=status)
    write_atomically(target, data)
    return count


def import_confirmations(ctx: Context, *, actor: Actor, path: Any, idempotency_key: str) -> ConfirmationsApplied:
    """Read a bank's confirmation file and apply it (all rows or none)."""
    from lianrong.settlement.confirmation_files import parse_confirmations

    _check_confirmer(ctx, actor)
    return record_confirmations(
        ctx, actor=actor, confirmations=parse_confirmations(path), idempotency_key=idempotency_key
    )


def import_confirmation_upload(
    ctx: Context, *, actor: Actor, content: bytes, filename: str, idempotency_key: str
) -> ConfirmationsApplied:
    """Read an uploaded confirmation file (.csv or .xlsx, by its name) and apply it (all rows or none)."""
    from lianrong.settlement.confirmation_files import parse_confirmation_bytes

    _check_confirmer(ctx, actor)
    return record_confirmations(
        ctx,
        actor=actor,
        confirmations=parse_confirmation_bytes(content, filename=filename),
        idempotency_key=idempotency_key,
    )


def retry_failed(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> PaymentRetry:
    """Resubmit a voucher's failed settlement instructions (the core enterprise found the money).

    Paid parts become settled and a fully paid voucher is settled; the core enterprise's default stays
    on record (77号 looks at whether it paid at maturity). An explicit action, never part of the
    settlement job, so that rerunning the job still changes nothing.
    """
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> PaymentRetry:
        if actor.role != "system":
            scope.check_voucher(uow, actor, voucher_id)  # another's voucher: not found
        voucher = lock_voucher(uow, voucher_id)
        if actor.role != "system" and actor.party_id not in (voucher.core_id, voucher.bank_id):
            raise errors.Forbidden(
                reason="only the issuer or its bank retries a payment / 仅签发企业或其银行可重新支付"
            )
        if voucher.status != "overdue":
            raise errors.InvalidState(entity="voucher", state=voucher.status, action="retry payment")
        rows = uow.conn.execute(
            select(t.payment_instruction.c.id, t.payment_instruction.c.status).where(
                t.payment_instruction.c.voucher_id == voucher_id,
                t.payment_instruction.c.kind == PaymentKind.SETTLEMENT.value,
                t.payment_instruction.c.status == PaymentStatus.FAILED.value,
            )
        ).all()
        failed = [r.id for r in rows]
        if failed:
            uow.conn.execute(
                update(t.payment_instruction)
                .where(t.payment_instruction.c.id.in_(failed))
                .values(status=next_status(rows[0].status, PaymentAction.RETRY).value, failure=None)
            )
        outcomes = submit(ctx, uow, failed)
        status = uow.conn.execute(select(t.voucher.c.status).where(t.voucher.c.id == voucher_id)).scalar()
        return PaymentRetry(
            voucher_id=voucher_id,
            retried=len(failed),
            status=VoucherStatus(status),
            confirmed=sum(o == "confirmed" for o in outcomes.values()),
            failed=sum(o == "failed" for o in outcomes.values()),
        )

    return run_typed(
        ctx,
        PaymentRetry,
        key=idempotency_key,
        operation="payments.retry",
        request={"actor": actor.user_id, "v": voucher_id},
        body=body,
    )
