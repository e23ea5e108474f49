"""Read models of trade documents (the viewer is required)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select

from lianrong.adapters.db import tables as t
from lianrong.documents.trades import trade_files
from lianrong.platform.common import Result, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names


def contracts(ctx: Context, *, actor: Actor) -> list[Result]:
    """Contracts the organisation is a party to, newest first, each with its invoices and stored files."""
    me = actor.party_id
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(t.contract)
            .where(or_(t.contract.c.buyer_id == me, t.contract.c.seller_id == me))
            .order_by(t.contract.c.signed_on.desc(), t.contract.c.id)
        ).all()
        ids = [r.id for r in rows]
        invoices: dict[str, list[Result]] = defaultdict(list)
        files: dict[tuple[str, str], list[Result]] = {}
        for chunk in range(0, len(ids), 500):
            for inv in uow.conn.execute(
                select(t.invoice)
                .where(t.invoice.c.contract_id.in_(ids[chunk : chunk + 500]))
                .order_by(t.invoice.c.issued_on, t.invoice.c.id)
            ):
                invoices[inv.contract_id].append({**row_dict(inv), "free_fen": inv.amount_fen - inv.allocated_fen})
            files.update(trade_files(uow, ids[chunk : chunk + 500]))
        names = party_names(uow, [r.buyer_id for r in rows] + [r.seller_id for r in rows])
    out = []
    for r in rows:
        inv = [{**i, "attachments": files.get(("invoice", i["id"]), [])} for i in invoices.get(r.id, [])]
        out.append(
            {
                **row_dict(r),
                "buyer_name": names.get(r.buyer_id),
                "seller_name": names.get(r.seller_id),
                "role": "buyer" if r.buyer_id == me else "seller",
                "invoices": inv,
                "attachments": files.get(("contract", r.id), []),
                "invoiced_fen": sum(i["amount_fen"] for i in inv),
            }
        )
    return out
