"""Accounts: passwords (argon2 via pwdlib), login with brute-force lockout, console sessions, API tokens.

Secrets never rest in the database: a session cookie and an API token are random strings whose SHA-256
is the stored key, so a database leak gives no usable credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import delete, insert, select, update

from ..adapters.db import tables as t
from ..adapters.db.aio import AsyncPg
from ..domain import errors
from ..domain.errors import AccountLocked, LoginFailed, NotAuthenticated, WeakPassword
from ..ids import new_id
from .common import Result, resolve_party
from .context import Actor, Context

_hasher = PasswordHash.recommended()

#: the console and API session cookie (one name for both entrypoints)
SESSION_COOKIE = "lr_session"
#: failed logins before the account is locked, and for how long
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=8)
MIN_PASSWORD = 10

# a real hash to compare against when the user does not exist, so timing does not reveal names
_DUMMY_HASH = _hasher.hash("lianrong-timing-equaliser")


@dataclass(frozen=True)
class Principal:
    """An authenticated user with the organisation it acts for."""

    actor: Actor
    username: str
    display_name: str
    party_kind: str
    party_name: str
    is_core: bool
    csrf_token: str | None = None


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timestamps back without a zone; they were written in UTC
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def check_password_strength(password: str) -> None:
    """A password of at least 10 characters with letters and digits."""
    if (not isinstance(password, str) or len(password) < MIN_PASSWORD
            or not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password)):
        raise WeakPassword(min=MIN_PASSWORD)


def hash_password(password: str) -> str:
    """An argon2 hash of an acceptable password."""
    check_password_strength(password)
    return _hasher.hash(password)


def set_initial_password_hash(ctx: Context, *, username: str, password_hash: str) -> bool:
    """Give a user without a password this hash (seeding); returns whether it was set."""
    with ctx.uow() as uow:
        res = uow.conn.execute(update(t.app_user).where(
            t.app_user.c.username == username, t.app_user.c.password_hash.is_(None)).values(password_hash=password_hash))
        uow.commit()
        return res.rowcount == 1


def set_password(ctx: Context, *, username: str, password: str) -> None:
    """Set (or reset) a user's password and unlock the account."""
    check_password_strength(password)
    with ctx.uow() as uow:
        res = uow.conn.execute(update(t.app_user).where(t.app_user.c.username == username).values(
            password_hash=_hasher.hash(password), failed_logins=0, locked_until=None))
        if res.rowcount != 1:
            raise errors.NotFound("user", username)
        uow.commit()


def _principal(uow: Any, user: Any, csrf: str | None = None) -> Principal:
    party = uow.conn.execute(select(t.party).where(t.party.c.id == user.party_id)).one()
    is_core = uow.conn.execute(select(t.core_designation.c.core_id).where(
        t.core_designation.c.core_id == party.id).limit(1)).first() is not None
    return Principal(actor=Actor(user_id=user.id, party_id=user.party_id, role=user.role), username=user.username,
                     display_name=user.display_name, party_kind=party.kind, party_name=party.name,
                     is_core=is_core, csrf_token=csrf)


def authenticate(ctx: Context, *, username: str, password: str) -> Principal:
    """Check a user name and password; five failures lock the account for fifteen minutes."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = uow.conn.execute(select(t.app_user).where(t.app_user.c.username == (username or "").strip())).first()
        if user is None or not user.password_hash or not user.active:
            _hasher.verify(password or "", _DUMMY_HASH)
            raise LoginFailed()
        locked = _aware(user.locked_until)
        if locked and locked > now:
            raise AccountLocked(minutes=max(1, int((locked - now).total_seconds() // 60) + 1))
        ok, new_hash = _hasher.verify_and_update(password or "", user.password_hash)
        if not ok:
            failures = user.failed_logins + 1
            values: dict[str, Any] = {"failed_logins": failures}
            if failures >= MAX_FAILED_LOGINS:
                values.update(failed_logins=0, locked_until=now + LOCKOUT)
            uow.conn.execute(update(t.app_user).where(t.app_user.c.id == user.id).values(**values))
            uow.commit()
            if failures >= MAX_FAILED_LOGINS:
                raise AccountLocked(minutes=int(LOCKOUT.total_seconds() // 60))
            raise LoginFailed()
        values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if new_hash:
            values["password_hash"] = new_hash
        uow.conn.execute(update(t.app_user).where(t.app_user.c.id == user.id).values(**values))
        principal = _principal(uow, user)
        uow.commit()
        return principal


def open_session(ctx: Context, *, principal: Principal, ttl: dt.timedelta = SESSION_TTL) -> tuple[str, str]:
    """Start a console session; returns (cookie secret, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.conn.execute(insert(t.web_session).values(
            id_hash=_sha(secret), user_id=principal.actor.user_id, csrf_token=csrf, created_at=now,
            expires_at=now + ttl, last_seen_at=now))
        uow.commit()
    return secret, csrf


def session_principal(ctx: Context, *, secret: str | None) -> Principal:
    """The user of a live session cookie, or NotAuthenticated (expired sessions are removed)."""
    if not secret:
        raise NotAuthenticated()
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = uow.conn.execute(select(t.web_session).where(t.web_session.c.id_hash == _sha(secret))).first()
        if row is None:
            raise NotAuthenticated()
        if _aware(row.expires_at) <= now:
            uow.conn.execute(delete(t.web_session).where(t.web_session.c.id_hash == row.id_hash))
            uow.commit()
            raise NotAuthenticated()
        user = uow.conn.execute(select(t.app_user).where(t.app_user.c.id == row.user_id)).one()
        if not user.active:
            raise NotAuthenticated()
        return _principal(uow, user, csrf=row.csrf_token)


def close_session(ctx: Context, *, secret: str | None) -> None:
    """Log out: the session is deleted."""
    if not secret:
        return
    with ctx.uow() as uow:
        uow.conn.execute(delete(t.web_session).where(t.web_session.c.id_hash == _sha(secret)))
        uow.commit()


def issue_token(ctx: Context, *, username: str, name: str) -> Result:
    """Create an API token for a user; the secret is shown once and only its hash is kept."""
    if not isinstance(name, str) or not (1 <= len(name.strip()) <= 80):
        raise errors.ValidationFailed(reason="token name must be 1–80 characters / 令牌名称须为1至80个字符")
    secret = "lrt_" + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        user = uow.conn.execute(select(t.app_user).where(t.app_user.c.username == username)).first()
        if user is None:
            raise errors.NotFound("user", username)
        tid = new_id("tok")
        uow.conn.execute(insert(t.api_token).values(id=tid, user_id=user.id, name=name.strip(),
                                                     token_hash=_sha(secret), created_at=ctx.clock.now()))
        uow.commit()
    return {"id": tid, "name": name.strip(), "token": secret}


def revoke_token(ctx: Context, *, actor: Actor, token_id: str) -> Result:
    """Revoke an API token (its owner or an admin of the same organisation)."""
    with ctx.uow() as uow:
        row = uow.conn.execute(select(t.api_token, t.app_user.c.party_id).join(
            t.app_user, t.app_user.c.id == t.api_token.c.user_id).where(t.api_token.c.id == token_id)).first()
        if row is None or (actor.role != "system" and row.party_id != actor.party_id):
            raise errors.NotFound("token", token_id)  # another organisation's token: as if it did not exist
        if actor.role != "system" and row.user_id != actor.user_id and not (
                actor.role == "admin" and actor.party_id == row.party_id):
            raise errors.Forbidden(reason="not your token / 非本人令牌")
        uow.conn.execute(update(t.api_token).where(t.api_token.c.id == token_id).values(revoked_at=ctx.clock.now()))
        uow.commit()
    return {"id": token_id, "revoked": True}


#: how stale ``api_token.last_used_at`` may get: a token in steady use is written at most once a minute,
#: so an API request is one read, not a write transaction (and a durable commit) per request
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)

_TOKEN_PRINCIPAL = (
    "SELECT t.id, t.revoked_at, t.last_used_at, u.id, u.party_id, u.role, u.username, u.display_name, u.active, "
    "p.kind, p.name, EXISTS (SELECT 1 FROM core_designation d WHERE d.core_id = p.id) "
    "FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN party p ON p.id = u.party_id "
    "WHERE t.token_hash = :hash")


def token_principal(ctx: Context, *, secret: str | None) -> Principal:
    """The user of a live (unrevoked) bearer token (one statement; ``last_used_at`` kept to the minute)."""
    if not secret:
        raise NotAuthenticated()
    with ctx.uow(autocommit=True) as uow:
        raw = uow.raw
        row = raw.one(_TOKEN_PRINCIPAL, {"hash": _sha(secret)})
        last_used = _aware(raw.timestamp(row[2])) if row is not None and row[2] is not None else None
    principal, touch = _token_row(ctx, row, last_used)
    if touch:
        with ctx.uow() as uow:
            raw = uow.raw
            raw.run(_TOKEN_TOUCH, {"at": raw.ts(ctx.clock.now()), "id": row[0]})  # type: ignore[index]
            uow.commit()
    return principal


async def token_principal_async(ctx: Context, db: AsyncPg, *, secret: str | None) -> Principal:
    """``token_principal`` from the event loop, on PostgreSQL (``adapters/db/aio.py``); a database that
    fails raises ``DatabaseUnavailable`` (the caller falls back to ``token_principal``)."""
    if not secret:
        raise NotAuthenticated()
    row = await db.one(_TOKEN_PRINCIPAL, {"hash": _sha(secret)})
    last_used = _aware(row[2]) if row is not None and row[2] is not None else None
    principal, touch = _token_row(ctx, row, last_used)
    if touch:
        await db.one(_TOKEN_TOUCH + " RETURNING id", {"at": ctx.clock.now(), "id": row[0]})  # type: ignore[index]
    return principal


_TOKEN_TOUCH = "UPDATE api_token SET last_used_at = :at WHERE id = :id"


def _token_row(ctx: Context, row: tuple | None, last_used: dt.datetime | None) -> tuple[Principal, bool]:
    """The principal of a token row (refused when unknown, revoked or its user inactive), and whether its
    ``last_used_at`` is due for an update."""
    if row is None or row[1] is not None or not row[8]:
        raise NotAuthenticated()
    touch = last_used is None or ctx.clock.now() - last_used >= TOKEN_TOUCH_INTERVAL
    return (Principal(actor=Actor(user_id=row[3], party_id=row[4], role=row[5]), username=row[6],
                      display_name=row[7], party_kind=row[9], party_name=row[10], is_core=bool(row[11])), touch)


def list_users(ctx: Context, *, party: str | None = None) -> list[Result]:
    """Users, optionally of one organisation (never their password hashes)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.app_user.c.id, t.app_user.c.username, t.app_user.c.display_name, t.app_user.c.role,
                      t.app_user.c.party_id, t.app_user.c.active, t.app_user.c.last_login_at).order_by(t.app_user.c.username)
        if party:
            stmt = stmt.where(t.app_user.c.party_id == resolve_party(uow, party).id)
        return [dict(r._mapping) for r in uow.conn.execute(stmt)]
