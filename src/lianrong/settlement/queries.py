"""Read models of payment instructions and overdue vouchers (the viewer is required)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import func, or_, select

from lianrong.adapters.db import tables as t
from lianrong.financing.queries import financings
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import Result, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date, party_names
from lianrong.vouchers.model import VoucherStatus
from lianrong.vouchers.queries import vouchers


def pending_confirmations(ctx: Context, *, actor: Actor) -> Result:
    """What the bank still has to confirm: its pending instructions by kind, with totals and the oldest date."""
    with ctx.uow(readonly=True) as uow:
        pi = t.payment_instruction.c
        rows = uow.conn.execute(
            select(pi.kind, func.count().label("n"), func.sum(pi.amount_fen).label("fen"),
                   func.min(pi.value_on).label("oldest"))
            .where(pi.bank_id == actor.party_id, pi.status == "pending").group_by(pi.kind).order_by(pi.kind)).all()
    kinds = [{"kind": r.kind, "count": r.n, "amount_fen": r.fen or 0, "oldest": as_date(r.oldest)} for r in rows]
    return {"kinds": kinds, "count": sum(k["count"] for k in kinds), "amount_fen": sum(k["amount_fen"] for k in kinds)}


def instructions(ctx: Context, *, actor: Actor, value_on: dt.date | None = None, status: str | None = None,
                 kind: str | None = None, limit: int = 1000) -> list[Result]:
    """Payment instructions the actor may see (a bank: those it executes), filterable."""
    with ctx.uow(readonly=True) as uow:
        pi = t.payment_instruction
        stmt = select(pi).order_by(pi.c.value_on.desc(), pi.c.created_at, pi.c.id).limit(limit)
        if not scope.sees_everything(uow, actor):
            me = actor.party_id
            stmt = stmt.where(or_(pi.c.bank_id == me, pi.c.payer_id == me, pi.c.payee_id == me))
        if value_on:
            stmt = stmt.where(pi.c.value_on == value_on)
        if status:
            stmt = stmt.where(pi.c.status == status)
        if kind:
            stmt = stmt.where(pi.c.kind == kind)
        rows = uow.conn.execute(stmt).all()
        names = party_names(uow, [x for r in rows for x in (r.payer_id, r.payee_id)])
        vids = sorted({r.voucher_id for r in rows if r.voucher_id})
        numbers = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.number).where(t.voucher.c.id.in_(vids))).all()) \
            if vids else {}
    return [{**row_dict(r), "payer_name": names.get(r.payer_id), "payee_name": names.get(r.payee_id),
             "voucher_number": numbers.get(r.voucher_id)} for r in rows]


def export_instructions(ctx: Context, *, actor: Actor, fmt: str, value_on: dt.date | None = None,
                        status: str | None = None, kind: str | None = None) -> bytes:
    """The instructions of ``instructions`` as a bank batch file (``csv`` or ``xlsx``), as bytes."""
    from lianrong.adapters.payment_files import InstructionLine, export_batch

    if fmt not in ("csv", "xlsx"):
        raise errors.ValidationFailed(reason="format must be csv or xlsx / 格式须为csv或xlsx")
    rows = instructions(ctx, actor=actor, value_on=value_on, status=status, kind=kind, limit=1_000_000)
    with ctx.uow(readonly=True) as uow:
        ids = sorted({x for r in rows for x in (r["payer_id"], r["payee_id"])})
        parties = {r.id: r for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc)
                                                     .where(t.party.c.id.in_(ids)))} if ids else {}
    lines = [InstructionLine(
        instruction_id=r["id"], kind=r["kind"], value_on=as_date(r["value_on"]),  # type: ignore[arg-type]
        payer_name=parties[r["payer_id"]].name, payer_uscc=parties[r["payer_id"]].uscc,
        payee_name=parties[r["payee_id"]].name, payee_uscc=parties[r["payee_id"]].uscc,
        payee_account=r["payee_account"] or "", amount_fen=r["amount_fen"], voucher_number=r["voucher_number"],
        reference_hint=f"LianRong {r['kind']} {r['id']}") for r in rows]
    fd, name = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(fd)
    path = Path(name)
    try:
        export_batch(lines, path)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def overdue(ctx: Context, *, actor: Actor) -> Result:
    """Overdue vouchers and financings the actor may see, with what is still unpaid."""
    vs = [asdict(x) for x in vouchers(ctx, viewer=actor, status=VoucherStatus.OVERDUE, limit=100_000).items]
    fs = financings(ctx, actor=actor, status="overdue")
    ids = [x["id"] for x in vs]
    unpaid: dict[str, int] = defaultdict(int)
    with ctx.uow(readonly=True) as uow:
        if ids:
            for r in uow.conn.execute(select(t.payment_instruction.c.voucher_id, t.payment_instruction.c.amount_fen)
                                      .where(t.payment_instruction.c.voucher_id.in_(ids),
                                             t.payment_instruction.c.kind == "settlement",
                                             t.payment_instruction.c.status != "confirmed")):
                unpaid[r.voucher_id] += r.amount_fen
    today = ctx.clock.today()
    for x in vs:
        x["unpaid_fen"] = unpaid.get(x["id"], 0)
        x["days_overdue"] = (today - as_date(x["maturity_on"])).days  # type: ignore[operator]
    return {"vouchers": vs, "financings": fs}
