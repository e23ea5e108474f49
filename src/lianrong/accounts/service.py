"""Accounts: passwords (argon2 via pwdlib), login throttling, console sessions, API tokens.

Secrets never rest in the database: a session cookie and an API token are random strings whose SHA-256
is the stored key, so a database leak gives no usable credential. The session cookie is that secret signed
with ``LIANRONG_SECRET_KEY`` and the session's CSRF token is derived from it with the same key
(``adapters/signing.py``): neither can be made without the key, and changing the key ends every session.

Login throttling (the policy; the per-source half is ``api/deps.count_login_attempt``):

- every attempt is counted against the user *name* it names, known or not (``login_throttle``, keyed by
  the SHA-256 of the name), so a name that exists and one that does not get the same answers: an
  unknown name's password is checked against a dummy hash, so the time taken is alike too;
- an attempt *claims its slot before the password is checked*: one short transaction locks the name's
  row, refuses the attempt if the name is in its delay, else counts it and sets the delay the next
  attempt must wait; the password is verified only after that commit. Concurrent attempts therefore
  never check more passwords than the budget allows, whatever their number;
- after ``FREE_ATTEMPTS`` failures the next attempt of that name must wait ``BACKOFF_BASE``, doubled by
  each further failure, at most ``BACKOFF_MAX``. An attempt
  during the delay is refused with ``auth.locked`` (429, ``Retry-After``) without looking at the
  password, so the right password is refused with the same answer as a wrong one. Refused attempts are
  not counted and the delay expires by itself: no burst locks an account (keeping a name waiting takes
  one failed attempt per delay, four an hour at the cap), and guessing a password is slowed to that pace;
- a successful login, or ``set_password``, clears the name's record; a record idle for
  ``FORGET_AFTER`` is forgotten (and purged);
- the client address is throttled separately, in front of this, by the application.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from pwdlib import PasswordHash
from sqlalchemy import delete, insert, select, update

from lianrong.accounts.errors import (
    AccountLocked,
    LoginFailed,
    NotAuthenticated,
    WeakPassword,
)
from lianrong.accounts.results import IssuedToken, RevokedToken, UserSummary
from lianrong.adapters import signing
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.aio import AsyncPg, LoopSqlite
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context

_hasher = PasswordHash.recommended()

#: the console and API session cookie (one name for both entrypoints)
SESSION_COOKIE = "lr_session"
#: failed logins of one user name that cost no delay
FREE_ATTEMPTS = 5
#: the delay after the first failure beyond the free ones; it doubles with each further failure …
BACKOFF_BASE = dt.timedelta(minutes=1)
#: … up to this
BACKOFF_MAX = dt.timedelta(minutes=15)
#: a name with no attempt for this long starts afresh
FORGET_AFTER = dt.timedelta(hours=24)
SESSION_TTL = dt.timedelta(hours=8)
#: purposes of the values signed with the secret key (``adapters/signing.py``)
_SESSION_PURPOSE, _CSRF_PURPOSE = "lianrong.session", "lianrong.csrf"
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
    #: the API token the request came with (None for a console session)
    token_id: str | None = None


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timestamps back without a zone; they were written in UTC
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def check_password_strength(password: str, *, username: str | None = None) -> None:
    """A password of at least 10 characters with letters and digits, and not containing the user name (a
    name of three characters or more; a shorter one only may not be the whole password)."""
    if (
        not isinstance(password, str)
        or len(password) < MIN_PASSWORD
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise WeakPassword(min=MIN_PASSWORD)
    name, typed = (username or "").strip().casefold(), password.casefold()
    if name and (typed == name or (len(name) >= 3 and name in typed)):
        raise WeakPassword(min=MIN_PASSWORD)


def hash_password(password: str, *, username: str | None = None) -> str:
    """An argon2 hash of an acceptable password."""
    check_password_strength(password, username=username)
    return _hasher.hash(password)


def name_key(username: str | None) -> str:
    """The key of a user name's login record: the SHA-256 of the name as looked up (stripped)."""
    return hashlib.sha256((username or "").strip().encode("utf-8", "replace")).hexdigest()


def backoff(failures: int) -> dt.timedelta:
    """How long the next attempt of a name waits after ``failures`` counted attempts."""
    if failures < FREE_ATTEMPTS:
        return dt.timedelta(0)
    return min(BACKOFF_BASE * 2 ** min(failures - FREE_ATTEMPTS, 16), BACKOFF_MAX)


def set_initial_password_hash(ctx: Context, *, username: str, password_hash: str) -> bool:
    """Give a user without a password this hash (seeding); returns whether it was set."""
    with ctx.uow() as uow:
        res = uow.conn.execute(
            update(t.app_user)
            .where(t.app_user.c.username == username, t.app_user.c.password_hash.is_(None))
            .values(password_hash=password_hash)
        )
        uow.commit()
        return res.rowcount == 1


def set_password(ctx: Context, *, username: str, password: str) -> None:
    """Set (or reset) a user's password and clear its failed logins (any delay ends)."""
    username = (username or "").strip()
    with ctx.uow(readonly=True) as uow:
        if uow.conn.execute(select(t.app_user.c.id).where(t.app_user.c.username == username)).first() is None:
            raise errors.NotFound("user", username)
    new_hash = hash_password(password, username=username)
    with ctx.uow() as uow:
        res = uow.conn.execute(
            update(t.app_user).where(t.app_user.c.username == username).values(password_hash=new_hash)
        )
        if res.rowcount != 1:
            raise errors.NotFound("user", username)
        uow.conn.execute(delete(t.login_throttle).where(t.login_throttle.c.name_hash == name_key(username)))
        uow.commit()


def _principal(uow: Any, user: Any, csrf: str | None = None) -> Principal:
    party = uow.conn.execute(select(t.party).where(t.party.c.id == user.party_id)).one()
    is_core = (
        uow.conn.execute(
            select(t.core_designation.c.core_id).where(t.core_designation.c.core_id == party.id).limit(1)
        ).first()
        is not None
    )
    return Principal(
        actor=Actor(user_id=user.id, party_id=user.party_id, role=user.role),
        username=user.username,
        display_name=user.display_name,
        party_kind=party.kind,
        party_name=party.name,
        is_core=is_core,
        csrf_token=csrf,
    )


def authenticate(ctx: Context, *, username: str, password: str) -> Principal:
    """Check a user name and password under the login throttling policy (the module's docstring).

    Every refusal is ``LoginFailed`` (a wrong password, an unknown or inactive user) or ``AccountLocked``
    (the name is in its delay; the password is not looked at), alike for names that exist and names
    that do not.
    """
    name = (username or "").strip()
    key = name_key(name)
    user = _claim_attempt(ctx, key, name)
    if user is None or not user.password_hash or not user.active:
        _hasher.verify(password or "", _DUMMY_HASH)
        raise LoginFailed()
    ok, new_hash = _hasher.verify_and_update(password or "", user.password_hash)
    if not ok:
        raise LoginFailed()  # the attempt was counted when it claimed its slot
    with ctx.uow() as uow:
        values: dict[str, Any] = {"last_login_at": ctx.clock.now()}
        if new_hash:
            values["password_hash"] = new_hash
        uow.conn.execute(update(t.app_user).where(t.app_user.c.id == user.id).values(**values))
        uow.conn.execute(delete(t.login_throttle).where(t.login_throttle.c.name_hash == key))
        principal = _principal(uow, user)
        uow.commit()
        return principal


def _claim_attempt(ctx: Context, key: str, name: str) -> Any:
    """Count one login attempt of a name before its password is checked; returns the user row (or None).

    The name's row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's writing transactions are
    serialised), so concurrent attempts are counted one after the other and each sees the delay the
    previous one set. Refused during the delay (nothing is written then).
    """
    lt = t.login_throttle
    now = ctx.clock.now()
    with ctx.uow() as uow:
        conn = uow.conn
        if uow.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        created = (
            conn.execute(
                upsert(lt)
                .values(name_hash=key, failures=0, next_at=None, last_at=now)
                .on_conflict_do_nothing(index_elements=["name_hash"])
            ).rowcount
            == 1
        )
        row = conn.execute(
            select(lt.c.failures, lt.c.next_at, lt.c.last_at).where(lt.c.name_hash == key).with_for_update()
        ).one()
        next_at, last_at = _aware(row.next_at), _aware(row.last_at)
        if next_at is not None and next_at > now:
            raise AccountLocked(retry_after=max(1, math.ceil((next_at - now).total_seconds())))
        failures = 0 if created or last_at is None or now - last_at >= FORGET_AFTER else row.failures
        failures += 1
        wait = backoff(failures)
        conn.execute(
            update(lt)
            .where(lt.c.name_hash == key)
            .values(failures=failures, next_at=now + wait if wait else None, last_at=now)
        )
        if created:  # a new name: forget the idle ones, so guessed names do not pile up
            conn.execute(delete(lt).where(lt.c.last_at < now - FORGET_AFTER))
        user = conn.execute(select(t.app_user).where(t.app_user.c.username == name)).first() if name else None
        uow.commit()
        return user


def login_delays(ctx: Context, usernames: list[str]) -> dict[str, dt.datetime]:
    """The user names among these whose next login must wait, and until when."""
    keys = {name_key(u): u for u in usernames}
    if not keys:
        return {}
    now = ctx.clock.now()
    lt = t.login_throttle
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(lt.c.name_hash, lt.c.next_at).where(lt.c.name_hash.in_(list(keys))))
        return {keys[r.name_hash]: at for r in rows if (at := _aware(r.next_at)) is not None and at > now}


def _key(ctx: Context) -> bytes:
    return signing.secret_key(ctx.settings)


def _csrf(ctx: Context, secret: str) -> str:
    """A session's CSRF token: the MAC of its secret (derived on each request, never stored)."""
    return signing.mac(_key(ctx), _CSRF_PURPOSE, secret)


def open_session(ctx: Context, *, principal: Principal, ttl: dt.timedelta = SESSION_TTL) -> tuple[str, str]:
    """Start a console session; returns (cookie value, CSRF token). The cookie is a random secret signed
    with the secret key; the database keeps only the secret's SHA-256."""
    secret = secrets.token_urlsafe(32)
    cookie = signing.sign(_key(ctx), _SESSION_PURPOSE, secret)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.conn.execute(
            insert(t.web_session).values(
                id_hash=_sha(secret),
                user_id=principal.actor.user_id,
                created_at=now,
                expires_at=now + ttl,
                last_seen_at=now,
            )
        )
        uow.commit()
    return cookie, _csrf(ctx, secret)


def session_principal(ctx: Context, *, secret: str | None) -> Principal:
    """The user of a live session cookie (``secret``: the cookie's value), or NotAuthenticated (a cookie
    not signed with the secret key is refused without a look-up; expired sessions are removed)."""
    secret = signing.unsign(_key(ctx), _SESSION_PURPOSE, secret)
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
        return _principal(uow, user, csrf=_csrf(ctx, secret))


def close_session(ctx: Context, *, secret: str | None) -> None:
    """Log out: the session of this cookie value is deleted."""
    secret = signing.unsign(_key(ctx), _SESSION_PURPOSE, secret)
    if not secret:
        return
    with ctx.uow() as uow:
        uow.conn.execute(delete(t.web_session).where(t.web_session.c.id_hash == _sha(secret)))
        uow.commit()


def issue_token(ctx: Context, *, username: str, name: str, parent_token_id: str | None = None) -> IssuedToken:
    """Create an API token for a user; the secret is shown once and only its hash is kept.

    ``parent_token_id`` records the token it was made with, if any, so that revoking that token revokes
    this one too (the API makes tokens only for a password-authenticated session: see
    ``api/routes/auth.py``)."""
    if not isinstance(name, str) or not (1 <= len(name.strip()) <= 80):
        raise errors.ValidationFailed(reason="token name must be 1–80 characters / 令牌名称须为1至80个字符")
    secret = "lrt_" + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        user = uow.conn.execute(select(t.app_user).where(t.app_user.c.username == username)).first()
        if user is None:
            raise errors.NotFound("user", username)
        tid = new_id("tok")
        uow.conn.execute(
            insert(t.api_token).values(
                id=tid,
                user_id=user.id,
                name=name.strip(),
                token_hash=_sha(secret),
                created_at=ctx.clock.now(),
                parent_id=parent_token_id,
            )
        )
        uow.commit()
    return IssuedToken(id=tid, name=name.strip(), token=secret)


def revoke_token(ctx: Context, *, actor: Actor, token_id: str) -> RevokedToken:
    """Revoke an API token (its owner or an admin of the same organisation), and every token made with it,
    to any depth."""
    with ctx.uow() as uow:
        row = uow.conn.execute(
            select(t.api_token, t.app_user.c.party_id)
            .join(t.app_user, t.app_user.c.id == t.api_token.c.user_id)
            .where(t.api_token.c.id == token_id)
        ).first()
        if row is None or (actor.role != "system" and row.party_id != actor.party_id):
            raise errors.NotFound("token", token_id)  # another organisation's token: as if it did not exist
        if (
            actor.role != "system"
            and row.user_id != actor.user_id
            and not (actor.role == "admin" and actor.party_id == row.party_id)
        ):
            raise errors.Forbidden(reason="not your token / 非本人令牌")
        family, frontier = [token_id], [token_id]
        while frontier:  # breadth first, iteratively: a chain of any length
            frontier = [
                r.id
                for r in uow.conn.execute(
                    select(t.api_token.c.id).where(
                        t.api_token.c.parent_id.in_(frontier), t.api_token.c.id.not_in(family)
                    )
                )
            ]
            family += frontier
        uow.conn.execute(
            update(t.api_token)
            .where(t.api_token.c.id.in_(family), t.api_token.c.revoked_at.is_(None))
            .values(revoked_at=ctx.clock.now())
        )
        uow.commit()
    return RevokedToken(id=token_id, revoked=True)


#: how stale ``api_token.last_used_at`` may get: a token in steady use is written at most once a minute,
#: so an API request is one read, not a write transaction (and a durable commit) per request
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)

_TOKEN_PRINCIPAL = (
    "SELECT t.id, t.revoked_at, t.last_used_at, u.id, u.party_id, u.role, u.username, u.display_name, u.active, "
    "p.kind, p.name, EXISTS (SELECT 1 FROM core_designation d WHERE d.core_id = p.id) "
    "FROM api_token t JOIN app_user u ON u.id = t.user_id JOIN party p ON p.id = u.party_id "
    "WHERE t.token_hash = :hash"
)


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
        _touch_token(ctx, row[0])  # type: ignore[index]
    return principal


async def token_principal_async(ctx: Context, db: AsyncPg | LoopSqlite, *, secret: str | None) -> Principal:
    """``token_principal`` from the event loop: the look-up awaited on PostgreSQL's asynchronous connections
    or read on SQLite's loop-side connection (``adapters/db/aio.py``); the once-a-minute ``last_used_at``
    update is awaited on PostgreSQL and handed to a worker thread on SQLite (a write there may wait for the
    write lock). A database that fails raises ``DatabaseUnavailable`` (the caller falls back to
    ``token_principal``)."""
    if not secret:
        raise NotAuthenticated()
    row = await db.one(_TOKEN_PRINCIPAL, {"hash": _sha(secret)})
    last_used = None
    if row is not None and row[2] is not None:
        last_used = _aware(row[2] if isinstance(row[2], dt.datetime) else dt.datetime.fromisoformat(row[2]))
    principal, touch = _token_row(ctx, row, last_used)
    if touch:
        if db.writes_on_loop:
            await db.one(_TOKEN_TOUCH + " RETURNING id", {"at": ctx.clock.now(), "id": row[0]})  # type: ignore[index]
        else:
            await anyio.to_thread.run_sync(_touch_token, ctx, row[0])  # type: ignore[index]
    return principal


def _touch_token(ctx: Context, token_id: str) -> None:
    with ctx.uow() as uow:
        raw = uow.raw
        raw.run(_TOKEN_TOUCH, {"at": raw.ts(ctx.clock.now()), "id": token_id})
        uow.commit()


_TOKEN_TOUCH = "UPDATE api_token SET last_used_at = :at WHERE id = :id"


def _token_row(ctx: Context, row: tuple | None, last_used: dt.datetime | None) -> tuple[Principal, bool]:
    """The principal of a token row (refused when unknown, revoked or its user inactive), and whether its
    ``last_used_at`` is due for an update."""
    if row is None or row[1] is not None or not row[8]:
        raise NotAuthenticated()
    touch = last_used is None or ctx.clock.now() - last_used >= TOKEN_TOUCH_INTERVAL
    return (
        Principal(
            actor=Actor(user_id=row[3], party_id=row[4], role=row[5]),
            username=row[6],
            display_name=row[7],
            party_kind=row[9],
            party_name=row[10],
            is_core=bool(row[11]),
            token_id=row[0],
        ),
        touch,
    )


def list_users(ctx: Context, *, party: str | None = None) -> list[UserSummary]:
    """Users, optionally of one organisation (never their password hashes)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(
            t.app_user.c.id,
            t.app_user.c.username,
            t.app_user.c.display_name,
            t.app_user.c.role,
            t.app_user.c.party_id,
            t.app_user.c.active,
            t.app_user.c.last_login_at,
        ).order_by(t.app_user.c.username)
        if party:
            stmt = stmt.where(t.app_user.c.party_id == resolve_party(uow, party).id)
        return [
            UserSummary(
                id=r.id,
                username=r.username,
                display_name=r.display_name,
                role=r.role,
                party_id=r.party_id,
                active=bool(r.active),
                last_login_at=_aware(r.last_login_at),
            )
            for r in uow.conn.execute(stmt)
        ]
