"""Read models of vouchers and fragments (shared by the API, the console and the CLI; the viewer is required)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import and_, func, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.financing import model as fin
from lianrong.platform import scope
from lianrong.platform.common import get_or_raise, resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names, user_names
from lianrong.platform.pages import Page
from lianrong.vouchers import model as v
from lianrong.vouchers.model import FragmentStatus, VoucherStatus
from lianrong.vouchers.records import Voucher, voucher_values


@dataclass(frozen=True, slots=True)
class VoucherInvoice:
    """How much of one invoice backs a voucher."""

    voucher_id: str
    invoice_id: str
    core_id: str
    amount_fen: int
    number: str  # the invoice's code and number, as printed
    invoice_fen: int  # the invoice's whole amount


@dataclass(frozen=True, slots=True)
class VoucherSummary(Voucher):
    """A voucher in a list: its record, who is named in it, the invoices behind it and the days left."""

    core_name: str | None
    supplier_name: str | None
    bank_name: str | None
    prepared_by_name: str | None
    approved_by_name: str | None
    invoices: tuple[VoucherInvoice, ...]
    days_left: int


@dataclass(frozen=True, slots=True)
class VoucherDetail(VoucherSummary):
    """One voucher: a list's summary, its issuance warnings, its contract and its amounts by part status."""

    warnings: tuple[str, ...]
    contract_number: str | None
    contract_due_on: dt.date | None
    amounts_by_status: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Holding:
    """A part of a voucher in a holder's list: the fragment, its voucher's number and maturity, its issuer,
    and what the holder may do with it."""

    id: str
    voucher_id: str
    core_id: str
    parent_id: str | None
    holder_id: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    contract_id: str | None
    financing_id: str | None
    created_at: dt.datetime
    number: str
    maturity_on: dt.date
    issuer: str  # the issuing core enterprise's id
    issuer_name: str | None
    holder_name: str | None
    voucher_status: VoucherStatus
    days_left: int
    financing_status: str | None  # the status of the financing the part is reserved for or financed by
    bank_holds: bool  # financed by the listed party: the bank holds it until it is repaid
    can_move: bool  # the viewer may transfer or finance it now


def _vouchers_query(uow: UnitOfWork, *, viewer: Actor, core: str | None, bank: str | None, status: str | None) -> Any:
    stmt = select(t.voucher).order_by(t.voucher.c.created_at.desc(), t.voucher.c.id)
    if (limit_to := scope.voucher_filter(uow, viewer)) is not None:
        stmt = stmt.where(limit_to)
    if core:
        stmt = stmt.where(t.voucher.c.core_id == resolve_party(uow, core).id)
    if bank:
        stmt = stmt.where(t.voucher.c.bank_id == resolve_party(uow, bank).id)
    if status:
        stmt = stmt.where(t.voucher.c.status == status)
    return stmt


def _invoices_of(uow: UnitOfWork, voucher_ids: list[str]) -> dict[str, list[VoucherInvoice]]:
    out: dict[str, list[VoucherInvoice]] = defaultdict(list)
    if voucher_ids:
        for r in uow.conn.execute(
            select(t.voucher_invoice, t.invoice.c.code, t.invoice.c.number, t.invoice.c.amount_fen.label("invoice_fen"))
            .join(t.invoice, t.invoice.c.id == t.voucher_invoice.c.invoice_id)
            .where(t.voucher_invoice.c.voucher_id.in_(voucher_ids))
        ):
            out[r.voucher_id].append(
                VoucherInvoice(
                    voucher_id=r.voucher_id,
                    invoice_id=r.invoice_id,
                    core_id=r.core_id,
                    amount_fen=r.amount_fen,
                    number=f"{r.code}{r.number}",
                    invoice_fen=r.invoice_fen,
                )
            )
    return out


def _summaries(ctx: Context, uow: UnitOfWork, rows: Sequence[Any]) -> list[VoucherSummary]:
    names = party_names(uow, [x for r in rows for x in (r.core_id, r.supplier_id, r.bank_id)])
    users = user_names(uow, [x for r in rows for x in (r.prepared_by, r.approved_by)])
    inv = _invoices_of(uow, [r.id for r in rows])
    today = ctx.clock.today()
    return [
        VoucherSummary(
            **voucher_values(r),
            core_name=names.get(r.core_id),
            supplier_name=names.get(r.supplier_id),
            bank_name=names.get(r.bank_id),
            prepared_by_name=users.get(r.prepared_by),
            approved_by_name=users.get(r.approved_by),
            invoices=tuple(inv.get(r.id, ())),
            days_left=(r.maturity_on - today).days,
        )
        for r in rows
    ]


def vouchers(
    ctx: Context,
    *,
    viewer: Actor,
    core: str | None = None,
    bank: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[VoucherSummary]:
    """One page of the vouchers the viewer may see (issued, carried at its bank or with a part it holds;
    every voucher for the overseers and the system), newest first, filterable by core enterprise, bank and
    status (the API's list, the console's lists and the command line's)."""
    with ctx.uow(readonly=True) as uow:
        stmt = _vouchers_query(uow, viewer=viewer, core=core, bank=bank, status=status)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        rows = uow.conn.execute(stmt.limit(limit).offset(offset)).all()
        return Page(items=tuple(_summaries(ctx, uow, rows)), total=total, limit=limit, offset=offset)


def voucher(ctx: Context, *, viewer: Actor, voucher_id: str) -> VoucherDetail:
    """One voucher the viewer has a part in, with its invoices and its leaf totals by status."""
    with ctx.uow(autocommit=True) as uow:
        row = get_or_raise(uow, t.voucher, voucher_id, "voucher")  # unknown: not found, as out of scope
        scope.check_voucher(uow, viewer, voucher_id, row=row)
        by_status = {
            r.status: r.total
            for r in uow.conn.execute(
                select(t.fragment.c.status, func.sum(t.fragment.c.amount_fen).label("total"))
                .where(t.fragment.c.voucher_id == voucher_id)
                .group_by(t.fragment.c.status)
            )
        }
        contract = uow.conn.execute(
            select(t.contract.c.number, t.contract.c.due_on).where(t.contract.c.id == row.contract_id)
        ).first()
        (summary,) = _summaries(ctx, uow, [row])
    return VoucherDetail(
        **{f.name: getattr(summary, f.name) for f in fields(VoucherSummary)},
        warnings=tuple(row.warnings or ()),
        contract_number=contract.number if contract else None,
        contract_due_on=contract.due_on if contract else None,
        amounts_by_status=by_status,
    )


def _holdings_query(uow: UnitOfWork, *, party: str | None, include_closed: bool, viewer: Actor) -> Any:
    if party is not None and viewer.role != "system" and party == viewer.party_id:
        holder: str | None = party  # the viewer's own organisation: no look-up needed
    else:
        holder = resolve_party(uow, party).id if party is not None else None
    where = scope.holdings_filter(uow, viewer, holder)
    stmt = (
        select(
            t.fragment,
            t.voucher.c.number,
            t.voucher.c.maturity_on,
            t.voucher.c.core_id.label("issuer"),
            t.voucher.c.status.label("voucher_status"),
        )
        .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
        .where(where)
        .order_by(t.voucher.c.maturity_on, t.fragment.c.id)
    )
    if not include_closed:
        stmt = stmt.where(t.fragment.c.status.in_(v.LIVE_STATUSES))
    return stmt


def _holding_rows(
    ctx: Context, uow: UnitOfWork, viewer: Actor, rows: Sequence[Any], *, bank_holds: bool = False
) -> list[Holding]:
    names = party_names(uow, [x for r in rows for x in (r.issuer, r.holder_id)])
    fin_ids = sorted({r.financing_id for r in rows if r.financing_id})
    fin_status = (
        dict(
            uow.conn.execute(select(t.financing.c.id, t.financing.c.status).where(t.financing.c.id.in_(fin_ids))).all()
        )
        if fin_ids
        else {}
    )
    today = ctx.clock.today()
    return [
        Holding(
            id=r.id,
            voucher_id=r.voucher_id,
            core_id=r.core_id,
            parent_id=r.parent_id,
            holder_id=r.holder_id,
            amount_fen=r.amount_fen,
            tier=r.tier,
            status=FragmentStatus(r.status),
            contract_id=r.contract_id,
            financing_id=r.financing_id,
            created_at=r.created_at,
            number=r.number,
            maturity_on=r.maturity_on,
            issuer=r.issuer,
            issuer_name=names.get(r.issuer),
            holder_name=names.get(r.holder_id),
            voucher_status=VoucherStatus(r.voucher_status),
            days_left=(r.maturity_on - today).days,
            financing_status=fin_status.get(r.financing_id),
            bank_holds=bank_holds,
            can_move=(
                r.status == FragmentStatus.ACTIVE
                and r.holder_id == viewer.party_id
                and r.maturity_on > today
                and r.voucher_status == VoucherStatus.ACTIVE
            ),
        )
        for r in rows
    ]


def holdings(
    ctx: Context,
    *,
    viewer: Actor,
    party: str | None = None,
    include_closed: bool = False,
    limit: int | None = 50,
    offset: int = 0,
) -> Page[Holding]:
    """One page (``limit=None``: all) of a party's fragments as far as they are in the viewer's scope
    (``scope.holdings_filter``), by maturity; live parts only unless ``include_closed``. With no party: the
    viewer's own, or for the overseers and the system, who hold nothing, every fragment."""
    with ctx.uow(autocommit=True) as uow:
        if party is None and not scope.sees_everything(uow, viewer):
            party = viewer.party_id
        stmt = _holdings_query(uow, party=party, include_closed=include_closed, viewer=viewer)
        if limit is None:
            rows = uow.conn.execute(stmt).all()
            total, limit = len(rows), len(rows)
        else:
            total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
            rows = uow.conn.execute(stmt.limit(limit).offset(offset)).all()
        return Page(items=tuple(_holding_rows(ctx, uow, viewer, rows)), total=total, limit=limit, offset=offset)


def financed_parts(ctx: Context, *, viewer: Actor, include_closed: bool = False) -> list[Holding]:
    """The parts the viewer's organisation financed, which the bank holds until the financing is repaid."""
    statuses = (fin.DISBURSED, fin.OVERDUE) + ((fin.REPAID,) if include_closed else ())
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(
                t.fragment,
                t.voucher.c.number,
                t.voucher.c.maturity_on,
                t.voucher.c.core_id.label("issuer"),
                t.voucher.c.status.label("voucher_status"),
                t.financing.c.id.label("fin_id"),
                t.financing.c.status.label("fin_status"),
            )
            .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
            .join(
                t.financing_asset,
                and_(t.financing_asset.c.kind == "voucher", t.financing_asset.c.asset_id == t.fragment.c.id),
            )
            .join(t.financing, t.financing.c.id == t.financing_asset.c.financing_id)
            .where(t.financing.c.applicant_id == viewer.party_id, t.financing.c.status.in_(statuses))
        ).all()
        parts = _holding_rows(ctx, uow, viewer, rows, bank_holds=True)
    return [replace(h, financing_id=r.fin_id, financing_status=r.fin_status) for h, r in zip(parts, rows, strict=True)]


def my_holdings(ctx: Context, *, viewer: Actor, include_closed: bool = False) -> list[Holding]:
    """The console's book of the viewer's organisation: what it holds (``holdings``) and what it financed
    (``financed_parts``), by maturity."""
    held = list(holdings(ctx, viewer=viewer, include_closed=include_closed, limit=None).items)
    seen = {h.id for h in held}
    out = held + [f for f in financed_parts(ctx, viewer=viewer, include_closed=include_closed) if f.id not in seen]
    out.sort(key=lambda x: (x.maturity_on, x.number, x.id))
    return out
