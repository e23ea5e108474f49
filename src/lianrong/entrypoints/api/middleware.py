"""ASGI middleware of the API: a request id on every request and log line, a cap on body size, and a cap on
the nesting of a JSON body."""

from __future__ import annotations

import json
import re
import secrets
import traceback
from typing import Any

import structlog

from lianrong.adapters.jsoncodec import nests_deeper
from lianrong.api.errors import INTERNAL
from lianrong.kernel.errors import PayloadTooLarge, RequestMalformed

log = structlog.get_logger("lianrong.api")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: the deepest nesting of a JSON request body read (the deepest request of the API nests three levels)
MAX_JSON_DEPTH = 32
#: characters of an unexpected exception's text kept in the log (a validation error quotes the whole value)
_MAX_ERROR_TEXT = 2000


def _log_unhandled(scope: dict, exc: BaseException) -> None:
    """Log an unexpected exception with a plain traceback (a rich one with locals takes seconds to render on a
    busy server). Its text is cut short, and an exception whose text cannot be made (a ``RecursionError``
    from the repr of a deeply nested value) is logged by its type: logging never fails the answer."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - __str__ may fail in any way (RecursionError on a deeply nested value)
        text = "<exception str() failed>"
    if len(text) > _MAX_ERROR_TEXT:
        text = text[:_MAX_ERROR_TEXT] + "…"
    try:
        trace = "".join(traceback.format_exception(exc))
    except Exception:  # noqa: BLE001
        trace = "<traceback could not be formatted>"
    log.error(
        "api.unhandled",
        method=scope.get("method"),
        path=scope.get("path"),
        error=f"{type(exc).__name__}: {text}",
        traceback=trace,
    )


class RequestContextMiddleware:
    """Bind a request id (the client's ``X-Request-ID`` if sane, else a new one) to the logs and the
    response; refuse a request body over ``max_body`` bytes with 413 ``upload.too_large`` (by
    ``Content-Length`` up front, or while a chunked body streams in); answer an unexpected exception
    with a 500 ``internal`` body and log it."""

    def __init__(self, app: Any, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")
        rid = rid if _REQUEST_ID.match(rid) else secrets.token_hex(8)
        structlog.contextvars.bind_contextvars(request_id=rid)
        too_large = started = False

        async def send_with_id(message: dict) -> None:
            if too_large:  # the app saw a cut-off body: whatever it answers, the answer is 413
                if message["type"] == "http.response.start":
                    await self._too_large(send_with_id_raw)
                return
            await send_with_id_raw(message)

        async def send_with_id_raw(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        async def counted() -> dict:
            nonlocal too_large, seen
            if too_large:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    too_large = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        seen = 0
        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                await self._too_large(send_with_id_raw)
                return
            await self.app(scope, counted, send_with_id)
        except Exception as exc:
            if not started:  # the answer first: describing the exception may fail in turn
                await self._send(send_with_id_raw, 500, INTERNAL)
            _log_unhandled(scope, exc)
            raise  # for the server's own error handling (and tests that want the traceback)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")

    async def _too_large(self, send: Any) -> None:
        await self._send(send, 413, PayloadTooLarge(limit=self.max_body).to_dict())

    @staticmethod
    async def _send(send: Any, status: int, content: dict) -> None:
        body = json.dumps(content, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class JsonDepthLimit:
    """Refuse a JSON request body nested deeper than ``MAX_JSON_DEPTH`` with 400 ``request.malformed``
    before anything parses it (``jsoncodec.nests_deeper``): one check in front of the transfer's hot path
    and every route alike, as a JSON parser recurses once per level. A body is JSON as FastAPI reads one:
    ``application/json``, ``application/…+json``, or no content type at all. The body is read whole (the
    request context caps its size) and handed on unchanged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _json_body(scope["headers"]):
            await self.app(scope, receive, send)
            return
        body, messages, _ = await read_body(receive)
        if nests_deeper(body, MAX_JSON_DEPTH):
            await RequestContextMiddleware._send(send, 400, RequestMalformed.too_deep(MAX_JSON_DEPTH).to_dict())
            return
        await self.app(scope, replaying(messages, receive), send)


async def read_body(receive: Any) -> tuple[bytes, list[dict], bool]:
    """Read a request's body whole: the body, the messages it came in (to hand on with ``replaying``) and
    whether it ended (a disconnect ends the reading early). The request context caps the size."""
    messages, chunks, more = [], [], True
    while more:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks), messages, not more


def replaying(messages: list[dict], receive: Any) -> Any:
    """A ``receive`` that gives the messages already read again, then reads on."""
    replay = iter(messages)

    async def replayed() -> dict:
        for message in replay:
            return message
        return await receive()

    return replayed


def _json_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request has a body FastAPI would read as JSON."""
    sized = typed = False
    for name, value in headers:
        if name == b"content-length":
            sized = sized or value.strip() not in (b"", b"0")
        elif name == b"transfer-encoding":
            sized = True
        elif name == b"content-type" and not typed:
            typed = True
            media = value.split(b";", 1)[0].strip().lower()
            if media != b"application/json" and not (media.startswith(b"application/") and media.endswith(b"+json")):
                return False
    return sized
