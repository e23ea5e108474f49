"""Rendering: the Jinja2 environment, the per-request ``UI`` helper, forms that keep their input.

A page handler gets a ``UI`` (who is signed in, in which language, with which CSRF token) and calls
``ui.page(template, ...)``; a form handler builds a ``Form`` from the posted fields, parses amounts
and dates into it (refusals attach to the field), calls one service, and either redirects
(``ui.done``) or renders the form again with the user's input and the error (``ui.form_error``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import typing
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from starlette.datastructures import UploadFile

from lianrong.accounts.service import Principal
from lianrong.adapters import signing
from lianrong.kernel import errors
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import amount_in_words, format_yuan, parse_yuan
from lianrong.platform.context import Context
from lianrong.settings import secure_transport
from lianrong.web import i18n
from lianrong.web.auth import CSRF_FIELD, HOME, console_role
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


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_PERCENT = re.compile(r"[+-]?[0-9]+(?:\.([0-9]+))?", re.ASCII)


def percent_text(fraction: Any, *, places: int = 0) -> str:
    """A fraction as a percentage with at least ``places`` decimals: ``0.955`` → ``95.5%``, ``0.03`` (2) → ``3.00%``."""
    pct = Decimal(str(fraction)).scaleb(2).normalize()
    exponent = pct.as_tuple().exponent
    shown = max(-exponent if isinstance(exponent, int) and exponent < 0 else 0, places)
    return f"{pct:.{shown}f}%"


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


def new_key() -> str:
    """A fresh idempotency key for a form as it is rendered."""
    return f"web-{uuid.uuid4().hex}"


#: problems of a refused file shown in full (the rest are counted)
SHOWN_ROWS = 50


def error_dict(exc: LianRongError, lang: str) -> dict[str, Any]:
    """A domain refusal as the console shows it: code, message in the user's language, row problems."""
    shown: dict[str, Any] = {"code": exc.code, "message": exc.message_en if lang == "en" else exc.message_zh}
    rows = exc.details.get("rows")
    if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
        key = "message_en" if lang == "en" else "message_zh"
        shown["items"] = [
            {
                "row": r.get("row"),
                "column": r.get("column_zh") if lang != "en" else r.get("column"),
                "message": r.get(key) or r.get("message_zh") or "",
            }
            for r in rows[:SHOWN_ROWS]
        ]
        shown["more"] = max(len(rows) - SHOWN_ROWS, 0)
    return shown


Model = TypeVar("Model", bound=BaseModel)


def schema_range(schema: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The inclusive bounds (``ge`` / ``le``; None when unbounded) of a field of an API schema, so a form
    parses a whole number or a percentage within the very range the schema accepts (one place for it)."""
    low = high = None

    def walk(metadata: Any) -> None:
        nonlocal low, high
        for item in metadata:
            if isinstance(item, FieldInfo):
                walk(item.metadata)
            low = getattr(item, "ge", low)
            high = getattr(item, "le", high)

    info = schema.model_fields[name]
    walk(info.metadata)
    for arg in (info.annotation, *typing.get_args(info.annotation)):
        walk(getattr(arg, "__metadata__", ()))
    return low, high


#: pydantic's bound of a refused value, as the reason shown (``validation.failed``)
_BOUNDS = {
    "string_too_long": ("≤", "max_length"),
    "too_long": ("≤", "max_length"),
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
    "string_pattern_mismatch": ("", "pattern"),
}


@dataclass
class Form:
    """Posted values (kept to re-render the form), per-field errors and a form-level error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    error: dict[str, str] | None = None
    lang: str = "zh"
    #: the domain refusal the form was answered with (``web.console.submit``)
    refusal: LianRongError | None = None

    @classmethod
    def blank(cls, lang: str, **values: Any) -> Form:
        return cls(values={"idempotency_key": new_key(), **values}, lang=lang)

    @classmethod
    def posted(cls, data: Any, lang: str) -> Form:
        values: dict[str, Any] = {}
        for k in data:
            items = data.getlist(k)
            values[k] = items if len(items) > 1 else items[0]
        values.pop(CSRF_FIELD, None)
        if not values.get("idempotency_key"):
            values["idempotency_key"] = new_key()
        return cls(values=values, lang=lang)

    def get(self, name: str, default: Any = "") -> Any:
        v = self.values.get(name, default)
        return v if v is not None else default

    def file(self, name: str, *, required: bool = True) -> UploadFile | None:
        """A posted file, taken out of the kept values (a file is never shown again); a missing required
        one is a field error."""
        upload = self.values.pop(name, None)
        if isinstance(upload, UploadFile) and upload.filename:
            return upload
        if required:
            self.text(name)
        return None

    def text(self, name: str, *, required: bool = True, max_len: int = 200) -> str:
        value = str(self.get(name)).strip()
        if required and not value:
            self.errors[name] = self._required()
        elif len(value) > max_len:
            self.fail(name, errors.ValidationFailed(reason=f"≤ {max_len}"))
        return value

    def yuan(self, name: str, *, required: bool = True) -> int | None:
        """An amount typed in yuan, as fen (parse_yuan), or a refusal on the field."""
        raw = str(self.get(name)).strip()
        if not raw:
            if required:
                self.text(name)
            return None
        try:
            return parse_yuan(raw)
        except LianRongError as exc:
            self.fail(name, exc)
            return None

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        raw = str(self.get(name)).strip()
        if not raw:
            if required:
                self.text(name)
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.fail(name, errors.InvalidDate(value=raw))
            return None

    def integer(self, name: str, *, low: int, high: int, required: bool = True) -> int | None:
        """A whole number typed in ``[low, high]`` (full-width digits accepted), or a refusal on the field."""
        raw = str(self.get(name)).strip()
        if not raw:
            if required:
                self.text(name)
            return None
        text = unicodedata.normalize("NFKC", raw).replace(",", "").strip()
        if not _INTEGER.fullmatch(text):
            self.fail(name, errors.NotAWholeNumber(value=raw))
            return None
        value = int(text)
        if not low <= value <= high:
            self.fail(name, errors.OutOfRange(low=low, high=high, value=raw))
            return None
        return value

    def percent(
        self, name: str, *, low: Decimal, high: Decimal, places: int = 2, required: bool = True
    ) -> Decimal | None:
        """A percentage typed as ``90``, ``0.50`` or ``3.45%``, as a fraction in ``[low, high]``, or a refusal."""
        raw = str(self.get(name)).strip()
        if not raw:
            if required:
                self.text(name)
            return None
        text = unicodedata.normalize("NFKC", raw).strip().removesuffix("%").strip()
        match = _PERCENT.fullmatch(text)
        if not match or len(match.group(1) or "") > places:
            self.fail(name, errors.PercentMalformed(value=raw, places=places))
            return None
        value = Decimal(text).scaleb(-2)
        if not low <= value <= high:
            self.fail(name, errors.OutOfRange(low=percent_text(low), high=percent_text(high), value=raw))
            return None
        return value

    def validated(
        self, schema: type[Model], data: dict[str, Any], *, fields: dict[str, str] | None = None
    ) -> Model | None:
        """``data`` (parsed from the form: fen, dates, …) validated by the API's own ``schema``: its limits
        are the form's. Pydantic's refusals become the form's field errors, in the form's language, on the
        form field ``fields`` maps the schema's field to (default: the same name); a field already refused
        by its parsing keeps that error. None when anything was refused."""
        try:
            model = schema.model_validate(data)
        except ValidationError as exc:
            for problem in exc.errors():
                loc = problem.get("loc") or ()
                key = str(loc[0]) if loc else ""
                name = (fields or {}).get(key, key) or None
                if name is not None and name not in self.values and key not in (fields or {}):
                    name = None  # no such field on the form: the form's error
                if name is not None and name in self.errors:
                    continue
                self._refuse(name, problem)
            return None
        return model if self.ok else None

    def _refuse(self, name: str | None, problem: Any) -> None:
        kind = problem.get("type", "")
        ctx = problem.get("ctx") or {}
        value = problem.get("input")
        if kind == "missing" or (kind == "string_too_short" and not str(value or "").strip()) or value is None:
            if name is None:
                self.error = self._required()
            else:
                self.errors[name] = self._required()
            return
        sign, bound = _BOUNDS.get(kind, ("", ""))
        reason = f"{sign} {ctx[bound]}".strip() if bound in ctx else str(problem.get("msg", kind))
        self.fail(name, errors.ValidationFailed(reason=reason))

    def _required(self) -> dict[str, str]:
        return {
            "code": "validation.required",
            "message": i18n.translations(self.lang).gettext("This field is required"),
        }

    def checked(self, name: str) -> bool:
        return str(self.get(name)).lower() in ("1", "on", "true", "yes")

    def fail(self, name: str | None, exc: LianRongError) -> None:
        if name:
            self.errors[name] = error_dict(exc, self.lang)
        else:
            self.error = error_dict(exc, self.lang)

    @property
    def ok(self) -> bool:
        return not self.errors and self.error is None


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
