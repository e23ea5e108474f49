"""Read models of a party's summary figures (the viewer is required)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lianrong.adapters.db import tables as t
from lianrong.platform.context import Actor, Context


@dataclass(frozen=True, slots=True)
class CountAmount:
    """How many, and the amount they sum to."""

    count: int
    amount_fen: int


@dataclass(frozen=True, slots=True)
class PartySummary:
    """A core enterprise's headline figures: its vouchers by state, and the day it defaulted, if it did."""

    active: CountAmount
    pending: CountAmount
    due_30: CountAmount  # active and due within 30 days
    overdue: CountAmount
    settled: CountAmount
    defaulted_on: dt.date | None


def party_summary(ctx: Context, *, actor: Actor) -> PartySummary:
    """Headline figures of the actor's organisation for its console home."""
    me = actor.party_id
    today = ctx.clock.today()
    with ctx.uow(readonly=True) as uow:

        def one(stmt: Any) -> CountAmount:
            r = uow.conn.execute(stmt).first()
            return CountAmount(int(r[0] or 0), int(r[1] or 0)) if r else CountAmount(0, 0)

        vo = t.voucher
        issued = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "active"))
        pending = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "pending"))
        soon = one(
            select(func.count(), func.sum(vo.c.face_fen)).where(
                vo.c.core_id == me, vo.c.status == "active", vo.c.maturity_on <= today + dt.timedelta(days=30)
            )
        )
        overdue_ = one(
            select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "overdue")
        )
        settled = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "settled"))
        party = uow.conn.execute(select(t.party.c.defaulted_on).where(t.party.c.id == me)).first()
    return PartySummary(
        active=issued,
        pending=pending,
        due_30=soon,
        overdue=overdue_,
        settled=settled,
        defaulted_on=party.defaulted_on if party else None,
    )
