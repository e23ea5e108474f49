"""Read models of payment instructions and overdue vouchers (the viewer is required)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.financing.queries import FinancingSummary, financings
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.platform.pages import Page
from lianrong.settlement.model import PaymentKind
from lianrong.vouchers.model import VoucherStatus
from lianrong.vouchers.queries import VoucherSummary, vouchers


@dataclass(frozen=True, slots=True)
class PendingKind:
    """A bank's pending instructions of one kind: how many, their total and the oldest value date."""

    kind: PaymentKind
    count: int
    amount_fen: int
    oldest: dt.date | None


@dataclass(frozen=True, slots=True)
class PendingConfirmations:
    """What a bank still has to confirm: its pending instructions by kind, and their count and total."""

    kinds: tuple[PendingKind, ...]
    count: int
    amount_fen: int


def pending_confirmations(ctx: Context, *, actor: Actor) -> PendingConfirmations:
    """What the bank still has to confirm: its pending instructions by kind, with totals and the oldest date."""
    with ctx.uow(readonly=True) as uow:
        pi = t.payment_instruction.c
        rows = uow.conn.execute(
            select(
                pi.kind,
                func.count().label("n"),
                func.sum(pi.amount_fen).label("fen"),
                func.min(pi.value_on).label("oldest"),
            )
            .where(pi.bank_id == actor.party_id, pi.status == "pending")
            .group_by(pi.kind)
            .order_by(pi.kind)
        ).all()
    kinds = tuple(
        PendingKind(kind=PaymentKind(r.kind), count=r.n, amount_fen=r.fen or 0, oldest=as_date(r.oldest)) for r in rows
    )
    return PendingConfirmations(
        kinds=kinds, count=sum(k.count for k in kinds), amount_fen=sum(k.amount_fen for k in kinds)
    )


@dataclass(frozen=True)
class PaymentInstruction:
    """One payment instruction as every reader sees it (API, console, CLI, the bank batch file)."""

    id: str
    core_id: str
    kind: str
    voucher_id: str | None
    fragment_id: str | None
    financing_id: str | None
    payer_id: str
    payee_id: str
    payee_account: str | None
    bank_id: str
    amount_fen: int
    value_on: dt.date
    status: str
    reference: str | None
    failure: str | None
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    payer_name: str | None = None
    payee_name: str | None = None
    payer_uscc: str | None = None
    payee_uscc: str | None = None
    voucher_number: str | None = None


#: the orders a reader may ask for: as created (the API's pages, the CLI), by value date (the bank batch
#: file), latest value date first (the console's worklist)
_ORDERS = {"created": ("created_at", "id"), "value_on": ("value_on", "id"), "latest": ("-value_on", "created_at", "id")}


def instructions_scope(uow: UnitOfWork, viewer: Actor) -> Any | None:
    """Instructions the viewer may see: its bank's, those it pays or is paid, those on its vouchers
    (``None``: all, for the system and the overseers)."""
    if scope.sees_everything(uow, viewer):
        return None
    p, pi = viewer.party_id, t.payment_instruction.c
    return or_(pi.bank_id == p, pi.payer_id == p, pi.payee_id == p, pi.core_id == p)


def _statement(
    uow: UnitOfWork,
    *,
    viewer: Actor,
    status: str | None,
    kind: str | None,
    value_on: dt.date | None,
    bank: str | None,
    order: str,
) -> Any:
    pi = t.payment_instruction.c
    stmt = select(t.payment_instruction).order_by(
        *(pi[k[1:]].desc() if k.startswith("-") else pi[k] for k in _ORDERS[order])
    )
    if (limit_to := instructions_scope(uow, viewer)) is not None:
        stmt = stmt.where(limit_to)
    if status:
        stmt = stmt.where(pi.status == status)
    if kind:
        stmt = stmt.where(pi.kind == kind)
    if value_on:
        stmt = stmt.where(pi.value_on == value_on)
    if bank:
        stmt = stmt.where(pi.bank_id == resolve_party(uow, bank).id)
    return stmt


def _read(uow: UnitOfWork, rows: Sequence[Any]) -> list[PaymentInstruction]:
    ids = sorted({x for r in rows for x in (r.payer_id, r.payee_id)})
    parties = (
        {
            r.id: r
            for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc).where(t.party.c.id.in_(ids)))
        }
        if ids
        else {}
    )
    vids = sorted({r.voucher_id for r in rows if r.voucher_id})
    numbers = (
        dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.number).where(t.voucher.c.id.in_(vids))).all())
        if vids
        else {}
    )
    out = []
    for r in rows:
        payer, payee = parties.get(r.payer_id), parties.get(r.payee_id)
        out.append(
            PaymentInstruction(
                **{
                    **r._mapping,
                    "value_on": as_date(r.value_on),
                    "payer_name": payer.name if payer else None,
                    "payee_name": payee.name if payee else None,
                    "payer_uscc": payer.uscc if payer else None,
                    "payee_uscc": payee.uscc if payee else None,
                    "voucher_number": numbers.get(r.voucher_id),
                }
            )
        )
    return out


def instructions(
    ctx: Context,
    *,
    viewer: Actor,
    value_on: dt.date | None = None,
    status: str | None = None,
    kind: str | None = None,
    bank: str | None = None,
    order: str = "latest",
    limit: int = 1000,
) -> list[PaymentInstruction]:
    """Payment instructions the viewer may see (``SYSTEM`` for all), filterable."""
    with ctx.uow(readonly=True) as uow:
        stmt = _statement(uow, viewer=viewer, status=status, kind=kind, value_on=value_on, bank=bank, order=order)
        return _read(uow, uow.conn.execute(stmt.limit(limit)).all())


def page_instructions(
    ctx: Context,
    *,
    viewer: Actor,
    status: str | None = None,
    kind: str | None = None,
    value_on: dt.date | None = None,
    bank: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[PaymentInstruction]:
    """One page of ``instructions`` (as created), with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _statement(uow, viewer=viewer, status=status, kind=kind, value_on=value_on, bank=bank, order="created")
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = _read(uow, uow.conn.execute(stmt.limit(limit).offset(offset)).all())
    return Page(items=items, total=total, limit=limit, offset=offset)


def export_instructions(
    ctx: Context,
    *,
    viewer: Actor,
    fmt: str,
    value_on: dt.date | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> tuple[int, bytes]:
    """The instructions of ``instructions`` (by value date) as a bank batch file (``csv`` or ``xlsx``):
    how many, and the file's bytes."""
    from lianrong.settlement.payment_files import InstructionLine, export_batch

    if fmt not in ("csv", "xlsx"):
        raise errors.ValidationFailed(reason="format must be csv or xlsx / 格式须为csv或xlsx")
    rows = instructions(
        ctx, viewer=viewer, value_on=value_on, status=status, kind=kind, order="value_on", limit=1_000_000
    )
    lines = [
        InstructionLine(
            instruction_id=r.id,
            kind=r.kind,
            value_on=r.value_on,
            payer_name=r.payer_name or "",
            payer_uscc=r.payer_uscc or "",
            payee_name=r.payee_name or "",
            payee_uscc=r.payee_uscc or "",
            payee_account=r.payee_account or "",
            amount_fen=r.amount_fen,
            voucher_number=r.voucher_number,
            reference_hint=f"LianRong {r.kind} {r.id}",
        )
        for r in rows
    ]
    with tempfile.TemporaryDirectory(prefix="lr-export-") as tmp:
        path = Path(tmp) / f"instructions.{fmt}"
        count = export_batch(lines, path)
        return count, path.read_bytes()


@dataclass(frozen=True, slots=True)
class OverdueVoucher(VoucherSummary):
    """An overdue voucher: its summary, what is still unpaid on it and for how many days since maturity."""

    unpaid_fen: int
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Overdue:
    """The overdue vouchers and financings a viewer may see."""

    vouchers: tuple[OverdueVoucher, ...]
    financings: tuple[FinancingSummary, ...]


def overdue(ctx: Context, *, actor: Actor) -> Overdue:
    """Overdue vouchers and financings the actor may see, with what is still unpaid."""
    vs = vouchers(ctx, viewer=actor, status=VoucherStatus.OVERDUE, limit=100_000).items
    fs = financings(ctx, actor=actor, status="overdue")
    ids = [x.id for x in vs]
    unpaid: dict[str, int] = defaultdict(int)
    with ctx.uow(readonly=True) as uow:
        if ids:
            for r in uow.conn.execute(
                select(t.payment_instruction.c.voucher_id, t.payment_instruction.c.amount_fen).where(
                    t.payment_instruction.c.voucher_id.in_(ids),
                    t.payment_instruction.c.kind == "settlement",
                    t.payment_instruction.c.status != "confirmed",
                )
            ):
                unpaid[r.voucher_id] += r.amount_fen
    today = ctx.clock.today()
    return Overdue(
        vouchers=tuple(
            OverdueVoucher(
                **{f.name: getattr(x, f.name) for f in fields(x)},
                unpaid_fen=unpaid.get(x.id, 0),
                days_overdue=(today - x.maturity_on).days,
            )
            for x in vs
        ),
        financings=tuple(fs),
    )
