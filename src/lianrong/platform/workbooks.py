"""What every exported workbook states: when it was made, by whom, and the names of the parties it lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.platform.context import BEIJING, Actor, Context
from lianrong.platform.lookups import party_rows


def generated_at(ctx: Context) -> dt.datetime:
    now = ctx.clock.now()
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def names_of(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Any]:
    """The listed parties' rows (name and USCC), as a workbook shows them."""
    return party_rows(uow, ids)


def requester_name(uow: UnitOfWork, actor: Actor) -> str:
    if actor.role == "system":
        return "系统 System"
    return uow.conn.execute(select(t.party.c.name).where(t.party.c.id == actor.party_id)).scalar() or actor.party_id
