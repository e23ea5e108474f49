"""Security headers on every answer of the application (API, its docs page, console, errors alike).

One pure ASGI middleware, the outermost of the application's own, so the answers of the transfer's ASGI
path (``hot.py``), of the request-context middleware (413, 500) and of FastAPI's routes and handlers all
pass through it. It adds what an answer does not set itself; the header lists are built once, so a
request costs a look at its path and at the names of the headers already there.

- everywhere: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, and
  ``Strict-Transport-Security`` when the request came over HTTPS or the deployment is served over HTTPS
  (``Settings.served_over_https``: ``LIANRONG_SESSION_COOKIE_SECURE``, on by default in production);
- every page and answer except static assets: ``X-Frame-Options: DENY`` and a Content-Security-Policy —
  the API's ``default-src 'none'`` (JSON and files are never documents to run), the docs page's
  (Swagger UI from this package: its scripts, its inline styles, fetching the OpenAPI document), the
  console's (vendored htmx and ECharts, no inline script) — and ``Cache-Control: no-store``: a login's CSRF
  token, a new token's secret and every page of a party's finances stay out of caches;
- static assets (``/static/``, the docs page's ``/api/v1/docs/assets/``) may be cached.
"""

from __future__ import annotations

from typing import Any

from lianrong.api.deps import PREFIX

DOCS_PATH = f"{PREFIX}/docs"
DOCS_ASSETS_PATH = f"{PREFIX}/docs/assets"
STATIC_PREFIXES = ("/static/", DOCS_ASSETS_PATH + "/")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# no inline or remote scripts: htmx and ECharts are vendored under /static
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
#: a year; subdomains are left out, as the platform cannot know that its neighbours speak HTTPS
HSTS = "max-age=31536000"

Headers = tuple[tuple[bytes, bytes], ...]


def _headers(csp: str | None, *, hsts: bool) -> Headers:
    pairs = [("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")]
    if csp is not None:
        pairs += [("content-security-policy", csp), ("x-frame-options", "DENY"), ("cache-control", "no-store")]
    if hsts:
        pairs.append(("strict-transport-security", HSTS))
    return tuple((k.encode(), v.encode()) for k, v in pairs)


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (see the module docstring)."""

    def __init__(self, app: Any, *, served_over_https: bool = False) -> None:
        self.app = app
        # per kind of path, without and with HSTS
        self._sets = {
            kind: (_headers(csp, hsts=served_over_https), _headers(csp, hsts=True))
            for kind, csp in (("api", API_CSP), ("docs", DOCS_CSP), ("console", CONSOLE_CSP), ("static", None))
        }

    def headers_for(self, path: str, scheme: str) -> Headers:
        """The headers an answer to ``path`` over ``scheme`` gets."""
        if path.startswith(STATIC_PREFIXES):
            kind = "static"
        elif path.startswith("/api/"):
            kind = "docs" if path == DOCS_PATH else "api"
        else:
            kind = "console"
        return self._sets[kind][scheme == "https"]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope["path"], scope.get("scheme", "http"))

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                present = {name for name, _ in headers}  # lowercase, as ASGI requires of an answer's names
                headers += [h for h in extra if h[0] not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
