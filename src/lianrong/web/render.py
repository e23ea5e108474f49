"""Rendering: the Jinja2 environment, the per-request ``UI`` helper, forms that keep their input.

A page handler gets a ``UI`` (who is signed in, in which language, with which CSRF token) and calls
``ui.page(template, ...)``; a form handler builds a ``Form`` from the posted fields, parses amounts
and dates into it (refusals attach to the field), calls one service, and either redirects
(``ui.done``) or renders the form again with the user's input and the error (``ui.form_error``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from lianrong.accounts.service import Principal
from lianrong.adapters import signing
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import amount_in_words, format_yuan
from lianrong.platform.context import Context
from lianrong.settings import secure_transport
from lianrong.web import i18n
from lianrong.web.auth import CSRF_FIELD, HOME, console_role
from lianrong.web.forms import Form, percent_text
from lianrong.web.i18n import N_

TEMPLATES = Path(__file__).parent / "templates"


FLASH_COOKIE = "lr_flash"


#: the one-time message cookie is signed with the secret key: no other site can plant a message
_FLASH_PURPOSE = "lianrong.flash"


#: labels of record statuses (vouchers, fragments, financings, instructions)
STATUS = {
    "pending": N_("Pending approval"),
    "active": N_("Active"),
    "settled": N_("Settled"),
    "overdue": N_("Overdue"),
    "rejected": N_("Rejected"),
    "spent": N_("Transferred"),
    "frozen": N_("Frozen"),
    "financed": N_("Financed"),
    "applied": N_("Applied"),
    "approved": N_("Approved"),
    "disbursed": N_("Disbursed"),
    "repaid": N_("Repaid"),
    "confirmed": N_("Confirmed"),
    "failed": N_("Failed"),
}


#: badge colour of each status
TONE = {
    "pending": "warn",
    "applied": "warn",
    "frozen": "warn",
    "approved": "info",
    "active": "ok",
    "disbursed": "info",
    "financed": "info",
    "settled": "muted",
    "repaid": "muted",
    "confirmed": "ok",
    "spent": "muted",
    "rejected": "muted",
    "overdue": "bad",
    "failed": "bad",
}


KIND = {"disbursement": N_("Disbursement"), "settlement": N_("Settlement"), "surplus": N_("Surplus refund")}


OPS = {
    "prepare": N_("Prepared"),
    "bank_approve_term": N_("Term approved by the bank"),
    "issue": N_("Issued"),
    "reject": N_("Rejected"),
    "transfer": N_("Split / transferred"),
    "finance_apply": N_("Financing applied for"),
    "finance_approve": N_("Financing approved"),
    "finance_rejected": N_("Financing rejected"),
    "finance_disburse": N_("Financing disbursed"),
    "finance_expired": N_("Financing expired at maturity"),
    "settle_instruct": N_("Settlement instructed"),
    "settle": N_("Payment confirmed"),
    "overdue": N_("Overdue"),
}


ROLE = {"operator": N_("Operator"), "approver": N_("Approver"), "viewer": N_("Viewer"), "admin": N_("Administrator")}


AREA = {
    "core": N_("Core enterprise"),
    "supplier": N_("Supplier"),
    "bank": N_("Bank"),
    "overseer": N_("District office"),
    "none": N_("Organisation"),
}


def _percent(value: Any, places: int = 0) -> str:
    try:
        return percent_text(value, places=places)
    except (ArithmeticError, TypeError, ValueError):
        return "—"


def _yuan(fen: Any) -> str:
    if fen is None or fen == "":
        return "—"
    return format_yuan(int(fen))


def _words(fen: Any) -> str:
    try:
        return amount_in_words(int(fen))
    except (LianRongError, TypeError, ValueError):
        return ""


def _date(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return str(value)[:10]


def _datetime(value: Any) -> str:
    if value is None or value == "":
        return "—"
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return text[:16].replace("T", " ")


def _pct(value: Any, digits: int = 2) -> str:
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return "—"


#: a voucher (not a part of it) that is issued and unpaid circulates
VOUCHER_STATUS = {"active": N_("In circulation")}


def _status(value: Any, kind: str | None = None) -> Markup:
    labels = {**STATUS, **VOUCHER_STATUS} if kind == "voucher" else STATUS
    label = i18n.gettext(labels.get(str(value), str(value)))
    tone = TONE.get(str(value), "muted")
    return Markup('<span class="badge badge-{}" data-testid="status" data-status="{}">{}</span>').format(
        tone, value, label
    )


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        yuan=_yuan, words=_words, date=_date, datetime=_datetime, pct=_pct, status=_status, percent=_percent
    )
    env.globals.update(
        kind_label=lambda k: i18n.gettext(KIND.get(k, k)),
        op_label=lambda o: i18n.gettext(OPS.get(o, o)),
        role_label=lambda r: i18n.gettext(ROLE.get(r, r)),
        area_label=lambda a: i18n.gettext(AREA.get(a, a)),
    )
    return env


ENV = make_env()


@dataclass
class UI:
    """What a console handler needs: the request, who is signed in, the language, rendering."""

    request: Request
    ctx: Context
    principal: Principal | None
    lang: str

    @property
    def role(self) -> str:
        return console_role(self.principal) if self.principal else "none"

    @property
    def actor(self) -> Any:
        assert self.principal is not None
        return self.principal.actor

    @property
    def party_id(self) -> str:
        return self.actor.party_id

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def t(self, message: str, **kw: Any) -> str:
        text = i18n.translations(self.lang).gettext(message)
        return text % kw if kw else text

    def blank(self, **values: Any) -> Form:
        return Form.blank(self.lang, **values)

    def posted(self, data: Any) -> Form:
        return Form.posted(data, self.lang)

    def base_context(self) -> dict[str, Any]:
        from lianrong.web.nav import nav_for

        flash = self._take_flash()
        return {
            "request": self.request,
            "path": self.request.url.path,
            "principal": self.principal,
            "role": self.role,
            "lang": self.lang,
            "html_lang": i18n.LANGUAGES[self.lang][1],
            "csrf": self.principal.csrf_token if self.principal else "",
            "csrf_field": CSRF_FIELD,
            "nav": nav_for(self.role, self.request.url.path) if self.principal and nav_for else [],
            "home": HOME.get(self.role, "/") if self.principal else "/",
            "flash": flash,
            "today": self.ctx.clock.today(),
        }

    def _take_flash(self) -> dict[str, Any] | None:
        raw = self.request.cookies.get(FLASH_COOKIE)
        if not raw:
            return None
        self.request.state.clear_flash = True
        raw = signing.unsign(signing.secret_key(self.ctx.settings), _FLASH_PURPOSE, raw)
        if raw is None:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
            msg = i18n.translations(self.lang).gettext(str(data["m"]))
            return {"message": msg % data.get("a", {}) if data.get("a") else msg, "tone": data.get("t", "ok")}
        except (ValueError, KeyError, TypeError):
            return None

    def render(
        self, template: str, *, http_status: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> HTMLResponse:
        i18n.set_language(self.lang)
        html = ENV.get_template(template).render(**self.base_context(), **context)
        response = HTMLResponse(html, status_code=http_status, headers=headers)
        if getattr(self.request.state, "clear_flash", False):
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def form_error(self, full: str, partial: str, **context: Any) -> HTMLResponse:
        """A refused form: the partial for HTMX (swapped in place), else the whole page, input kept.

        ``context`` holds what the page needs, including ``form`` (the refused form) for the partial.
        """
        if self.is_htmx:
            return self.render(partial, **context)
        return self.render(full, http_status=422, **context)

    def done(self, url: str, message: str | None = None, tone: str = "ok", **args: Any) -> Response:
        """Success: go to ``url`` (HX-Redirect for HTMX) with a one-time message."""
        if self.is_htmx:
            response: Response = Response(status_code=200, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        if message:
            payload = base64.urlsafe_b64encode(
                json.dumps({"m": message, "a": args, "t": tone}, ensure_ascii=False).encode()
            ).decode()
            response.set_cookie(
                FLASH_COOKIE,
                signing.sign(signing.secret_key(self.ctx.settings), _FLASH_PURPOSE, payload),
                path="/",
                httponly=True,
                samesite="lax",
                max_age=120,
                secure=secure_transport(self.ctx.settings, self.request.url.scheme),
            )
        return response
