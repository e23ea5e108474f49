"""Read models behind the vouchers' console pages (the viewer is required): issuing options, a voucher's page, payables, the maturity board, a fragment's page and its transfer form."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict

from sqlalchemy import and_, func, select

from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform.common import Result, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names, user_names
from lianrong.vouchers import lineage as lineage_service
from lianrong.vouchers import model as v
from lianrong.vouchers.model import VoucherStatus
from lianrong.vouchers.queries import voucher, vouchers


def issue_options(ctx: Context, *, actor: Actor) -> Result:
    """What a core enterprise can issue against: its banks, ledger suppliers, and invoices with room."""
    core = actor.party_id
    with ctx.uow(readonly=True) as uow:
        banks = [
            {"id": r.id, "name": r.short_name or r.name}
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.short_name)
                .join(t.core_designation, t.core_designation.c.bank_id == t.party.c.id)
                .where(t.core_designation.c.core_id == core)
                .order_by(t.party.c.name)
            )
        ]
        suppliers = [
            {"id": r.id, "name": r.short_name or r.name, "bank_id": r.bank_id}
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.short_name, t.supplier_ledger.c.bank_id)
                .join(t.supplier_ledger, t.supplier_ledger.c.supplier_id == t.party.c.id)
                .where(t.supplier_ledger.c.core_id == core)
                .order_by(t.party.c.name)
            )
        ]
        invoices = []
        for r in uow.conn.execute(
            select(t.invoice, t.contract.c.number.label("contract_number"), t.contract.c.due_on)
            .join(t.contract, t.contract.c.id == t.invoice.c.contract_id)
            .where(t.invoice.c.buyer_id == core, t.invoice.c.allocated_fen < t.invoice.c.amount_fen)
            .order_by(t.invoice.c.issued_on.desc(), t.invoice.c.id)
        ):
            invoices.append(
                {
                    "id": r.id,
                    "label": f"{r.code}{r.number}",
                    "contract_id": r.contract_id,
                    "contract_number": r.contract_number,
                    "seller_id": r.seller_id,
                    "free_fen": r.amount_fen - r.allocated_fen,
                    "due_on": r.due_on,
                }
            )
        names = party_names(uow, [i["seller_id"] for i in invoices])
    for i in invoices:
        i["seller_name"] = names.get(i["seller_id"], "")
    # one row per supplier even when two banks carry it
    seen: dict[str, Result] = {}
    for s in suppliers:
        seen.setdefault(s["id"], s)
    return {"banks": banks, "suppliers": list(seen.values()), "invoices": invoices}


def voucher_detail(ctx: Context, *, viewer: Actor, voucher_id: str) -> Result:
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
    return {
        "voucher": vo,
        "invoices": vo.invoices,
        "tree": tree.nodes,
        "fragments": tree.fragments,
        "ops": [
            {"seq": o.seq, "op": o.op, "actor": users.get(o.actor_id, o.actor_id), "at": o.at, "hash": o.hash}
            for o in ops
        ],
        "instructions": [{**row_dict(p), "payee_name": names.get(p.payee_id)} for p in pays],
    }


def payables(ctx: Context, *, actor: Actor) -> list[Result]:
    """The core enterprise's unpaid issued vouchers grouped by month of maturity."""
    rows = [
        r
        for r in vouchers(ctx, viewer=actor, core=actor.party_id, limit=100_000).items
        if r.status in (VoucherStatus.ACTIVE, VoucherStatus.OVERDUE, VoucherStatus.PENDING)
    ]
    months: dict[str, Result] = {}
    for r in sorted(rows, key=lambda x: (x.maturity_on, x.number)):
        month = f"{r.maturity_on:%Y-%m}"
        m = months.setdefault(
            month, {"month": month, "count": 0, "amount_fen": 0, "issued_fen": 0, "pending_fen": 0, "vouchers": []}
        )
        m["count"] += 1
        m["amount_fen"] += r.face_fen
        m["pending_fen" if r.status == VoucherStatus.PENDING else "issued_fen"] += r.face_fen
        m["vouchers"].append(r)
    return list(months.values())


def maturity_board(ctx: Context, *, actor: Actor, horizon_days: int = 60) -> list[Result]:
    """Vouchers due within the horizon or already due, with the state of their settlement instructions."""
    today = ctx.clock.today()
    rows = [
        r
        for r in vouchers(ctx, viewer=actor, core=actor.party_id, limit=100_000).items
        if r.status in (VoucherStatus.ACTIVE, VoucherStatus.OVERDUE, VoucherStatus.SETTLED)
        and r.maturity_on <= today + dt.timedelta(days=horizon_days)
    ]
    ids = [r.id for r in rows]
    pays: dict[str, list[Result]] = defaultdict(list)
    with ctx.uow(readonly=True) as uow:
        if ids:
            res = uow.conn.execute(
                select(t.payment_instruction)
                .where(t.payment_instruction.c.voucher_id.in_(ids), t.payment_instruction.c.kind == "settlement")
                .order_by(t.payment_instruction.c.id)
            ).all()
            names = party_names(uow, [p.payee_id for p in res])
            for p in res:
                pays[p.voucher_id].append({**row_dict(p), "payee_name": names.get(p.payee_id)})
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
        by = defaultdict(int)
        for p in ins:
            by[p["status"]] += p["amount_fen"]
        out.append(
            {
                **asdict(r),
                "instructions": ins,
                "leaves": leaves.get(r.id, 0),
                "confirmed_fen": by["confirmed"],
                "pending_fen": by["pending"],
                "failed_fen": by["failed"],
                "due": r.maturity_on <= today,
            }
        )
    return out


def fragment_detail(ctx: Context, *, actor: Actor, fragment_id: str) -> Result:
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
            fin = row_dict(
                uow.conn.execute(select(t.financing).where(t.financing.c.id == f.financing_id)).first(),
                drop=("checklist",),
            )
        names = party_names(uow, [vo.core_id, vo.bank_id, f.holder_id] + [c.holder_id for c in children])
    today = ctx.clock.today()
    return {
        "fragment": {**row_dict(f), "holder_name": names.get(f.holder_id)},
        "voucher": {
            **row_dict(vo, drop=("warnings",)),
            "core_name": names.get(vo.core_id),
            "bank_name": names.get(vo.bank_id),
        },
        "path": path.path,
        "children": [{**row_dict(c), "holder_name": names.get(c.holder_id)} for c in children],
        "financing": fin,
        "days_left": (vo.maturity_on - today).days,
        "can_move": f.status == v.ACTIVE
        and f.holder_id == actor.party_id
        and vo.maturity_on > today
        and vo.status == VoucherStatus.ACTIVE,
    }


def transfer_recipients(ctx: Context, *, actor: Actor, fragment_id: str) -> list[Result]:
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
    out: dict[str, Result] = {}
    for r in rows:
        entry = out.setdefault(
            r.seller_id,
            {
                "id": r.seller_id,
                "name": r.short_name or r.name,
                "full_name": r.name,
                "onboarded": bool(r.settlement_account and r.ebanking and r.certificate),
                "contracts": [],
            },
        )
        entry["contracts"].append({"id": r.id, "number": r.number, "amount_fen": r.amount_fen})
    return list(out.values())
