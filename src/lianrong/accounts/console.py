"""The console's sign-in: login, logout, and the one-time setup page (the district office's first
administrator)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from lianrong.accounts import errors as accounts_errors
from lianrong.accounts import service as accounts
from lianrong.api.deps import count_login_attempt
from lianrong.api.errors import error_headers, http_status
from lianrong.kernel import errors
from lianrong.parties import service as parties
from lianrong.settings import secure_transport
from lianrong.web.auth import (
    HOME,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SETUP_CSRF_COOKIE,
    check_login_csrf,
    console_role,
    new_login_csrf,
    safe_next,
)
from lianrong.web.console import Posted, anyone, console_router, post, read_form, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

#: where a refusal of the setup form is shown
_SETUP_FIELDS = {
    "auth.weak_password": "password",
    "user.exists": "username",
    "party.uscc_invalid": "office_uscc",
    "party.exists": "office_uscc",
    "party.wrong_kind": "office_uscc",
}


def secure(request: Request) -> bool:
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
    response = ui.render(
        "login.html", http_status=status, form=form, login_csrf=token, expired=expired, demo_hint=_demo_hint(ui)
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=secure(ui.request),
        max_age=3600,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _setup_page(ui: UI, form: Form, *, status: int = 200) -> Response:
    token = new_login_csrf()
    response = ui.render(
        "setup.html", http_status=status, form=form, setup_csrf=token, office=parties.district_office(ui.ctx)
    )
    response.set_cookie(
        SETUP_CSRF_COOKIE,
        token,
        path="/setup",
        httponly=True,
        samesite="strict",
        secure=secure(ui.request),
        max_age=3600,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


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

    def action() -> Response:
        count_login_attempt(ui.request, ui.ctx)
        principal = accounts.authenticate(ui.ctx, username=username, password=password)
        secret, _csrf = accounts.open_session(ui.ctx, principal=principal)
        target = safe_next(str(form_data.get("next") or ""), HOME[console_role(principal)])
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            secret,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure(ui.request),
            max_age=int(accounts.SESSION_TTL.total_seconds()),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    def refused() -> Response:
        assert form.refusal is not None
        response = _login_page(ui, form, status=http_status(form.refusal))
        if http_status(form.refusal) == 429:  # throttled (the address or the user name): when to try again
            response.headers.update(error_headers(form.refusal))
        return response

    return submit(form, action, refused)


@router.get("/setup")
def setup_form(ui: UI = Depends(anyone)) -> Response:
    if not parties.needs_setup(ui.ctx):  # once any user exists there is no such page
        raise errors.NotFound("page", "/setup")
    return _setup_page(ui, ui.blank(username="admin"))


@router.post("/setup")
def setup(form_data: FormData = Depends(read_form), ui: UI = Depends(anyone)) -> Response:
    if not parties.needs_setup(ui.ctx):
        raise errors.NotFound("page", "/setup")
    check_login_csrf(ui.request, form_data, cookie_name=SETUP_CSRF_COOKIE)
    form = ui.posted(form_data)
    password = str(form_data.get("password") or "")
    confirm = str(form_data.get("password_confirm") or "")
    form.values.pop("password", None)  # never echo a password back
    form.values.pop("password_confirm", None)
    office = parties.district_office(ui.ctx)
    office_name = form.text("office_name") if office is None else None
    office_uscc = form.text("office_uscc", max_len=18) if office is None else None
    username = form.text("username", max_len=80)
    display_name = form.text("display_name", required=False, max_len=120)
    if password != confirm:
        form.fail("password_confirm", accounts_errors.PasswordsDiffer())

    def action() -> Response:
        parties.create_district_admin(
            ui.ctx,
            username=username,
            password=password,
            display_name=display_name or None,
            office_name=office_name,
            office_uscc=office_uscc,
            first_user=True,
        )
        return ui.done(
            "/login", N_("Administrator %(name)s created: log in with the password you chose."), name=username
        )

    return submit(
        form, action, lambda: _setup_page(ui, form, status=422), fields=_SETUP_FIELDS, passthrough=(errors.NotFound,)
    )


@router.get("/logout")
def logout_get() -> Response:
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(posted: Posted = Depends(post())) -> Response:
    ui, _ = posted
    accounts.close_session(ui.ctx, secret=ui.request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
