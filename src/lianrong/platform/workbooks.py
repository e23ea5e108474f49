"""What every exported workbook states: when it was made, by whom, and the names of the parties it lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.platform.context import BEIJING, Actor, Context


def generated_at(ctx: Context) -> dt.datetime:
    now = ctx.clock.now()
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def names_of(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Any]:
    wanted = sorted({i for i in ids if i})
    out: dict[str, Any] = {}
    for i in range(0, len(wanted), 500):
        for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.uscc).where(t.party.c.id.in_(wanted[i : i + 500]))
        ):
            out[r.id] = r
    return out


def requester_name(uow: UnitOfWork, actor: Actor) -> str:
    if actor.role == "system":
        return "系统 System"
    return uow.conn.execute(select(t.party.c.name).where(t.party.c.id == actor.party_id)).scalar() or actor.party_id
