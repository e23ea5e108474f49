"""Request and response schemas of the HTTP API: ``XCreate`` (a request body), ``XRead`` (one record),
``XPage`` (``{items, total, limit, offset}``).

Amounts are integer fen (``*_fen``), dates ISO ``YYYY-MM-DD``, rates decimal fractions as strings
(``"0.0350"``). Read schemas (``Output``) read the services' typed results by attribute (``from_attributes``)
and answer exactly the fields they declare (``extra="ignore"``): a field a client gets is named here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from lianrong.kernel.money import MAX_FEN

#: ids (``vch_01…``) and party references (an id or a 统一社会信用代码)
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


PartyRef = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


#: free text: no NUL (PostgreSQL refuses it in text), bounded length
TEXT_PATTERN = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 1) -> Any:
    """A bounded free-text field type."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN)]


Fen = Annotated[int, Field(strict=True, ge=1, le=MAX_FEN, description="amount in fen (分), a positive integer")]


SHA256_PATTERN = r"^[0-9a-f]{64}$"


Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]


Ratio = Annotated[
    Decimal, Field(gt=0, le=1, max_digits=12, decimal_places=8, description="a fraction in (0, 1], e.g. 0.9")
]


Spread = Annotated[
    Decimal,
    Field(
        ge=Decimal("-0.05"),
        le=Decimal("0.5"),
        max_digits=12,
        decimal_places=8,
        description="added to the LPR, as a fraction, e.g. 0.0050",
    ),
]


Day = Annotated[dt.date, Field(ge=dt.date(1990, 1, 1), le=dt.date(2199, 12, 31))]


def _in_range(value: dt.datetime) -> dt.datetime:
    if not dt.datetime(1990, 1, 1, tzinfo=dt.UTC) <= value <= dt.datetime(2200, 1, 1, tzinfo=dt.UTC):
        raise ValueError("must be between 1990 and 2199")
    return value


#: a moment with its time zone (``2026-11-26T10:00:00+08:00``)
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


#: a recorded moment in a response, as its ISO text with its offset (``2026-11-26T02:00:00+00:00``)
IsoMoment = Annotated[str, BeforeValidator(_iso)]


def values_of(vocabulary: type[StrEnum]) -> Any:
    """A field type accepting the values of a feature's vocabulary (its ``StrEnum``), shown in OpenAPI as
    the plain list of strings it always was."""
    return Literal[tuple(member.value for member in vocabulary)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


T = TypeVar("T")


class Page(Output, Generic[T]):
    """One page of a list: ``items`` of at most ``limit``, from ``offset``, of ``total``."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorRead(BaseModel):
    """The one error body: a stable code, Chinese and English messages, and details."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


SplitFindingCode = Literal["depth_near_limit", "many_parts", "rapid_splitting", "round_trip"]
