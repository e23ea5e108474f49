"""Names for ids, read in one query each (the read models' shared helpers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork


def party_rows(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, Any]:
    """The given parties' rows (id, name, short name, USCC), read 500 at a time."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, Any] = {}
    for chunk in range(0, len(wanted), 500):
        for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.short_name, t.party.c.uscc).where(
                t.party.c.id.in_(wanted[chunk : chunk + 500])
            )
        ):
            out[r.id] = r
    return out


def party_names(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, str]:
    """Display names (short name, else full name) of the given parties."""
    return {i: r.short_name or r.name for i, r in party_rows(uow, ids).items()}


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
