"""API schemas of credit: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    Field,
)

from lianrong.api.schemas import Day, Fen, Input, Output, Page, PartyRef


class CreditLineCreate(Input):
    core: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    limit_fen: Fen
    valid_from: Day
    valid_to: Day


class CreditLineRead(Output):
    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    occupied_fen: int = 0
    available_fen: int | None = None
    valid_from: dt.date
    valid_to: dt.date


class CreditLinePage(Page[CreditLineRead]):
    pass
