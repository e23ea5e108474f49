"""Split and transfer rules (domain/vouchers.py: plan_split, check_can_move, FinancingParams)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lianrong.kernel import errors
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers.model import (
    ACTIVE,
    FINANCED,
    FROZEN,
    LEAF_STATUSES,
    SETTLED,
    SPENT,
    STATUS_ZH,
    Child,
    FinancingParams,
    FragmentState,
    Part,
    check_can_move,
    check_invoice_allocations,
    plan_split,
)

TODAY = date(2026, 11, 26)
MATURITY = date(2027, 3, 15)
PARAMS = FinancingParams(
    max_ratio=Decimal("1"), max_term_days=366, min_split_fen=100, max_tier=4, spread=Decimal("0.005")
)


def frag(amount: int = 1000_00, *, tier: int = 1, status: str = ACTIVE, holder: str = "s1") -> FragmentState:
    return FragmentState(id="frg_1", holder_id=holder, amount_fen=amount, tier=tier, status=status)


def split(
    parts: list[tuple[str, int]],
    *,
    fragment: FragmentState | None = None,
    sender: str = "s1",
    params: FinancingParams = PARAMS,
    today: date = TODAY,
) -> list[Child]:
    return plan_split(
        fragment=fragment or frag(),
        sender_id=sender,
        parts=[Part(r, a) for r, a in parts],
        params=params,
        today=today,
        maturity=MATURITY,
    )


def test_a_whole_transfer_gives_one_child_at_the_next_tier():
    assert split([("s2", 1000_00)]) == [Child("s2", 1000_00, 2, True)]


def test_a_partial_transfer_returns_the_remainder_to_the_sender_at_its_own_tier():
    children = split([("s2", 400_00)])
    assert children == [Child("s2", 400_00, 2, True), Child("s1", 600_00, 1, False)]


def test_children_always_sum_exactly_to_the_fragment():
    for parts in ([("s2", 1)], [("s2", 333_33), ("s3", 333_33)], [("s2", 999_99)], [("a", 100), ("b", 200)]):
        params = dataclasses.replace(PARAMS, min_split_fen=1)
        children = split(parts, params=params)
        assert sum(c.amount_fen for c in children) == 1000_00
        assert [c.holder_id for c in children[: len(parts)]] == [r for r, _ in parts]


def test_several_recipients_keep_their_order_and_the_remainder_comes_last():
    children = split([("s2", 100_00), ("s3", 200_00)], fragment=frag(tier=2))
    assert children == [Child("s2", 100_00, 3, True), Child("s3", 200_00, 3, True), Child("s1", 700_00, 2, False)]


def test_parts_over_the_fragment_are_refused():
    with pytest.raises(vouchers_errors.SplitSumMismatch) as info:
        split([("s2", 600_00), ("s3", 400_01)])
    assert info.value.details == {"total": 1000_01, "amount": 1000_00}


def test_a_part_below_the_minimum_is_refused():
    with pytest.raises(vouchers_errors.BelowMinimum) as info:
        split([("s2", 99)])
    assert info.value.details == {"amount": 99, "minimum": 100}


def test_a_remainder_below_the_minimum_is_refused():
    with pytest.raises(vouchers_errors.BelowMinimum) as info:
        split([("s2", 1000_00 - 99)])
    assert info.value.details == {"amount": 99, "minimum": 100}


def test_a_part_at_the_minimum_is_allowed():
    assert split([("s2", 100)])[0].amount_fen == 100


def test_the_maximum_tier_may_be_reached_but_not_passed():
    assert split([("s2", 100_00)], fragment=frag(tier=3))[0].tier == 4
    with pytest.raises(vouchers_errors.TierExceeded) as info:
        split([("s2", 100_00)], fragment=frag(tier=4))
    assert info.value.details == {"tier": 5, "max_tier": 4}


def test_transfer_to_oneself_is_refused():
    with pytest.raises(vouchers_errors.TransferToSelf):
        split([("s1", 100_00)])


def test_a_recipient_listed_twice_is_refused():
    with pytest.raises(errors.ValidationFailed):
        split([("s2", 100_00), ("s2", 100_00)])


def test_no_recipients_is_refused():
    with pytest.raises(errors.ValidationFailed):
        split([])


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (0, errors.AmountNotPositive),
        (-100, errors.AmountNotPositive),
        (True, errors.AmountMalformed),
        (1.5, errors.AmountMalformed),
        (Decimal("100.5"), errors.AmountFractionalFen),
        (10**15 + 1, errors.AmountTooLarge),
    ],
)
def test_bad_part_amounts_are_refused(amount, error):
    with pytest.raises(error):
        split([("s2", amount)], fragment=frag(amount=10**15))


def test_only_the_holder_may_move_a_fragment():
    with pytest.raises(vouchers_errors.NotHolder) as info:
        split([("s3", 100_00)], sender="s2")
    assert info.value.details == {"party": "s2", "fragment": "frg_1"}


@pytest.mark.parametrize("status", [SPENT, FROZEN, FINANCED, SETTLED, "overdue"])
def test_a_fragment_that_is_not_active_cannot_move(status):
    with pytest.raises(vouchers_errors.FragmentNotActive) as info:
        split([("s2", 100_00)], fragment=frag(status=status))
    assert info.value.details["state"] == status


@pytest.mark.parametrize("today", [MATURITY, MATURITY + timedelta(days=1)])
def test_nothing_moves_on_or_after_maturity(today):
    with pytest.raises(vouchers_errors.Matured) as info:
        split([("s2", 100_00)], today=today)
    assert info.value.details == {"maturity": "2027-03-15", "action": "transfer"}


def test_the_day_before_maturity_still_moves():
    assert split([("s2", 100_00)], today=MATURITY - timedelta(days=1))


def test_check_can_move_names_the_action():
    with pytest.raises(vouchers_errors.Matured) as info:
        check_can_move(fragment=frag(), actor_party="s1", today=MATURITY, maturity=MATURITY, action="finance")
    assert info.value.details["action"] == "finance"


def test_holder_is_checked_before_status():
    # a financed fragment belongs to the bank: its former holder is told it is not theirs
    with pytest.raises(vouchers_errors.NotHolder):
        check_can_move(fragment=frag(status=FINANCED, holder="bank"), actor_party="s1", today=TODAY, maturity=MATURITY)


@pytest.mark.parametrize(
    "field,value",
    [
        ("max_ratio", Decimal("0")),
        ("max_ratio", Decimal("1.01")),
        ("max_ratio", Decimal("-0.1")),
        ("max_term_days", 0),
        ("min_split_fen", 0),
        ("max_tier", 0),
        ("spread", Decimal("0.51")),
        ("spread", Decimal("-0.06")),
    ],
)
def test_financing_params_out_of_range_are_refused(field, value):
    with pytest.raises(errors.InvalidParameter) as info:
        dataclasses.replace(PARAMS, **{field: value})
    assert info.value.code == "params.invalid"


def test_financing_params_at_their_bounds_are_accepted():
    FinancingParams(max_ratio=Decimal("1"), max_term_days=1, min_split_fen=1, max_tier=1, spread=Decimal("0.5"))
    FinancingParams(max_ratio=Decimal("0.0001"), max_term_days=1, min_split_fen=1, max_tier=1, spread=Decimal("-0.05"))


def test_merged_applies_only_non_null_overrides_and_validates():
    merged = PARAMS.merged(max_ratio=Decimal("0.9"), spread=None, max_tier=None)
    assert merged == dataclasses.replace(PARAMS, max_ratio=Decimal("0.9"))
    assert PARAMS.max_ratio == Decimal("1")  # the base is untouched
    with pytest.raises(errors.InvalidParameter):
        PARAMS.merged(max_tier=0)


def test_every_leaf_status_has_a_chinese_label_and_spent_is_not_a_leaf():
    assert SPENT not in LEAF_STATUSES
    assert set(LEAF_STATUSES) | {SPENT} == set(STATUS_ZH)


def test_invoice_allocations_must_sum_to_the_voucher_amount():
    check_invoice_allocations(amount_fen=300_00, allocations=[100_00, 200_00])
    with pytest.raises(vouchers_errors.AllocationMismatch) as info:
        check_invoice_allocations(amount_fen=300_00, allocations=[100_00, 150_00])
    assert info.value.details == {"allocated": 250_00, "amount": 300_00, "difference": 50_00}
    assert "250.00" in info.value.message_zh and "50.00" in info.value.message_en
    with pytest.raises(errors.AmountNotPositive):
        check_invoice_allocations(amount_fen=300_00, allocations=[300_00, 0])
