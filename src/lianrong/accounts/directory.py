"""Who is who: the user accounts of the caller's organisation and the caller's own API tokens.

Read-only; ``accounts`` creates and changes them. Neither read returns a secret: no password hash, no
token and no token hash ever leaves the database.

- the users of an organisation are listed for its administrator and its approvers (the checkers of the
  maker-checker pairs); operators and viewers are refused. Only the caller's own organisation is shown;
- a user sees its own API tokens, revoked ones included (with when they were revoked).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from lianrong.accounts import service as accounts
from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform.common import Result, paged
from lianrong.platform.context import Actor, Context

#: roles that may list the users of their own organisation
USER_LIST_ROLES = ("admin", "approver")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timestamps back without a zone; they were written in UTC
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def page_users(
    ctx: Context, *, actor: Actor, role: str | None = None, active: bool | None = None, limit: int = 50, offset: int = 0
) -> Result:
    """One page of the users of the actor's organisation (its admin and approvers only), by user name."""
    if actor.role != "system" and actor.role not in USER_LIST_ROLES:
        raise errors.Forbidden(
            reason="only the organisation's admin and approvers list its users / 仅本机构管理员和复核岗可查看用户"
        )
    u = t.app_user.c

    def convert(r: Any) -> Result:
        return {
            "id": r.id,
            "party_id": r.party_id,
            "username": r.username,
            "display_name": r.display_name,
            "role": r.role,
            "active": bool(r.active),
            "created_at": _aware(r.created_at),
            "last_login_at": _aware(r.last_login_at),
            "locked_until": None,
        }

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
        page = paged(uow, stmt, limit=limit, offset=offset, convert=convert)
    # a user whose next login must wait (failed logins, ``accounts``): until when
    delays = accounts.login_delays(ctx, [item["username"] for item in page["items"]])
    for item in page["items"]:
        item["locked_until"] = delays.get(item["username"])
    return page


def page_tokens(ctx: Context, *, actor: Actor, active: bool | None = None, limit: int = 50, offset: int = 0) -> Result:
    """One page of the actor's own API tokens, newest first (name and dates; never the secret or its hash)."""
    k = t.api_token.c

    def convert(r: Any) -> Result:
        return {
            "id": r.id,
            "name": r.name,
            "created_at": _aware(r.created_at),
            "last_used_at": _aware(r.last_used_at),
            "revoked_at": _aware(r.revoked_at),
            "active": r.revoked_at is None,
        }

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
        return paged(uow, stmt, limit=limit, offset=offset, convert=convert)
