"""Where every user starts: the root (setup, login or the area's home), the page of a user whose organisation
has no console area, and the language switch. The areas' pages are the features' (``<feature>/console.py``);
``lianrong.web.nav`` lists them per area."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from lianrong.accounts.console import secure
from lianrong.kernel import errors
from lianrong.parties import service as parties
from lianrong.web import i18n
from lianrong.web.auth import HOME, console_role, safe_next
from lianrong.web.console import anyone, console_router, signed_in
from lianrong.web.render import UI

router = console_router()

LANG_MAX_AGE = 365 * 24 * 3600


@router.get("/")
def root(ui: UI = Depends(anyone)) -> Response:
    if ui.principal is None:
        return RedirectResponse("/setup" if parties.needs_setup(ui.ctx) else "/login", status_code=303)
    return RedirectResponse(HOME[console_role(ui.principal)], status_code=303)


@router.get("/home")
def home(ui: UI = Depends(signed_in)) -> Response:
    if ui.role != "none":
        return RedirectResponse(HOME[ui.role], status_code=303)
    return ui.render("home.html")


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request, next: str = "") -> Response:  # noqa: A002
    if lang not in i18n.LANGUAGES:
        raise errors.NotFound("page", f"/lang/{lang}")
    referer = request.headers.get("referer", "")
    if not next and referer.startswith(str(request.base_url)):
        next = "/" + referer[len(str(request.base_url)) :]  # noqa: A001
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    response.set_cookie(i18n.LANG_COOKIE, lang, path="/", max_age=LANG_MAX_AGE, samesite="lax", secure=secure(request))
    return response
