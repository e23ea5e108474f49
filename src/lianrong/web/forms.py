"""Console forms: the posted fields, their parsing and errors as data, validated by the API's own schemas."""

from __future__ import annotations

import datetime as dt
import re
import typing
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from starlette.datastructures import UploadFile

from lianrong.kernel import errors
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import parse_yuan
from lianrong.web import i18n
from lianrong.web.auth import CSRF_FIELD

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


_PERCENT = re.compile(r"[+-]?[0-9]+(?:\.([0-9]+))?", re.ASCII)


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


def percent_text(fraction: Any, *, places: int = 0) -> str:
    """A fraction as a percentage with at least ``places`` decimals: ``0.955`` → ``95.5%``, ``0.03`` (2) → ``3.00%``."""
    pct = Decimal(str(fraction)).scaleb(2).normalize()
    exponent = pct.as_tuple().exponent
    shown = max(-exponent if isinstance(exponent, int) and exponent < 0 else 0, places)
    return f"{pct:.{shown}f}%"


def new_key() -> str:
    """A fresh idempotency key for a form as it is rendered."""
    return f"web-{uuid.uuid4().hex}"
