"""Regulation as code for vouchers (银发〔2025〕77号): the issue term, the issuance block after a default, maker and checker.

Pure: the limits come from the deployment's ``kernel.policy.Policy``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lianrong.kernel.calendar import add_months
from lianrong.kernel.policy import WARNINGS, Policy
from lianrong.vouchers import errors as vouchers_errors


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


@dataclass(frozen=True, slots=True)
class WarningNote:
    """An issuance warning in words: its code and its Chinese and English message."""

    code: str
    message_zh: str
    message_en: str


def explain_warnings(codes: list[str], *, requested: date, maturity: date) -> tuple[WarningNote, ...]:
    """Each warning code with its Chinese and English message (an unknown code is shown as it is)."""
    facts = {"requested": requested.isoformat(), "maturity": maturity.isoformat()}
    return tuple(
        WarningNote(code, zh.format(**facts), en.format(**facts))
        for code in codes
        for zh, en in [WARNINGS.get(code, (code, code))]
    )


def check_issuer_not_defaulted(*, core_name: str, defaulted_on: date | None) -> None:
    """A core enterprise that defaulted at an earlier maturity may not issue new vouchers."""
    if defaulted_on is not None:
        raise vouchers_errors.IssuerDefaulted(core=core_name, on=defaulted_on.isoformat())


def check_maker_checker(*, prepared_by: str, approver: str) -> None:
    """The approver must be a different user from the one who prepared."""
    if prepared_by == approver:
        raise vouchers_errors.SameUser()
