"""Regulation as code: 银发〔2025〕77号 term limits, payment-term rules and issuance blocks.

Every limit is a named field of :class:`Policy`, built from the deployment's settings, so a deployment
can correct a limit without touching code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WatchLimits:
    """When splitting is reported as unusual."""

    tier_margin: int = 1
    max_fragments: int = 100
    daily_transfers: int = 10


@dataclass(frozen=True)
class Policy:
    """The policy switches marked (cfg) in the product doc."""

    max_term_months: int = 12
    long_term_months: int = 6
    long_term_requires_bank_approval: bool = True
    registration_required: bool = True
    roll_maturity: bool = True
    max_financing_months: int = 12
    max_financing_ratio: Decimal = Decimal("1")
    credit_occupation: str = "financing"  # or "issuance"
    #: when splitting is reported as unusual (77号: split depth and unusual splitting are tracked)
    split_watch: WatchLimits = WatchLimits()


#: what each warning of a prepared voucher means ({requested}: the maturity asked for, {maturity}: after rolling)
WARNINGS: dict[str, tuple[str, str]] = {
    "maturity_rolled_to_working_day": (
        "约定到期日{requested}不是工作日，到期日顺延至{maturity}",
        "The requested maturity {requested} is not a working day: it rolls to {maturity}",
    ),
    "maturity_calendar_unofficial": (
        "{maturity}所在年份尚无官方节假日安排，按周一至周五为工作日推算（导入官方安排后请复核）",
        "No official holiday schedule covers {maturity}: Monday to Friday were taken as "
        "working days (check again once the official dates are loaded)",
    ),
    "maturity_after_contract_due": (
        "到期日{maturity}晚于合同约定的付款日",
        "The maturity {maturity} is later than the contract's due date",
    ),
}
