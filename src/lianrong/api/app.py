"""The HTTP API (FastAPI) under ``/api/v1``: thin routes over the services, one error body everywhere.

Every route is a few lines: parse (pydantic schemas), call one service with the caller as actor, return.
Authentication, CSRF, the rate limit and idempotency keys are dependencies (``deps.py``); the mapping of
every failure to ``{code, message_zh, message_en, details}`` is in ``errors.py``. The console (``web``)
is installed into the same application.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse

from .. import __version__
from ..services.context import Context
from ..settings import Settings, get_settings
from .deps import PREFIX, known_query_only, rate_limit
from .errors import ERROR_RESPONSES, install_error_handlers
from .hot import HotPaths
from .middleware import RequestContextMiddleware
from .ratelimit import SlidingWindowLimiter
from .routes import ROUTERS

log = structlog.get_logger("lianrong.api")

#: multipart framing around an upload of ``max_upload_bytes``
_BODY_OVERHEAD = 64 * 1024


def create_app(ctx: Context, *, console: bool = True, hot_paths: bool = True) -> FastAPI:
    """Build the application (API and, unless ``console=False``, the console) around a service context;
    ``hot_paths=False`` leaves every request to the FastAPI routes (``hot.py`` answers none)."""
    settings = ctx.settings if isinstance(ctx.settings, Settings) else get_settings()
    app = FastAPI(title="LianRong 链融 API", version=__version__, openapi_url=f"{PREFIX}/openapi.json",
                  docs_url=None, redoc_url=None,  # the docs page is ours: Swagger UI from this package
                  description="Supply-chain finance: vouchers, fragments, financing, settlement. Amounts are "
                              "integer fen; every change needs an `Idempotency-Key` header. / 供应链金融平台接口")
    app.state.ctx = ctx
    app.state.limiter = SlidingWindowLimiter(settings.api_rate_limit_per_minute)
    install_error_handlers(app)
    if hot_paths:
        app.add_middleware(HotPaths)  # inside the request context; the context from app.state
    app.add_middleware(RequestContextMiddleware, max_body=settings.max_upload_bytes + _BODY_OVERHEAD)
    api = APIRouter(prefix=PREFIX, dependencies=[Depends(rate_limit), Depends(known_query_only)],
                    responses=ERROR_RESPONSES)
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    _install_docs(app)
    if console:
        _install_console(app, ctx)
    return app


#: Swagger UI, vendored (see its VERSIONS.txt): the API's docs page must work where there is no internet,
#: as on a bank's or a district office's intranet, so nothing is fetched from a CDN
DOCS_ASSETS = Path(__file__).parent / "static" / "swagger-ui"


def _install_docs(app: FastAPI) -> None:
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = f"{PREFIX}/docs/assets"
    app.mount(assets, StaticFiles(directory=str(DOCS_ASSETS)), name="api-docs-assets")

    @app.get(f"{PREFIX}/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{PREFIX}/openapi.json", title=f"{app.title} — docs",
                                   swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url=f"{assets}/favicon-32x32.png")


def _install_console(app: FastAPI, ctx: Context) -> None:
    from ..web import install

    try:
        install(app, ctx)
    except ModuleNotFoundError as exc:
        if exc.name != "lianrong.web.console":
            raise
        log.warning("console.missing", reason="lianrong.web.console is not there yet; serving the API only")
