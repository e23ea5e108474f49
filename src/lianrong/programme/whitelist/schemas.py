"""API schemas of the white list: ``XCreate`` (a request body), ``XRead`` (a record, read by attribute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from lianrong.api.schemas import Id, Input, IsoMoment, Output, PartyRef, text


class WhitelistCriterionIn(Input):
    name: text(60)  # type: ignore[valid-type]
    met: bool
    evidence: text(500, min_length=0) = ""  # type: ignore[valid-type]


class WhitelistCriteriaIn(Input):
    debt_ratio: float = Field(ge=0, le=1, description="资产负债率 as a fraction: 0.62 for 62%")
    compliant: bool = Field(description="合规经营: no major violation on record")
    main_business: text(200)  # type: ignore[valid-type]
    evidence: text(500, min_length=0) = ""  # type: ignore[valid-type]
    extra: list[WhitelistCriterionIn] = Field(
        default_factory=list, max_length=20, description="the deployment's own criteria"
    )


class WhitelistEntryCreate(Input):
    core: PartyRef
    chain: Id = Field(description="the chain's id or code")
    criteria: WhitelistCriteriaIn


class WhitelistReviewCreate(Input):
    approve: bool
    reason: text(500, min_length=0) = ""  # type: ignore[valid-type]


class WhitelistRevokeCreate(Input):
    reason: text(500)  # type: ignore[valid-type]


class WhitelistRoundCreate(Input):
    year: int | None = Field(None, ge=2020, le=2199, description="default: this year")


class WhitelistDecisionCreate(Input):
    renew: bool
    reason: text(500, min_length=0) = ""  # type: ignore[valid-type]


class WhitelistEntryChangeRead(Output):
    id: str
    core_id: str
    chain_id: str
    status: str
    version: int
    listed_on: dt.date | None = None
    valid_until: dt.date | None = None
    pushes: list[str] = []


class WhitelistEntryRead(Output):
    id: str
    core_id: str
    core_name: str
    chain_id: str
    chain_name: str
    status: str
    version: int
    listed_on: dt.date | None = None
    valid_until: dt.date | None = None
    updated_at: IsoMoment
    criteria: dict[str, Any]


class WhitelistVersionRead(Output):
    version: int
    action: str
    status: str
    criteria: dict[str, Any]
    reason: str
    actor_id: str | None = None
    actor_name: str
    at: IsoMoment


class WhitelistCardRead(Output):
    round_id: str
    year: int
    entry_id: str
    core_id: str
    core_name: str
    chain_name: str
    figures: dict[str, Any]
    decision: str | None = None
    reason: str
    decided_by: str | None = None
    decided_at: IsoMoment | None = None


class WhitelistEntryDetailRead(Output):
    entry: WhitelistEntryRead
    versions: list[WhitelistVersionRead]
    cards: list[WhitelistCardRead]


class WhitelistPushRead(Output):
    id: str
    bank_id: str
    kind: str
    round_id: str | None = None
    added: list[str]
    removed: list[str]
    created_at: IsoMoment
    acknowledged_by: str | None = None
    acknowledged_at: IsoMoment | None = None


class WhitelistAcknowledgedRead(Output):
    id: str
    bank_id: str
    acknowledged_by: str
    acknowledged_at: IsoMoment


class WhitelistRoundRead(Output):
    id: str
    year: int
    opened_on: dt.date
    closes_on: dt.date
    status: str
    cards: int


class WhitelistRoundChangeRead(WhitelistRoundRead):
    added: list[str] = []
    removed: list[str] = []
    expired: list[str] = []


class WhitelistRoundDetailRead(Output):
    round: WhitelistRoundRead
    cards: list[WhitelistCardRead]
