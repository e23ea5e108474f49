"""The console's composition: static files, every feature's console routes, error pages.

``install(app, ctx)`` is all the application needs to call. Each feature's pages live in its own
``<feature>/console.py`` (a module-level ``router``); the route kit they share — the organisation-kind and
CSRF dependencies, ``ConsoleRoute`` (not signed in, not your area, refusals → the login redirect or an
error page), ``submit`` — is ``lianrong.web.console``. The navigation per area is ``lianrong.web.nav``; the root,
``/home`` and the language switch are ``home.py``. The security headers (the console's
Content-Security-Policy among them) are added to every answer of the application by ``api/security.py``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianrong.platform.context import Context
from lianrong.web.console import error_page

STATIC = Path(__file__).parents[2] / "web" / "static"


def routers() -> list:  # type: ignore[type-arg]
    """Every console router, in the order they are matched."""
    from lianrong.accounts import console as accounts
    from lianrong.calendar import console as calendar
    from lianrong.credit import console as credit
    from lianrong.documents import console as documents
    from lianrong.entrypoints.console import home
    from lianrong.financing import console as financing
    from lianrong.parties import console as parties
    from lianrong.programme.blacklist import console as programme_blacklist
    from lianrong.programme.chains import console as programme_chains
    from lianrong.programme.targets import console as programme_targets
    from lianrong.programme.whitelist import console as programme_whitelist
    from lianrong.reporting import console as reporting
    from lianrong.settlement import console as settlement
    from lianrong.vouchers import console as vouchers

    return [
        m.router
        for m in (
            home,
            accounts,
            reporting,
            parties,
            documents,
            credit,
            vouchers,
            financing,
            settlement,
            calendar,
            programme_chains,
            programme_blacklist,
            programme_whitelist,
            programme_targets,
        )
    ]


def install(app: FastAPI, ctx: Context) -> None:
    """Mount the console's routes and static assets on the application, with the security headers of
    ``api/security.py`` when the application has none yet (``create_app`` adds them for all of it)."""
    from lianrong.api.security import SecurityHeaders
    from lianrong.settings import Settings

    if not hasattr(app.state, "ctx"):
        app.state.ctx = ctx  # the console's routes find the service context there
    if not any(m.cls is SecurityHeaders for m in app.user_middleware):
        https = ctx.settings.served_over_https if isinstance(ctx.settings, Settings) else False
        app.add_middleware(SecurityHeaders, served_over_https=https)

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="console-static")
    for router in routers():
        app.include_router(router)

    previous = app.exception_handlers.get(StarletteHTTPException)

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        # the API keeps its own (JSON) errors; console paths get the console's pages
        if request.url.path.startswith("/api") or exc.status_code not in (404, 405):
            if previous is not None:
                return await previous(request, exc)  # type: ignore[misc]
            return await http_exception_handler(request, exc)
        return await run_in_threadpool(
            error_page,
            ctx,
            request,
            exc.status_code,
            code="not_found" if exc.status_code == 404 else "method_not_allowed",
        )

    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]
