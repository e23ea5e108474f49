"""Names for ids, read in one query each (the read models' shared helpers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork


def party_names(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, str]:
    """Display names (short name, else full name) of the given parties."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, str] = {}
    for chunk in range(0, len(wanted), 500):
        for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.short_name).where(
                t.party.c.id.in_(wanted[chunk : chunk + 500])
            )
        ):
            out[r.id] = r.short_name or r.name
    return out


def user_names(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {
        r.id: r.display_name
        for r in uow.conn.execute(select(t.app_user.c.id, t.app_user.c.display_name).where(t.app_user.c.id.in_(wanted)))
    }


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
