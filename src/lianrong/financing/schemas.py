"""API schemas of financing: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from lianrong.api.schemas import (
    Fen,
    Id,
    Input,
    IsoMoment,
    Moment,
    Output,
    Page,
    PartyRef,
    text,
)
from lianrong.documents.schemas import TradeDocumentsRead
from lianrong.financing.model import REGISTRATION_NO_MAX, REGISTRATION_NO_MIN, FinancingStatus
from lianrong.vouchers.schemas import FragmentRead

#: a 中登网 registration number: the limits of ``financing.model.check_registration_no``
RegistrationNo = text(REGISTRATION_NO_MAX, min_length=REGISTRATION_NO_MIN)

#: a rate or ratio as the API has always written it: the exact decimal as a string ("0.0340")
DecimalText = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, Decimal) else v)]


class FinancingCreate(Input):
    fragment_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    bank: PartyRef | None = Field(None, description="default: the voucher's bank")
    principal_fen: Fen | None = Field(None, description="default: the most the financing ratio allows")


class PreviewRead(Output):
    """Read from the service's ``Price``."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    core_id: str
    face_fen: int
    principal_fen: int
    ratio: DecimalText
    lpr: DecimalText
    spread: DecimalText
    annual_rate: DecimalText
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


class FinancingApplied(Output):
    id: str
    status: FinancingStatus
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
    status: FinancingStatus
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


class FinancingRowRead(FinancingRead):
    """A financing as listed: its whole record but the checklist."""

    lpr: str
    spread: str
    registered_at: IsoMoment | None = None
    applied_by: str
    reviewed_by: str | None = None
    disbursed_by: str | None = None
    credit_line_id: str | None = None
    occupied_fen: int
    created_at: IsoMoment


class FinancingPage(Page[FinancingRowRead]):
    pass


class FinancingFragmentRead(FragmentRead):
    """A fragment a financing is secured by: the fragment's record (the read model's extras are not shown)."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    core_id: str
    contract_id: str | None = None
    financing_id: str | None = None
    created_at: dt.datetime


class FinancingDetail(FinancingRead):
    """Read from ``financing.queries.FinancingDetail``: the financing's record, its fragments and documents
    (the names and worklist parts of the read model are the console's and are not shown here)."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    lpr: str
    spread: str
    registered_at: dt.datetime | None = None
    applied_by: str
    reviewed_by: str | None = None
    disbursed_by: str | None = None
    credit_line_id: str | None = None
    occupied_fen: int
    created_at: dt.datetime
    checklist: dict[str, bool] = {}
    fragments: list[FinancingFragmentRead]
    documents: list[TradeDocumentsRead]

    @classmethod
    def of(cls, detail: Any) -> FinancingDetail:
        return cls.model_validate({**detail.financing, "fragments": detail.fragments, "documents": detail.documents})


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
    status: FinancingStatus
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
    status: FinancingStatus
    financing_on: dt.date
    days: int
    principal_fen: int
    interest_fen: int
    net_fen: int
    instruction_id: str
    instruction_status: str
