"""The fragment-tree ledger: voucher and fragment records and the rules of split and transfer.

A transfer or split consumes one active fragment and creates children whose amounts sum to it exactly;
the remainder, if any, goes back to the sender at the sender's tier. Lineage is ``parent_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from lianrong.kernel import errors
from lianrong.kernel.money import check_fen
from lianrong.vouchers import errors as vouchers_errors


class VoucherStatus(StrEnum):
    """A voucher's life: prepared (``pending``), issued (``active``) or refused, then paid or overdue."""

    PENDING = "pending"
    ACTIVE = "active"
    SETTLED = "settled"
    OVERDUE = "overdue"
    REJECTED = "rejected"


class FragmentStatus(StrEnum):
    """A part of a voucher: held, consumed by a split or transfer, reserved or financed, then paid or overdue."""

    ACTIVE = "active"
    SPENT = "spent"
    FROZEN = "frozen"  # reserved by a pending financing application, or frozen by an operator
    FINANCED = "financed"
    SETTLED = "settled"
    OVERDUE = "overdue"


class VoucherAction(StrEnum):
    """What is done to a voucher (the words of ``state.invalid``'s ``action``)."""

    APPROVE_TERM = "approve term"
    APPROVE = "approve"
    REJECT = "reject"
    TRANSFER = "transfer"
    SETTLE = "settle"
    DEFAULT = "default"
    RETRY_PAYMENT = "retry payment"


class FragmentAction(StrEnum):
    """What is done to a fragment."""

    TRANSFER = "transfer"
    RESERVE = "reserve"  # a financing application
    RELEASE = "release"  # the application rejected or lapsed
    FINANCE = "finance"  # disbursed: the bank holds it
    UNWIND = "unwind"  # the disbursement failed: back to the applicant
    SETTLE = "settle"
    DEFAULT = "default"


# Each aggregate's transitions: (status, action) → the status after. An action a status does not list is
# refused (``state.invalid``); an action that keeps the status maps it to itself.
VOUCHER_TRANSITIONS: Mapping[tuple[VoucherStatus, VoucherAction], VoucherStatus] = MappingProxyType(
    {
        (VoucherStatus.PENDING, VoucherAction.APPROVE_TERM): VoucherStatus.PENDING,
        (VoucherStatus.PENDING, VoucherAction.APPROVE): VoucherStatus.ACTIVE,
        (VoucherStatus.PENDING, VoucherAction.REJECT): VoucherStatus.REJECTED,
        (VoucherStatus.ACTIVE, VoucherAction.TRANSFER): VoucherStatus.ACTIVE,
        (VoucherStatus.ACTIVE, VoucherAction.SETTLE): VoucherStatus.SETTLED,
        (VoucherStatus.ACTIVE, VoucherAction.DEFAULT): VoucherStatus.OVERDUE,
        (VoucherStatus.OVERDUE, VoucherAction.RETRY_PAYMENT): VoucherStatus.OVERDUE,
        (VoucherStatus.OVERDUE, VoucherAction.SETTLE): VoucherStatus.SETTLED,
    }
)

FRAGMENT_TRANSITIONS: Mapping[tuple[FragmentStatus, FragmentAction], FragmentStatus] = MappingProxyType(
    {
        (FragmentStatus.ACTIVE, FragmentAction.TRANSFER): FragmentStatus.SPENT,
        (FragmentStatus.ACTIVE, FragmentAction.RESERVE): FragmentStatus.FROZEN,
        (FragmentStatus.FROZEN, FragmentAction.RELEASE): FragmentStatus.ACTIVE,
        (FragmentStatus.FROZEN, FragmentAction.FINANCE): FragmentStatus.FINANCED,
        (FragmentStatus.FINANCED, FragmentAction.UNWIND): FragmentStatus.ACTIVE,
        (FragmentStatus.ACTIVE, FragmentAction.SETTLE): FragmentStatus.SETTLED,
        (FragmentStatus.FINANCED, FragmentAction.SETTLE): FragmentStatus.SETTLED,
        (FragmentStatus.OVERDUE, FragmentAction.SETTLE): FragmentStatus.SETTLED,
        (FragmentStatus.ACTIVE, FragmentAction.DEFAULT): FragmentStatus.OVERDUE,
        (FragmentStatus.FROZEN, FragmentAction.DEFAULT): FragmentStatus.OVERDUE,
        (FragmentStatus.FINANCED, FragmentAction.DEFAULT): FragmentStatus.OVERDUE,
    }
)

_TABLES: Mapping[str, Mapping[tuple[Any, Any], str]] = MappingProxyType(
    {"voucher": VOUCHER_TRANSITIONS, "fragment": FRAGMENT_TRANSITIONS}
)


def check_transition(entity: str, state: str, action: str) -> str:
    """The status ``entity`` (``voucher`` or ``fragment``) in ``state`` takes by ``action``; the
    ``state.invalid`` refusal when its table has no such move."""
    after = _TABLES[entity].get((state, action))  # a StrEnum hashes and compares as its text
    if after is None:
        raise errors.InvalidState(entity=entity, state=str(state), action=str(action))
    return after


# the fragment statuses by their old names (the ledger's SQL and the other features use them)
ACTIVE = FragmentStatus.ACTIVE
SPENT = FragmentStatus.SPENT
FROZEN = FragmentStatus.FROZEN
FINANCED = FragmentStatus.FINANCED
SETTLED = FragmentStatus.SETTLED
OVERDUE = FragmentStatus.OVERDUE

STATUS_ZH = {
    ACTIVE: "持有中",
    SPENT: "已流转",
    FROZEN: "冻结",
    FINANCED: "已融资",
    SETTLED: "已兑付",
    OVERDUE: "逾期",
}

#: statuses of a leaf: every fragment not consumed by a split or transfer
LEAF_STATUSES = (ACTIVE, FROZEN, FINANCED, SETTLED, OVERDUE)
#: statuses of a part still owed at maturity (a holding)
LIVE_STATUSES = (ACTIVE, FROZEN, FINANCED)


@dataclass(frozen=True)
class FinancingParams:
    """Financing parameters a bank sets per core enterprise, overridable per supplier."""

    max_ratio: Decimal
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: Decimal

    def __post_init__(self) -> None:
        if not (Decimal(0) < self.max_ratio <= Decimal(1)):
            raise errors.InvalidParameter(reason=f"max_ratio {self.max_ratio} must be in (0, 1]")
        if self.max_term_days < 1:
            raise errors.InvalidParameter(reason="max_term_days must be ≥ 1")
        if self.min_split_fen < 1:
            raise errors.InvalidParameter(reason="min_split_fen must be ≥ 1")
        if self.max_tier < 1:
            raise errors.InvalidParameter(reason="max_tier must be ≥ 1")
        if self.spread < Decimal("-0.05") or self.spread > Decimal("0.5"):
            raise errors.InvalidParameter(reason=f"spread {self.spread} out of range")

    def merged(self, **overrides: object) -> FinancingParams:
        """These parameters with the non-null overrides applied."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return FinancingParams(**values)


@dataclass(frozen=True)
class FragmentState:
    """What the split rules need to know of the fragment being spent."""

    id: str
    holder_id: str
    amount_fen: int
    tier: int
    status: str


@dataclass(frozen=True)
class Part:
    """One requested child of a split: a recipient and an amount."""

    recipient_id: str
    amount_fen: int


@dataclass(frozen=True)
class Child:
    """A fragment a split will create."""

    holder_id: str
    amount_fen: int
    tier: int
    to_recipient: bool


def check_can_move(
    *, fragment: FragmentState, actor_party: str, today: date, maturity: date, action: str = "transfer"
) -> None:
    """A fragment moves only when active, held by the actor, and before maturity."""
    if fragment.holder_id != actor_party:
        raise vouchers_errors.NotHolder(party=actor_party, fragment=fragment.id)
    if fragment.status != ACTIVE:
        raise vouchers_errors.FragmentNotActive(fragment=fragment.id, state=fragment.status)
    if today >= maturity:
        raise vouchers_errors.Matured(maturity=maturity.isoformat(), action=action)


def plan_split(
    *,
    fragment: FragmentState,
    sender_id: str,
    parts: list[Part],
    params: FinancingParams,
    today: date,
    maturity: date,
) -> list[Child]:
    """Check a split/transfer and return the children, remainder (if any) last, back to the sender."""
    check_can_move(fragment=fragment, actor_party=sender_id, today=today, maturity=maturity)
    if not parts:
        raise errors.ValidationFailed(reason="no recipients / 没有受让方")
    seen: set[str] = set()
    total = 0
    tier = fragment.tier + 1
    if tier > params.max_tier:
        raise vouchers_errors.TierExceeded(tier=tier, max_tier=params.max_tier)
    for p in parts:
        check_fen(p.amount_fen)
        if p.recipient_id == sender_id:
            raise vouchers_errors.TransferToSelf()
        if p.recipient_id in seen:
            raise errors.ValidationFailed(reason=f"recipient {p.recipient_id} listed twice / 受让方重复")
        seen.add(p.recipient_id)
        if p.amount_fen < params.min_split_fen:
            raise vouchers_errors.BelowMinimum(amount=p.amount_fen, minimum=params.min_split_fen)
        total += p.amount_fen
    if total > fragment.amount_fen:
        raise vouchers_errors.SplitSumMismatch(total=total, amount=fragment.amount_fen)
    children = [Child(p.recipient_id, p.amount_fen, tier, True) for p in parts]
    remainder = fragment.amount_fen - total
    if remainder:
        if remainder < params.min_split_fen:
            raise vouchers_errors.BelowMinimum(amount=remainder, minimum=params.min_split_fen)
        children.append(Child(sender_id, remainder, fragment.tier, False))
    return children


def check_invoice_allocations(*, amount_fen: int, allocations: list[int]) -> None:
    """The invoices' allocations (fen) must sum exactly to the voucher's amount."""
    check_fen(amount_fen)
    for a in allocations:
        check_fen(a)
    allocated = sum(allocations)
    if allocated != amount_fen:
        raise vouchers_errors.AllocationMismatch(
            allocated=allocated, amount=amount_fen, difference=abs(allocated - amount_fen)
        )
