"""API schemas of vouchers: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    ConfigDict,
    Field,
    PlainSerializer,
)

from lianrong.api.schemas import Day, Fen, Id, Input, Output, Page, PartyRef, text
from lianrong.documents.schemas import TradeDocumentsRead
from lianrong.vouchers.model import FragmentStatus, VoucherStatus

#: a recorded moment, answered as Python writes it (``2026-11-26T02:00:00+00:00``), as the API always has
Timestamp = Annotated[dt.datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json")]


class ReadModel(Output):
    """A read model's answer: read from the feature's records by attribute (``queries``' frozen dataclasses),
    exactly the fields declared."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")


class InvoiceAllocation(Input):
    invoice_id: Id
    amount_fen: Fen


class VoucherCreate(Input):
    bank: PartyRef
    supplier: PartyRef
    contract_id: Id
    invoices: Annotated[list[InvoiceAllocation], Field(min_length=1, max_length=100)]
    amount_fen: Fen
    maturity_on: Day
    long_term_reason: text(500) | None = Field(None, description="why a term over six months (77号)")


class VoucherPrepared(ReadModel):
    id: str
    number: str
    status: VoucherStatus
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    requested_maturity: dt.date | None = Field(
        None, description="the maturity asked for, before rolling to a working day"
    )
    maturity_official: bool
    long_term: bool
    warnings: list[str]
    core_id: str
    supplier_id: str
    bank_id: str


class VoucherRead(ReadModel):
    id: str
    number: str
    core_id: str
    bank_id: str
    supplier_id: str
    contract_id: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    status: VoucherStatus
    requested_maturity: dt.date | None = None
    maturity_official: bool
    long_term_reason: str | None = None
    bank_approved_by: str | None = None
    prepared_by: str | None = None
    approved_by: str | None = None
    credit_line_id: str | None = None
    seq: int
    head_hash: str
    hash_algorithm: str
    created_at: Timestamp


class VoucherPage(Page[VoucherRead]):
    pass


class VoucherInvoiceRead(ReadModel):
    voucher_id: str
    invoice_id: str
    core_id: str
    amount_fen: int


class VoucherDetail(VoucherRead):
    warnings: list[str] = []
    invoices: list[VoucherInvoiceRead]
    amounts_by_status: dict[str, int]


class VoucherIssued(ReadModel):
    id: str
    number: str
    status: VoucherStatus
    root_fragment_id: str
    holder_id: str
    face_fen: int
    maturity_on: dt.date


class VoucherRejectCreate(Input):
    reason: text(500)


class VoucherStateRead(ReadModel):
    id: str
    status: VoucherStatus | None = None
    bank_approved_by: str | None = None


class FragmentNode(Output):
    id: str
    parent_id: str | None
    depth: int = Field(description="levels below the root (the root: 0)")
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    contract_id: str | None = None
    financing_id: str | None = None
    created_at: Timestamp


class VoucherTree(Output):
    """The tree flat, so that it reads at any depth: ``nodes`` depth-first from the root (a part before its
    children, siblings oldest first); a node's children are the nodes whose ``parent_id`` is its id."""

    voucher: VoucherRead
    root: str | None = Field(description="the root fragment's id; null before issuance")
    fragments: int
    depth: int = Field(description="the deepest node's depth")
    nodes: list[FragmentNode]


class FragmentRead(Output):
    id: str
    voucher_id: str
    parent_id: str | None = None
    holder_id: str
    amount_fen: int
    tier: int
    status: FragmentStatus


class HoldingRead(FragmentRead):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    core_id: str
    contract_id: str | None = None
    financing_id: str | None = None
    created_at: Timestamp
    number: str
    maturity_on: dt.date
    issuer: str


class HoldingPage(Page[HoldingRead]):
    pass


class TransferPart(Input):
    recipient: PartyRef
    amount_fen: Fen
    contract_id: Id | None = None


class TransferCreate(Input):
    parts: Annotated[list[TransferPart], Field(min_length=1, max_length=100)]

    def service_parts(self) -> list[dict]:
        """The parts as ``vouchers.transfer`` takes them."""
        return [p.model_dump(exclude_none=True) for p in self.parts]


class TransferChild(ReadModel):
    id: str
    holder_id: str
    amount_fen: int
    tier: int


class TransferRead(ReadModel):
    spent_fragment_id: str
    voucher_id: str
    children: list[TransferChild]


class LineageVoucher(Output):
    id: str
    number: str
    core_id: str
    core_name: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    status: VoucherStatus


class LineageStep(Output):
    id: str
    parent_id: str | None
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    contract_id: str | None = None
    created_at: Timestamp
    trade: TradeDocumentsRead | None = None


class LineageRead(Output):
    voucher: LineageVoucher
    path: list[LineageStep]


class Violation(ReadModel):
    invariant: int
    ref: str
    message_en: str
    message_zh: str


class AuditRead(ReadModel):
    ok: bool
    violation: Violation | None
    counts: dict[str, int]
