"""The white list's pure rules: statuses and their transitions, the admission criteria, the issue rule,
the renewal round's dates and the difference pushed to banks. No I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lianrong.kernel import errors
from lianrong.programme.whitelist import errors as wl_errors


class EntryStatus(StrEnum):
    PROPOSED = "proposed"
    LISTED = "listed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"


class EntryAction(StrEnum):
    PROPOSE = "propose"
    APPROVE = "approve"
    REJECT = "reject"
    RENEW = "renew"
    EXPIRE = "expire"
    REVOKE = "revoke"


S, A = EntryStatus, EntryAction

#: (status before or None for a new entry, action) → status after; anything else is refused
TRANSITIONS: dict[tuple[EntryStatus | None, EntryAction], EntryStatus] = {
    (None, A.PROPOSE): S.PROPOSED,
    (S.REJECTED, A.PROPOSE): S.PROPOSED,  # proposed again, with new evidence
    (S.EXPIRED, A.PROPOSE): S.PROPOSED,
    (S.REVOKED, A.PROPOSE): S.PROPOSED,
    (S.PROPOSED, A.APPROVE): S.LISTED,
    (S.PROPOSED, A.REJECT): S.REJECTED,
    (S.LISTED, A.RENEW): S.LISTED,
    (S.LISTED, A.EXPIRE): S.EXPIRED,
    (S.LISTED, A.REVOKE): S.REVOKED,
}

#: actions that need a reason recorded
NEEDS_REASON = frozenset({A.REJECT, A.REVOKE})


def transition(status: str | None, action: EntryAction) -> EntryStatus:
    """The entry's status after ``action``, or ``state.invalid``."""
    before = EntryStatus(status) if status else None
    after = TRANSITIONS.get((before, action))
    if after is None:
        raise errors.InvalidState(entity="whitelist entry", state=status or "none", action=action.value)
    return after


def check_reason(action: EntryAction, reason: str | None) -> str:
    """A rejection or a revocation needs a reason; the reason as recorded (stripped)."""
    text = (reason or "").strip()
    if action in NEEDS_REASON and not text:
        raise wl_errors.ReasonRequired()
    return text


def check_maker_checker(*, proposed_by: str | None, decider: str) -> None:
    """The district's decision must be taken by another user than the one who proposed."""
    if proposed_by is not None and proposed_by == decider:
        raise wl_errors.SameUser()


# --- criteria ---------------------------------------------------------------------------------------

#: a suitable debt-to-asset ratio (资产负债率): above the low bound, at most the high bound
DEBT_RATIO_RANGE = (0.0, 0.70)


@dataclass(frozen=True)
class Criterion:
    """A deployment's own criterion, as data: its name, whether it is met, and the evidence."""

    name: str
    met: bool
    evidence: str = ""


@dataclass(frozen=True)
class Criteria:
    """The evidence a chain office proposes a core enterprise with."""

    debt_ratio: float  # 资产负债率, a fraction (0.62 for 62%)
    compliant: bool  # 合规经营: no major violation on record
    main_business: str  # 主营业务清晰: the main business, described
    evidence: str = ""  # where the figures come from (audited statements of year …)
    extra: tuple[Criterion, ...] = ()

    def as_record(self) -> dict[str, Any]:
        return {
            "debt_ratio": self.debt_ratio,
            "compliant": self.compliant,
            "main_business": self.main_business,
            "evidence": self.evidence,
            "extra": [{"name": c.name, "met": c.met, "evidence": c.evidence} for c in self.extra],
        }


def criteria_from(data: Mapping[str, Any]) -> Criteria:
    """Criteria from their recorded form (or a request's), refused with ``validation.failed`` if malformed."""
    try:
        extra = tuple(
            Criterion(name=str(c["name"]), met=bool(c["met"]), evidence=str(c.get("evidence", "")))
            for c in data.get("extra") or ()
        )
        ratio = data["debt_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float, str)):
            raise TypeError(ratio)
        return Criteria(
            debt_ratio=float(ratio),
            compliant=bool(data["compliant"]),
            main_business=str(data.get("main_business") or ""),
            evidence=str(data.get("evidence") or ""),
            extra=extra,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.ValidationFailed(reason=f"criteria malformed / 准入条件格式有误: {exc}") from exc


def check_criteria(c: Criteria, *, debt_range: tuple[float, float] = DEBT_RATIO_RANGE) -> None:
    """The admission criteria (四.4): a debt-to-asset ratio in the suitable range, compliant operation, a clear
    main business, and every one of the deployment's own criteria met."""
    low, high = debt_range
    if not low < c.debt_ratio <= high:
        raise wl_errors.CriteriaNotMet(
            reason=f"debt-to-asset ratio {c.debt_ratio:.2%} outside ({low:.0%}, {high:.0%}] / 资产负债率不在合理区间"
        )
    if not c.compliant:
        raise wl_errors.CriteriaNotMet(reason="operation not compliant / 经营不合规")
    if len(c.main_business.strip()) < 2:
        raise wl_errors.CriteriaNotMet(reason="main business not stated / 主营业务不清晰")
    for x in c.extra:
        if not x.name.strip():
            raise errors.ValidationFailed(reason="a criterion needs a name / 准入条件须有名称")
        if not x.met:
            raise wl_errors.CriteriaNotMet(reason=f"{x.name} not met / 未满足")


# --- the issue rule ---------------------------------------------------------------------------------


def check_may_issue(*, required: bool, listed: bool, core_name: str) -> None:
    """Issuing a voucher needs its core enterprise on the white list (an entry ``listed`` of any chain), when
    the deployment requires it. Only issuing is checked: vouchers issued before a revocation stay valid."""
    if required and not listed:
        raise wl_errors.NotListed(core=core_name)


# --- renewal ----------------------------------------------------------------------------------------


def valid_until(listed_on: dt.date, *, renewal_month: int, renewal_days: int) -> dt.date:
    """The end of a listing: the close of the next renewal round after ``listed_on``."""
    year = listed_on.year if listed_on.month < renewal_month else listed_on.year + 1
    return round_dates(year, renewal_month=renewal_month, renewal_days=renewal_days)[1]


def round_dates(year: int, *, renewal_month: int, renewal_days: int) -> tuple[dt.date, dt.date]:
    """The year's round: it opens on the first of the renewal month and closes ``renewal_days`` later."""
    opens = dt.date(year, renewal_month, 1)
    return opens, opens + dt.timedelta(days=renewal_days)


class JobStep(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    NOTHING = "nothing"


def renewal_step(
    *, today: dt.date, renewal_month: int, round_year: int | None, round_open: bool, closes_on: dt.date | None
) -> JobStep:
    """What the daily renewal job does: open this year's round in the renewal month if it is not opened yet;
    close an open round once its closing day has come."""
    if round_open and closes_on is not None and today >= closes_on:
        return JobStep.CLOSE
    if today.month == renewal_month and round_year != today.year:
        return JobStep.OPEN
    return JobStep.NOTHING


def past_year(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The period a renewal card's figures cover: the year up to ``as_of``, both days included."""
    try:
        start = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - 1, day=28)
    return start + dt.timedelta(days=1), as_of


def difference(before: Iterable[str], after: Iterable[str]) -> tuple[list[str], list[str]]:
    """What a round changed on the list: (added, removed) entry ids, sorted."""
    b, a = set(before), set(after)
    return sorted(a - b), sorted(b - a)
