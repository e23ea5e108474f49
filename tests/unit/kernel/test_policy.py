"""Regulation as code (银发〔2025〕77号, 保障中小企业款项支付条例): domain/policy.py, no database."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lianrong.kernel.policy import Policy
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers.policy import IssueTerm, check_issue_term, check_issuer_not_defaulted, check_maker_checker

ISSUE = date(2026, 11, 26)
FAR_DUE = date(2030, 1, 1)


def term(
    maturity: date, *, reason: str | None = None, due: date = FAR_DUE, policy: Policy | None = None, issue: date = ISSUE
) -> IssueTerm:
    return check_issue_term(
        policy=policy or Policy(), issue_on=issue, maturity_on=maturity, contract_due_on=due, reason=reason
    )


def test_default_policy_is_the_documented_regulation():
    p = Policy()
    assert p.max_term_months == 12
    assert p.long_term_months == 6
    assert p.long_term_requires_bank_approval is True
    assert p.registration_required is True
    assert p.roll_maturity is True
    assert p.max_financing_months == 12
    assert p.max_financing_ratio == Decimal("1")
    assert p.credit_occupation == "financing"


def test_policy_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Policy().max_term_months = 24  # type: ignore[misc]


@pytest.mark.parametrize("maturity", [ISSUE, ISSUE - timedelta(days=1), date(2000, 1, 1)])
def test_maturity_on_or_before_the_issue_date_is_refused(maturity):
    with pytest.raises(vouchers_errors.MaturityInPast) as info:
        term(maturity)
    assert info.value.code == "issue.maturity_past"
    assert info.value.details == {"maturity": maturity.isoformat(), "today": ISSUE.isoformat()}


def test_a_short_term_needs_no_reason_and_gives_no_warning():
    assert term(ISSUE + timedelta(days=1)) == IssueTerm(long_term=False, warnings=())


def test_exactly_six_months_is_not_a_long_term():
    assert term(date(2027, 5, 26)).long_term is False


def test_one_day_over_six_months_needs_a_reason():
    with pytest.raises(vouchers_errors.LongTermNeedsReason) as info:
        term(date(2027, 5, 27))
    assert info.value.code == "issue.long_term_reason_required"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_reason_is_no_reason(blank):
    with pytest.raises(vouchers_errors.LongTermNeedsReason):
        term(date(2027, 5, 27), reason=blank)


def test_a_long_term_with_a_reason_is_flagged_long():
    assert term(date(2027, 5, 27), reason="养殖周期长").long_term is True


def test_exactly_one_year_is_allowed_with_a_reason():
    assert term(date(2027, 11, 26), reason="year-end stock").long_term is True


def test_over_one_year_is_a_hard_block_even_with_a_reason():
    with pytest.raises(vouchers_errors.TermOverOneYear) as info:
        term(date(2027, 11, 27), reason="any")
    assert info.value.code == "issue.term_over_one_year"
    assert info.value.details["days"] == 366


def test_month_arithmetic_clamps_to_month_end():
    # 2026-08-31 + 6 months is 2027-02-28: that day is not long, the next one is
    assert term(date(2027, 2, 28), issue=date(2026, 8, 31)).long_term is False
    with pytest.raises(vouchers_errors.LongTermNeedsReason):
        term(date(2027, 3, 1), issue=date(2026, 8, 31))


def test_maturity_after_the_contract_due_date_is_warned_not_refused():
    result = term(date(2027, 1, 15), due=date(2027, 1, 14))
    assert result.warnings == ("maturity_after_contract_due",)


def test_maturity_on_the_contract_due_date_gives_no_warning():
    assert term(date(2027, 1, 15), due=date(2027, 1, 15)).warnings == ()


def test_limits_come_from_the_deployment_policy():
    strict = Policy(max_term_months=3, long_term_months=1)
    with pytest.raises(vouchers_errors.TermOverOneYear):
        term(date(2027, 2, 27), policy=strict)
    with pytest.raises(vouchers_errors.LongTermNeedsReason):
        term(date(2026, 12, 27), policy=strict)
    assert term(date(2026, 12, 26), policy=strict).long_term is False


def test_a_core_that_never_defaulted_may_issue():
    check_issuer_not_defaulted(core_name="峪口禽业", defaulted_on=None)


def test_a_core_that_defaulted_may_not_issue():
    with pytest.raises(vouchers_errors.IssuerDefaulted) as info:
        check_issuer_not_defaulted(core_name="峪口禽业", defaulted_on=date(2026, 3, 16))
    assert info.value.code == "issue.issuer_defaulted"
    assert "2026-03-16" in info.value.message_zh and "峪口禽业" in info.value.message_zh


def test_maker_and_checker_must_differ():
    check_maker_checker(prepared_by="usr_a", approver="usr_b")
    with pytest.raises(vouchers_errors.SameUser) as info:
        check_maker_checker(prepared_by="usr_a", approver="usr_a")
    assert info.value.code == "approval.same_user"
