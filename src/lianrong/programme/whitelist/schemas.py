"""API schemas of the white list: ``XCreate`` (a request body), ``XRead`` (a record, read by attribute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from lianrong.api.schemas import Id, Input, IsoMoment, Output, PartyRef, text


class CriterionIn(Input):
    name: text(60)  # type: ignore[valid-type]
    met: bool
    evidence: text(500, min_length=0) = ""  # type: ignore[valid-type]


class CriteriaIn(Input):
    debt_ratio: float = Field(ge=0, le=1, description="资产负债率 as a fraction: 0.62 for 62%")
    compliant: bool = Field(description="合规经营: no major violation on record")
    main_business: text(200)  # type: ignore[valid-type]
    evidence: text(500, min_length=0) = ""  # type: ignore[valid-type]
    extra: list[CriterionIn] = Field(default_factory=list, max_length=20, description="the deployment's own criteria")


class EntryCreate(Input):
    core: PartyRef
    chain: Id = Field(description="the chain's id or code")
    criteria: CriteriaIn


class ReviewCreate(Input):
    approve: bool
    reason: text(500, min_length=0) = ""  # type: ignore[valid-type]


class RevokeCreate(Input):
    reason: text(500)  # type: ignore[valid-type]


class RoundCreate(Input):
    year: int | None = Field(None, ge=2020, le=2199, description="default: this year")


class DecisionCreate(Input):
    renew: bool
    reason: text(500, min_length=0) = ""  # type: ignore[valid-type]


class EntryChangeRead(Output):
    id: str
    core_id: str
    chain_id: str
    status: str
    version: int
    listed_on: dt.date | None = None
    valid_until: dt.date | None = None
    pushes: list[str] = []


class EntryRead(Output):
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


class VersionRead(Output):
    version: int
    action: str
    status: str
    criteria: dict[str, Any]
    reason: str
    actor_id: str | None = None
    actor_name: str
    at: IsoMoment


class CardRead(Output):
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


class EntryDetailRead(Output):
    entry: EntryRead
    versions: list[VersionRead]
    cards: list[CardRead]


class PushRead(Output):
    id: str
    bank_id: str
    kind: str
    round_id: str | None = None
    added: list[str]
    removed: list[str]
    created_at: IsoMoment
    acknowledged_by: str | None = None
    acknowledged_at: IsoMoment | None = None


class AcknowledgedRead(Output):
    id: str
    bank_id: str
    acknowledged_by: str
    acknowledged_at: IsoMoment


class RoundRead(Output):
    id: str
    year: int
    opened_on: dt.date
    closes_on: dt.date
    status: str
    cards: int


class RoundChangeRead(RoundRead):
    added: list[str] = []
    removed: list[str] = []
    expired: list[str] = []


class RoundDetailRead(Output):
    round: RoundRead
    cards: list[CardRead]
