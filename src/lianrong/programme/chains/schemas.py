"""API schemas of chains: ``XCreate``/``XUpdate`` (request bodies), ``XRead`` (answers, read from the dataclasses)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from lianrong.api.schemas import Day, Input, IsoMoment, Output, PartyRef, text, values_of
from lianrong.programme.chains.model import MAX_TIER, Role

ChainCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Tier = Annotated[int, Field(strict=True, ge=0, le=MAX_TIER, description="0: the chain leader; 1, 2, …: tiers")]
RoleField = Annotated[
    values_of(Role), Field(description="leader | supplier | producer | distributor | brand | logistics")
]


class ChainCreate(Input):
    code: ChainCode
    name: Annotated[str, text(60)]
    name_en: Annotated[str, text(80)]
    office: PartyRef = Field(description="the chain office (a party of kind chain_office): id or USCC")
    key_chain: bool = False
    description: Annotated[str, text(2000, min_length=0)] = ""
    position: Annotated[int, Field(ge=0, le=1000)] | None = None


class ChainUpdate(Input):
    name: Annotated[str, text(60)] | None = None
    name_en: Annotated[str, text(80)] | None = None
    office: PartyRef | None = None
    key_chain: bool | None = None
    description: Annotated[str, text(2000, min_length=0)] | None = None
    position: Annotated[int, Field(ge=0, le=1000)] | None = None
    active: bool | None = None


class MemberCreate(Input):
    party: PartyRef = Field(description="the enterprise: id or USCC")
    role: RoleField
    tier: Tier
    joined_on: Day | None = Field(None, description="default: today")
    note: Annotated[str, text(200, min_length=0)] = ""


class MemberUpdate(Input):
    role: RoleField | None = None
    tier: Tier | None = None
    note: Annotated[str, text(200, min_length=0)] | None = None


class MemberRemove(Input):
    left_on: Day | None = Field(None, description="default: today")
    note: Annotated[str, text(200, min_length=0)] | None = None


class ChainSavedRead(Output):
    id: str
    code: str
    name: str
    name_en: str
    office_id: str
    key_chain: bool
    description: str
    position: int
    active: bool
    updated_at: IsoMoment


class MemberSavedRead(Output):
    chain_id: str
    party_id: str
    role: str
    tier: int
    joined_on: dt.date
    left_on: dt.date | None = None
    note: str


class ChainRead(Output):
    """A chain in the list (``queries.ChainSummary``)."""

    id: str
    code: str
    name: str
    name_en: str
    office_id: str | None = None
    office_name: str
    key_chain: bool
    description: str
    position: int
    active: bool
    members: int
    leaders: int
    by_role: dict[str, int]


class MemberRead(Output):
    party_id: str
    uscc: str
    name: str
    role: str
    tier: int
    joined_on: dt.date
    left_on: dt.date | None = None
    note: str


class NodeRead(Output):
    id: str
    name: str
    role: str
    tier: int


class EdgeRead(Output):
    """``source`` supplies ``target``; amounts null where the caller may not see them."""

    source: str
    target: str
    contract_fen: int | None = None
    contracts: int | None = None
    voucher_fen: int | None = None
    vouchers: int | None = None


class ChainDetailRead(Output):
    chain: ChainRead
    members: list[MemberRead]
    by_tier: dict[int, int]
    nodes: list[NodeRead]
    edges: list[EdgeRead]


class MembershipRead(Output):
    chain_id: str
    code: str
    name: str
    name_en: str
    role: str
    tier: int
    joined_on: dt.date


class ImportedMemberRead(Output):
    row: int
    party_id: str
    uscc: str
    name: str
    role: str
    tier: int
    outcome: str = Field(description="added | updated | rejoined")
    registered: bool


class MembersImportRead(Output):
    chain_id: str
    rows: int
    added: int
    updated: int
    rejoined: int
    registered: int
    members: list[ImportedMemberRead]
    sha256: str
