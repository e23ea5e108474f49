"""The console's route kit: the route class, the page and POST dependencies, the error page, ``submit``.

Every feature's ``console.py`` has a module-level ``router = APIRouter(route_class=ConsoleRoute)`` and plain
route functions. A page takes ``ui: UI = Depends(require_kind("bank"))`` (only that kind of organisation may
open it: another one gets the 403 page) and a form ``posted: Posted = Depends(post("bank"))`` (the same, plus
the CSRF check). ``ConsoleRoute`` turns "not signed in", "not your area", a missing CSRF token and domain
refusals into the login redirect or an error page. The service context is the application's
(``app.state.ctx``, set by ``install``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from lianrong.api.errors import http_status
from lianrong.kernel import errors
from lianrong.kernel.errors import LianRongError
from lianrong.platform.context import Context
from lianrong.web import i18n
from lianrong.web.auth import (
    SESSION_COOKIE,
    CsrfFailed,
    LoginRequired,
    PageForbidden,
    check_csrf,
    console_role,
    optional_principal,
    require_principal,
)
from lianrong.web.forms import Form, error_dict
from lianrong.web.render import UI

#: a checked POST: the page's UI and the posted form
Posted = tuple[UI, FormData]


def context_of(request: Request) -> Context:
    """The service context the console was installed with."""
    ctx: Context = request.app.state.ctx
    return ctx


def lang_of(request: Request) -> str:
    return i18n.normalize(request.cookies.get(i18n.LANG_COOKIE))


def anyone(request: Request) -> UI:
    """A page open without signing in (login, setup): the UI, with the principal when there is one."""
    ctx = context_of(request)
    return UI(request=request, ctx=ctx, principal=optional_principal(ctx, request), lang=lang_of(request))


def signed_in(request: Request) -> UI:
    """A page for any signed-in user."""
    ctx = context_of(request)
    return UI(request=request, ctx=ctx, principal=require_principal(ctx, request), lang=lang_of(request))


@cache
def require_kind(*kinds: str) -> Callable[..., UI]:
    """A page only these kinds of organisation may open (``core``, ``supplier``, ``bank``, ``overseer`` —
    the district and chain offices); another kind gets the 403 page."""

    def dependency(ui: UI = Depends(signed_in)) -> UI:
        if ui.role not in kinds:
            raise PageForbidden()
        return ui

    return dependency


async def read_form(request: Request) -> FormData:
    return await request.form()


@cache
def post(*kinds: str) -> Callable[..., Posted]:
    """A form POST (by these kinds of organisation; none named: any signed-in user), after the CSRF check."""
    page = require_kind(*kinds) if kinds else signed_in

    def dependency(form: FormData = Depends(read_form), ui: UI = Depends(page)) -> Posted:
        assert ui.principal is not None
        check_csrf(ui.request, ui.principal, form)
        return ui, form

    return dependency


def submit(
    form: Form,
    action: Callable[[], Response],
    refused: Callable[[], Response],
    *,
    fields: dict[str, str] | None = None,
    passthrough: tuple[type[LianRongError], ...] = (),
) -> Response:
    """The one way a console form is answered: when the form parsed, run the use case (``action``, which
    returns the success response); a domain refusal is shown on the form — on the field ``fields`` maps its
    code to, else as the form's error — and ``refused`` renders the form again (the refusal is kept as
    ``form.refusal``). Refusals of the ``passthrough`` kinds are not the form's: they go to ``ConsoleRoute``."""
    if form.ok:
        try:
            return action()
        except passthrough:
            raise
        except LianRongError as exc:
            form.fail((fields or {}).get(exc.code), exc)
            form.refusal = exc
    return refused()


def login_redirect(request: Request, *, expired: bool) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = (
        "/login?"
        + ("expired=1&" if expired else "")
        + "next="
        + quote(target if request.method == "GET" else "/", safe="/")
    )
    if request.headers.get("HX-Request") == "true":
        response: Response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def error_page(
    ctx: Context, request: Request, status: int, *, code: str, message: str | None = None, title: str | None = None
) -> Response:
    """The error page (403, 404, a refusal); HTMX gets it swapped into the main area."""
    principal = getattr(request.state, "principal", None)
    if principal is None and not hasattr(request.state, "principal"):
        try:
            principal = optional_principal(ctx, request)
        except Exception:  # noqa: BLE001 - an error page must render even when the database does not
            principal = None
    ui = UI(request=request, ctx=ctx, principal=principal, lang=lang_of(request))
    headers = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"} if ui.is_htmx else None
    template = "errors/error_fragment.html" if ui.is_htmx else "errors/error.html"
    return ui.render(
        template, http_status=status, headers=headers, status_code=status, code=code, message=message, title=title
    )


class ConsoleRoute(APIRoute):
    """A route whose console exceptions become pages (login redirect, 403, 404, a refusal's page)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            ctx = context_of(request)
            try:
                response = await original(request)
            except RequestValidationError:
                response = await run_in_threadpool(error_page, ctx, request, 400, code="validation.failed")
            except LoginRequired as exc:
                response = login_redirect(request, expired=exc.expired)
            except PageForbidden:
                response = await run_in_threadpool(error_page, ctx, request, 403, code="auth.forbidden")
            except CsrfFailed:
                response = await run_in_threadpool(error_page, ctx, request, 403, code="auth.csrf")
            except errors.NotFound as exc:
                response = await run_in_threadpool(error_page, ctx, request, 404, code=exc.code)
            except LianRongError as exc:
                shown = error_dict(exc, lang_of(request))
                status = http_status(exc) if http_status(exc) in (400, 403, 409, 422) else 400
                response = await run_in_threadpool(
                    error_page, ctx, request, status, code=shown["code"], message=shown["message"]
                )
            return response

        return handler


def console_router() -> APIRouter:
    """A feature's console router."""
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)


__all__ = [
    "ConsoleRoute",
    "Posted",
    "anyone",
    "console_role",
    "console_router",
    "error_page",
    "post",
    "read_form",
    "require_kind",
    "signed_in",
    "submit",
]
