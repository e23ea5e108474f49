"""Read models of parties, designations, customer ledgers and LPR (the viewer is required)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.parties.designations import lpr_query
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date, party_names
from lianrong.platform.pages import Page


@dataclass(frozen=True)
class Party:
    """An organisation in the party register (its name, USCC and kind are public registry data)."""

    id: str
    kind: str
    uscc: str
    name: str
    short_name: str | None
    defaulted_on: dt.date | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CoreSupplier:
    """A supplier in a core enterprise's customer ledger at one bank, with its onboarding and parameters there."""

    supplier_id: str
    name: str
    short_name: str | None
    uscc: str
    bank_id: str
    bank_name: str
    settlement_account: str | None
    ebanking: bool
    certificate: str | None
    onboarded: bool
    max_ratio: str  # the ledger's override, else the core's (a decimal fraction's text)
    spread: str
    contracts: int  # trade contracts with the core enterprise
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CoreLine:
    """A credit line of a bank's core enterprise, with what is available and whether it is in force today."""

    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    occupied_fen: int
    valid_from: dt.date
    valid_to: dt.date
    created_at: dt.datetime
    available_fen: int
    ratio: float  # the share of the limit occupied
    in_force: bool


@dataclass(frozen=True, slots=True)
class BankCore:
    """A bank's core enterprise: its parameters, credit lines, suppliers, vouchers outstanding and financings."""

    core_id: str
    name: str
    short_name: str | None
    uscc: str
    defaulted_on: dt.date | None
    designated_on: dt.date
    max_ratio: str
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: str
    lines: tuple[CoreLine, ...]
    suppliers: int
    vouchers: int
    outstanding_fen: int
    financings: int
    financed_fen: int


@dataclass(frozen=True, slots=True)
class Customer:
    """A bank's onboarding record of a party, with whether it is complete, a core there, and in which ledgers."""

    bank_id: str
    party_id: str
    settlement_account: str | None
    ebanking: bool
    certificate: str | None
    updated_at: dt.datetime
    name: str
    short_name: str | None
    uscc: str
    onboarded: bool
    is_core: bool
    core_names: tuple[str | None, ...]  # the core enterprises whose ledgers name it


@dataclass(frozen=True, slots=True)
class PartyName:
    """A party's id and name (and USCC where the list shows it)."""

    id: str
    name: str
    uscc: str | None = None


@dataclass(frozen=True, slots=True)
class BankCustomers:
    """A bank's onboarding records, the enterprises it may onboard and its core enterprises."""

    customers: tuple[Customer, ...]
    enterprises: tuple[PartyName, ...]
    cores: tuple[PartyName, ...]


@dataclass(frozen=True, slots=True)
class DesignationCandidate:
    """An enterprise a bank has not designated yet, with whether it is onboarded there."""

    id: str
    name: str
    short_name: str | None
    uscc: str
    onboarded: bool


def _party(r: Any) -> Party:
    return Party(
        id=r.id,
        kind=r.kind,
        uscc=r.uscc,
        name=r.name,
        short_name=r.short_name,
        defaulted_on=as_date(r.defaulted_on),
        created_at=r.created_at,
    )


def _parties_statement(*, kind: str | None, q: str | None = None) -> Any:
    stmt = select(t.party).order_by(t.party.c.created_at, t.party.c.id)
    if kind:
        stmt = stmt.where(t.party.c.kind == kind)
    if q:
        stmt = stmt.where(
            or_(
                t.party.c.name.contains(q, autoescape=True),
                t.party.c.short_name.contains(q, autoescape=True),
                t.party.c.uscc == q.strip().upper(),
            )
        )
    return stmt


def parties(ctx: Context, *, viewer: Actor, kind: str | None = None, q: str | None = None) -> list[Party]:
    """The party register (every viewer reads it all), optionally of one kind or matching a name or USCC."""
    with ctx.uow(readonly=True) as uow:
        return [_party(r) for r in uow.conn.execute(_parties_statement(kind=kind, q=q))]


def page_parties(
    ctx: Context, *, viewer: Actor, kind: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Party]:
    """One page of ``parties``, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = _parties_statement(kind=kind, q=q)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = [_party(r) for r in uow.conn.execute(stmt.limit(limit).offset(offset))]
    return Page(items=items, total=total, limit=limit, offset=offset)


def party(ctx: Context, *, viewer: Actor, ref: str) -> Party:
    """One party by id or USCC (``party.not_found`` otherwise)."""
    with ctx.uow(readonly=True) as uow:
        return _party(resolve_party(uow, ref))


def core_suppliers(ctx: Context, *, actor: Actor) -> list[CoreSupplier]:
    """The core enterprise's suppliers in its banks' customer ledgers, with their onboarding status."""
    core = actor.party_id
    with ctx.uow(readonly=True) as uow:
        led, sup, bank, onb = t.supplier_ledger, t.party.alias("s"), t.party.alias("b"), t.onboarding
        rows = uow.conn.execute(
            select(
                led.c.supplier_id,
                led.c.bank_id,
                led.c.max_ratio,
                led.c.spread,
                led.c.imported_at,
                sup.c.name,
                sup.c.short_name,
                sup.c.uscc,
                bank.c.name.label("bank_name"),
                onb.c.settlement_account,
                onb.c.ebanking,
                onb.c.certificate,
                t.core_designation.c.max_ratio.label("core_ratio"),
                t.core_designation.c.spread.label("core_spread"),
            )
            .join(sup, sup.c.id == led.c.supplier_id)
            .join(bank, bank.c.id == led.c.bank_id)
            .join(
                t.core_designation,
                and_(t.core_designation.c.bank_id == led.c.bank_id, t.core_designation.c.core_id == led.c.core_id),
            )
            .outerjoin(onb, and_(onb.c.bank_id == led.c.bank_id, onb.c.party_id == led.c.supplier_id))
            .where(led.c.core_id == core)
            .order_by(sup.c.name)
        ).all()
        contracts = dict(
            uow.conn.execute(
                select(t.contract.c.seller_id, func.count())
                .where(t.contract.c.buyer_id == core)
                .group_by(t.contract.c.seller_id)
            ).all()
        )
    return [
        CoreSupplier(
            supplier_id=r.supplier_id,
            name=r.name,
            short_name=r.short_name,
            uscc=r.uscc,
            bank_id=r.bank_id,
            bank_name=r.bank_name,
            settlement_account=r.settlement_account,
            ebanking=bool(r.ebanking),
            certificate=r.certificate,
            onboarded=bool(r.settlement_account and r.ebanking and r.certificate),
            max_ratio=r.max_ratio or r.core_ratio,
            spread=r.spread or r.core_spread,
            contracts=contracts.get(r.supplier_id, 0),
            imported_at=r.imported_at,
        )
        for r in rows
    ]


def bank_cores(ctx: Context, *, actor: Actor) -> list[BankCore]:
    """The bank's core enterprises: parameters, credit lines with occupation, vouchers outstanding."""
    bank = actor.party_id
    today = ctx.clock.today()
    with ctx.uow(readonly=True) as uow:
        des = uow.conn.execute(
            select(t.core_designation, t.party.c.name, t.party.c.short_name, t.party.c.uscc, t.party.c.defaulted_on)
            .join(t.party, t.party.c.id == t.core_designation.c.core_id)
            .where(t.core_designation.c.bank_id == bank)
            .order_by(t.party.c.name)
        ).all()
        lines: defaultdict[str, list[CoreLine]] = defaultdict(list)
        for r in uow.conn.execute(
            select(t.credit_line).where(t.credit_line.c.bank_id == bank).order_by(t.credit_line.c.valid_from)
        ):
            lines[r.core_id].append(
                CoreLine(
                    id=r.id,
                    bank_id=r.bank_id,
                    core_id=r.core_id,
                    limit_fen=r.limit_fen,
                    occupied_fen=r.occupied_fen,
                    valid_from=r.valid_from,
                    valid_to=r.valid_to,
                    created_at=r.created_at,
                    available_fen=r.limit_fen - r.occupied_fen,
                    ratio=(r.occupied_fen / r.limit_fen) if r.limit_fen else 0,
                    in_force=r.valid_from <= today <= r.valid_to,
                )
            )
        outstanding = {
            r.core_id: (r.n, r.total)
            for r in uow.conn.execute(
                select(t.voucher.c.core_id, func.count().label("n"), func.sum(t.voucher.c.face_fen).label("total"))
                .where(t.voucher.c.bank_id == bank, t.voucher.c.status.in_(("active", "overdue")))
                .group_by(t.voucher.c.core_id)
            )
        }
        financed = {
            r.core_id: (r.n, r.total)
            for r in uow.conn.execute(
                select(
                    t.financing.c.core_id, func.count().label("n"), func.sum(t.financing.c.principal_fen).label("total")
                )
                .where(t.financing.c.bank_id == bank, t.financing.c.status.in_(("disbursed", "overdue")))
                .group_by(t.financing.c.core_id)
            )
        }
        suppliers = dict(
            uow.conn.execute(
                select(t.supplier_ledger.c.core_id, func.count())
                .where(t.supplier_ledger.c.bank_id == bank)
                .group_by(t.supplier_ledger.c.core_id)
            ).all()
        )
    return [
        BankCore(
            core_id=d.core_id,
            name=d.name,
            short_name=d.short_name,
            uscc=d.uscc,
            defaulted_on=as_date(d.defaulted_on),
            designated_on=d.designated_on,
            max_ratio=d.max_ratio,
            max_term_days=d.max_term_days,
            min_split_fen=d.min_split_fen,
            max_tier=d.max_tier,
            spread=d.spread,
            lines=tuple(lines.get(d.core_id, ())),
            suppliers=suppliers.get(d.core_id, 0),
            vouchers=outstanding.get(d.core_id, (0, 0))[0],
            outstanding_fen=outstanding.get(d.core_id, (0, 0))[1] or 0,
            financings=financed.get(d.core_id, (0, 0))[0],
            financed_fen=financed.get(d.core_id, (0, 0))[1] or 0,
        )
        for d in des
    ]


def bank_customers(ctx: Context, *, actor: Actor) -> BankCustomers:
    """The bank's onboarding records and the enterprises it may onboard."""
    bank = actor.party_id
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(t.onboarding, t.party.c.name, t.party.c.short_name, t.party.c.uscc)
            .join(t.party, t.party.c.id == t.onboarding.c.party_id)
            .where(t.onboarding.c.bank_id == bank)
            .order_by(t.party.c.name)
        ).all()
        cores = {
            r.core_id
            for r in uow.conn.execute(select(t.core_designation.c.core_id).where(t.core_designation.c.bank_id == bank))
        }
        ledger = defaultdict(list)
        for r in uow.conn.execute(
            select(t.supplier_ledger.c.supplier_id, t.supplier_ledger.c.core_id).where(
                t.supplier_ledger.c.bank_id == bank
            )
        ):
            ledger[r.supplier_id].append(r.core_id)
        enterprises = [
            PartyName(id=r.id, name=r.name, uscc=r.uscc)
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.uscc)
                .where(t.party.c.kind == "enterprise")
                .order_by(t.party.c.name)
            )
        ]
        names = party_names(uow, [c for cs in ledger.values() for c in cs])
    customers = tuple(
        Customer(
            bank_id=r.bank_id,
            party_id=r.party_id,
            settlement_account=r.settlement_account,
            ebanking=bool(r.ebanking),
            certificate=r.certificate,
            updated_at=r.updated_at,
            name=r.name,
            short_name=r.short_name,
            uscc=r.uscc,
            onboarded=bool(r.settlement_account and r.ebanking and r.certificate),
            is_core=r.party_id in cores,
            core_names=tuple(names.get(c) for c in ledger.get(r.party_id, [])),
        )
        for r in rows
    )
    return BankCustomers(
        customers=customers,
        enterprises=tuple(enterprises),
        cores=tuple(PartyName(id=e.id, name=e.name) for e in enterprises if e.id in cores),
    )


def bank_core(ctx: Context, *, actor: Actor, core_id: str) -> BankCore:
    """One of the bank's core enterprises (as in ``bank_cores``), or not found."""
    for c in bank_cores(ctx, actor=actor):
        if c.core_id == core_id:
            return c
    raise errors.NotFound("designation", core_id)


def designation_candidates(ctx: Context, *, actor: Actor) -> list[DesignationCandidate]:
    """Enterprises the bank has not designated yet, with whether they are onboarded there (for the form)."""
    bank = actor.party_id
    with ctx.uow(readonly=True) as uow:
        designated = select(t.core_designation.c.core_id).where(t.core_designation.c.bank_id == bank)
        rows = uow.conn.execute(
            select(
                t.party.c.id,
                t.party.c.name,
                t.party.c.short_name,
                t.party.c.uscc,
                t.onboarding.c.settlement_account,
                t.onboarding.c.ebanking,
                t.onboarding.c.certificate,
            )
            .outerjoin(t.onboarding, and_(t.onboarding.c.party_id == t.party.c.id, t.onboarding.c.bank_id == bank))
            .where(t.party.c.kind == "enterprise", t.party.c.id.not_in(designated))
            .order_by(t.party.c.name)
        ).all()
    return [
        DesignationCandidate(
            id=r.id,
            name=r.name,
            short_name=r.short_name,
            uscc=r.uscc,
            onboarded=bool(r.settlement_account and r.ebanking and r.certificate),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class LprEntry:
    """A bank's LPR entry and where it stands today: ``in_force`` (prices financings), ``future``, ``past``."""

    bank_id: str
    effective_on: dt.date
    rate: str
    state: str


def _lpr(r: Any) -> LprEntry:
    return LprEntry(bank_id=r.bank_id, effective_on=as_date(r.effective_on), rate=r.rate, state=r.state)  # type: ignore[arg-type]


def lpr_entries(ctx: Context, *, viewer: Actor, bank: str | None = None) -> list[LprEntry]:
    """The LPR entries the viewer may see (``service.lpr_query``), newest first."""
    with ctx.uow(readonly=True) as uow:
        return [_lpr(r) for r in uow.conn.execute(lpr_query(uow, actor=viewer, today=ctx.clock.today(), bank=bank))]


def page_lpr(
    ctx: Context, *, viewer: Actor, bank: str | None = None, limit: int = 50, offset: int = 0
) -> Page[LprEntry]:
    """One page of ``lpr_entries``, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = lpr_query(uow, actor=viewer, today=ctx.clock.today(), bank=bank)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = [_lpr(r) for r in uow.conn.execute(stmt.limit(limit).offset(offset))]
    return Page(items=items, total=total, limit=limit, offset=offset)


def lpr_history(ctx: Context, *, viewer: Actor) -> list[LprEntry]:
    """The viewer's bank's own LPR entries, newest first (the console's list)."""
    return lpr_entries(ctx, viewer=viewer, bank=viewer.party_id)
