"""Regulation as code: 银发〔2025〕77号 term limits, payment-term rules and issuance blocks.

Every limit is a named field of :class:`Policy`, built from the deployment's settings, so a deployment
can correct a limit without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lianrong.kernel.calendar import add_months
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers.splitwatch import WatchLimits


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


@dataclass(frozen=True)
class IssueTerm:
    """The outcome of checking a requested voucher term."""

    long_term: bool
    warnings: tuple[str, ...] = field(default=())


def check_issue_term(
    *,
    policy: Policy,
    issue_on: date,
    maturity_on: date,
    contract_due_on: date,
    reason: str | None,
    requested_on: date | None = None,
) -> IssueTerm:
    """Apply 77号: > max term refused; > long term needs a reason; warn past the contract's due date.

    ``maturity_on`` is the maturity after rolling to a working day; ``requested_on`` the date asked for
    (named in the refusal when it rolled).
    """
    if maturity_on <= issue_on:
        raise vouchers_errors.MaturityInPast(maturity=maturity_on.isoformat(), today=issue_on.isoformat())
    if maturity_on > add_months(issue_on, policy.max_term_months):
        raise vouchers_errors.TermOverOneYear(
            days=(maturity_on - issue_on).days,
            issue=issue_on.isoformat(),
            maturity=maturity_on.isoformat(),
            requested=(requested_on or maturity_on).isoformat(),
        )
    long_term = maturity_on > add_months(issue_on, policy.long_term_months)
    if long_term and not (reason and reason.strip()):
        raise vouchers_errors.LongTermNeedsReason()
    warnings: list[str] = []
    if maturity_on > contract_due_on:
        # 保障中小企业款项支付条例: non-cash payment may not lengthen the contractual term
        warnings.append("maturity_after_contract_due")
    return IssueTerm(long_term=long_term, warnings=tuple(warnings))


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


def explain_warnings(codes: list[str], *, requested: date, maturity: date) -> list[dict[str, str]]:
    """Each warning code with its Chinese and English message (an unknown code is shown as it is)."""
    facts = {"requested": requested.isoformat(), "maturity": maturity.isoformat()}
    return [
        {"code": code, "message_zh": zh.format(**facts), "message_en": en.format(**facts)}
        for code in codes
        for zh, en in [WARNINGS.get(code, (code, code))]
    ]


def check_issuer_not_defaulted(*, core_name: str, defaulted_on: date | None) -> None:
    """A core enterprise that defaulted at an earlier maturity may not issue new vouchers."""
    if defaulted_on is not None:
        raise vouchers_errors.IssuerDefaulted(core=core_name, on=defaulted_on.isoformat())


def check_maker_checker(*, prepared_by: str, approver: str) -> None:
    """The approver must be a different user from the one who prepared."""
    if prepared_by == approver:
        raise vouchers_errors.SameUser()
