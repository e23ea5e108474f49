"""Read models of trade documents (the viewer is required)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select

from lianrong.adapters.db import tables as t
from lianrong.documents.trades import TradeFile, contract_of, invoice_of, trade_files
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names


@dataclass(frozen=True, slots=True)
class InvoiceEntry:
    """An invoice of a contract as its parties list it: what is still free to back vouchers, and its files."""

    id: str
    contract_id: str
    code: str
    number: str
    amount_fen: int
    allocated_fen: int
    issued_on: dt.date
    seller_id: str
    buyer_id: str
    created_at: dt.datetime
    free_fen: int
    attachments: tuple[TradeFile, ...]


@dataclass(frozen=True, slots=True)
class ContractEntry:
    """A contract the organisation is a party to (``role``: its side), with its invoices and files."""

    id: str
    number: str
    buyer_id: str
    seller_id: str
    amount_fen: int
    signed_on: dt.date
    due_on: dt.date
    non_cash_agreed: bool
    created_at: dt.datetime
    recorded_by: str | None
    confirmed_at: dt.datetime | None
    buyer_name: str | None
    seller_name: str | None
    role: str  # buyer | seller
    invoices: tuple[InvoiceEntry, ...]
    attachments: tuple[TradeFile, ...]
    invoiced_fen: int


def contracts(ctx: Context, *, actor: Actor) -> list[ContractEntry]:
    """Contracts the organisation is a party to, newest first, each with its invoices and stored files."""
    me = actor.party_id
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(t.contract)
            .where(or_(t.contract.c.buyer_id == me, t.contract.c.seller_id == me))
            .order_by(t.contract.c.signed_on.desc(), t.contract.c.id)
        ).all()
        ids = [r.id for r in rows]
        invoices: dict[str, list[InvoiceEntry]] = defaultdict(list)
        files: dict[tuple[str, str], list[TradeFile]] = {}
        raw = []
        for chunk in range(0, len(ids), 500):
            raw += uow.conn.execute(
                select(t.invoice)
                .where(t.invoice.c.contract_id.in_(ids[chunk : chunk + 500]))
                .order_by(t.invoice.c.issued_on, t.invoice.c.id)
            ).all()
            files.update(trade_files(uow, ids[chunk : chunk + 500]))
        for r in raw:
            i = invoice_of(r)
            invoices[i.contract_id].append(
                InvoiceEntry(
                    id=i.id,
                    contract_id=i.contract_id,
                    code=i.code,
                    number=i.number,
                    amount_fen=i.amount_fen,
                    allocated_fen=i.allocated_fen,
                    issued_on=i.issued_on,
                    seller_id=i.seller_id,
                    buyer_id=i.buyer_id,
                    created_at=i.created_at,
                    free_fen=i.amount_fen - i.allocated_fen,
                    attachments=tuple(files.get(("invoice", i.id), [])),
                )
            )
        names = party_names(uow, [r.buyer_id for r in rows] + [r.seller_id for r in rows])
    out = []
    for r in rows:
        c = contract_of(r)
        inv = tuple(invoices.get(r.id, []))
        out.append(
            ContractEntry(
                id=c.id,
                number=c.number,
                buyer_id=c.buyer_id,
                seller_id=c.seller_id,
                amount_fen=c.amount_fen,
                signed_on=c.signed_on,
                due_on=c.due_on,
                non_cash_agreed=c.non_cash_agreed,
                created_at=c.created_at,
                recorded_by=c.recorded_by,
                confirmed_at=c.confirmed_at,
                buyer_name=names.get(r.buyer_id),
                seller_name=names.get(r.seller_id),
                role="buyer" if r.buyer_id == me else "seller",
                invoices=inv,
                attachments=tuple(files.get(("contract", r.id), [])),
                invoiced_fen=sum(i.amount_fen for i in inv),
            )
        )
    return out
