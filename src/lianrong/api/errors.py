"""One error body everywhere: ``{code, message_zh, message_en, details}``.

A domain refusal keeps its code and status; a malformed request is ``validation.failed`` (422) with the
fields at fault; an unknown route or method is ``route.not_found`` / ``route.method_not_allowed``; anything
unexpected is a 500 ``internal`` whose details never leak the exception (``middleware.py`` answers it and
logs the exception with the request id).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianrong.api.deps import key_missing
from lianrong.api.schemas import ErrorRead
from lianrong.kernel import errors

#: the body of a 500: it says nothing of the exception, which is logged with the request id
INTERNAL = {
    "code": "internal",
    "message_zh": "服务器内部错误，已记录，请稍后重试",
    "message_en": "Internal server error; it has been logged, please retry later",
    "details": {},
}

#: documented on every API operation, so clients (and the schema check) know the error body
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorRead, "description": what}
    for status, what in (
        (400, "Bad request"),
        (401, "Not authenticated (auth.required, auth.login_failed)"),
        (403, "Forbidden (auth.forbidden, auth.csrf, …)"),
        (404, "Not found (<entity>.not_found)"),
        (409, "Conflict (state.invalid, idempotency.conflict, …)"),
        (413, "Upload too large"),
        (422, "Invalid input (validation.failed or a domain rule)"),
        (429, "Rate limited or account locked"),
        (500, "Internal error"),
    )
}


#: the HTTP status of each domain refusal, by its stable code; every other refusal is 422 (the caller's input
#: breaks a rule). The domain knows nothing of HTTP: this table is the API's (and the console's) one mapping.
HTTP_STATUS: dict[str, int] = {
    "error": 400,
    "auth.forbidden": 403,
    "conflict": 409,
    "approval.same_user": 403,
    "state.invalid": 409,
    "fragment.not_active": 409,
    "fragment.not_holder": 403,
    "fragment.matured": 409,
    "idempotency.conflict": 409,
    "auth.login_failed": 401,
    "auth.locked": 429,
    "auth.required": 401,
    "auth.password_required": 403,
    "auth.csrf": 403,
    "rate.limited": 429,
    "upload.too_large": 413,
    "request.malformed": 400,
    "route.not_found": 404,
    "route.method_not_allowed": 405,
    "serve.cannot_listen": 409,
    # the programme's black list and credit repair
    "blacklist.state_invalid": 409,
    "blacklist.same_user": 403,
    "blacklist.already_listed": 409,
    "credit_repair.state_invalid": 409,
    "credit_repair.already_open": 409,
    # the programme's white list
    "whitelist.same_user": 403,
    "whitelist.already_on_list": 409,
    "whitelist.already_acknowledged": 409,
    "whitelist.round_exists": 409,
    "whitelist.round_closed": 409,
}


def http_status(exc: errors.LianRongError) -> int:
    """The HTTP status the API answers a domain refusal with."""
    if isinstance(exc, errors.NotFound):  # its code names the entity: ``fragment.not_found``
        return 404
    if isinstance(exc, errors.AlreadyExists):  # ``party.exists``
        return 409
    return HTTP_STATUS.get(exc.code, 422)


def error_headers(exc: errors.LianRongError) -> dict[str, str]:
    """Retry-After / WWW-Authenticate, where they apply to a domain error."""
    status = http_status(exc)
    if status == 429:  # rate.limited, auth.locked
        return {"Retry-After": str(exc.details.get("retry_after", 60))}
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    return {}


def error_response(exc: errors.LianRongError) -> JSONResponse:
    """The JSON response of a domain error."""
    return JSONResponse(status_code=http_status(exc), content=exc.to_dict(), headers=error_headers(exc))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors()[:50]:
        out.append(
            {
                "loc": [p if isinstance(p, (str, int)) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one error body."""

    @app.exception_handler(errors.LianRongError)
    async def _domain(_: Request, exc: errors.LianRongError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(Exception)
    async def _internal(_: Request, __: Exception) -> JSONResponse:
        # what escapes the request context (middleware.py answers and logs the rest): the coded 500 too,
        # never the server's plain-text one
        return JSONResponse(status_code=500, content=INTERNAL)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        if key_missing(exc.errors()):  # before the body, as every change needs its key first
            return error_response(errors.IdempotencyKeyMissing())
        fields = _field_errors(exc)
        reason = "; ".join(f"{'.'.join(map(str, f['loc']))}: {f['msg']}" for f in fields[:5]) or "malformed request"
        body = errors.ValidationFailed(reason=reason).to_dict()
        body["details"]["errors"] = fields
        return JSONResponse(status_code=422, content=body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err: errors.LianRongError = errors.RouteNotFound(path=request.url.path)
        elif exc.status_code == 405:
            err = errors.MethodNotAllowed(method=request.method, path=request.url.path)
        elif exc.status_code == 400:  # a body that cannot be parsed at all
            err = errors.RequestMalformed(reason=f"{exc.detail} / 请求体无法解析")
        else:
            body = {
                "code": f"http.{exc.status_code}",
                "message_zh": "请求格式错误，无法处理",
                "message_en": str(exc.detail),
                "details": {},
            }
            return JSONResponse(status_code=exc.status_code, content=body, headers=exc.headers)
        return JSONResponse(status_code=http_status(err), content=err.to_dict(), headers=exc.headers)
