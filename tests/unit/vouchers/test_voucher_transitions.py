"""The vouchers' and fragments' transition tables: which status may go to which, by which action."""

from __future__ import annotations

import pytest

from lianrong.kernel import errors
from lianrong.vouchers import model as v
from lianrong.vouchers.model import (
    FragmentAction,
    FragmentStatus,
    VoucherAction,
    VoucherStatus,
)


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (VoucherStatus.PENDING, VoucherAction.APPROVE, VoucherStatus.ACTIVE),
        (VoucherStatus.PENDING, VoucherAction.REJECT, VoucherStatus.REJECTED),
        (VoucherStatus.PENDING, VoucherAction.APPROVE_TERM, VoucherStatus.PENDING),
        (VoucherStatus.ACTIVE, VoucherAction.DEFAULT, VoucherStatus.OVERDUE),
        (VoucherStatus.OVERDUE, VoucherAction.SETTLE, VoucherStatus.SETTLED),
    ],
)
def test_a_voucher_moves_as_its_table_says(state: VoucherStatus, action: VoucherAction, after: VoucherStatus) -> None:
    assert v.check_transition("voucher", state, action) == after


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (VoucherStatus.ACTIVE, VoucherAction.APPROVE),
        (VoucherStatus.REJECTED, VoucherAction.APPROVE),
        (VoucherStatus.ACTIVE, VoucherAction.REJECT),
        (VoucherStatus.SETTLED, VoucherAction.REJECT),
        (VoucherStatus.ACTIVE, VoucherAction.APPROVE_TERM),
        (VoucherStatus.PENDING, VoucherAction.TRANSFER),
        (VoucherStatus.SETTLED, VoucherAction.TRANSFER),
        (VoucherStatus.ACTIVE, VoucherAction.RETRY_PAYMENT),
    ],
)
def test_a_voucher_move_its_table_does_not_list_is_refused_as_an_invalid_state(
    state: VoucherStatus, action: VoucherAction
) -> None:
    with pytest.raises(errors.InvalidState) as refused:
        v.check_transition("voucher", state, action)
    assert refused.value.code == "state.invalid"
    assert refused.value.details == {"entity": "voucher", "state": str(state), "action": str(action)}


def test_the_refusal_names_the_status_and_action_in_both_languages() -> None:
    with pytest.raises(errors.InvalidState) as refused:
        v.check_transition("voucher", "active", "approve")
    assert "active" in refused.value.message_en and "approve" in refused.value.message_en
    assert "有效" in refused.value.message_zh and "复核" in refused.value.message_zh


def test_plain_text_statuses_from_the_database_are_looked_up_as_the_enums() -> None:
    assert v.check_transition("fragment", "active", "transfer") == FragmentStatus.SPENT
    assert v.check_transition("fragment", "frozen", "finance") == "financed"


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (FragmentStatus.ACTIVE, FragmentAction.TRANSFER, FragmentStatus.SPENT),
        (FragmentStatus.ACTIVE, FragmentAction.RESERVE, FragmentStatus.FROZEN),
        (FragmentStatus.FROZEN, FragmentAction.RELEASE, FragmentStatus.ACTIVE),
        (FragmentStatus.FROZEN, FragmentAction.FINANCE, FragmentStatus.FINANCED),
        (FragmentStatus.FINANCED, FragmentAction.UNWIND, FragmentStatus.ACTIVE),
        (FragmentStatus.FINANCED, FragmentAction.SETTLE, FragmentStatus.SETTLED),
        (FragmentStatus.FINANCED, FragmentAction.DEFAULT, FragmentStatus.OVERDUE),
    ],
)
def test_a_fragment_moves_as_its_table_says(
    state: FragmentStatus, action: FragmentAction, after: FragmentStatus
) -> None:
    assert v.check_transition("fragment", state, action) == after


@pytest.mark.parametrize(
    "state",
    [
        FragmentStatus.SPENT,
        FragmentStatus.FROZEN,
        FragmentStatus.FINANCED,
        FragmentStatus.SETTLED,
        FragmentStatus.OVERDUE,
    ],
)
def test_only_an_active_fragment_is_transferred(state: FragmentStatus) -> None:
    with pytest.raises(errors.InvalidState):
        v.check_transition("fragment", state, FragmentAction.TRANSFER)


def test_spent_and_settled_fragments_are_final() -> None:
    for state in (FragmentStatus.SPENT, FragmentStatus.SETTLED):
        assert not [a for (s, a) in v.FRAGMENT_TRANSITIONS if s == state]


def test_rejected_and_settled_vouchers_are_final() -> None:
    for state in (VoucherStatus.REJECTED, VoucherStatus.SETTLED):
        assert not [a for (s, a) in v.VOUCHER_TRANSITIONS if s == state]


def test_every_status_is_reachable_from_the_first() -> None:
    for table, first, statuses in (
        (v.VOUCHER_TRANSITIONS, VoucherStatus.PENDING, VoucherStatus),
        (v.FRAGMENT_TRANSITIONS, FragmentStatus.ACTIVE, FragmentStatus),
    ):
        reached, frontier = {first}, [first]
        while frontier:
            s = frontier.pop()
            for (src, _), dst in table.items():
                if src == s and dst not in reached:
                    reached.add(dst)
                    frontier.append(dst)
        assert reached == set(statuses)


def test_the_leaf_statuses_are_every_fragment_status_but_spent() -> None:
    assert set(v.LEAF_STATUSES) == set(FragmentStatus) - {FragmentStatus.SPENT}
