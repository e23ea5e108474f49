"""Read models behind the vouchers' console pages (the viewer is required): issuing options, a voucher's page, payables, the maturity board, a fragment's page and its transfer form."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import and_, func, select

from lianrong.adapters.db import tables as t
from lianrong.financing.model import FinancingStatus
from lianrong.kernel import errors
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names, user_names
from lianrong.settlement.model import PaymentKind, PaymentStatus
from lianrong.vouchers import lineage as lineage_service
from lianrong.vouchers import model as v
from lianrong.vouchers.lineage import LineageStep, TreeNode
from lianrong.vouchers.model import FragmentStatus, VoucherStatus
from lianrong.vouchers.queries import VoucherDetail, VoucherInvoice, VoucherSummary, voucher, vouchers
from lianrong.vouchers.records import Voucher, voucher_values


@dataclass(frozen=True, slots=True)
class IssueBank:
    """A bank the core enterprise is designated at."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class IssueSupplier:
    """A supplier in the core enterprise's customer ledger (at one of its banks)."""

    id: str
    name: str
    bank_id: str


@dataclass(frozen=True, slots=True)
class IssueInvoice:
    """An invoice to the core enterprise with an amount not yet backing a voucher."""

    id: str
    label: str  # code and number, as printed
    contract_id: str
    contract_number: str
    seller_id: str
    free_fen: int
    due_on: dt.date  # the contract's payment date
    seller_name: str


@dataclass(frozen=True, slots=True)
class IssueOptions:
    """What a core enterprise can issue against: its banks, its ledger suppliers and invoices with room."""

    banks: tuple[IssueBank, ...]
    suppliers: tuple[IssueSupplier, ...]
    invoices: tuple[IssueInvoice, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    """One link of a voucher's operation chain, as its page lists it."""

    seq: int
    op: str
    actor: str  # the user's name (its id when it has none)
    at: dt.datetime
    hash: str


@dataclass(frozen=True, slots=True)
class Instruction:
    """A payment instruction of a voucher, with its payee's name."""

    id: str
    core_id: str
    kind: PaymentKind
    voucher_id: str | None
    fragment_id: str | None
    financing_id: str | None
    payer_id: str
    payee_id: str
    payee_account: str | None
    bank_id: str
    amount_fen: int
    value_on: dt.date
    status: PaymentStatus
    reference: str | None
    failure: str | None
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    payee_name: str | None


def _instruction(row: Any, names: dict[str, str]) -> Instruction:
    m = row._mapping
    return Instruction(
        **{f: m[f] for f in _INSTRUCTION_COLUMNS},
        kind=PaymentKind(m["kind"]),
        status=PaymentStatus(m["status"]),
        payee_name=names.get(m["payee_id"]),
    )


_INSTRUCTION_COLUMNS = tuple(f.name for f in fields(Instruction) if f.name not in ("kind", "status", "payee_name"))


@dataclass(frozen=True, slots=True)
class VoucherPage:
    """One voucher's page: the voucher, its invoices, its tree, its operations and its payments."""

    voucher: VoucherDetail
    invoices: tuple[VoucherInvoice, ...]
    tree: tuple[TreeNode, ...]
    fragments: int
    ops: tuple[Operation, ...]
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True, slots=True)
class PayableMonth:
    """A month of the core enterprise's payables: its unpaid vouchers due then and their sums."""

    month: str  # ``YYYY-MM``
    count: int
    amount_fen: int
    issued_fen: int
    pending_fen: int  # prepared, not yet approved
    vouchers: tuple[VoucherSummary, ...]


@dataclass(frozen=True, slots=True)
class MaturityRow(VoucherSummary):
    """A voucher on the maturity board: its summary, settlement instructions and their sums by status."""

    instructions: tuple[Instruction, ...]
    leaves: int  # final holders (parts to be paid)
    confirmed_fen: int
    pending_fen: int
    failed_fen: int
    due: bool  # due on or before today


@dataclass(frozen=True, slots=True)
class HeldFragment:
    """A fragment on its own page, with its holder's name."""

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
    holder_name: str | None


@dataclass(frozen=True, slots=True)
class NamedVoucher(Voucher):
    """A voucher's record with its issuer's and bank's names."""

    core_name: str | None
    bank_name: str | None


@dataclass(frozen=True, slots=True)
class ChildPart:
    """A part a fragment was split into."""

    id: str
    holder_id: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    holder_name: str | None


@dataclass(frozen=True, slots=True)
class PartFinancing:
    """The financing a frozen or financed part is reserved for or financed by."""

    id: str
    bank_id: str
    applicant_id: str
    status: FinancingStatus
    face_fen: int
    principal_fen: int
    applied_on: dt.date
    financing_on: dt.date | None
    maturity_on: dt.date
    registration_no: str | None


@dataclass(frozen=True, slots=True)
class FragmentPage:
    """A fragment's page: the part, its voucher, its lineage, its children, its financing, what it may do."""

    fragment: HeldFragment
    voucher: NamedVoucher
    path: tuple[LineageStep, ...]
    children: tuple[ChildPart, ...]
    financing: PartFinancing | None
    days_left: int
    can_move: bool  # the viewer holds it, it is active and the voucher has not matured


@dataclass(frozen=True, slots=True)
class RecipientContract:
    """A recorded contract under which the holder may pay a seller."""

    id: str
    number: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Recipient:
    """A seller the holder may transfer to, with its contracts and whether it is onboarded at the bank."""

    id: str
    name: str
    full_name: str
    onboarded: bool
    contracts: tuple[RecipientContract, ...]


def issue_options(ctx: Context, *, actor: Actor) -> IssueOptions:
    """What a core enterprise can issue against: its banks, ledger suppliers, and invoices with room."""
    core = actor.party_id
    with ctx.uow(readonly=True) as uow:
        banks = [
            IssueBank(r.id, r.short_name or r.name)
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.short_name)
                .join(t.core_designation, t.core_designation.c.bank_id == t.party.c.id)
                .where(t.core_designation.c.core_id == core)
                .order_by(t.party.c.name)
            )
        ]
        suppliers = [
            IssueSupplier(r.id, r.short_name or r.name, r.bank_id)
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.short_name, t.supplier_ledger.c.bank_id)
                .join(t.supplier_ledger, t.supplier_ledger.c.supplier_id == t.party.c.id)
                .where(t.supplier_ledger.c.core_id == core)
                .order_by(t.party.c.name)
            )
        ]
        rows = uow.conn.execute(
            select(t.invoice, t.contract.c.number.label("contract_number"), t.contract.c.due_on)
            .join(t.contract, t.contract.c.id == t.invoice.c.contract_id)
            .where(t.invoice.c.buyer_id == core, t.invoice.c.allocated_fen < t.invoice.c.amount_fen)
            .order_by(t.invoice.c.issued_on.desc(), t.invoice.c.id)
        ).all()
        names = party_names(uow, [r.seller_id for r in rows])
    invoices = tuple(
        IssueInvoice(
            id=r.id,
            label=f"{r.code}{r.number}",
            contract_id=r.contract_id,
            contract_number=r.contract_number,
            seller_id=r.seller_id,
            free_fen=r.amount_fen - r.allocated_fen,
            due_on=r.due_on,
            seller_name=names.get(r.seller_id, ""),
        )
        for r in rows
    )
    # one row per supplier even when two banks carry it
    seen: dict[str, IssueSupplier] = {}
    for sup in suppliers:
        seen.setdefault(sup.id, sup)
    return IssueOptions(banks=tuple(banks), suppliers=tuple(seen.values()), invoices=invoices)


def voucher_detail(ctx: Context, *, viewer: Actor, voucher_id: str) -> VoucherPage:
    """One voucher's page for its issuer, bank or an overseer: the voucher, its tree, operations, payments."""
    tree = lineage_service.voucher_tree(ctx, viewer=viewer, voucher_id=voucher_id)  # the whole tree's scope first
    vo = voucher(ctx, viewer=viewer, voucher_id=voucher_id)
    with ctx.uow(readonly=True) as uow:
        ops = uow.conn.execute(
            select(
                t.voucher_op.c.seq, t.voucher_op.c.op, t.voucher_op.c.actor_id, t.voucher_op.c.at, t.voucher_op.c.hash
            )
            .where(t.voucher_op.c.voucher_id == voucher_id)
            .order_by(t.voucher_op.c.seq)
        ).all()
        pays = uow.conn.execute(
            select(t.payment_instruction)
            .where(t.payment_instruction.c.voucher_id == voucher_id)
            .order_by(t.payment_instruction.c.created_at, t.payment_instruction.c.id)
        ).all()
        names = party_names(uow, [p.payee_id for p in pays])
        users = user_names(uow, [o.actor_id for o in ops])
    return VoucherPage(
        voucher=vo,
        invoices=vo.invoices,
        tree=tree.nodes,
        fragments=tree.fragments,
        ops=tuple(Operation(o.seq, o.op, users.get(o.actor_id, o.actor_id), o.at, o.hash) for o in ops),
        instructions=tuple(_instruction(p, names) for p in pays),
    )


def payables(ctx: Context, *, actor: Actor) -> list[PayableMonth]:
    """The core enterprise's unpaid issued vouchers grouped by month of maturity."""
    rows = [
        r
        for r in vouchers(ctx, viewer=actor, core=actor.party_id, limit=100_000).items
        if r.status in (VoucherStatus.ACTIVE, VoucherStatus.OVERDUE, VoucherStatus.PENDING)
    ]
    months: dict[str, list[VoucherSummary]] = {}
    for r in sorted(rows, key=lambda x: (x.maturity_on, x.number)):
        months.setdefault(f"{r.maturity_on:%Y-%m}", []).append(r)
    return [
        PayableMonth(
            month=month,
            count=len(vs),
            amount_fen=sum(r.face_fen for r in vs),
            issued_fen=sum(r.face_fen for r in vs if r.status != VoucherStatus.PENDING),
            pending_fen=sum(r.face_fen for r in vs if r.status == VoucherStatus.PENDING),
            vouchers=tuple(vs),
        )
        for month, vs in months.items()
    ]


def maturity_board(ctx: Context, *, actor: Actor, horizon_days: int = 60) -> list[MaturityRow]:
    """Vouchers due within the horizon or already due, with the state of their settlement instructions."""
    today = ctx.clock.today()
    rows = [
        r
        for r in vouchers(ctx, viewer=actor, core=actor.party_id, limit=100_000).items
        if r.status in (VoucherStatus.ACTIVE, VoucherStatus.OVERDUE, VoucherStatus.SETTLED)
        and r.maturity_on <= today + dt.timedelta(days=horizon_days)
    ]
    ids = [r.id for r in rows]
    pays: dict[str, list[Instruction]] = defaultdict(list)
    with ctx.uow(readonly=True) as uow:
        if ids:
            res = uow.conn.execute(
                select(t.payment_instruction)
                .where(t.payment_instruction.c.voucher_id.in_(ids), t.payment_instruction.c.kind == "settlement")
                .order_by(t.payment_instruction.c.id)
            ).all()
            names = party_names(uow, [p.payee_id for p in res])
            for p in res:
                pays[p.voucher_id].append(_instruction(p, names))
        leaves = (
            dict(
                uow.conn.execute(
                    select(t.fragment.c.voucher_id, func.count())
                    .where(t.fragment.c.voucher_id.in_(ids), t.fragment.c.status.in_(v.LEAF_STATUSES))
                    .group_by(t.fragment.c.voucher_id)
                ).all()
            )
            if ids
            else {}
        )
    out = []
    for r in sorted(rows, key=lambda x: (x.maturity_on, x.number)):
        ins = pays.get(r.id, [])
        by: dict[str, int] = defaultdict(int)
        for p in ins:
            by[p.status] += p.amount_fen
        out.append(
            MaturityRow(
                **{f.name: getattr(r, f.name) for f in fields(VoucherSummary)},
                instructions=tuple(ins),
                leaves=leaves.get(r.id, 0),
                confirmed_fen=by[PaymentStatus.CONFIRMED],
                pending_fen=by[PaymentStatus.PENDING],
                failed_fen=by[PaymentStatus.FAILED],
                due=r.maturity_on <= today,
            )
        )
    return out


def fragment_detail(ctx: Context, *, actor: Actor, fragment_id: str) -> FragmentPage:
    """A fragment the actor holds or held, with its lineage back to the issuing trade."""
    path = lineage_service.lineage(ctx, viewer=actor, fragment_id=fragment_id)  # not found outside the scope
    with ctx.uow(readonly=True) as uow:
        f = uow.conn.execute(select(t.fragment).where(t.fragment.c.id == fragment_id)).one()
        vo = uow.conn.execute(select(t.voucher).where(t.voucher.c.id == f.voucher_id)).one()
        children = uow.conn.execute(
            select(
                t.fragment.c.id, t.fragment.c.holder_id, t.fragment.c.amount_fen, t.fragment.c.tier, t.fragment.c.status
            )
            .where(
                t.fragment.c.voucher_id == f.voucher_id,  # the index's prefix
                t.fragment.c.parent_id == fragment_id,
            )
            .order_by(t.fragment.c.id)
        ).all()
        fin = None
        if f.financing_id:
            fin = uow.conn.execute(
                select(*[t.financing.c[c.name] for c in fields(PartFinancing)]).where(
                    t.financing.c.id == f.financing_id
                )
            ).first()
        names = party_names(uow, [vo.core_id, vo.bank_id, f.holder_id] + [c.holder_id for c in children])
    today = ctx.clock.today()
    m = f._mapping
    return FragmentPage(
        fragment=HeldFragment(
            **{c.name: m[c.name] for c in fields(HeldFragment) if c.name not in ("status", "holder_name")},
            status=FragmentStatus(f.status),
            holder_name=names.get(f.holder_id),
        ),
        voucher=NamedVoucher(**voucher_values(vo), core_name=names.get(vo.core_id), bank_name=names.get(vo.bank_id)),
        path=path.path,
        children=tuple(
            ChildPart(c.id, c.holder_id, c.amount_fen, c.tier, FragmentStatus(c.status), names.get(c.holder_id))
            for c in children
        ),
        financing=(None if fin is None else PartFinancing(**{**fin._mapping, "status": FinancingStatus(fin.status)})),
        days_left=(vo.maturity_on - today).days,
        can_move=f.status == v.ACTIVE
        and f.holder_id == actor.party_id
        and vo.maturity_on > today
        and vo.status == VoucherStatus.ACTIVE,
    )


def transfer_recipients(ctx: Context, *, actor: Actor, fragment_id: str) -> list[Recipient]:
    """Who the holder may transfer to: its sellers under a recorded contract, onboarded or not."""
    me = actor.party_id
    with ctx.uow(readonly=True) as uow:
        vo = uow.conn.execute(
            select(t.voucher.c.bank_id, t.voucher.c.core_id)
            .join(t.fragment, t.fragment.c.voucher_id == t.voucher.c.id)
            .where(t.fragment.c.id == fragment_id)
        ).first()
        if vo is None:
            raise errors.NotFound("fragment", fragment_id)
        rows = uow.conn.execute(
            select(
                t.contract.c.id,
                t.contract.c.number,
                t.contract.c.seller_id,
                t.contract.c.amount_fen,
                t.contract.c.non_cash_agreed,
                t.party.c.name,
                t.party.c.short_name,
                t.onboarding.c.settlement_account,
                t.onboarding.c.ebanking,
                t.onboarding.c.certificate,
            )
            .join(t.party, t.party.c.id == t.contract.c.seller_id)
            .outerjoin(
                t.onboarding,
                and_(t.onboarding.c.party_id == t.contract.c.seller_id, t.onboarding.c.bank_id == vo.bank_id),
            )
            .where(t.contract.c.buyer_id == me, t.contract.c.seller_id != vo.core_id, t.party.c.kind == "enterprise")
            .order_by(t.party.c.name, t.contract.c.signed_on.desc())
        ).all()
    by_seller: dict[str, list[Any]] = {}
    for r in rows:
        by_seller.setdefault(r.seller_id, []).append(r)
    return [
        Recipient(
            id=seller,
            name=rs[0].short_name or rs[0].name,
            full_name=rs[0].name,
            onboarded=bool(rs[0].settlement_account and rs[0].ebanking and rs[0].certificate),
            contracts=tuple(RecipientContract(r.id, r.number, r.amount_fen) for r in rs),
        )
        for seller, rs in by_seller.items()
    ]
