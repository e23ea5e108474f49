"""The payment instruction's transition table: pending → confirmed | failed, failed → pending on retry."""

from __future__ import annotations

import pytest

from lianrong.kernel import errors
from lianrong.settlement.model import (
    OUTCOME_ACTION,
    PAYMENT_TRANSITIONS,
    PaymentAction,
    PaymentStatus,
    may,
    next_status,
)


def test_a_pending_instruction_is_confirmed_or_failed_by_the_banks_answer() -> None:
    assert next_status("pending", PaymentAction.CONFIRM) is PaymentStatus.CONFIRMED
    assert next_status("pending", PaymentAction.FAIL) is PaymentStatus.FAILED


def test_a_failed_instruction_goes_back_to_pending_when_retried() -> None:
    assert next_status("failed", PaymentAction.RETRY) is PaymentStatus.PENDING


def test_a_confirmed_instruction_is_final() -> None:
    for action in PaymentAction:
        assert not may("confirmed", action)
        with pytest.raises(errors.InvalidState) as refused:
            next_status("confirmed", action)
        assert refused.value.code == "state.invalid"


@pytest.mark.parametrize(
    ("status", "action"),
    [("pending", PaymentAction.RETRY), ("failed", PaymentAction.CONFIRM), ("failed", PaymentAction.FAIL)],
)
def test_an_action_outside_the_table_is_refused_as_an_invalid_state(status: str, action: PaymentAction) -> None:
    assert not may(status, action)
    with pytest.raises(errors.InvalidState):
        next_status(status, action)


def test_every_status_has_a_row_and_every_target_is_a_status() -> None:
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus)
    assert all(to in PaymentStatus for row in PAYMENT_TRANSITIONS.values() for to in row.values())


def test_the_banks_answers_name_the_actions_they_apply() -> None:
    assert OUTCOME_ACTION == {"confirmed": PaymentAction.CONFIRM, "failed": PaymentAction.FAIL}
    assert may("pending", OUTCOME_ACTION["confirmed"]) and not may("confirmed", OUTCOME_ACTION["confirmed"])
