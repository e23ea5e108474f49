"""The API's hottest write served directly on ASGI: ``POST /api/v1/fragments/{id}/transfer``.

A bank's or a core enterprise's system moves vouchers upstream many times a second; through the
framework each such request costs several times the transfer itself (route matching over every API and
console route, a dozen dependencies solved per request, two thread hand-offs, response validation). This
middleware answers the common, well-formed request itself with the same steps the FastAPI route takes:

1. the route, the fragment id's pattern, ``Authorization: Bearer``, a valid ``Idempotency-Key`` header and
   a JSON body that ``TransferCreate`` accepts — anything else (a cookie session, a malformed header or
   body, a query string, an unknown or revoked token) is passed on untouched to the FastAPI route, which answers it with
   the canonical error (``validation.failed`` with the fields at fault, ``auth.required``, …);
2. the caller from the bearer token, counted against the rate limit, refused when a viewer;
3. the same service call with the same caller-scoped idempotency key (``deps.scoped_key``);
4. the result as JSON, or a domain refusal as the one error body (``LianRongError.to_dict`` with
   ``errors.error_headers``).

The middleware holds no transfer rule: step 3 is the service (``vouchers.transfer_async``, then
``vouchers.transfer``), whose one rule function (``vouchers.rules.decide_transfer``) decides every refusal.
On PostgreSQL steps 2 and 3 are awaited on the event loop (``adapters/db/aio.py``: the token look-up and
``vouchers.transfer_async``, one statement each); whatever that one statement does not decide (a refusal,
a replay, a conflict, the database failing) goes to ``vouchers.transfer_plain`` in a worker thread, as the route
would run it. On SQLite steps 2–4 run in one thread hand-off. The FastAPI route stays the
documented operation (OpenAPI) and the path for everything this one passes on; the test suite drives
both (``tests/api/test_hot_path.py``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lianrong.accounts import errors as accounts_errors
from lianrong.accounts import service as accounts
from lianrong.adapters import jsoncodec
from lianrong.adapters.db.aio import AsyncPg, DatabaseUnavailable
from lianrong.adapters.db.engine import is_postgres
from lianrong.api.deps import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_PATTERN,
    PREFIX,
    count_request,
    refuse_viewer,
    scoped_key,
)
from lianrong.api.errors import error_headers, http_status
from lianrong.api.ratelimit import SlidingWindowLimiter
from lianrong.api.schemas import ID_PATTERN
from lianrong.entrypoints.api.middleware import read_body, replaying
from lianrong.kernel import errors
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import service as vouchers
from lianrong.vouchers.schemas import TransferCreate

_TRANSFER = re.compile("^" + re.escape(PREFIX) + r"/fragments/([^/]+)/transfer$")
_ID = re.compile(ID_PATTERN)
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_JSON = b"application/json"


class _PassOn(Exception):
    """This request is the FastAPI route's to answer."""


class HotPaths:
    """ASGI middleware answering well-formed bearer transfers itself (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        #: the application's statements on the event loop (``app.state.statements``: shared with the routes'
        #: token look-up, closed at the application's shutdown), from the first request
        self._statements: Any = None

    def _db(self, ctx: Context) -> AsyncPg | None:
        """The asynchronous connections of the context's database (PostgreSQL only)."""
        if not is_postgres(ctx.engine):
            return None
        return self._statements.for_engine(ctx.engine)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _TRANSFER.match(scope["path"])
        if match is None or scope.get("query_string"):  # a query string: the route refuses it (known_query_only)
            await self.app(scope, receive, send)
            return
        fragment_id = match.group(1)
        secret = key = content_type = None
        for name, value in scope["headers"]:  # the first of each, as the route reads them
            if name == b"authorization" and secret is None:
                scheme, _, rest = value.partition(b" ")
                secret = rest.strip().decode("latin-1") if scheme.lower() == b"bearer" else ""
            elif name == b"idempotency-key" and key is None:
                key = value.decode("latin-1")
            elif name == b"content-type" and content_type is None:
                content_type = value.split(b";", 1)[0].strip().lower()
        body, messages, complete = await read_body(receive)
        request = None
        if (
            secret
            and key is not None
            and key.strip()
            and len(key) <= IDEMPOTENCY_KEY_MAX
            and _KEY.match(key)
            and content_type == _JSON
            and _ID.match(fragment_id)
            and complete
        ):
            try:
                # as FastAPI reads a JSON body: parsed, then validated in Python mode
                request = TransferCreate.model_validate(jsoncodec.loads(body))
            except (ValueError, RecursionError, ValidationError):  # the route answers it (request.malformed, …)
                request = None
        if request is not None:
            state = scope["app"].state
            try:
                self._statements = state.statements
                status, content, headers = await self._answer(
                    state.ctx, state.limiter, secret, key, fragment_id, request
                )
            except _PassOn:
                pass
            else:
                await _send_json(send, status, content, headers)
                return
        await self.app(scope, replaying(messages, receive), send)

    async def _answer(
        self,
        ctx: Context,
        limiter: SlidingWindowLimiter,
        secret: str,
        key: str,
        fragment_id: str,
        request: TransferCreate,
    ) -> tuple[int, Any, dict]:
        parts = request.service_parts()
        db = self._db(ctx)
        if db is None:
            return await run_in_threadpool(_answer_sync, ctx, limiter, secret, key, fragment_id, parts)
        try:
            principal = await accounts.token_principal_async(ctx, db, secret=secret)
        except accounts_errors.NotAuthenticated:
            raise _PassOn() from None  # the route refuses it, counting the attempt against the address
        except DatabaseUnavailable:
            return await run_in_threadpool(_answer_sync, ctx, limiter, secret, key, fragment_id, parts)
        actor = principal.actor
        try:
            _admit(limiter, actor)
            result = await vouchers.transfer_async(
                ctx, db, actor=actor, fragment_id=fragment_id, parts=parts, idempotency_key=scoped_key(actor, key)
            )
            if result is None:  # a refusal, a replay, a conflict: the service's general path decides
                result = await run_in_threadpool(_transfer, ctx, actor, key, fragment_id, parts)
        except errors.LianRongError as exc:
            return http_status(exc), exc.to_dict(), error_headers(exc)
        return 200, result, {}


def _answer_sync(
    ctx: Context, limiter: SlidingWindowLimiter, secret: str, key: str, fragment_id: str, parts: list[dict[str, Any]]
) -> tuple[int, Any, dict]:
    """The whole answer in a worker thread (SQLite, or PostgreSQL when the asynchronous path fails)."""
    try:
        principal = accounts.token_principal(ctx, secret=secret)
    except accounts_errors.NotAuthenticated:
        raise _PassOn() from None
    actor = principal.actor
    try:
        _admit(limiter, actor)
        result = _transfer(ctx, actor, key, fragment_id, parts)
    except errors.LianRongError as exc:
        return http_status(exc), exc.to_dict(), error_headers(exc)
    return 200, result, {}


def _admit(limiter: SlidingWindowLimiter, actor: Actor) -> None:
    """The rate limit (counted once per request) and the viewer refusal, as ``deps`` applies them."""
    count_request(limiter, f"user:{actor.user_id}")
    refuse_viewer(actor)


def _transfer(ctx: Context, actor: Actor, key: str, fragment_id: str, parts: list[dict[str, Any]]) -> Any:
    return vouchers.transfer_plain(
        ctx, actor=actor, fragment_id=fragment_id, parts=parts, idempotency_key=scoped_key(actor, key)
    )


async def _send_json(send: Any, status: int, content: Any, headers: dict[str, str]) -> None:
    body = jsoncodec.dumps(content).encode()
    raw = [(b"content-type", _JSON), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
