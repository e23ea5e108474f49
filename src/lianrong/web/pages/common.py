"""Pages every user meets: home redirect, login, logout, language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...domain import errors
from ...domain.errors import LianRongError
from ...services import accounts, parties
from ...settings import secure_transport
from .. import i18n
from ..auth import (
    HOME,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_login_csrf,
    console_role,
    new_login_csrf,
    safe_next,
)
from ..console import Deps, read_form
from ..render import UI, Form

LANG_MAX_AGE = 365 * 24 * 3600


def _secure(request: Request) -> bool:
    """Cookies go out ``Secure`` over HTTPS: an ``https`` request, or a deployment served over HTTPS."""
    return secure_transport(request.app.state.ctx.settings, request.url.scheme)


def _demo_hint(ui: UI) -> bool:
    if getattr(ui.ctx.settings, "environment", "development") == "production":
        return False
    try:
        parties.actor_for(ui.ctx, "yukou_op")
    except errors.NotFound:
        return False
    return True


def _login_page(ui: UI, form: Form, *, status: int = 200, expired: bool = False) -> Response:
    token = new_login_csrf()
    response = ui.render("login.html", http_status=status, form=form, login_csrf=token, expired=expired,
                         demo_hint=_demo_hint(ui))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/login", httponly=True, samesite="strict",
                        secure=_secure(ui.request), max_age=3600)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(router: APIRouter, deps: Deps) -> None:
    anyone = deps.ui(login=False)

    @router.get("/")
    def root(ui: UI = Depends(anyone)) -> Response:
        if ui.principal is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse(HOME[console_role(ui.principal)], status_code=303)

    @router.get("/home")
    def home(ui: UI = Depends(deps.ui())) -> Response:
        if ui.role != "none":
            return RedirectResponse(HOME[ui.role], status_code=303)
        return ui.render("home.html")

    @router.get("/login")
    def login_form(next: str = "", expired: int = 0, ui: UI = Depends(anyone)) -> Response:  # noqa: A002
        if ui.principal is not None:
            return RedirectResponse(safe_next(next, HOME[console_role(ui.principal)]), status_code=303)
        return _login_page(ui, ui.blank(next=safe_next(next, "")), expired=bool(expired))

    @router.post("/login")
    def login(form_data: FormData = Depends(read_form), ui: UI = Depends(anyone)) -> Response:
        check_login_csrf(ui.request, form_data)
        form = ui.posted(form_data)
        form.values.pop("password", None)  # never echo a password back
        username = str(form_data.get("username") or "").strip()
        password = str(form_data.get("password") or "")
        try:
            principal = accounts.authenticate(ui.ctx, username=username, password=password)
        except LianRongError as exc:
            form.fail(None, exc)
            return _login_page(ui, form, status=401 if exc.status == 401 else exc.status)
        secret, _csrf = accounts.open_session(ui.ctx, principal=principal)
        target = safe_next(str(form_data.get("next") or ""), HOME[console_role(principal)])
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, secret, path="/", httponly=True, samesite="lax", secure=_secure(ui.request),
                            max_age=int(accounts.SESSION_TTL.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @router.get("/logout")
    def logout_get() -> Response:
        return RedirectResponse("/", status_code=303)

    @router.post("/logout")
    def logout(posted: tuple[UI, FormData] = Depends(deps.post())) -> Response:
        ui, _ = posted
        accounts.close_session(ui.ctx, secret=ui.request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/lang/{lang}")
    def switch_language(lang: str, request: Request, next: str = "") -> Response:  # noqa: A002
        if lang not in i18n.LANGUAGES:
            raise errors.NotFound("page", f"/lang/{lang}")
        referer = request.headers.get("referer", "")
        if not next and referer.startswith(str(request.base_url)):
            next = "/" + referer[len(str(request.base_url)):]  # noqa: A001
        response = RedirectResponse(safe_next(next, "/"), status_code=303)
        response.set_cookie(i18n.LANG_COOKIE, lang, path="/", max_age=LANG_MAX_AGE, samesite="lax",
                            secure=_secure(request))
        return response
