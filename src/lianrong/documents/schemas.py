"""API schemas of documents: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    computed_field,
)

from lianrong.api.schemas import Day, Fen, Input, IsoMoment, Output, Page, PartyRef, Sha256, text


class AttachmentRead(Output):
    sha256: str
    size: int
    reused: bool


class ContractCreate(Input):
    buyer: PartyRef
    seller: PartyRef
    number: text(60)
    amount_fen: Fen
    signed_on: Day
    due_on: Day
    non_cash_agreed: bool = Field(description="the contract agrees to non-cash payment (vouchers included)")
    attachments: Annotated[list[Sha256], Field(max_length=50)] = []


class ContractRead(Output):
    id: str
    number: str
    buyer_id: str
    seller_id: str
    amount_fen: int
    signed_on: dt.date
    due_on: dt.date
    non_cash_agreed: bool
    recorded_by: str | None = Field(None, description="the party that recorded it; the other one confirms it")
    confirmed_at: dt.datetime | None = Field(None, description="when the other party confirmed it")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["confirmed", "unconfirmed"]:
        """``unconfirmed`` until the party that did not record the contract confirms it."""
        return "confirmed" if self.confirmed_at is not None else "unconfirmed"


class ContractRecordRead(ContractRead):
    """A contract as stored (the record ``documents.trades.Contract``): with when it was recorded."""

    created_at: IsoMoment


class TradeContractRead(ContractRecordRead):
    """The contract of a trade; the parties' names where the reader gives them (a financing's documents)."""

    buyer_name: str | None = Field(None, description="given with a financing's documents only")
    seller_name: str | None = Field(None, description="given with a financing's documents only")


class ContractPage(Page[ContractRecordRead]):
    pass


class InvoiceCreate(Input):
    number: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z -]+$")]
    code: Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9A-Za-z -]*$")] | None = None
    amount_fen: Fen
    issued_on: Day
    attachments: Annotated[list[Sha256], Field(max_length=50)] = []


class InvoiceRead(Output):
    id: str
    contract_id: str
    code: str = Field("", description="the legacy invoice code; empty for a 数电票")
    number: str
    amount_fen: int
    issued_on: dt.date


class InvoiceRecordRead(InvoiceRead):
    """An invoice as stored (the record ``documents.trades.Invoice``): its parties and how much backs vouchers."""

    allocated_fen: int = Field(description="the part of the amount backing vouchers")
    seller_id: str
    buyer_id: str
    created_at: IsoMoment


class AttachmentRef(Output):
    owner: str
    owner_id: str
    sha256: str
    filename: str
    media_type: str


class TradeDocumentsRead(Output):
    contract: TradeContractRead
    invoices: list[InvoiceRecordRead]
    attachments: list[AttachmentRef]
