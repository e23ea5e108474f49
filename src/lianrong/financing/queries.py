"""Read models of financings (the viewer is required)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents.trades import TradeDocuments, trade_documents_of
from lianrong.financing.collateral import collateral
from lianrong.financing.model import FinancingStatus
from lianrong.platform import scope
from lianrong.platform.common import Result, get_or_raise, resolve_party, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date, party_names, user_names
from lianrong.platform.pages import Page


@dataclass(frozen=True, slots=True)
class FinancingRecord:
    """A financing's record as lists show it (its checklist is the detail's)."""

    id: str
    core_id: str
    bank_id: str
    applicant_id: str
    status: FinancingStatus
    face_fen: int
    principal_fen: int
    annual_rate: Decimal
    lpr: Decimal
    spread: Decimal
    applied_on: dt.date
    financing_on: dt.date | None
    maturity_on: dt.date
    days: int
    interest_fen: int
    net_fen: int
    registration_no: str | None
    registered_at: dt.datetime | None
    applied_by: str
    reviewed_by: str | None
    disbursed_by: str | None
    credit_line_id: str | None
    occupied_fen: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FinancingSummary(FinancingRecord):
    """A financing in a worklist: its record with its parties' names and the numbers of the vouchers behind it."""

    core_name: str | None
    bank_name: str | None
    applicant_name: str | None
    voucher_numbers: tuple[str, ...]


def _record_values(row: Any) -> dict[str, Any]:
    """A financing row's fields as ``FinancingRecord`` types them."""
    return {
        **{k: v for k, v in row._mapping.items() if k != "checklist"},
        "status": FinancingStatus(row.status),
        "annual_rate": Decimal(row.annual_rate),
        "lpr": Decimal(row.lpr),
        "spread": Decimal(row.spread),
        "applied_on": as_date(row.applied_on),
        "financing_on": as_date(row.financing_on),
        "maturity_on": as_date(row.maturity_on),
    }


def financings(
    ctx: Context, *, actor: Actor, status: str | Iterable[str] | None = None, bank_only: bool = False
) -> list[FinancingSummary]:
    """Financings the actor may see (a bank: its own), newest first, with party names."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.financing).order_by(t.financing.c.created_at.desc(), t.financing.c.id)
        if bank_only:
            stmt = stmt.where(t.financing.c.bank_id == actor.party_id)
        else:
            where = scope.financing_filter(uow, actor)
            if where is not None:
                stmt = stmt.where(where)
        if isinstance(status, str):
            stmt = stmt.where(t.financing.c.status == status)
        elif status is not None:
            stmt = stmt.where(t.financing.c.status.in_(tuple(status)))
        rows = uow.conn.execute(stmt).all()
        names = party_names(uow, [x for r in rows for x in (r.core_id, r.bank_id, r.applicant_id)])
        numbers: dict[str, list[str]] = defaultdict(list)
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            for r in uow.conn.execute(
                select(t.financing_asset.c.financing_id, t.voucher.c.number)
                .join(t.fragment, t.fragment.c.id == t.financing_asset.c.asset_id)
                .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
                .where(
                    t.financing_asset.c.kind == "voucher",
                    t.financing_asset.c.financing_id.in_(ids[chunk : chunk + 500]),
                )
            ):
                if r.number not in numbers[r.financing_id]:
                    numbers[r.financing_id].append(r.number)
    return [
        FinancingSummary(
            **_record_values(r),
            core_name=names.get(r.core_id),
            bank_name=names.get(r.bank_id),
            applicant_name=names.get(r.applicant_id),
            voucher_numbers=tuple(numbers.get(r.id, ())),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class FinancingDetail:
    """One financing as every reader shows it (API, console, command line): the record with its parties' and
    users' names and its checklist, the fragments it is secured by (with their voucher's number and maturity),
    the trade documents behind them, the applicant's onboarding at the bank and the payment instructions."""

    financing: Result
    fragments: list[Result]
    documents: list[TradeDocuments]
    applicant_onboarding: Result | None
    instructions: list[Result]


def financing_detail(ctx: Context, *, actor: Actor, financing_id: str) -> FinancingDetail:
    """A financing the actor may see (a party to it, or an overseer; the system sees all); else not found."""
    with ctx.uow(readonly=True) as uow:
        f = get_or_raise(uow, t.financing, financing_id, "financing")  # unknown: not found, as out of scope
        scope.check_financing(uow, actor, financing_id, row=f)
        secured = select(t.financing_asset.c.asset_id).where(
            t.financing_asset.c.financing_id == financing_id, t.financing_asset.c.kind == "voucher"
        )
        frags = uow.conn.execute(
            select(t.fragment, t.voucher.c.number, t.voucher.c.maturity_on.label("voucher_maturity"))
            .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
            .where(t.fragment.c.id.in_(secured))
            .order_by(t.fragment.c.id)
        ).all()
        # the issuing trade of each voucher, then the trades that moved the fragments to their holders
        contract_ids: list[str] = []
        kinds = uow.conn.execute(
            select(t.financing_asset.c.kind, t.financing_asset.c.asset_id)
            .where(t.financing_asset.c.financing_id == financing_id)
            .order_by(t.financing_asset.c.asset_id)
        ).all()
        by_kind: dict[str, list[str]] = defaultdict(list)
        for k in kinds:
            by_kind[k.kind].append(k.asset_id)
        for kind in sorted(by_kind):
            for cid in collateral(kind).contracts(uow, by_kind[kind]):
                if cid not in contract_ids:
                    contract_ids.append(cid)
        trades = trade_documents_of(uow, contract_ids)  # three statements, whatever their number
        docs = [trades[cid] for cid in contract_ids]
        party_ids = (
            [f.core_id, f.bank_id, f.applicant_id]
            + [d.contract.buyer_id for d in docs]
            + [d.contract.seller_id for d in docs]
        )
        names = party_names(uow, party_ids)
        users = user_names(uow, [f.applied_by, f.reviewed_by, f.disbursed_by])
        onboard = uow.conn.execute(
            select(t.onboarding).where(t.onboarding.c.bank_id == f.bank_id, t.onboarding.c.party_id == f.applicant_id)
        ).first()
        instr = uow.conn.execute(
            select(t.payment_instruction)
            .where(t.payment_instruction.c.financing_id == financing_id)
            .order_by(t.payment_instruction.c.id)
        ).all()
    docs = [
        replace(
            d,
            contract=replace(
                d.contract, buyer_name=names.get(d.contract.buyer_id), seller_name=names.get(d.contract.seller_id)
            ),
        )
        for d in docs
    ]
    return FinancingDetail(
        financing={
            **row_dict(f),
            "core_name": names.get(f.core_id),
            "bank_name": names.get(f.bank_id),
            "applicant_name": names.get(f.applicant_id),
            "applied_by_name": users.get(f.applied_by),
            "reviewed_by_name": users.get(f.reviewed_by),
            "disbursed_by_name": users.get(f.disbursed_by),
            "checklist": f.checklist or {},
        },
        fragments=[row_dict(fr) for fr in frags],
        documents=docs,
        applicant_onboarding=row_dict(onboard) if onboard else None,
        instructions=[row_dict(i) for i in instr],
    )


def _financings_query(
    uow: UnitOfWork, *, actor: Actor, bank: str | None, status: str | None, applicant: str | None, core: str | None
) -> Any:
    stmt = select(t.financing).order_by(t.financing.c.created_at.desc(), t.financing.c.id)
    if (limit_to := scope.financing_filter(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if bank:
        stmt = stmt.where(t.financing.c.bank_id == resolve_party(uow, bank).id)
    if applicant:
        stmt = stmt.where(t.financing.c.applicant_id == resolve_party(uow, applicant).id)
    if core:
        stmt = stmt.where(t.financing.c.core_id == resolve_party(uow, core).id)
    if status:
        stmt = stmt.where(t.financing.c.status == status)
    return stmt


def _financing_row(row: Any) -> FinancingRecord:
    return FinancingRecord(**_record_values(row))


def list_financings(
    ctx: Context,
    *,
    actor: Actor,
    bank: str | None = None,
    status: str | None = None,
    applicant: str | None = None,
    core: str | None = None,
) -> list[FinancingRecord]:
    """The financings the actor may see, filterable by bank, applicant, core enterprise and status."""
    with ctx.uow(readonly=True) as uow:
        stmt = _financings_query(uow, actor=actor, bank=bank, status=status, applicant=applicant, core=core)
        return [_financing_row(r) for r in uow.conn.execute(stmt)]


def page_financings(
    ctx: Context,
    *,
    actor: Actor,
    bank: str | None = None,
    status: str | None = None,
    applicant: str | None = None,
    core: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[FinancingRecord]:
    """One page of the financings the actor may see, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _financings_query(uow, actor=actor, bank=bank, status=status, applicant=applicant, core=core)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = [_financing_row(r) for r in uow.conn.execute(stmt.limit(limit).offset(offset))]
    return Page(items=items, total=total, limit=limit, offset=offset)
