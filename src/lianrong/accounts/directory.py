"""Who is who: the user accounts of the caller's organisation and the caller's own API tokens.

Read-only; ``accounts`` creates and changes them. Neither read returns a secret: no password hash, no
token and no token hash ever leaves the database.

- the users of an organisation are listed for its administrator and its approvers (the checkers of the
  maker-checker pairs); operators and viewers are refused. Only the caller's own organisation is shown;
- a user sees its own API tokens, revoked ones included (with when they were revoked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lianrong.accounts import service as accounts
from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform.context import Actor, Context
from lianrong.platform.pages import Page

#: roles that may list the users of their own organisation
USER_LIST_ROLES = ("admin", "approver")


@dataclass(frozen=True, slots=True)
class UserAccount:
    """A user of an organisation as its admin and approvers see it (never its password hash)."""

    id: str
    party_id: str
    username: str
    display_name: str
    role: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    locked_until: dt.datetime | None  # set while the account waits after failed logins


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One of a user's API tokens: its name and dates, never the secret or its hash."""

    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool  # not revoked


def _page(uow: Any, stmt: Any, *, limit: int, offset: int) -> tuple[int, list[Any]]:
    total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    return total, list(uow.conn.execute(stmt.limit(limit).offset(offset)))


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


def page_users(
    ctx: Context, *, actor: Actor, role: str | None = None, active: bool | None = None, limit: int = 50, offset: int = 0
) -> Page[UserAccount]:
    """One page of the users of the actor's organisation (its admin and approvers only), by user name."""
    if actor.role != "system" and actor.role not in USER_LIST_ROLES:
        raise errors.Forbidden(
            reason="only the organisation's admin and approvers list its users / 仅本机构管理员和复核岗可查看用户"
        )
    u = t.app_user.c

    with ctx.uow(readonly=True) as uow:
        stmt = select(
            u.id, u.party_id, u.username, u.display_name, u.role, u.active, u.created_at, u.last_login_at
        ).order_by(u.username)
        if actor.role != "system":
            stmt = stmt.where(u.party_id == actor.party_id)
        if role:
            stmt = stmt.where(u.role == role)
        if active is not None:
            stmt = stmt.where(u.active == active)
        total, rows = _page(uow, stmt, limit=limit, offset=offset)
    # a user whose next login must wait (failed logins, ``accounts``): until when
    delays = accounts.login_delays(ctx, [r.username for r in rows])
    items = tuple(
        UserAccount(
            id=r.id,
            party_id=r.party_id,
            username=r.username,
            display_name=r.display_name,
            role=r.role,
            active=bool(r.active),
            created_at=_utc(r.created_at),
            last_login_at=_aware(r.last_login_at),
            locked_until=delays.get(r.username),
        )
        for r in rows
    )
    return Page(items=items, total=total, limit=limit, offset=offset)


def page_tokens(
    ctx: Context, *, actor: Actor, active: bool | None = None, limit: int = 50, offset: int = 0
) -> Page[TokenInfo]:
    """One page of the actor's own API tokens, newest first (name and dates; never the secret or its hash)."""
    k = t.api_token.c

    with ctx.uow(readonly=True) as uow:
        stmt = (
            select(k.id, k.name, k.created_at, k.last_used_at, k.revoked_at)
            .where(k.user_id == actor.user_id)
            .order_by(k.created_at.desc(), k.id.desc())
        )
        if active is True:
            stmt = stmt.where(k.revoked_at.is_(None))
        elif active is False:
            stmt = stmt.where(k.revoked_at.is_not(None))
        total, rows = _page(uow, stmt, limit=limit, offset=offset)
    items = tuple(
        TokenInfo(
            id=r.id,
            name=r.name,
            created_at=_utc(r.created_at),
            last_used_at=_aware(r.last_used_at),
            revoked_at=_aware(r.revoked_at),
            active=r.revoked_at is None,
        )
        for r in rows
    )
    return Page(items=items, total=total, limit=limit, offset=offset)
