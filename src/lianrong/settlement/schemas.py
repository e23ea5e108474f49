"""API schemas of settlement: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
)

from lianrong.api.schemas import Day, Input, IsoMoment, Output, Page, values_of
from lianrong.settlement import model

#: the API's names for the payment instructions' vocabularies
PaymentStatus = values_of(model.PaymentStatus)
PaymentKind = values_of(model.PaymentKind)


class SettlementCreate(Input):
    date: Day | None = Field(None, description="maturity date to settle (default: today)")


class SettlementErrorRead(Output):
    """A voucher the run could not settle: its id and the refusal's error body."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    voucher_id: str
    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


class SettlementRead(Output):
    """Read from ``settlement.service.SettlementRun``."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    date: dt.date
    vouchers: int
    instructions: int
    confirmed: int
    failed: int
    pending: int
    overdue: list[str]
    errors: list[SettlementErrorRead]


class PaymentRead(Output):
    """A payment instruction (the read model ``settlement.queries.PaymentInstruction``)."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    core_id: str
    kind: str
    voucher_id: str | None = None
    fragment_id: str | None = None
    financing_id: str | None = None
    payer_id: str
    payee_id: str
    payee_account: str | None = None
    bank_id: str
    amount_fen: int
    value_on: dt.date
    status: str
    reference: str | None = None
    failure: str | None = None
    created_at: IsoMoment
    confirmed_at: IsoMoment | None = None


class PaymentPage(Page[PaymentRead]):
    pass


class ConfirmationsRead(Output):
    """Read from ``settlement.confirmations.ConfirmationsApplied``."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    applied: int
    confirmed: int
    failed: int
    unchanged: int = Field(0, description="rows of instructions already confirmed or failed (left as they are)")
