"""API schemas of parties: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
)

from lianrong.api.schemas import (
    Day,
    Fen,
    Input,
    IsoMoment,
    Output,
    Page,
    PartyRef,
    Ratio,
    Spread,
    text,
    values_of,
)
from lianrong.parties import model
from lianrong.parties.restrictions import Action

#: the API's names for the parties' vocabularies
PartyKind = values_of(model.PartyKind)
Role = values_of(model.Role)
LprStateName = values_of(model.LprState)


class PartyCreate(Input):
    kind: PartyKind
    uscc: Annotated[str, StringConstraints(min_length=15, max_length=24, pattern=r"^[0-9A-Za-z -]+$")]
    name: text(200)
    short_name: text(60) | None = None


class PartyRead(Output):
    """A party (the read model ``parties.queries.Party``, or a registration's answer)."""

    id: str
    kind: str
    uscc: str
    name: str
    short_name: str | None = None
    defaulted_on: dt.date | None = None
    created_at: IsoMoment | None = None


class PartyPage(Page[PartyRead]):
    pass


class UserCreate(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")]
    display_name: text(120)
    role: Role
    password: text(200, min_length=10) | None = Field(None, description="a first password (≥ 10, letters and digits)")


class UserRead(Output):
    id: str
    party_id: str
    username: str
    role: str


class UserDetail(UserRead):
    """A user of the caller's organisation, as its admin and approvers see it (never a password hash)."""

    display_name: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None
    locked_until: dt.datetime | None = Field(None, description="set while the account is locked after failed logins")


class UserPage(Page[UserDetail]):
    pass


class OnboardingCreate(Input):
    party: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    settlement_account: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,40}$")] | None = None
    ebanking: bool = False
    certificate: text(60) | None = None


class OnboardingRead(Output):
    bank_id: str
    party_id: str
    complete: bool
    settlement_account: str | None = None
    ebanking: bool
    certificate: str | None = None


class _Params(Input):
    max_ratio: Ratio | None = None
    max_term_days: Annotated[int, Field(strict=True, ge=1, le=3660)] | None = None
    min_split_fen: Fen | None = None
    max_tier: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    spread: Spread | None = None


class DesignationCreate(_Params):
    core: PartyRef
    bank: PartyRef | None = Field(None, description="default: the caller's bank")


class DesignationRead(Output):
    bank_id: str
    core_id: str
    designated_on: dt.date | None = None
    max_ratio: str
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: str


class DesignationEntryRead(DesignationRead):
    """A designation as listed (the read model ``parties.designations.Designation``)."""

    updated_at: IsoMoment = Field(description="when its parameters were last changed")


class DesignationPage(Page[DesignationEntryRead]):
    pass


class LedgerEntryCreate(_Params):
    supplier: PartyRef


class LedgerCreate(Input):
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    suppliers: Annotated[list[LedgerEntryCreate], Field(min_length=1, max_length=1000)]


class LedgerRead(Output):
    bank_id: str
    core_id: str
    suppliers: list[str]


class LprCreate(Input):
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    effective_on: Day
    rate: Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[0-9.%％ ]+$")] = Field(
        description='annual rate, "3.45%" or "0.0345"'
    )


class LprRead(Output):
    bank_id: str
    effective_on: dt.date
    rate: str


class LprEntryRead(LprRead):
    """One LPR entry of a bank, and where it stands today (the read model ``parties.queries.LprEntry``)."""

    state: LprStateName = Field(description="in_force: prices financings today; future: scheduled; past: superseded")


class LprPage(Page[LprEntryRead]):
    pass


#: what a restriction may bar (``parties.restrictions.Action``)
RestrictedAction = values_of(Action)


class RestrictionCreate(Input):
    """Bar the party from an action (at one bank, or every bank), from a day (default today) to a day
    (inclusive; none: until lifted). ``kind`` is a code shown in refusals; ``source`` names the record that
    caused it (e.g. ``blacklist:blk_…``)."""

    action: RestrictedAction
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{1,39}$")]
    reason: text(200)
    bank: PartyRef | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None
    source: text(80) | None = None


class RestrictionLift(Input):
    reason: text(200)


class RestrictionRead(Output):
    """A restriction as recorded, with its lifting (``parties.restricting.RestrictionRecord``)."""

    id: str
    party_id: str
    action: str
    kind: str
    reason: str
    bank_id: str | None = None
    valid_from: dt.date
    valid_until: dt.date | None = None
    source: str | None = None
    created_by: str | None = None
    created_at: IsoMoment
    lifted_at: IsoMoment | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
