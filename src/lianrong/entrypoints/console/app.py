"""The console's composition: static files, routes of every area, error pages.

``install(app, ctx)`` is all the application needs to call. Each area's pages live in ``pages/`` (one
module per organisation kind); every route runs through ``ConsoleRoute``, which turns "not signed in",
"not your area", a missing CSRF token and domain refusals into the login redirect or an error page. The
security headers (the console's Content-Security-Policy among them) are added to every answer of the
application by ``api/security.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from lianrong.web.render import UI, error_dict

STATIC = Path(__file__).parents[2] / "web" / "static"

def lang_of(request: Request) -> str:
    return i18n.normalize(request.cookies.get(i18n.LANG_COOKIE))


class Deps:
    """Dependencies of the console's routes, bound to the service context."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def ui(self, area: str | None = None, *, login: bool = True) -> Callable[[Request], UI]:
        """A page's UI; with ``area`` only that kind of organisation may open it."""
        ctx = self.ctx

        def dependency(request: Request) -> UI:
            principal = require_principal(ctx, request) if login else optional_principal(ctx, request)
            ui = UI(request=request, ctx=ctx, principal=principal, lang=lang_of(request))
            if area is not None and principal is not None and console_role(principal) != area:
                raise PageForbidden()
            return ui

        return dependency

    def post(self, area: str | None = None) -> Callable[..., Any]:
        """A form POST: the page's UI and the posted form, after the CSRF check."""
        page_ui = self.ui(area)

        def dependency(form: FormData = Depends(read_form), ui: UI = Depends(page_ui)) -> tuple[UI, FormData]:
            assert ui.principal is not None
            check_csrf(ui.request, ui.principal, form)
            return ui, form

        return dependency


async def read_form(request: Request) -> FormData:
    return await request.form()


def login_redirect(request: Request, *, expired: bool) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?" + ("expired=1&" if expired else "") + "next=" + _quote(target if request.method == "GET" else "/")
    if request.headers.get("HX-Request") == "true":
        response: Response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")


def error_page(ctx: Context, request: Request, status: int, *, code: str, message: str | None = None,
               title: str | None = None) -> Response:
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
    return ui.render(template, http_status=status, headers=headers, status_code=status, code=code,
                     message=message, title=title)


def console_route(ctx: Context) -> type[APIRoute]:
    """A route class that maps console exceptions to pages."""

    class ConsoleRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
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
                    response = await run_in_threadpool(error_page, ctx, request, status, code=shown["code"],
                                                       message=shown["message"])
                return response

            return handler

    return ConsoleRoute


def install(app: FastAPI, ctx: Context) -> None:
    """Mount the console's routes and static assets on the application, with the security headers of
    ``api/security.py`` when the application has none yet (``create_app`` adds them for all of it)."""
    from lianrong.api.security import SecurityHeaders
    from lianrong.entrypoints.console.nav import nav_for
    from lianrong.entrypoints.console.pages import (
        bank,
        common,
        core,
        overseer,
        supplier,
    )
    from lianrong.settings import Settings

    if not hasattr(app.state, "ctx"):
        app.state.ctx = ctx  # as create_app sets it: pages that have only the request find it there
    app.state.console_nav = nav_for  # the side navigation web/render.py shows
    if not any(m.cls is SecurityHeaders for m in app.user_middleware):
        https = ctx.settings.served_over_https if isinstance(ctx.settings, Settings) else False
        app.add_middleware(SecurityHeaders, served_over_https=https)

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="console-static")
    router = APIRouter(route_class=console_route(ctx), include_in_schema=False)
    deps = Deps(ctx)
    for module in (common, core, supplier, bank, overseer):
        module.register(router, deps)
    app.include_router(router)

    previous = app.exception_handlers.get(StarletteHTTPException)

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        # the API keeps its own (JSON) errors; console paths get the console's pages
        if request.url.path.startswith("/api") or exc.status_code not in (404, 405):
            if previous is not None:
                return await previous(request, exc)  # type: ignore[misc]
            return await http_exception_handler(request, exc)
        return await run_in_threadpool(error_page, ctx, request, exc.status_code,
                                       code="not_found" if exc.status_code == 404 else "method_not_allowed")

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]
