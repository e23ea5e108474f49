"""The black list's rules, pure: states and their transitions, the resident ID check, effects by severity,
the minimum listing period and the credit repair's steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from lianrong.kernel.calendar import add_months
from lianrong.kernel.policy import SEVERITIES
from lianrong.programme.blacklist import errors as bl_errors


class Subject(StrEnum):
    ENTERPRISE = "enterprise"
    PRINCIPAL = "principal"


class PrincipalRole(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    ACTUAL_CONTROLLER = "actual_controller"  # 实际控制人


class Source(StrEnum):
    COURT = "court"  # 失信被执行人 (the courts' list of dishonest judgment debtors)
    FINANCIAL = "financial"  # financial dishonesty (金融失信)
    TAX = "tax"  # 重大税收违法失信
    PLATFORM_OVERDUE = "platform_overdue"  # the platform's own overdue vouchers
    OTHER = "other"


class EntryStatus(StrEnum):
    PROPOSED = "proposed"  # recorded by the district operator, awaiting the approver
    LISTED = "listed"
    REJECTED = "rejected"  # the approver did not list it
    REMOVED = "removed"


class EntryAction(StrEnum):
    PROPOSE = "propose"
    LIST = "list"
    REJECT = "reject"
    REMOVE = "remove"


#: (status before, action) → status after; a pair not here is refused
ENTRY_TRANSITIONS: dict[tuple[str | None, str], EntryStatus] = {
    (None, EntryAction.PROPOSE): EntryStatus.PROPOSED,
    (EntryStatus.PROPOSED, EntryAction.LIST): EntryStatus.LISTED,
    (EntryStatus.PROPOSED, EntryAction.REJECT): EntryStatus.REJECTED,
    (EntryStatus.LISTED, EntryAction.REMOVE): EntryStatus.REMOVED,
}


class RepairStatus(StrEnum):
    APPLIED = "applied"  # the enterprise applied
    ENDORSED = "endorsed"  # its chain office endorsed it
    RETURNED = "returned"  # its chain office returned it (final: the enterprise may apply again)
    REVIEWED = "reviewed"  # the district operator reviewed it and recommends a decision
    APPROVED = "approved"  # the district approver removed the entry
    REFUSED = "refused"  # the district approver refused, with a reason


class RepairAction(StrEnum):
    APPLY = "apply"
    ENDORSE = "endorse"
    RETURN = "return"
    REVIEW = "review"
    APPROVE = "approve"
    REFUSE = "refuse"


REPAIR_TRANSITIONS: dict[tuple[str | None, str], RepairStatus] = {
    (None, RepairAction.APPLY): RepairStatus.APPLIED,
    (RepairStatus.APPLIED, RepairAction.ENDORSE): RepairStatus.ENDORSED,
    (RepairStatus.APPLIED, RepairAction.RETURN): RepairStatus.RETURNED,
    (RepairStatus.ENDORSED, RepairAction.REVIEW): RepairStatus.REVIEWED,
    (RepairStatus.REVIEWED, RepairAction.APPROVE): RepairStatus.APPROVED,
    (RepairStatus.REVIEWED, RepairAction.REFUSE): RepairStatus.REFUSED,
}
#: a repair in one of these states is still in progress (an entry has at most one)
OPEN_REPAIR = (RepairStatus.APPLIED, RepairStatus.ENDORSED, RepairStatus.REVIEWED)
#: what the district operator's review may recommend
RECOMMENDATIONS = (RepairAction.APPROVE, RepairAction.REFUSE)

_ACTION_WORDS = {
    "list": "listed",
    "reject": "rejected",
    "remove": "removed",
    "endorse": "endorsed",
    "return": "returned",
    "review": "reviewed",
    "approve": "approved",
    "refuse": "refused",
}


def next_entry_status(status: str | None, action: str) -> EntryStatus:
    """The entry's status after ``action``, or ``blacklist.state_invalid``."""
    after = ENTRY_TRANSITIONS.get((status, action))
    if after is None:
        raise bl_errors.EntryState(status=status or "new", action=_ACTION_WORDS.get(action, action))
    return after


def next_repair_status(status: str | None, action: str, *, endorsement_needed: bool = True) -> RepairStatus:
    """The repair's status after ``action``, or ``credit_repair.state_invalid``. An applicant that is a member
    of no chain has no chain office to endorse it: the district's review then follows the application."""
    if not endorsement_needed and status == RepairStatus.APPLIED and action == RepairAction.REVIEW:
        return RepairStatus.REVIEWED
    after = REPAIR_TRANSITIONS.get((status, action))
    if after is None:
        raise bl_errors.RepairState(status=status or "new", action=_ACTION_WORDS.get(action, action))
    return after


def check_id_number(value: str) -> str:
    """A resident identity card number (居民身份证号码, GB 11643-1999, 18 characters with its check digit),
    compacted and upper-cased, or ``blacklist.id_number_invalid``."""
    raw = (value or "").strip()
    try:
        return str(ric.validate(raw)).upper()
    except StdnumError as exc:
        raise bl_errors.IdNumberInvalid(value=mask_id_number(raw), problem=str(exc)) from None


def mask_id_number(value: str) -> str:
    """The number as shown to those who need not read it whole: the first six and the last four characters."""
    v = value or ""
    return v if len(v) < 11 else f"{v[:6]}{'*' * (len(v) - 10)}{v[-4:]}"


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise bl_errors.EntryInput(problem=f"severity must be one of {', '.join(SEVERITIES)} / 严重程度无效")
    return severity


def effects_of(effects: Sequence[tuple[str, Sequence[str]]], severity: str) -> tuple[str, ...]:
    """The actions an entry of ``severity`` bars, from the policy's table (``ProgrammePolicy.blacklist_effects``)."""
    return tuple(dict(effects).get(check_severity(severity), ()))


def min_until(listed_on: dt.date, months: int) -> dt.date:
    """The earliest day a repair may remove an entry listed on ``listed_on`` for at least ``months`` months."""
    return add_months(listed_on, months)


def check_removable(*, today: dt.date, earliest: dt.date, severity: str, months: int) -> None:
    """A repair may remove an entry only once its minimum listing period is over (``credit_repair.minimum_period``)."""
    if today < earliest:
        raise bl_errors.MinimumPeriod(severity=severity, months=months, earliest=earliest.isoformat())


def check_maker_checker(*, prepared_by: str | None, decided_by: str) -> None:
    """The user who decides is not the one who prepared (the system is never a maker)."""
    if prepared_by is not None and prepared_by == decided_by:
        raise bl_errors.SameUser()


def days_overdue(maturity_on: dt.date, today: dt.date) -> int:
    return (today - maturity_on).days


def overdue_beyond(maturity_on: dt.date, today: dt.date, days: int) -> bool:
    """Whether a voucher unpaid since ``maturity_on`` is overdue by more than ``days`` days today."""
    return days_overdue(maturity_on, today) > days
