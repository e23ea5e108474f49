"""API schemas of the black list and credit repair: ``XCreate``/``XDecide`` (request bodies), ``XRead`` (records)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from lianrong.api.schemas import Input, IsoMoment, Output, PartyRef, Sha256, text, values_of
from lianrong.programme.blacklist.model import PrincipalRole, Source, Subject

Severity = Literal["minor", "serious", "grave"]  # kernel.policy.SEVERITIES
SubjectName = values_of(Subject)
SourceName = values_of(Source)
PrincipalRoleName = values_of(PrincipalRole)


class EntryCreate(Input):
    subject: SubjectName = "enterprise"
    party: PartyRef | None = Field(None, description="the enterprise (for a principal: the enterprise led, if known)")
    principal_name: text(60) | None = None
    principal_id_no: text(18) | None = Field(None, description="居民身份证号码 (GB 11643), 18 characters")
    principal_role: PrincipalRoleName | None = None
    source: SourceName
    severity: Severity
    reason: text(500)
    evidence: list[Sha256] = Field(default_factory=list, max_length=20, description="uploaded attachments' SHA-256")


class Decision(Input):
    reason: text(500, min_length=0) = ""


class Removal(Input):
    reason: text(500)


class RepairCreate(Input):
    entry_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    statement: text(4000)
    evidence: list[Sha256] = Field(default_factory=list, max_length=20)


class Review(Input):
    opinion: text(500)


class EntryRead(Output):
    """A black-list entry (a write's answer, or a row of the list: with the party's name and its effects)."""

    id: str
    subject: str
    party_id: str | None
    party_name: str | None = None
    principal_name: str | None
    principal_id_no: str | None
    principal_role: str | None
    source: str
    severity: str
    reason: str
    evidence: list[str]
    listed_on: dt.date
    min_until: dt.date
    status: str
    removed_on: dt.date | None
    removed_reason: str | None
    created_at: IsoMoment
    effects: list[str] | None = None


class StepRead(Output):
    action: str
    status: str
    reason: str
    actor_id: str | None
    actor_name: str | None = None
    at: IsoMoment


class RestrictionLineRead(Output):
    id: str
    party_id: str
    action: str
    valid_from: dt.date
    valid_until: dt.date | None
    lifted_at: IsoMoment | None


class RepairRead(Output):
    id: str
    entry_id: str
    applicant_id: str
    applicant_name: str | None = None
    status: str
    statement: str
    evidence: list[str]
    created_at: IsoMoment
    updated_at: IsoMoment
    entry_severity: str | None = None
    entry_min_until: dt.date | None = None


class EntryDetailRead(Output):
    entry: EntryRead
    steps: list[StepRead]
    restrictions: list[RestrictionLineRead]
    repairs: list[RepairRead]
    same_person: list[EntryRead]


class RepairDetailRead(Output):
    repair: RepairRead
    entry: EntryRead
    steps: list[StepRead]
    in_chain: bool


class OverdueVoucherRead(Output):
    id: str
    number: str
    face_fen: int
    maturity_on: dt.date
    status: str


class PaymentFailureRead(Output):
    id: str
    voucher_id: str | None
    kind: str
    amount_fen: int
    value_on: dt.date
    failure: str


class FinancingLineRead(Output):
    id: str
    bank_id: str
    bank_name: str
    status: str
    principal_fen: int
    applied_on: dt.date
    maturity_on: dt.date


class ArchiveEntryRead(Output):
    entry: EntryRead
    steps: list[StepRead]


class ArchiveRead(Output):
    """An enterprise's credit archive; ``alerts`` stays empty until the risk engine fills it (``alerts_note``)."""

    party_id: str
    party_name: str
    entries: list[ArchiveEntryRead]
    overdue_vouchers: list[OverdueVoucherRead]
    payment_failures: list[PaymentFailureRead]
    financings: list[FinancingLineRead]
    alerts: list[str]
    alerts_note: str
