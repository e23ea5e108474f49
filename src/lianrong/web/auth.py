"""Console sign-in: the session cookie, CSRF checks, and which pages an organisation may open.

The session itself lives in ``services.accounts`` (the cookie carries a random secret, signed with the
secret key, whose SHA-256 is the stored key; the CSRF token is derived from that secret with the same key).
Every POST carries the session's CSRF token, as the hidden ``csrf_token`` field of a
form or the ``X-CSRF-Token`` header HTMX sends (``hx-headers`` on ``<body>``). The login form and the
one-time setup form, made before any session exists, use a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.datastructures import FormData

from lianrong.accounts import service as accounts
from lianrong.accounts.errors import NotAuthenticated
from lianrong.accounts.service import SESSION_COOKIE, Principal
from lianrong.platform.context import Context

LOGIN_CSRF_COOKIE = "lr_login_csrf"
#: the one-time setup form's double-submit cookie (before any user exists)
SETUP_CSRF_COOKIE = "lr_setup_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

#: console area of each organisation, and the area's home page
HOME = {"core": "/core", "supplier": "/supplier", "bank": "/bank", "overseer": "/overview", "none": "/home"}


class LoginRequired(Exception):
    """No live session: the user is sent to the login page (``expired`` when a cookie was stale)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class PageForbidden(Exception):
    """The page belongs to another kind of organisation."""


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


def console_role(p: Principal) -> str:
    """The console area of a user's organisation: core, supplier, bank, overseer or none."""
    if p.party_kind == "bank":
        return "bank"
    if p.party_kind in ("district", "chain_office"):
        return "overseer"
    if p.party_kind == "enterprise":
        return "core" if p.is_core else "supplier"
    return "none"


def optional_principal(ctx: Context, request: Request) -> Principal | None:
    """The signed-in user, or None (cached on the request)."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    secret = request.cookies.get(SESSION_COOKIE)
    principal = None
    if secret:
        try:
            principal = accounts.session_principal(ctx, secret=secret)
        except NotAuthenticated:
            request.state.session_expired = True
    request.state.principal = principal
    return principal


def require_principal(ctx: Context, request: Request) -> Principal:
    """The signed-in user, or LoginRequired."""
    p = optional_principal(ctx, request)
    if p is None:
        raise LoginRequired(expired=bool(getattr(request.state, "session_expired", False)))
    return p


def check_csrf(request: Request, principal: Principal, form: FormData | None) -> None:
    """Refuse a POST whose CSRF token (form field or header) is not the session's."""
    sent = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    expected = principal.csrf_token or ""
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_login_csrf(request: Request, form: FormData, *, cookie_name: str = LOGIN_CSRF_COOKIE) -> None:
    """The login (or setup) form's token must equal its cookie (double submit)."""
    cookie = request.cookies.get(cookie_name) or ""
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise CsrfFailed()


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
