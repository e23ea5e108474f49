"""Read models of credit lines (the viewer is required: ``SYSTEM`` for all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.credit.model import LineState, line_state
from lianrong.platform import scope
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.platform.pages import Page


@dataclass(frozen=True)
class CreditLine:
    """A bank's credit line for a core enterprise, with its occupation, as every reader sees it."""

    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    occupied_fen: int
    valid_from: dt.date
    valid_to: dt.date
    created_at: dt.datetime
    available_fen: int
    core_name: str
    #: ``in_force`` (today within its validity), ``future`` or ``expired``
    state: str

    @property
    def ratio(self) -> float:
        """The share of the limit occupied."""
        return self.occupied_fen / self.limit_fen if self.limit_fen else 0

    @property
    def in_force(self) -> bool:
        return self.state == LineState.IN_FORCE


def _statement(uow: UnitOfWork, *, viewer: Actor, core: str | None, bank: str | None) -> Any:
    cl, core_party = t.credit_line.c, t.party.alias("core")
    stmt = (
        select(t.credit_line, func.coalesce(core_party.c.short_name, core_party.c.name).label("core_name"))
        .join(core_party, core_party.c.id == cl.core_id)
        .order_by(cl.created_at, cl.id)
    )
    if not scope.sees_everything(uow, viewer):
        # a line is the business of its bank and its core enterprise
        stmt = stmt.where(or_(cl.bank_id == viewer.party_id, cl.core_id == viewer.party_id))
    if core:
        stmt = stmt.where(cl.core_id == resolve_party(uow, core).id)
    if bank:
        stmt = stmt.where(cl.bank_id == resolve_party(uow, bank).id)
    return stmt


def _line(r: Any, today: dt.date) -> CreditLine:
    valid_from, valid_to = as_date(r.valid_from), as_date(r.valid_to)
    state = line_state(valid_from=valid_from, valid_to=valid_to, on=today).value  # type: ignore[arg-type]
    return CreditLine(
        id=r.id,
        bank_id=r.bank_id,
        core_id=r.core_id,
        limit_fen=r.limit_fen,
        occupied_fen=r.occupied_fen,
        valid_from=valid_from,
        valid_to=valid_to,  # type: ignore[arg-type]
        created_at=r.created_at,
        available_fen=r.limit_fen - r.occupied_fen,
        core_name=r.core_name,
        state=state,
    )


def lines(ctx: Context, *, viewer: Actor, core: str | None = None, bank: str | None = None) -> list[CreditLine]:
    """The credit lines the viewer may see (its bank's or its own as core enterprise), as granted."""
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(_statement(uow, viewer=viewer, core=core, bank=bank)).all()
    today = ctx.clock.today()
    return [_line(r, today) for r in rows]


def page_lines(
    ctx: Context, *, viewer: Actor, core: str | None = None, bank: str | None = None, limit: int = 50, offset: int = 0
) -> Page[CreditLine]:
    """One page of ``lines``, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _statement(uow, viewer=viewer, core=core, bank=bank)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        rows = uow.conn.execute(stmt.limit(limit).offset(offset)).all()
    today = ctx.clock.today()
    return Page(items=[_line(r, today) for r in rows], total=total, limit=limit, offset=offset)


def bank_lines(ctx: Context, *, viewer: Actor) -> list[CreditLine]:
    """The lines the viewer's bank granted, newest period first (the console's worklist)."""
    mine = [x for x in lines(ctx, viewer=viewer) if x.bank_id == viewer.party_id]
    return sorted(mine, key=lambda x: (x.valid_from, x.core_name), reverse=True)
