"""What financing's use cases answer: frozen records, replayed as the same values (``platform.results``).

The field names are the keys the idempotency records of earlier calls hold: a replay of an old key rebuilds
the same record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lianrong.financing.model import FinancingStatus
from lianrong.settlement.model import PaymentStatus


@dataclass(frozen=True, slots=True)
class FinancingApplication:
    """A financing as applied for: its assets reserved, priced from the day of the application."""

    id: str
    status: FinancingStatus
    bank_id: str
    applicant_id: str
    face_fen: int
    principal_fen: int
    annual_rate: Decimal
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: dt.date


@dataclass(frozen=True, slots=True)
class FinancingReview:
    """The bank's decision on an application: its new status, and the checklist it approved with."""

    id: str
    status: FinancingStatus
    checklist: Mapping[str, bool] | None = None  # only on approval


@dataclass(frozen=True, slots=True)
class FinancingRegistration:
    """The 中登网 registration recorded on a financing."""

    id: str
    registration_no: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Disbursement:
    """A financing disbursed: re-priced from today, and the instruction paying the net proceeds with its outcome."""

    id: str
    status: FinancingStatus
    financing_on: dt.date
    days: int
    principal_fen: int
    interest_fen: int
    net_fen: int
    instruction_id: str
    instruction_status: PaymentStatus
