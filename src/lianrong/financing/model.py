"""Financing (discounting) of voucher parts: pricing with prepaid interest and the application rules.

Interest is collected up front: interest = round-half-up(principal × rate × days / 360), days counted
from the financing date (included) to maturity (excluded); net proceeds = principal − interest.
Repayment is a bullet at maturity, paid by the core enterprise on the voucher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lianrong.financing import errors as financing_errors
from lianrong.kernel import errors
from lianrong.kernel.calendar import add_months
from lianrong.kernel.money import check_fen, prepaid_interest, ratio_amount
from lianrong.vouchers import errors as vouchers_errors


class FinancingStatus(StrEnum):
    """Where a financing stands; the transitions between them are ``TRANSITIONS``."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    REPAID = "repaid"
    OVERDUE = "overdue"
    FAILED = "failed"  # the bank could not pay the net proceeds; the assets went back to the applicant


APPLIED = FinancingStatus.APPLIED
APPROVED = FinancingStatus.APPROVED
REJECTED = FinancingStatus.REJECTED
DISBURSED = FinancingStatus.DISBURSED
REPAID = FinancingStatus.REPAID
OVERDUE = FinancingStatus.OVERDUE
FAILED = FinancingStatus.FAILED

#: the transition table: each event, the states it may happen in and the state it leads to
TRANSITIONS: dict[str, tuple[frozenset[FinancingStatus], FinancingStatus]] = {
    "approve": (frozenset({APPLIED}), APPROVED),  # the bank's review
    "reject": (frozenset({APPLIED}), REJECTED),  # the bank's review
    "expire": (frozenset({APPLIED, APPROVED}), REJECTED),  # the assets matured before disbursement
    "disburse": (frozenset({APPROVED}), DISBURSED),
    "fail": (frozenset({DISBURSED}), FAILED),  # the net proceeds could not be paid
    "default": (frozenset({DISBURSED}), OVERDUE),  # the obligor did not pay at maturity
    "repay": (frozenset({DISBURSED, OVERDUE}), REPAID),  # every asset paid
}

#: states in which a 中登网 registration may still be recorded (before disbursement)
REGISTRABLE = frozenset({APPLIED, APPROVED})

#: states of a live application (its assets reserved) and of a live financing (its assets the bank's)
PENDING = frozenset({APPLIED, APPROVED})
OUTSTANDING = frozenset({DISBURSED, OVERDUE})


def next_status(current: str, event: str, *, action: str | None = None) -> FinancingStatus:
    """The state ``event`` leads to from ``current``; state.invalid (naming ``action``, default the event)
    if the table has no such transition."""
    sources, target = TRANSITIONS[event]
    if current not in sources:
        raise errors.InvalidState(entity="financing", state=str(current), action=action or event)
    return target


def check_registrable(current: str) -> None:
    """A registration is recorded only before disbursement; else state.invalid."""
    if current not in REGISTRABLE:
        raise errors.InvalidState(entity="financing", state=str(current), action="register")


#: the trade-authenticity checklist a bank records at review
CHECKLIST_ITEMS = ("contract", "invoices", "documents")

#: the length of a 中登网 registration number, without surrounding blanks (the API's schema states the same)
REGISTRATION_NO_MIN = 6
REGISTRATION_NO_MAX = 60


def check_registration_no(number: str | None) -> str:
    """The registration number without surrounding blanks, if 6–60 characters long; else validation.failed."""
    number = (number or "").strip()
    if not REGISTRATION_NO_MIN <= len(number) <= REGISTRATION_NO_MAX:
        raise errors.ValidationFailed(
            reason=f"registration number must be {REGISTRATION_NO_MIN}–{REGISTRATION_NO_MAX} characters / "
            f"登记编号须为{REGISTRATION_NO_MIN}至{REGISTRATION_NO_MAX}个字符"
        )
    return number


@dataclass(frozen=True)
class Quote:
    """Price of a financing: rate, term in days, prepaid interest and net proceeds, all exact."""

    annual_rate: Decimal
    days: int
    interest_fen: int
    net_fen: int


@dataclass(frozen=True)
class Price:
    """What a financing of some assets would cost today: a quote with the terms it was made from."""

    core_id: str
    face_fen: int
    principal_fen: int
    ratio: Decimal
    lpr: Decimal
    spread: Decimal
    annual_rate: Decimal
    days: int
    interest_fen: int
    net_fen: int
    maturity_on: date


def quote(*, principal_fen: int, lpr: Decimal, spread: Decimal, financing_on: date, maturity_on: date) -> Quote:
    """Price a financing from the bank's LPR in force plus the spread."""
    check_fen(principal_fen, field="principal")
    rate = lpr + spread
    if rate < 0:
        raise errors.InvalidRate(value=str(rate))
    days = (maturity_on - financing_on).days
    if days <= 0:
        raise vouchers_errors.Matured(maturity=maturity_on.isoformat(), action="finance")
    interest = prepaid_interest(principal=principal_fen, annual_rate=rate, days=days)
    if interest >= principal_fen:
        raise errors.ValidationFailed(reason="interest would consume the principal / 利息不低于本金")
    return Quote(annual_rate=rate, days=days, interest_fen=interest, net_fen=principal_fen - interest)


def check_application(
    *,
    face_fen: int,
    principal_fen: int,
    max_ratio: Decimal,
    today: date,
    maturity_on: date,
    max_term_days: int,
    max_financing_months: int,
) -> None:
    """Amount ≤ ratio × face; term ≤ 12 months, ≤ the bank's max term and ≤ the remaining term."""
    check_fen(principal_fen, field="principal")
    ceiling = ratio_amount(amount=face_fen, ratio=max_ratio)
    if principal_fen > ceiling:
        raise financing_errors.FinancingRatioExceeded(
            principal=principal_fen, amount=face_fen, ratio=f"{max_ratio * 100:.2f}%"
        )
    days = (maturity_on - today).days
    if days <= 0:
        raise vouchers_errors.Matured(maturity=maturity_on.isoformat(), action="finance")
    limit = min(max_term_days, (add_months(today, max_financing_months) - today).days)
    if days > limit:
        raise financing_errors.FinancingTermExceeded(days=days, max_days=limit)


def check_checklist(checklist: dict[str, bool]) -> None:
    """Every item of the trade-authenticity checklist must be confirmed before approval."""
    missing = [k for k in CHECKLIST_ITEMS if not checklist.get(k)]
    if missing:
        raise financing_errors.ChecklistIncomplete(missing=", ".join(missing))


def surplus(*, collected_fen: int, principal_fen: int) -> int:
    """What the bank collects above principal at settlement, owed back to the supplier."""
    return max(0, collected_fen - principal_fen)
