"""Financing rules (domain/financing.py): pricing with prepaid interest and the application limits.

Every expected figure below is worked by hand in the comment beside it:
interest = round-half-up(principal × (LPR + spread) × days / 360), net = principal − interest.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lianrong.financing import errors as financing_errors
from lianrong.financing.model import (
    CHECKLIST_ITEMS,
    Quote,
    check_application,
    check_checklist,
    quote,
    surplus,
)
from lianrong.kernel import errors
from lianrong.vouchers import errors as vouchers_errors

TODAY = date(2026, 11, 26)
MATURITY = date(2027, 3, 15)  # 5 (Nov 26–30) + 31 + 31 + 28 + 14 = 109 days, maturity not counted
LPR = Decimal("0.03")
SPREAD = Decimal("0.005")


def price(
    principal: int, *, lpr: Decimal = LPR, spread: Decimal = SPREAD, on: date = TODAY, maturity: date = MATURITY
) -> Quote:
    return quote(principal_fen=principal, lpr=lpr, spread=spread, financing_on=on, maturity_on=maturity)


def test_one_million_yuan_for_109_days_at_3_5_percent():
    # 100,000,000 fen × 0.035 × 109 / 360 = 381,500,000 / 360 = 1,059,722.22… → 1,059,722 fen
    q = price(100_000_000)
    assert q == Quote(annual_rate=Decimal("0.035"), days=109, interest_fen=1_059_722, net_fen=98_940_278)


def test_an_exact_half_fen_rounds_up_not_to_even():
    # 108,000 × 0.035 × 109 / 360 = 412,020 / 360 = 1,144.5 → 1,145 (banker's rounding would give 1,144)
    q = price(108_000)
    assert (q.interest_fen, q.net_fen) == (1_145, 106_855)


def test_another_half_fen_rounds_up():
    # 36,000 × 0.035 × 109 / 360 = 137,340 / 360 = 381.5 → 382
    assert price(36_000).interest_fen == 382


def test_above_half_a_fen_rounds_up():
    # 90,000 × 0.035 × 109 / 360 = 343,350 / 360 = 953.75 → 954; 1,000 × … = 3,815 / 360 = 10.597… → 11
    assert price(90_000).interest_fen == 954
    assert price(1_000).interest_fen == 11


def test_below_half_a_fen_rounds_down():
    # 200,000 × 0.035 × 109 / 360 = 763,000 / 360 = 2,119.44… → 2,119
    assert price(200_000).interest_fen == 2_119
    # 47 × 0.035 × 109 / 360 = 179.305 / 360 = 0.498… → 0: a tiny financing may carry no interest
    assert price(47) == Quote(Decimal("0.035"), 109, 0, 47)
    # 48 × … = 183.12 / 360 = 0.5086… → 1
    assert price(48).interest_fen == 1


def test_one_day_of_interest():
    # 36,000,000 × 0.035 × 1 / 360 = 3,500 exactly
    assert price(36_000_000, maturity=TODAY + timedelta(days=1)).interest_fen == 3_500


def test_the_rate_is_lpr_plus_spread_exactly():
    # 2.90% + 0.50% = 3.40%; 100,000,000 × 0.034 × 109 / 360 = 370,600,000 / 360 = 1,029,444.44 → 1,029,444
    q = price(100_000_000, lpr=Decimal("0.029"))
    assert q.annual_rate == Decimal("0.034")
    assert q.interest_fen == 1_029_444


def test_a_negative_spread_lowers_the_rate():
    assert price(100_000, spread=Decimal("-0.005")).annual_rate == Decimal("0.025")


def test_a_negative_all_in_rate_is_refused():
    with pytest.raises(errors.InvalidRate):
        price(100_000, lpr=Decimal("0.01"), spread=Decimal("-0.02"))


@pytest.mark.parametrize("on", [MATURITY, MATURITY + timedelta(days=3)])
def test_no_price_on_or_after_maturity(on):
    with pytest.raises(vouchers_errors.Matured) as info:
        price(100_000, on=on)
    assert info.value.details["action"] == "finance"


def test_interest_that_would_eat_the_principal_is_refused():
    # 100% a year for 360 days: interest == principal
    with pytest.raises(errors.ValidationFailed):
        price(100_000, lpr=Decimal("0.5"), spread=Decimal("0.5"), maturity=TODAY + timedelta(days=360))


@pytest.mark.parametrize(
    ("principal", "error"),
    [
        (0, errors.AmountNotPositive),
        (-1, errors.AmountNotPositive),
        (1.0, errors.AmountMalformed),
        (10**15 + 1, errors.AmountTooLarge),
    ],
)
def test_bad_principals_are_refused(principal, error):
    with pytest.raises(error):
        price(principal)


def apply(
    face: int,
    principal: int,
    *,
    ratio: str = "1",
    today: date = TODAY,
    maturity: date = MATURITY,
    max_term_days: int = 366,
    months: int = 12,
) -> None:
    check_application(
        face_fen=face,
        principal_fen=principal,
        max_ratio=Decimal(ratio),
        today=today,
        maturity_on=maturity,
        max_term_days=max_term_days,
        max_financing_months=months,
    )


def test_up_to_the_whole_face_may_be_financed_at_100_percent():
    apply(1000_00, 1000_00)
    apply(1000_00, 1)


def test_more_than_the_face_is_refused():
    with pytest.raises(financing_errors.FinancingRatioExceeded) as info:
        apply(1000_00, 1000_01)
    assert info.value.code == "financing.ratio_exceeded"
    assert info.value.details == {"principal": 1000_01, "amount": 1000_00, "ratio": "100.00%"}


def test_a_ratio_below_100_percent_caps_the_principal_rounding_down():
    # 90% of 1,001 fen is 900.9: 900 is allowed, 901 is not
    apply(1_001, 900, ratio="0.9")
    with pytest.raises(financing_errors.FinancingRatioExceeded) as info:
        apply(1_001, 901, ratio="0.9")
    assert info.value.details["ratio"] == "90.00%"


def test_the_term_is_limited_by_the_bank_max_term():
    apply(1000_00, 1000_00, max_term_days=109)
    with pytest.raises(financing_errors.FinancingTermExceeded) as info:
        apply(1000_00, 1000_00, max_term_days=108)
    assert info.value.details == {"days": 109, "max_days": 108}


def test_the_term_is_limited_to_twelve_months():
    # 2026-11-26 + 12 months = 2027-11-26, 365 days
    apply(1000_00, 1000_00, maturity=date(2027, 11, 26), max_term_days=999)
    with pytest.raises(financing_errors.FinancingTermExceeded) as info:
        apply(1000_00, 1000_00, maturity=date(2027, 11, 27), max_term_days=999)
    assert info.value.details == {"days": 366, "max_days": 365}


def test_the_months_limit_is_a_setting():
    with pytest.raises(financing_errors.FinancingTermExceeded):
        apply(1000_00, 1000_00, months=3)


@pytest.mark.parametrize("today", [MATURITY, MATURITY + timedelta(days=1)])
def test_no_financing_on_or_after_maturity(today):
    with pytest.raises(vouchers_errors.Matured):
        apply(1000_00, 1000_00, today=today)


def test_the_review_checklist_needs_every_item():
    assert CHECKLIST_ITEMS == ("contract", "invoices", "documents")
    check_checklist({"contract": True, "invoices": True, "documents": True})
    with pytest.raises(financing_errors.ChecklistIncomplete) as info:
        check_checklist({"contract": True, "invoices": False})
    assert info.value.details == {"missing": "invoices, documents"}
    with pytest.raises(financing_errors.ChecklistIncomplete):
        check_checklist({})


def test_surplus_is_what_the_bank_collects_above_principal():
    assert surplus(collected_fen=1000_00, principal_fen=900_00) == 100_00
    assert surplus(collected_fen=1000_00, principal_fen=1000_00) == 0
    assert surplus(collected_fen=900_00, principal_fen=1000_00) == 0
