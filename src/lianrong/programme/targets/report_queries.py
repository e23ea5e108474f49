"""Read models of banks' monthly reports (the viewer is required; scope first): a bank sees its own, a chain office
its chains', the district office all; an enterprise nothing (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.context import Actor, Context
from lianrong.programme.targets.model import parse_month
from lianrong.programme.targets.queries import Slice

# --- banks' monthly reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankReport:
    """A bank's report of one month and chain: what the platform did not originate."""

    id: str
    bank_id: str
    bank_name: str
    month: str
    chain_id: str
    chain_name: str
    credit_granted_fen: int
    financing_fen: int
    products: int
    note: str
    submitted_by: str | None
    submitted_at: dt.datetime


def report_filter(uow: UnitOfWork, viewer: Actor) -> Any | None:
    """Reports the viewer sees: a bank its own, a chain office its chains', the district all (None); else 404."""
    kind = scope.party_kind(uow, viewer)
    if kind in ("system", "district"):
        return None
    if kind == "bank":
        return pt.bank_report.c.bank_id == viewer.party_id
    if kind == "chain_office":
        return pt.bank_report.c.chain_id.in_(select(pt.chain.c.id).where(pt.chain.c.office_id == viewer.party_id))
    raise errors.NotFound("bank_report", "list")


def bank_reports(
    ctx: Context,
    *,
    viewer: Actor,
    month: str | None = None,
    chain: str | None = None,
    bank: str | None = None,
    report_id: str | None = None,
) -> list[BankReport]:
    """Banks' reports the viewer may see, newest month first."""
    br, c, p = pt.bank_report.c, pt.chain.c, t.party.c
    with ctx.uow(readonly=True) as uow:
        limit = report_filter(uow, viewer)
        stmt = (
            select(pt.bank_report, c.name.label("chain_name"), func.coalesce(p.short_name, p.name).label("bank_name"))
            .select_from(pt.bank_report.join(pt.chain, c.id == br.chain_id).join(t.party, p.id == br.bank_id))
            .order_by(br.month.desc(), br.bank_id, c.position, c.code)
        )
        conds = [x for x in (limit,) if x is not None]
        if month:
            conds.append(br.month == parse_month(month))
        if chain:
            conds.append(br.chain_id == chain)
        if bank:
            conds.append(br.bank_id == bank)
        if report_id:
            conds.append(br.id == report_id)
        rows = uow.conn.execute(stmt.where(and_(*conds)) if conds else stmt).all()
    return [
        BankReport(
            id=r.id,
            bank_id=r.bank_id,
            bank_name=r.bank_name,
            month=r.month,
            chain_id=r.chain_id,
            chain_name=r.chain_name,
            credit_granted_fen=r.credit_granted_fen,
            financing_fen=r.financing_fen,
            products=r.products,
            note=r.note,
            submitted_by=r.submitted_by,
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]


def bank_report(ctx: Context, *, viewer: Actor, report_id: str) -> BankReport:
    """One report the viewer may see (404 otherwise)."""
    found = bank_reports(ctx, viewer=viewer, report_id=report_id)
    if not found:
        raise errors.NotFound("bank_report", report_id)
    return found[0]


def reportable_chains(ctx: Context) -> list[Slice]:
    """The active chains a bank may report on (value: 1 for a key chain)."""
    c = pt.chain.c
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(c.id, c.name, c.key_chain).where(c.active.is_(True)).order_by(c.position, c.code)
        ).all()
    return [Slice(r.id, r.name, 0, 0, int(bool(r.key_chain))) for r in rows]
