"""The trade behind a voucher or a financing: its contracts, invoices and their files, read in a few statements."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, union_all

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents.attachments import (
    _name_by_record_parties,
)
from lianrong.kernel import errors


@dataclass(frozen=True, slots=True)
class TradeFile:
    """A stored file documenting a contract or an invoice (``owner``), with the name its reader knows it by."""

    owner: str
    owner_id: str
    sha256: str
    filename: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Contract:
    """A trade contract as recorded (the buyer buys from the seller)."""

    id: str
    number: str
    buyer_id: str
    seller_id: str
    amount_fen: int
    signed_on: dt.date
    due_on: dt.date
    non_cash_agreed: bool
    created_at: dt.datetime
    recorded_by: str | None  # the party that recorded it; the other one confirms it
    confirmed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TradeContract(Contract):
    """The contract of a trade's documents, with its parties' names where a reader adds them (a financing's)."""

    buyer_name: str | None = None
    seller_name: str | None = None


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice under a contract, with how much of it backs vouchers (``allocated_fen``)."""

    id: str
    contract_id: str
    code: str  # the legacy invoice code; empty for a 数电票
    number: str
    amount_fen: int
    allocated_fen: int
    issued_on: dt.date
    seller_id: str
    buyer_id: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TradeDocuments:
    """A contract with its invoices and the files of both (the contract's first, then invoice by invoice)."""

    contract: TradeContract
    invoices: tuple[Invoice, ...]
    attachments: tuple[TradeFile, ...]


def _day(value: Any) -> dt.date:
    """A NOT NULL date column's value (a date; ISO text from a raw driver)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _contract_fields(r: Any) -> dict[str, Any]:
    return dict(
        id=r.id,
        number=r.number,
        buyer_id=r.buyer_id,
        seller_id=r.seller_id,
        amount_fen=r.amount_fen,
        signed_on=_day(r.signed_on),
        due_on=_day(r.due_on),
        non_cash_agreed=bool(r.non_cash_agreed),
        created_at=r.created_at,
        recorded_by=r.recorded_by,
        confirmed_at=r.confirmed_at,
    )


def contract_of(r: Any) -> Contract:
    """A ``contract`` row as its record."""
    return Contract(**_contract_fields(r))


def invoice_of(r: Any) -> Invoice:
    """An ``invoice`` row as its record."""
    return Invoice(
        id=r.id,
        contract_id=r.contract_id,
        code=r.code,
        number=r.number,
        amount_fen=r.amount_fen,
        allocated_fen=r.allocated_fen,
        issued_on=_day(r.issued_on),
        seller_id=r.seller_id,
        buyer_id=r.buyer_id,
        created_at=r.created_at,
    )


def trade_files(uow: UnitOfWork, contract_ids: list[str]) -> dict[tuple[str, str], list[TradeFile]]:
    """The stored files of these contracts and of their invoices, by owner (``("contract"|"invoice", id)``).

    One statement whatever the number of contracts and invoices; each owner's files in database order.
    """
    rows = uow.conn.execute(_trade_files_statement(), {"contract_ids": list(contract_ids)}).all()
    out: dict[tuple[str, str], list[TradeFile]] = {}
    for r in rows:
        out.setdefault((r.owner_kind, r.owner_id), []).append(
            TradeFile(
                owner=r.owner_kind, owner_id=r.owner_id, sha256=r.sha256, filename=r.filename, media_type=r.media_type
            )
        )
    return out


@functools.cache
def _trade_files_statement() -> Any:
    """``trade_files``' statement, built once (its subqueries cost milliseconds of Python to build; the
    contract ids are an expanding parameter)."""
    contract_ids = bindparam("contract_ids", expanding=True)
    link, fu = t.document_link.c, t.file_upload.c
    trade = t.contract.alias("trade")
    # the name the trade's own parties gave the file (the earliest of their uploads), not a stranger's
    named = (
        select(fu.filename)
        .where(fu.sha256 == t.attachment.c.sha256, fu.party_id.in_([trade.c.buyer_id, trade.c.seller_id]))
        .order_by(fu.uploaded_at, fu.party_id)
        .limit(1)
        .correlate(t.attachment, trade)
        .scalar_subquery()
    )
    return (
        select(
            link.owner_kind,
            link.owner_id,
            t.attachment.c.sha256,
            func.coalesce(named, _name_by_record_parties(t.attachment.c.sha256), t.attachment.c.filename).label(
                "filename"
            ),
            t.attachment.c.media_type,
        )
        .join(t.document_link, link.sha256 == t.attachment.c.sha256)
        .outerjoin(t.invoice, and_(link.owner_kind == "invoice", t.invoice.c.id == link.owner_id))
        .join(trade, trade.c.id == func.coalesce(t.invoice.c.contract_id, link.owner_id))
        .where(
            or_(
                and_(link.owner_kind == "contract", link.owner_id.in_(contract_ids)),
                and_(
                    link.owner_kind == "invoice",
                    link.owner_id.in_(select(t.invoice.c.id).where(t.invoice.c.contract_id.in_(contract_ids))),
                ),
            )
        )
    )


def financing_has_documents(uow: UnitOfWork, financing_id: str) -> bool:
    """Whether any file documents a financing's trade: one linked to the financing, or to a contract (or an
    invoice of it) behind its parts (the issuing contract of their vouchers and the contracts that moved
    them)."""
    fa, f, link = t.financing_asset.c, t.fragment.c, t.document_link.c
    parts = select(fa.asset_id).where(fa.financing_id == financing_id, fa.kind == "voucher")
    contracts = union_all(
        select(t.voucher.c.contract_id.label("id")).where(
            t.voucher.c.id.in_(select(f.voucher_id).where(f.id.in_(parts)))
        ),
        select(f.contract_id).where(f.id.in_(parts), f.contract_id.is_not(None)),
    ).subquery()
    linked = select(link.sha256).where(
        or_(
            and_(link.owner_kind == "financing", link.owner_id == financing_id),
            and_(link.owner_kind == "contract", link.owner_id.in_(select(contracts.c.id))),
            and_(
                link.owner_kind == "invoice",
                link.owner_id.in_(select(t.invoice.c.id).where(t.invoice.c.contract_id.in_(select(contracts.c.id)))),
            ),
        )
    )
    return uow.conn.execute(linked.limit(1)).first() is not None


def trade_documents(uow: UnitOfWork, contract_id: str) -> TradeDocuments:
    """A contract with its invoices and attachments (reused across every holder and financing).

    Three statements whatever the number of invoices: the attachments of the contract and of all its
    invoices are read together (``trade_files``), then listed contract first and invoice by invoice.
    """
    return trade_documents_of(uow, [contract_id])[contract_id]


def trade_documents_of(uow: UnitOfWork, contract_ids: list[str]) -> dict[str, TradeDocuments]:
    """``trade_documents`` of several contracts, by contract id, in three statements whatever their number
    (the contracts, their invoices, the files of both); an unknown contract is ``contract.not_found``."""
    ids = list(dict.fromkeys(contract_ids))
    if not ids:
        return {}
    if not all(isinstance(c, str) and c for c in ids):
        raise errors.NotFound("contract", next(c for c in ids if not (isinstance(c, str) and c)))
    contracts_of, invoices_of = _trade_statements()
    contracts = {r.id: r for r in uow.conn.execute(contracts_of, {"ids": ids})}
    for c in ids:
        if c not in contracts:
            raise errors.NotFound("contract", c)
    invoices: dict[str, list[Invoice]] = {c: [] for c in ids}
    for r in uow.conn.execute(invoices_of, {"ids": ids}):
        invoices[r.contract_id].append(invoice_of(r))
    files = trade_files(uow, ids)
    out = {}
    for c in ids:
        owners = [("contract", c)] + [("invoice", inv.id) for inv in invoices[c]]
        out[c] = TradeDocuments(
            contract=TradeContract(**_contract_fields(contracts[c])),
            invoices=tuple(invoices[c]),
            attachments=tuple(f for owner in owners for f in files.get(owner, [])),
        )
    return out


@functools.cache
def _trade_statements() -> tuple[Any, Any]:
    """``trade_documents_of``' two statements (contracts, their invoices by issue date), built once."""
    ids = bindparam("ids", expanding=True)
    return (
        select(t.contract).where(t.contract.c.id.in_(ids)),
        select(t.invoice).where(t.invoice.c.contract_id.in_(ids)).order_by(t.invoice.c.issued_on),
    )


def has_trade(uow: UnitOfWork, *, buyer_id: str, seller_id: str, contract_id: str | None = None) -> str | None:
    """The id of a recorded contract in which ``buyer`` buys from ``seller``, if any."""
    stmt = select(t.contract.c.id).where(t.contract.c.buyer_id == buyer_id, t.contract.c.seller_id == seller_id)
    if contract_id:
        stmt = stmt.where(t.contract.c.id == contract_id)
    return uow.conn.execute(stmt.order_by(t.contract.c.signed_on.desc()).limit(1)).scalar()
