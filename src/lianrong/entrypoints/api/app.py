"""The HTTP API (FastAPI) under ``/api/v1``: thin routes over the services, one error body everywhere.

Every route is a few lines: parse (pydantic schemas), call one service with the caller as actor, return.
Authentication, CSRF, the rate limit and idempotency keys are dependencies (``deps.py``); the mapping of
every failure to ``{code, message_zh, message_en, details}`` is in ``errors.py``. The console (``web``)
is installed into the same application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse

from lianrong import __version__
from lianrong.adapters.db.aio import LoopStatements
from lianrong.api.deps import PREFIX, known_query_only, rate_limit
from lianrong.api.errors import ERROR_RESPONSES, install_error_handlers
from lianrong.api.ratelimit import SlidingWindowLimiter
from lianrong.api.security import DOCS_ASSETS_PATH, DOCS_PATH, SecurityHeaders
from lianrong.entrypoints.api.hot import HotPaths
from lianrong.entrypoints.api.middleware import JsonDepthLimit, RequestContextMiddleware
from lianrong.entrypoints.api.routers import ROUTERS
from lianrong.platform.context import Context
from lianrong.settings import Settings, get_settings

log = structlog.get_logger("lianrong.api")

#: multipart framing around an upload of ``max_upload_bytes``
_BODY_OVERHEAD = 64 * 1024


def create_app(ctx: Context, *, console: bool = True, hot_paths: bool = True) -> FastAPI:
    """Build the application (API and, unless ``console=False``, the console) around a service context;
    ``hot_paths=False`` leaves every request to the FastAPI routes (``hot.py`` answers none)."""
    settings = ctx.settings if isinstance(ctx.settings, Settings) else get_settings()
    app = FastAPI(
        title="LianRong 链融 API",
        version=__version__,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,  # the docs page is ours: Swagger UI from this package
        description="Supply-chain finance: vouchers, fragments, financing, settlement. Amounts are "
        "integer fen; every change needs an `Idempotency-Key` header. / 供应链金融平台接口",
        lifespan=_lifespan,
    )
    app.state.ctx = ctx
    app.state.limiter = SlidingWindowLimiter(settings.api_rate_limit_per_minute)
    app.state.statements = LoopStatements()  # the token look-up (and the hot path's statements) on the loop
    install_error_handlers(app)
    if hot_paths:
        app.add_middleware(HotPaths)  # inside the request context; the context from app.state
    app.add_middleware(JsonDepthLimit)  # in front of the hot path and the routes alike
    app.add_middleware(RequestContextMiddleware, max_body=settings.max_upload_bytes + _BODY_OVERHEAD)
    # outermost: the hot path's answers, the 413s and 500s above and every route's carry the headers
    app.add_middleware(SecurityHeaders, served_over_https=settings.served_over_https)
    api = APIRouter(
        prefix=PREFIX, dependencies=[Depends(rate_limit), Depends(known_query_only)], responses=ERROR_RESPONSES
    )
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    _install_docs(app)
    if console:
        _install_console(app, ctx)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.statements.close()  # the event loop's database connections


#: Swagger UI, vendored (see its VERSIONS.txt): the API's docs page must work where there is no internet,
#: as on a bank's or a district office's intranet, so nothing is fetched from a CDN
DOCS_ASSETS = Path(__file__).parent / "static" / "swagger-ui"

#: the docs page: Swagger UI started by ``docs-init.js`` (no inline script, so the page's Content-Security-
#: Policy admits only the platform's own scripts; see ``security.py``)
_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/docs-init.js"></script>
</body>
</html>
"""


def _install_docs(app: FastAPI) -> None:
    from html import escape

    from fastapi.staticfiles import StaticFiles

    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=str(DOCS_ASSETS)), name="api-docs-assets")
    page = _DOCS_PAGE.format(
        assets=DOCS_ASSETS_PATH, title=escape(f"{app.title} — docs"), openapi=escape(f"{PREFIX}/openapi.json")
    )

    @app.get(DOCS_PATH, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page)


def _install_console(app: FastAPI, ctx: Context) -> None:
    from lianrong.entrypoints.console.app import install

    try:
        install(app, ctx)
    except ModuleNotFoundError as exc:
        if exc.name != "lianrong.entrypoints.console.app":
            raise
        log.warning("console.missing", reason="lianrong.entrypoints.console.app is not there yet; serving the API only")
