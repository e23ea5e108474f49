"""Request dependencies: the service context, who is calling, CSRF, rate limit, idempotency keys, paging.

Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, a hand-off to
a thread and back per dependency and request. Looking a bearer token up (one indexed read, once per
request, cached on it) is awaited from the event loop (``adapters/db/aio.py``); a session cookie's look-up
runs in the pool.

A request authenticates with ``Authorization: Bearer lrt_…`` (an API token) or with the ``lr_session``
cookie of a login. A cookie-authenticated POST, PUT, PATCH or DELETE must carry the session's CSRF token
in ``X-CSRF-Token``; a bearer request needs none (a browser never adds that header by itself).
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from lianrong.accounts import errors as accounts_errors
from lianrong.accounts import service as accounts
from lianrong.accounts.service import SESSION_COOKIE, Principal
from lianrong.adapters.db.aio import DatabaseUnavailable
from lianrong.api.ratelimit import SlidingWindowLimiter
from lianrong.api.schemas import ID_PATTERN
from lianrong.kernel import errors
from lianrong.platform.context import Actor, Context

#: the API's path prefix
PREFIX = "/api/v1"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_ctx(request: Request) -> Context:
    """The service context the application was built around."""
    return request.app.state.ctx


Ctx = Annotated[Context, Depends(get_ctx)]


@dataclass(frozen=True)
class Caller:
    """An authenticated user, and how the request proved it."""

    principal: Principal
    via: Literal["session", "bearer"]

    @property
    def actor(self) -> Actor:
        return self.principal.actor


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _authenticate(request: Request) -> Caller | None:
    """The caller of this request (cached on it), None when it carries no credentials at all."""
    state = request.state
    if hasattr(state, "api_caller"):
        if state.api_auth_error is not None:
            raise state.api_auth_error
        return state.api_caller
    ctx: Context = request.app.state.ctx
    caller, error = None, None
    try:
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise accounts_errors.NotAuthenticated()
            caller = Caller(await _token_principal(request, ctx, secret.strip()), "bearer")
        elif request.cookies.get(SESSION_COOKIE):
            caller = Caller(
                await run_in_threadpool(accounts.session_principal, ctx, secret=request.cookies[SESSION_COOKIE]),
                "session",
            )
    except accounts_errors.NotAuthenticated as exc:
        error = exc
    state.api_caller, state.api_auth_error = caller, error
    if error is not None:
        raise error
    return caller


async def _token_principal(request: Request, ctx: Context, secret: str) -> Principal:
    """A bearer token's user, looked up from the event loop where the database allows it (one indexed read,
    no thread hand-off: ``adapters/db/aio.py``), else in a worker thread. Every request reads the token's
    row, so a revocation takes effect at the next request in every process."""
    db = request.app.state.statements.for_engine(ctx.engine)
    if db is not None:
        try:
            return await accounts.token_principal_async(ctx, db, secret=secret)
        except DatabaseUnavailable:
            pass  # the pool's connection, in a thread, as before
    return await run_in_threadpool(accounts.token_principal, ctx, secret=secret)


async def rate_limit(request: Request) -> None:
    """Count the request against its caller's (or, anonymous or failing, its client address's) window."""
    limiter: SlidingWindowLimiter = request.app.state.limiter
    try:
        caller = await _authenticate(request)
    except accounts_errors.NotAuthenticated:
        caller = None  # the route refuses it; the attempt still counts against the address
    count_request(limiter, f"user:{caller.actor.user_id}" if caller else f"ip:{_client_ip(request)}")


def count_request(limiter: SlidingWindowLimiter, key: str) -> None:
    """Count a request against ``key``'s window; refused when the window is full."""
    wait = limiter.hit(key)
    if wait is not None:
        raise errors.RateLimited(retry_after=wait)


_LOGIN_LIMITER_LOCK = threading.Lock()


def login_limiter(app: Any, ctx: Context) -> SlidingWindowLimiter:
    """The application's login limiter: ``login_attempts_per_minute`` per client address, one window for
    the API's and the console's login (made at first use)."""
    limiter = getattr(app.state, "login_limiter", None)
    if limiter is None:
        with _LOGIN_LIMITER_LOCK:
            limiter = getattr(app.state, "login_limiter", None)
            if limiter is None:
                per_minute = getattr(ctx.settings, "login_attempts_per_minute", None) or 30
                limiter = app.state.login_limiter = SlidingWindowLimiter(per_minute)
    return limiter


def count_login_attempt(request: Request, ctx: Context) -> None:
    """Count a login attempt against its client address (``rate.limited`` when the window is full); the
    user name is throttled by ``accounts.authenticate`` itself."""
    count_request(login_limiter(request.app, ctx), f"login:{_client_ip(request)}")


#: per route: the query parameters it declares (its own and its dependencies')
_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _declared_query(route: object) -> frozenset[str] | None:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        found, todo = set(), [dependant]
        while todo:
            d = todo.pop()
            found.update(p.alias for p in d.query_params)
            todo.extend(d.dependencies)
        names = _QUERY_NAMES[id(route)] = frozenset(found)
    return names


async def known_query_only(request: Request) -> None:
    """Refuse a query parameter the route does not declare (``?supplier=`` on a list that has no such
    filter), as request validation refuses a malformed one: 422 ``validation.failed`` naming it, rather than
    an answer that silently ignored it. Applied to every API route."""
    declared = _declared_query(request.scope.get("route"))
    if declared is None:
        return
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in declared]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": "unknown query parameter",
                    "type": "extra_forbidden",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


def refuse_viewer(actor: Actor) -> Actor:
    """The actor of a change: a viewer's account reads and never writes."""
    if actor.role == "viewer":
        raise errors.Forbidden(reason="viewer accounts are read-only / 查看账户仅可查询")
    return actor


async def current_caller(request: Request) -> Caller:
    """The authenticated caller; a cookie-authenticated change must also carry the CSRF token."""
    state = request.state
    if hasattr(state, "api_caller"):  # looked up already (by rate_limit): no I/O
        if state.api_auth_error is not None:
            raise state.api_auth_error
        caller = state.api_caller
    else:
        caller = await _authenticate(request)
    if caller is None:
        raise accounts_errors.NotAuthenticated()
    if caller.via == "session" and request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = caller.principal.csrf_token or ""
        if not expected or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode()):
            raise errors.CsrfFailed()
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def current_actor(caller: CurrentCaller) -> Actor:
    """Who acts, for a read."""
    return caller.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def writing_actor(caller: CurrentCaller) -> Actor:
    """Who acts, for a change: a viewer's account reads and never writes."""
    return refuse_viewer(caller.actor)


WritingActor = Annotated[Actor, Depends(writing_actor)]


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 120
#: printable ASCII
IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7e]*$"


def scoped_key(actor: Actor, key: str) -> str:
    """An idempotency key scoped to its caller, so two users' keys never collide."""
    return f"{actor.user_id}:{key.strip()}"


async def idempotency_key(
    actor: WritingActor,
    key: Annotated[
        str,
        Header(
            alias=IDEMPOTENCY_HEADER,
            max_length=IDEMPOTENCY_KEY_MAX,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="required on every change; a retry with the same key and body returns the first result",
        ),
    ],
) -> str:
    """The request's idempotency key, scoped to the caller so two users' keys never collide. The header is
    required (so the OpenAPI document says so on every route depending on this); without it, or blank, the
    answer is ``idempotency.key_missing`` (``errors.py`` maps the missing header, see ``key_missing``)."""
    if not key.strip():
        raise errors.IdempotencyKeyMissing()
    return scoped_key(actor, key)


def key_missing(validation_errors: list[dict]) -> bool:
    """Whether a request's validation errors include a missing ``Idempotency-Key`` header."""
    return any(
        e.get("type") == "missing" and tuple(e.get("loc", ())) == ("header", IDEMPOTENCY_HEADER)
        for e in validation_errors
    )


IdempotencyKey = Annotated[str, Depends(idempotency_key)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=10**9)] = 0
) -> PageParams:
    """``limit`` (1–200, default 50) and ``offset`` of a list."""
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


#: an id in the path (``vch_01…``), or a party's id or 统一社会信用代码
IdParam = Annotated[str, Path(pattern=ID_PATTERN)]
#: a party named in a query (id or 统一社会信用代码)
PartyQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]
