"""Party restrictions: one generic way of saying "this party may not do this action (at this bank)".

A restriction is data (the ``party_restriction`` table): a party, an action it may not take (receive,
transfer, issue, finance, …), an optional scope (one bank; None: every bank), a kind code (``blacklist``,
``risk_freeze``, …), the recorder's reason and the days it is in force. A new kind of block — a district
black list, a risk engine's freeze — is a new row, not a new code path: every rule that asks
``in_force(...)`` refuses it with the one coded error ``party.restricted`` naming the kind and reason.

Onboarding keeps its own table (the bank records the account, e-banking and certificate, and financing and
issuance read it too), but a recipient not onboarded at the voucher's bank reaches the transfer rule as a
restriction of kind ``NOT_ONBOARDED`` in the same facts (``not_onboarded``): the rule has one loop over
restrictions, and only this kind keeps its historical code (``onboarding.incomplete``).

Pure: no I/O. Dates are the business date (Beijing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lianrong.parties import errors as parties_errors


class Action(StrEnum):
    """What a restriction may bar. Stored as text: an action added here needs no migration."""

    RECEIVE = "receive"
    TRANSFER = "transfer"
    ISSUE = "issue"
    FINANCE = "finance"
    ONBOARD = "onboard"  # be onboarded at a bank (a new account relationship)


#: the kind the facts loader derives from a missing or incomplete onboarding at the voucher's bank
NOT_ONBOARDED = "onboarding.incomplete"


@dataclass(frozen=True)
class Restriction:
    """One restriction on a party (a ``party_restriction`` row, or derived from onboarding)."""

    party_id: str
    action: str
    kind: str
    reason: str = ""
    bank_id: str | None = None  # the scope: this bank only; None for every bank
    valid_from: date | None = None  # None: since ever
    valid_until: date | None = None  # the last day in force (inclusive); None: until lifted
    id: str | None = None  # the row's id (None: derived, as a missing onboarding)
    source: str | None = None  # the record that caused it (a black-list entry, a risk case), if any

    def applies(self, *, action: str, bank_id: str | None, today: date) -> bool:
        """Whether it bars ``action`` at ``bank_id`` on ``today``."""
        return (
            self.action == action
            and (self.bank_id is None or self.bank_id == bank_id)
            and (self.valid_from is None or self.valid_from <= today)
            and (self.valid_until is None or today <= self.valid_until)
        )


def not_onboarded(party_id: str, bank_id: str) -> Restriction:
    """The restriction a missing onboarding stands for: the party may not receive at that bank."""
    return Restriction(party_id=party_id, action=Action.RECEIVE, kind=NOT_ONBOARDED, bank_id=bank_id)


def in_force(
    restrictions: tuple[Restriction, ...], *, action: str, bank_id: str | None, today: date
) -> list[Restriction]:
    """The restrictions barring ``action`` at ``bank_id`` today, in the order given."""
    return [r for r in restrictions if r.applies(action=action, bank_id=bank_id, today=today)]


def check_not_restricted(
    restrictions: tuple[Restriction, ...],
    *,
    party_name: str,
    action: str,
    bank_id: str | None,
    bank_name: str,
    today: date,
) -> None:
    """Refuse the first restriction in force: onboarding by its own code, any other kind generically."""
    for r in in_force(restrictions, action=action, bank_id=bank_id, today=today):
        if r.kind == NOT_ONBOARDED:
            raise parties_errors.NotOnboarded(party=party_name, bank=bank_name)
        raise parties_errors.PartyRestricted(
            party=party_name,
            action=str(r.action),
            kind=r.kind,
            reason=r.reason,
            until=r.valid_until.isoformat() if r.valid_until else None,
            restriction=r.id,
            source=r.source,
        )
