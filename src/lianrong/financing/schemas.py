"""API schemas of financing: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    Field,
)

from lianrong.api.schemas import (
    Fen,
    Id,
    Input,
    Moment,
    Output,
    Page,
    PartyRef,
    RegistrationNo,
    text,
)
from lianrong.documents.schemas import TradeDocumentsRead
from lianrong.vouchers.schemas import FragmentRead


class FinancingCreate(Input):
    fragment_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    bank: PartyRef | None = Field(None, description="default: the voucher's bank")
    principal_fen: Fen | None = Field(None, description="default: the most the financing ratio allows")


class PreviewRead(Output):
    core_id: str
    face_fen: int
    principal_fen: int
    ratio: str
    lpr: str
    spread: str
    annual_rate: str
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


class FinancingApplied(Output):
    id: str
    status: str
    bank_id: str
    applicant_id: str
    face_fen: int
    principal_fen: int
    annual_rate: str
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


class FinancingRead(Output):
    id: str
    core_id: str
    bank_id: str
    applicant_id: str
    status: str
    face_fen: int
    principal_fen: int
    annual_rate: str
    applied_on: dt.date
    financing_on: dt.date | None = None
    maturity_on: dt.date
    days: int
    interest_fen: int
    net_fen: int
    registration_no: str | None = None


class FinancingPage(Page[FinancingRead]):
    pass


class FinancingDetail(FinancingRead):
    checklist: dict[str, bool] = {}
    fragments: list[FragmentRead]
    documents: list[TradeDocumentsRead]


class Checklist(Input):
    contract: bool = False
    invoices: bool = False
    documents: bool = False


class ReviewCreate(Input):
    approve: bool
    checklist: Checklist = Checklist()
    reason: text(500) | None = None
    registration_no: RegistrationNo | None = Field(None, description="中登网 registration number, if already made")
    registered_at: Moment | None = None


class ReviewRead(Output):
    id: str
    status: str
    checklist: dict[str, bool] | None = None


class RegistrationCreate(Input):
    registration_no: RegistrationNo
    registered_at: Moment | None = Field(None, description="default: now")


class RegistrationRead(Output):
    id: str
    registration_no: str
    registered_at: dt.datetime


class DisbursementRead(Output):
    id: str
    status: str
    financing_on: dt.date
    days: int
    principal_fen: int
    interest_fen: int
    net_fen: int
    instruction_id: str
    instruction_status: str
