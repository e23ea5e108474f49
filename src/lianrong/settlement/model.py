"""Payment instructions' vocabulary and their one transition table (pure: no database, no I/O).

An instruction is created ``pending``; the bank's answer makes it ``confirmed`` (paid, final) or
``failed``; a failed settlement is put back to ``pending`` when the core enterprise retries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from lianrong.kernel import errors


class PaymentStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class PaymentKind(StrEnum):
    DISBURSEMENT = "disbursement"  # the bank pays the supplier the financing's net proceeds
    SETTLEMENT = "settlement"  # the core enterprise pays a final holder at maturity
    SURPLUS = "surplus"  # the bank refunds what it collected above the principal


class PaymentAction(StrEnum):
    CONFIRM = "confirm"
    FAIL = "fail"
    RETRY = "retry payment"


#: status → action → the status it leads to; an action missing from a status's row is refused
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, Mapping[PaymentAction, PaymentStatus]] = {
    PaymentStatus.PENDING: {PaymentAction.CONFIRM: PaymentStatus.CONFIRMED, PaymentAction.FAIL: PaymentStatus.FAILED},
    PaymentStatus.FAILED: {PaymentAction.RETRY: PaymentStatus.PENDING},
    PaymentStatus.CONFIRMED: {},
}


def may(status: str, action: PaymentAction) -> bool:
    """Whether an instruction in ``status`` may undergo ``action``."""
    return action in PAYMENT_TRANSITIONS.get(PaymentStatus(status), {})


def next_status(status: str, action: PaymentAction) -> PaymentStatus:
    """The status ``action`` leads to from ``status``, or ``state.invalid``."""
    to = PAYMENT_TRANSITIONS.get(PaymentStatus(status), {}).get(action)
    if to is None:
        raise errors.InvalidState(entity="payment instruction", state=str(status), action=action.value)
    return to


#: a bank's answer (``confirmed`` or ``failed``) as the action it applies
OUTCOME_ACTION: Mapping[str, PaymentAction] = {
    PaymentStatus.CONFIRMED: PaymentAction.CONFIRM,
    PaymentStatus.FAILED: PaymentAction.FAIL,
}
