"""Regulation as code: 银发〔2025〕77号 term limits, payment-term rules and issuance blocks.

Every limit is a named field of :class:`Policy`, built from the deployment's settings, so a deployment
can correct a limit without touching code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WatchLimits:
    """When splitting is reported as unusual."""

    tier_margin: int = 1
    max_fragments: int = 100
    daily_transfers: int = 10


#: the black list's severities, mildest first, and the actions an entry may bar (``parties.restrictions.Action``)
SEVERITIES = ("minor", "serious", "grave")
RESTRICTABLE = ("onboard", "issue", "receive", "transfer", "finance")
#: the black list's effects by severity (四.12): the actions a listed party may not take (``parties.restrictions.Action``)
DEFAULT_BLACKLIST_EFFECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("minor", ("finance",)),
    ("serious", ("issue", "receive", "finance")),
    ("grave", ("onboard", "issue", "receive", "transfer", "finance")),
)
#: the minimum listing period by severity, in months, before a repair may remove an entry (NDRC credit-repair rules)
DEFAULT_BLACKLIST_MIN_MONTHS: tuple[tuple[str, int], ...] = (("minor", 3), ("serious", 12), ("grave", 36))


@dataclass(frozen=True)
class Targets:
    """The work plan's 2027 goals (三、工作目标), all settings."""

    by: dt.date = dt.date(2027, 12, 31)
    key_chain_financing_fen: int = 50_000_000_000_00  # key banks' cumulative financing to key chains: RMB 50 bn
    products: int = 10  # digital supply-chain financing products
    core_enterprises: int = 50  # core enterprises on the platform (the white list)
    yearly_credit_fen: int = 10_000_000_000_00  # chain credit granted per year: RMB 10 bn


@dataclass(frozen=True)
class ProgrammePolicy:
    """The district programme's switches (cfg)."""

    #: issuing a voucher requires its core enterprise on the white list (of any chain)
    whitelist_required_for_issue: bool = True
    #: the month each yearly renewal round opens, and how many days it stays open
    renewal_month: int = 1
    renewal_days: int = 30
    blacklist_effects: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_BLACKLIST_EFFECTS
    blacklist_min_months: tuple[tuple[str, int], ...] = DEFAULT_BLACKLIST_MIN_MONTHS
    #: the platform's own overdue: a voucher overdue beyond this many days proposes its core for the black list
    blacklist_overdue_days: int = 90
    targets: Targets = Targets()

    def effects(self, severity: str) -> tuple[str, ...]:
        """The actions a black-list entry of this severity bars."""
        return dict(self.blacklist_effects).get(severity, ())

    def min_months(self, severity: str) -> int:
        """The minimum listing period of this severity, in months."""
        return dict(self.blacklist_min_months).get(severity, 0)


@dataclass(frozen=True)
class Policy:
    """The policy switches marked (cfg) in the product doc."""

    max_term_months: int = 12
    long_term_months: int = 6
    long_term_requires_bank_approval: bool = True
    registration_required: bool = True
    roll_maturity: bool = True
    max_financing_months: int = 12
    max_financing_ratio: Decimal = Decimal("1")
    credit_occupation: str = "financing"  # or "issuance"
    #: when splitting is reported as unusual (77号: split depth and unusual splitting are tracked)
    split_watch: WatchLimits = WatchLimits()
    programme: ProgrammePolicy = ProgrammePolicy()


#: what each warning of a prepared voucher means ({requested}: the maturity asked for, {maturity}: after rolling)
WARNINGS: dict[str, tuple[str, str]] = {
    "maturity_rolled_to_working_day": (
        "约定到期日{requested}不是工作日，到期日顺延至{maturity}",
        "The requested maturity {requested} is not a working day: it rolls to {maturity}",
    ),
    "maturity_calendar_unofficial": (
        "{maturity}所在年份尚无官方节假日安排，按周一至周五为工作日推算（导入官方安排后请复核）",
        "No official holiday schedule covers {maturity}: Monday to Friday were taken as "
        "working days (check again once the official dates are loaded)",
    ),
    "maturity_after_contract_due": (
        "到期日{maturity}晚于合同约定的付款日",
        "The maturity {maturity} is later than the contract's due date",
    ),
}
