"""API schemas of the targets: the dashboard, the records behind a number, banks' monthly reports."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from lianrong.api.schemas import Id, Input, IsoMoment, Output, PartyRef

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class SliceRead(Output):
    id: str
    name: str
    ledger: int
    reported: int
    value: int


class TrendPointRead(Output):
    month: str
    ledger: int
    reported: int
    value: int


class ProjectionRead(Output):
    monthly_rate: float = Field(description="the average monthly change over the trend's window")
    projected: int = Field(description="the value the straight line reaches on the deadline")
    deadline_month: str
    on_track: bool
    months_left: int


class TargetFigureRead(Output):
    key: str = Field(description="key_chain_financing | products | core_enterprises | yearly_credit")
    unit: str = Field(description="fen | count")
    target: int
    deadline: dt.date
    ledger: int = Field(description="from the platform's own records")
    reported: int = Field(description="from banks' monthly reports")
    value: int
    progress: float
    projection: ProjectionRead
    trend: list[TrendPointRead]
    by_chain: list[SliceRead]
    by_bank: list[SliceRead]
    by_month: list[SliceRead]


class DashboardRead(Output):
    """The 2027 targets as of a month's end (definitions: ``programme.targets.queries``)."""

    month: str
    as_of: dt.date
    chains: list[SliceRead]
    targets: list[TargetFigureRead]


class RecordRead(Output):
    kind: str = Field(description="financing | credit_line | bank_report | core | product")
    id: str
    part: str = Field(description="ledger | reported")
    day: dt.date | None
    month: str
    bank_id: str | None
    bank_name: str
    party_id: str | None
    party_name: str
    chain_id: str | None
    chain_name: str
    value: int


class RecordListRead(Output):
    """The records behind one number; ``total`` (their sum) is the number."""

    target: str
    month: str
    part: str | None
    chain_id: str | None
    bank_id: str | None
    flow_month: str | None
    items: list[RecordRead]
    total: int


class BankReportCreate(Input):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM, not a future month")
    chain: str = Field(min_length=1, max_length=40, description="the chain's id or code")
    bank: PartyRef | None = Field(None, description="default: the caller's bank")
    credit_granted_fen: int = Field(ge=0, le=10**17, strict=True)
    financing_fen: int = Field(ge=0, le=10**17, strict=True)
    products: int = Field(0, ge=0, le=1000, strict=True)
    note: str = Field("", max_length=500)


class BankReportAmend(Input):
    credit_granted_fen: int = Field(ge=0, le=10**17, strict=True)
    financing_fen: int = Field(ge=0, le=10**17, strict=True)
    products: int = Field(0, ge=0, le=1000, strict=True)
    note: str = Field("", max_length=500)


class BankReportRead(Output):
    id: Id
    bank_id: str
    bank_name: str | None = None
    month: str
    chain_id: str
    chain_name: str | None = None
    credit_granted_fen: int
    financing_fen: int
    products: int
    note: str
    submitted_at: IsoMoment


class BankReportList(Output):
    items: list[BankReportRead]
    total: int


class ReportWithdrawn(Output):
    id: str
    bank_id: str
    month: str
    chain_id: str


class ReportImportRead(Output):
    bank_id: str
    rows: int
    created: int
    replaced: int
    months: list[str]
