"""API schemas of credit: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    ConfigDict,
    Field,
)

from lianrong.api.schemas import Day, Fen, Input, IsoMoment, Output, Page, PartyRef


class CreditLineCreate(Input):
    core: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    limit_fen: Fen
    valid_from: Day
    valid_to: Day


class CreditLineRead(Output):
    """A credit line (the read model ``credit.queries.CreditLine``, or a grant's answer)."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    occupied_fen: int = 0
    available_fen: int | None = None
    valid_from: dt.date
    valid_to: dt.date
    created_at: IsoMoment | None = Field(None, description="when granted")


class CreditLinePage(Page[CreditLineRead]):
    pass
