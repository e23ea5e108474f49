"""Worklists: the read models behind the console's pages, each scoped to the acting organisation.

Read-only use cases (no unit of work commits here). Scoping follows ``scope``: a core enterprise sees
its suppliers, contracts and the vouchers it issued; a supplier its holdings, its trades and its
financings; a bank its customers, credit lines, financings and instructions; the district and chain
offices everything. ``check_visible`` refuses another organisation's record as not found, exactly as a
record that does not exist, which is what the console shows (its 404 page).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents.service import trade_documents, trade_files
from lianrong.kernel import errors
from lianrong.parties.service import lpr_query
from lianrong.platform import scope
from lianrong.platform.common import Result, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import lineage as lineage_service
from lianrong.vouchers import model as v

# --- helpers ------------------------------------------------------------------------------------


def _names(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, str]:
    """Display names (short name, else full name) of the given parties."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, str] = {}
    for chunk in range(0, len(wanted), 500):
        for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.short_name)
                                  .where(t.party.c.id.in_(wanted[chunk:chunk + 500]))):
            out[r.id] = r.short_name or r.name
    return out


def _user_names(uow: UnitOfWork, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {r.id: r.display_name for r in uow.conn.execute(
        select(t.app_user.c.id, t.app_user.c.display_name).where(t.app_user.c.id.in_(wanted)))}


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def check_visible(ctx: Context, *, actor: Actor, kind: str, ref: str) -> None:
    """Refuse a voucher, fragment or financing the actor may not see: not found, exactly as a record that
    does not exist (a console page must not tell that another organisation's record exists)."""
    with ctx.uow(readonly=True) as uow:
        if kind == "voucher":
            scope.check_voucher(uow, actor, ref, whole_tree=True)
        elif kind == "fragment":
            scope.check_fragment(uow, actor, ref)
        else:
            scope.check_financing(uow, actor, ref)


# --- core enterprise ----------------------------------------------------------------------------


def core_suppliers(ctx: Context, *, actor: Actor) -> list[Result]:
    """The core enterprise's suppliers in its banks' customer ledgers, with their onboarding status."""
    core = actor.party_id
    with ctx.uow(readonly=True) as uow:
        led, sup, bank, onb = t.supplier_ledger, t.party.alias("s"), t.party.alias("b"), t.onboarding
        rows = uow.conn.execute(
            select(led.c.supplier_id, led.c.bank_id, led.c.max_ratio, led.c.spread, led.c.imported_at,
                   sup.c.name, sup.c.short_name, sup.c.uscc, bank.c.name.label("bank_name"),
                   onb.c.settlement_account, onb.c.ebanking, onb.c.certificate,
                   t.core_designation.c.max_ratio.label("core_ratio"), t.core_designation.c.spread.label("core_spread"))
            .join(sup, sup.c.id == led.c.supplier_id).join(bank, bank.c.id == led.c.bank_id)
            .join(t.core_designation, and_(t.core_designation.c.bank_id == led.c.bank_id,
                                           t.core_designation.c.core_id == led.c.core_id))
            .outerjoin(onb, and_(onb.c.bank_id == led.c.bank_id, onb.c.party_id == led.c.supplier_id))
            .where(led.c.core_id == core).order_by(sup.c.name)).all()
        contracts = dict(uow.conn.execute(
            select(t.contract.c.seller_id, func.count()).where(t.contract.c.buyer_id == core)
            .group_by(t.contract.c.seller_id)).all())
    return [{"supplier_id": r.supplier_id, "name": r.name, "short_name": r.short_name, "uscc": r.uscc,
             "bank_id": r.bank_id, "bank_name": r.bank_name, "settlement_account": r.settlement_account,
             "ebanking": bool(r.ebanking), "certificate": r.certificate,
             "onboarded": bool(r.settlement_account and r.ebanking and r.certificate),
             "max_ratio": r.max_ratio or r.core_ratio, "spread": r.spread or r.core_spread,
             "contracts": contracts.get(r.supplier_id, 0), "imported_at": r.imported_at} for r in rows]


def contracts(ctx: Context, *, actor: Actor) -> list[Result]:
    """Contracts the organisation is a party to, newest first, each with its invoices and stored files."""
    me = actor.party_id
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(t.contract).where(or_(t.contract.c.buyer_id == me, t.contract.c.seller_id == me))
                                .order_by(t.contract.c.signed_on.desc(), t.contract.c.id)).all()
        ids = [r.id for r in rows]
        invoices: dict[str, list[Result]] = defaultdict(list)
        files: dict[tuple[str, str], list[Result]] = {}
        for chunk in range(0, len(ids), 500):
            for inv in uow.conn.execute(select(t.invoice).where(t.invoice.c.contract_id.in_(ids[chunk:chunk + 500]))
                                        .order_by(t.invoice.c.issued_on, t.invoice.c.id)):
                invoices[inv.contract_id].append({**row_dict(inv), "free_fen": inv.amount_fen - inv.allocated_fen})
            files.update(trade_files(uow, ids[chunk:chunk + 500]))
        names = _names(uow, [r.buyer_id for r in rows] + [r.seller_id for r in rows])
    out = []
    for r in rows:
        inv = [{**i, "attachments": files.get(("invoice", i["id"]), [])} for i in invoices.get(r.id, [])]
        out.append({**row_dict(r), "buyer_name": names.get(r.buyer_id), "seller_name": names.get(r.seller_id),
                    "role": "buyer" if r.buyer_id == me else "seller", "invoices": inv,
                    "attachments": files.get(("contract", r.id), []),
                    "invoiced_fen": sum(i["amount_fen"] for i in inv)})
    return out


def issue_options(ctx: Context, *, actor: Actor) -> Result:
    """What a core enterprise can issue against: its banks, ledger suppliers, and invoices with room."""
    core = actor.party_id
    with ctx.uow(readonly=True) as uow:
        banks = [{"id": r.id, "name": r.short_name or r.name} for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.short_name)
            .join(t.core_designation, t.core_designation.c.bank_id == t.party.c.id)
            .where(t.core_designation.c.core_id == core).order_by(t.party.c.name))]
        suppliers = [{"id": r.id, "name": r.short_name or r.name, "bank_id": r.bank_id} for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.short_name, t.supplier_ledger.c.bank_id)
            .join(t.supplier_ledger, t.supplier_ledger.c.supplier_id == t.party.c.id)
            .where(t.supplier_ledger.c.core_id == core).order_by(t.party.c.name))]
        invoices = []
        for r in uow.conn.execute(
                select(t.invoice, t.contract.c.number.label("contract_number"), t.contract.c.due_on)
                .join(t.contract, t.contract.c.id == t.invoice.c.contract_id)
                .where(t.invoice.c.buyer_id == core, t.invoice.c.allocated_fen < t.invoice.c.amount_fen)
                .order_by(t.invoice.c.issued_on.desc(), t.invoice.c.id)):
            invoices.append({"id": r.id, "label": f"{r.code}{r.number}", "contract_id": r.contract_id,
                             "contract_number": r.contract_number, "seller_id": r.seller_id,
                             "free_fen": r.amount_fen - r.allocated_fen, "due_on": r.due_on})
        names = _names(uow, [i["seller_id"] for i in invoices])
    for i in invoices:
        i["seller_name"] = names.get(i["seller_id"], "")
    # one row per supplier even when two banks carry it
    seen: dict[str, Result] = {}
    for s in suppliers:
        seen.setdefault(s["id"], s)
    return {"banks": banks, "suppliers": list(seen.values()), "invoices": invoices}


def vouchers(ctx: Context, *, actor: Actor, status: str | None = None, core_only: bool = False,
             limit: int = 200) -> list[Result]:
    """Vouchers the actor may see (for a core enterprise: the ones it issued), newest first."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.voucher).order_by(t.voucher.c.created_at.desc(), t.voucher.c.id).limit(limit)
        if core_only:
            stmt = stmt.where(t.voucher.c.core_id == actor.party_id)
        else:
            where = scope.voucher_filter(uow, actor)
            if where is not None:
                stmt = stmt.where(where)
        if status:
            stmt = stmt.where(t.voucher.c.status == status)
        rows = uow.conn.execute(stmt).all()
        names = _names(uow, [x for r in rows for x in (r.core_id, r.supplier_id, r.bank_id)])
        users = _user_names(uow, [x for r in rows for x in (r.prepared_by, r.approved_by)])
        inv = defaultdict(list)
        ids = [r.id for r in rows]
        if ids:
            for r in uow.conn.execute(select(t.voucher_invoice.c.voucher_id, t.invoice.c.code, t.invoice.c.number,
                                             t.voucher_invoice.c.amount_fen)
                                      .join(t.invoice, t.invoice.c.id == t.voucher_invoice.c.invoice_id)
                                      .where(t.voucher_invoice.c.voucher_id.in_(ids))):
                inv[r.voucher_id].append({"number": f"{r.code}{r.number}", "amount_fen": r.amount_fen})
    today = ctx.clock.today()
    return [{**row_dict(r), "core_name": names.get(r.core_id), "supplier_name": names.get(r.supplier_id),
             "bank_name": names.get(r.bank_id), "prepared_by_name": users.get(r.prepared_by),
             "approved_by_name": users.get(r.approved_by), "invoices": inv.get(r.id, []),
             "days_left": (r.maturity_on - today).days} for r in rows]


def voucher_detail(ctx: Context, *, actor: Actor, voucher_id: str) -> Result:
    """One voucher for its issuer, bank or an overseer: parties, invoices, tree, operations, payments."""
    check_visible(ctx, actor=actor, kind="voucher", ref=voucher_id)
    tree = lineage_service.voucher_tree(ctx, voucher_id=voucher_id)
    with ctx.uow(readonly=True) as uow:
        vo = uow.conn.execute(select(t.voucher).where(t.voucher.c.id == voucher_id)).one()
        ops = uow.conn.execute(select(t.voucher_op.c.seq, t.voucher_op.c.op, t.voucher_op.c.actor_id,
                                      t.voucher_op.c.at, t.voucher_op.c.hash)
                               .where(t.voucher_op.c.voucher_id == voucher_id).order_by(t.voucher_op.c.seq)).all()
        invoices = [{"number": f"{r.code}{r.number}", "amount_fen": r.amount_fen, "invoice_fen": r.invoice_amount}
                    for r in uow.conn.execute(
                        select(t.invoice.c.code, t.invoice.c.number, t.voucher_invoice.c.amount_fen,
                               t.invoice.c.amount_fen.label("invoice_amount"))
                        .join(t.invoice, t.invoice.c.id == t.voucher_invoice.c.invoice_id)
                        .where(t.voucher_invoice.c.voucher_id == voucher_id))]
        contract = uow.conn.execute(select(t.contract.c.number, t.contract.c.due_on)
                                    .where(t.contract.c.id == vo.contract_id)).first()
        pays = uow.conn.execute(select(t.payment_instruction).where(t.payment_instruction.c.voucher_id == voucher_id)
                                .order_by(t.payment_instruction.c.created_at, t.payment_instruction.c.id)).all()
        names = _names(uow, [vo.core_id, vo.supplier_id, vo.bank_id] + [p.payee_id for p in pays])
        users = _user_names(uow, [vo.prepared_by, vo.approved_by, vo.bank_approved_by] + [o.actor_id for o in ops])
    return {
        "voucher": {**row_dict(vo), "core_name": names.get(vo.core_id), "supplier_name": names.get(vo.supplier_id),
                    "bank_name": names.get(vo.bank_id), "prepared_by_name": users.get(vo.prepared_by),
                    "approved_by_name": users.get(vo.approved_by),
                    "contract_number": contract.number if contract else None,
                    "contract_due_on": contract.due_on if contract else None},
        "invoices": invoices, "tree": tree["nodes"], "fragments": tree["fragments"],
        "ops": [{"seq": o.seq, "op": o.op, "actor": users.get(o.actor_id, o.actor_id), "at": o.at, "hash": o.hash}
                for o in ops],
        "instructions": [{**row_dict(p), "payee_name": names.get(p.payee_id)} for p in pays],
    }


def payables(ctx: Context, *, actor: Actor) -> list[Result]:
    """The core enterprise's unpaid issued vouchers grouped by month of maturity."""
    rows = [r for r in vouchers(ctx, actor=actor, core_only=True, limit=100_000)
            if r["status"] in ("active", "overdue", "pending")]
    months: dict[str, Result] = {}
    for r in sorted(rows, key=lambda x: (x["maturity_on"], x["number"])):
        m = months.setdefault(r["maturity_on"][:7], {"month": r["maturity_on"][:7], "count": 0, "amount_fen": 0,
                                                     "issued_fen": 0, "pending_fen": 0, "vouchers": []})
        m["count"] += 1
        m["amount_fen"] += r["face_fen"]
        m["pending_fen" if r["status"] == "pending" else "issued_fen"] += r["face_fen"]
        m["vouchers"].append(r)
    return list(months.values())


def maturity_board(ctx: Context, *, actor: Actor, horizon_days: int = 60) -> list[Result]:
    """Vouchers due within the horizon or already due, with the state of their settlement instructions."""
    today = ctx.clock.today()
    rows = [r for r in vouchers(ctx, actor=actor, core_only=True, limit=100_000)
            if r["status"] in ("active", "overdue", "settled")
            and _date(r["maturity_on"]) <= today + dt.timedelta(days=horizon_days)]
    ids = [r["id"] for r in rows]
    pays: dict[str, list[Result]] = defaultdict(list)
    with ctx.uow(readonly=True) as uow:
        if ids:
            res = uow.conn.execute(select(t.payment_instruction).where(
                t.payment_instruction.c.voucher_id.in_(ids), t.payment_instruction.c.kind == "settlement")
                .order_by(t.payment_instruction.c.id)).all()
            names = _names(uow, [p.payee_id for p in res])
            for p in res:
                pays[p.voucher_id].append({**row_dict(p), "payee_name": names.get(p.payee_id)})
        leaves = dict(uow.conn.execute(select(t.fragment.c.voucher_id, func.count()).where(
            t.fragment.c.voucher_id.in_(ids), t.fragment.c.status.in_(v.LEAF_STATUSES))
            .group_by(t.fragment.c.voucher_id)).all()) if ids else {}
    out = []
    for r in sorted(rows, key=lambda x: (x["maturity_on"], x["number"])):
        ins = pays.get(r["id"], [])
        by = defaultdict(int)
        for p in ins:
            by[p["status"]] += p["amount_fen"]
        out.append({**r, "instructions": ins, "leaves": leaves.get(r["id"], 0), "confirmed_fen": by["confirmed"],
                    "pending_fen": by["pending"], "failed_fen": by["failed"], "due": _date(r["maturity_on"]) <= today})
    return out


# --- supplier -----------------------------------------------------------------------------------


def holdings(ctx: Context, *, actor: Actor, include_closed: bool = False) -> list[Result]:
    """The organisation's fragments (and those it financed, now held by the bank), by maturity."""
    me = actor.party_id
    statuses = (v.ACTIVE, v.FROZEN) + ((v.SPENT, v.SETTLED, v.OVERDUE) if include_closed else ())
    with ctx.uow(readonly=True) as uow:
        base = select(t.fragment, t.voucher.c.number, t.voucher.c.maturity_on, t.voucher.c.core_id.label("issuer_id"),
                      t.voucher.c.bank_id.label("voucher_bank_id"), t.voucher.c.status.label("voucher_status"))\
            .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
        held = uow.conn.execute(base.where(t.fragment.c.holder_id == me, t.fragment.c.status.in_(statuses))).all()
        fin_statuses = ("disbursed", "overdue") + (("repaid",) if include_closed else ())
        financed = uow.conn.execute(
            base.add_columns(t.financing.c.id.label("fin_id"), t.financing.c.status.label("fin_status"))
            .join(t.financing_fragment, t.financing_fragment.c.fragment_id == t.fragment.c.id)
            .join(t.financing, t.financing.c.id == t.financing_fragment.c.financing_id)
            .where(t.financing.c.applicant_id == me, t.financing.c.status.in_(fin_statuses))).all()
        fins = {r.id: r for r in financed}
        names = _names(uow, [r.issuer_id for r in held] + [r.issuer_id for r in financed]
                       + [r.holder_id for r in financed])
        frozen_fin = {r.fragment_id: r.status for r in uow.conn.execute(
            select(t.financing_fragment.c.fragment_id, t.financing.c.status)
            .join(t.financing, t.financing.c.id == t.financing_fragment.c.financing_id)
            .where(t.financing.c.applicant_id == me, t.financing.c.status.in_(("applied", "approved"))))}
    today = ctx.clock.today()
    out = []
    for r in list(held) + [f for f in financed if f.id not in {h.id for h in held}]:
        f = fins.get(r.id)
        out.append({**row_dict(r), "issuer_name": names.get(r.issuer_id), "days_left": (r.maturity_on - today).days,
                    "financing_id": f.fin_id if f else r.financing_id,
                    "financing_status": f.fin_status if f else frozen_fin.get(r.id),
                    "bank_holds": f is not None, "holder_name": names.get(r.holder_id),
                    "can_move": r.status == v.ACTIVE and r.holder_id == me and r.maturity_on > today
                    and r.voucher_status == "active"})
    out.sort(key=lambda x: (x["maturity_on"], x["number"], x["id"]))
    return out


def fragment_detail(ctx: Context, *, actor: Actor, fragment_id: str) -> Result:
    """A fragment the actor holds or held, with its lineage back to the issuing trade."""
    check_visible(ctx, actor=actor, kind="fragment", ref=fragment_id)
    path = lineage_service.lineage(ctx, fragment_id=fragment_id)
    with ctx.uow(readonly=True) as uow:
        f = uow.conn.execute(select(t.fragment).where(t.fragment.c.id == fragment_id)).one()
        vo = uow.conn.execute(select(t.voucher).where(t.voucher.c.id == f.voucher_id)).one()
        children = uow.conn.execute(select(t.fragment.c.id, t.fragment.c.holder_id, t.fragment.c.amount_fen,
                                           t.fragment.c.tier, t.fragment.c.status)
                                    .where(t.fragment.c.voucher_id == f.voucher_id,  # the index's prefix
                                           t.fragment.c.parent_id == fragment_id).order_by(t.fragment.c.id)).all()
        fin = None
        if f.financing_id:
            fin = row_dict(uow.conn.execute(select(t.financing).where(t.financing.c.id == f.financing_id)).first(),
                           drop=("checklist",))
        names = _names(uow, [vo.core_id, vo.bank_id, f.holder_id] + [c.holder_id for c in children])
    today = ctx.clock.today()
    return {"fragment": {**row_dict(f), "holder_name": names.get(f.holder_id)},
            "voucher": {**row_dict(vo, drop=("warnings",)), "core_name": names.get(vo.core_id),
                        "bank_name": names.get(vo.bank_id)},
            "path": path["path"], "children": [{**row_dict(c), "holder_name": names.get(c.holder_id)} for c in children],
            "financing": fin, "days_left": (vo.maturity_on - today).days,
            "can_move": f.status == v.ACTIVE and f.holder_id == actor.party_id and vo.maturity_on > today
            and vo.status == "active"}


def transfer_recipients(ctx: Context, *, actor: Actor, fragment_id: str) -> list[Result]:
    """Who the holder may transfer to: its sellers under a recorded contract, onboarded or not."""
    me = actor.party_id
    with ctx.uow(readonly=True) as uow:
        vo = uow.conn.execute(select(t.voucher.c.bank_id, t.voucher.c.core_id)
                              .join(t.fragment, t.fragment.c.voucher_id == t.voucher.c.id)
                              .where(t.fragment.c.id == fragment_id)).first()
        if vo is None:
            raise errors.NotFound("fragment", fragment_id)
        rows = uow.conn.execute(
            select(t.contract.c.id, t.contract.c.number, t.contract.c.seller_id, t.contract.c.amount_fen,
                   t.contract.c.non_cash_agreed, t.party.c.name, t.party.c.short_name, t.onboarding.c.settlement_account,
                   t.onboarding.c.ebanking, t.onboarding.c.certificate)
            .join(t.party, t.party.c.id == t.contract.c.seller_id)
            .outerjoin(t.onboarding, and_(t.onboarding.c.party_id == t.contract.c.seller_id,
                                          t.onboarding.c.bank_id == vo.bank_id))
            .where(t.contract.c.buyer_id == me, t.contract.c.seller_id != vo.core_id, t.party.c.kind == "enterprise")
            .order_by(t.party.c.name, t.contract.c.signed_on.desc())).all()
    out: dict[str, Result] = {}
    for r in rows:
        entry = out.setdefault(r.seller_id, {
            "id": r.seller_id, "name": r.short_name or r.name, "full_name": r.name,
            "onboarded": bool(r.settlement_account and r.ebanking and r.certificate), "contracts": []})
        entry["contracts"].append({"id": r.id, "number": r.number, "amount_fen": r.amount_fen})
    return list(out.values())


def financings(ctx: Context, *, actor: Actor, status: str | Iterable[str] | None = None,
               bank_only: bool = False) -> list[Result]:
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
        names = _names(uow, [x for r in rows for x in (r.core_id, r.bank_id, r.applicant_id)])
        numbers: dict[str, list[str]] = defaultdict(list)
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            for r in uow.conn.execute(select(t.financing_fragment.c.financing_id, t.voucher.c.number)
                                      .join(t.fragment, t.fragment.c.id == t.financing_fragment.c.fragment_id)
                                      .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
                                      .where(t.financing_fragment.c.financing_id.in_(ids[chunk:chunk + 500]))):
                if r.number not in numbers[r.financing_id]:
                    numbers[r.financing_id].append(r.number)
    return [{**row_dict(r, drop=("checklist",)), "core_name": names.get(r.core_id), "bank_name": names.get(r.bank_id),
             "applicant_name": names.get(r.applicant_id), "voucher_numbers": numbers.get(r.id, [])} for r in rows]


def financing_detail(ctx: Context, *, actor: Actor, financing_id: str) -> Result:
    """A financing with its fragments, the trade documents behind them and the review state."""
    check_visible(ctx, actor=actor, kind="financing", ref=financing_id)
    with ctx.uow(readonly=True) as uow:
        f = uow.conn.execute(select(t.financing).where(t.financing.c.id == financing_id)).one()
        frags = uow.conn.execute(
            select(t.fragment, t.voucher.c.number, t.voucher.c.maturity_on.label("voucher_maturity"))
            .join(t.financing_fragment, t.financing_fragment.c.fragment_id == t.fragment.c.id)
            .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
            .where(t.financing_fragment.c.financing_id == financing_id).order_by(t.fragment.c.id)).all()
        # the issuing trade of each voucher and the trade that moved each fragment to its holder
        contract_ids = []
        for fr in frags:
            issue = uow.conn.execute(select(t.voucher.c.contract_id).where(t.voucher.c.id == fr.voucher_id)).scalar()
            for cid in (issue, fr.contract_id):
                if cid and cid not in contract_ids:
                    contract_ids.append(cid)
        docs = [trade_documents(uow, cid) for cid in contract_ids]
        party_ids = [f.core_id, f.bank_id, f.applicant_id] + [d["contract"]["buyer_id"] for d in docs] + \
            [d["contract"]["seller_id"] for d in docs]
        names = _names(uow, party_ids)
        users = _user_names(uow, [f.applied_by, f.reviewed_by, f.disbursed_by])
        onboard = uow.conn.execute(select(t.onboarding).where(t.onboarding.c.bank_id == f.bank_id,
                                                              t.onboarding.c.party_id == f.applicant_id)).first()
        instr = uow.conn.execute(select(t.payment_instruction).where(t.payment_instruction.c.financing_id == financing_id)
                                 .order_by(t.payment_instruction.c.id)).all()
    for d in docs:
        d["contract"]["buyer_name"] = names.get(d["contract"]["buyer_id"])
        d["contract"]["seller_name"] = names.get(d["contract"]["seller_id"])
    return {"financing": {**row_dict(f), "core_name": names.get(f.core_id), "bank_name": names.get(f.bank_id),
                          "applicant_name": names.get(f.applicant_id), "applied_by_name": users.get(f.applied_by),
                          "reviewed_by_name": users.get(f.reviewed_by), "disbursed_by_name": users.get(f.disbursed_by),
                          "checklist": f.checklist or {}},
            "fragments": [row_dict(fr) for fr in frags], "documents": docs,
            "applicant_onboarding": row_dict(onboard) if onboard else None,
            "instructions": [row_dict(i) for i in instr]}


# --- bank ---------------------------------------------------------------------------------------


def bank_cores(ctx: Context, *, actor: Actor) -> list[Result]:
    """The bank's core enterprises: parameters, credit lines with occupation, vouchers outstanding."""
    bank = actor.party_id
    today = ctx.clock.today()
    with ctx.uow(readonly=True) as uow:
        des = uow.conn.execute(select(t.core_designation, t.party.c.name, t.party.c.short_name, t.party.c.uscc,
                                      t.party.c.defaulted_on)
                               .join(t.party, t.party.c.id == t.core_designation.c.core_id)
                               .where(t.core_designation.c.bank_id == bank).order_by(t.party.c.name)).all()
        lines = defaultdict(list)
        for r in uow.conn.execute(select(t.credit_line).where(t.credit_line.c.bank_id == bank)
                                  .order_by(t.credit_line.c.valid_from)):
            lines[r.core_id].append({**row_dict(r), "available_fen": r.limit_fen - r.occupied_fen,
                                     "ratio": (r.occupied_fen / r.limit_fen) if r.limit_fen else 0,
                                     "in_force": r.valid_from <= today <= r.valid_to})
        outstanding = {r.core_id: (r.n, r.total) for r in uow.conn.execute(
            select(t.voucher.c.core_id, func.count().label("n"), func.sum(t.voucher.c.face_fen).label("total"))
            .where(t.voucher.c.bank_id == bank, t.voucher.c.status.in_(("active", "overdue")))
            .group_by(t.voucher.c.core_id))}
        financed = {r.core_id: (r.n, r.total) for r in uow.conn.execute(
            select(t.financing.c.core_id, func.count().label("n"), func.sum(t.financing.c.principal_fen).label("total"))
            .where(t.financing.c.bank_id == bank, t.financing.c.status.in_(("disbursed", "overdue")))
            .group_by(t.financing.c.core_id))}
        suppliers = dict(uow.conn.execute(select(t.supplier_ledger.c.core_id, func.count())
                                          .where(t.supplier_ledger.c.bank_id == bank)
                                          .group_by(t.supplier_ledger.c.core_id)).all())
    return [{"core_id": d.core_id, "name": d.name, "short_name": d.short_name, "uscc": d.uscc,
             "defaulted_on": d.defaulted_on, "designated_on": d.designated_on, "max_ratio": d.max_ratio,
             "max_term_days": d.max_term_days, "min_split_fen": d.min_split_fen, "max_tier": d.max_tier,
             "spread": d.spread, "lines": lines.get(d.core_id, []), "suppliers": suppliers.get(d.core_id, 0),
             "vouchers": outstanding.get(d.core_id, (0, 0))[0], "outstanding_fen": outstanding.get(d.core_id, (0, 0))[1] or 0,
             "financings": financed.get(d.core_id, (0, 0))[0], "financed_fen": financed.get(d.core_id, (0, 0))[1] or 0}
            for d in des]


def bank_customers(ctx: Context, *, actor: Actor) -> Result:
    """The bank's onboarding records and the enterprises it may onboard."""
    bank = actor.party_id
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(t.onboarding, t.party.c.name, t.party.c.short_name, t.party.c.uscc)
                                .join(t.party, t.party.c.id == t.onboarding.c.party_id)
                                .where(t.onboarding.c.bank_id == bank).order_by(t.party.c.name)).all()
        cores = {r.core_id for r in uow.conn.execute(select(t.core_designation.c.core_id)
                                                     .where(t.core_designation.c.bank_id == bank))}
        ledger = defaultdict(list)
        for r in uow.conn.execute(select(t.supplier_ledger.c.supplier_id, t.supplier_ledger.c.core_id)
                                  .where(t.supplier_ledger.c.bank_id == bank)):
            ledger[r.supplier_id].append(r.core_id)
        enterprises = [{"id": r.id, "name": r.name, "uscc": r.uscc} for r in uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.uscc).where(t.party.c.kind == "enterprise")
            .order_by(t.party.c.name))]
        names = _names(uow, [c for cs in ledger.values() for c in cs])
    customers = [{**row_dict(r), "onboarded": bool(r.settlement_account and r.ebanking and r.certificate),
                  "is_core": r.party_id in cores, "core_names": [names.get(c) for c in ledger.get(r.party_id, [])]}
                 for r in rows]
    return {"customers": customers, "enterprises": enterprises,
            "cores": [{"id": e["id"], "name": e["name"]} for e in enterprises if e["id"] in cores]}


def bank_core(ctx: Context, *, actor: Actor, core_id: str) -> Result:
    """One of the bank's core enterprises (as in ``bank_cores``), or not found."""
    for c in bank_cores(ctx, actor=actor):
        if c["core_id"] == core_id:
            return c
    raise errors.NotFound("designation", core_id)


def designation_candidates(ctx: Context, *, actor: Actor) -> list[Result]:
    """Enterprises the bank has not designated yet, with whether they are onboarded there (for the form)."""
    bank = actor.party_id
    with ctx.uow(readonly=True) as uow:
        designated = select(t.core_designation.c.core_id).where(t.core_designation.c.bank_id == bank)
        rows = uow.conn.execute(
            select(t.party.c.id, t.party.c.name, t.party.c.short_name, t.party.c.uscc, t.onboarding.c.settlement_account,
                   t.onboarding.c.ebanking, t.onboarding.c.certificate)
            .outerjoin(t.onboarding, and_(t.onboarding.c.party_id == t.party.c.id, t.onboarding.c.bank_id == bank))
            .where(t.party.c.kind == "enterprise", t.party.c.id.not_in(designated))
            .order_by(t.party.c.name)).all()
    return [{"id": r.id, "name": r.name, "short_name": r.short_name, "uscc": r.uscc,
             "onboarded": bool(r.settlement_account and r.ebanking and r.certificate)} for r in rows]


def bank_lines(ctx: Context, *, actor: Actor) -> list[Result]:
    """The bank's credit lines, newest period first, with the core's name, occupation and whether in force."""
    today = ctx.clock.today()
    out = []
    for c in bank_cores(ctx, actor=actor):
        for line in c["lines"]:
            valid_from, valid_to = _date(line["valid_from"]), _date(line["valid_to"])
            state = "in_force" if line["in_force"] else ("future" if valid_from > today else "expired")  # type: ignore[operator]
            out.append({**line, "core_name": c["short_name"] or c["name"], "state": state,
                        "valid_from": valid_from, "valid_to": valid_to})
    return sorted(out, key=lambda r: (r["valid_from"], r["core_name"]), reverse=True)


def lpr_history(ctx: Context, *, actor: Actor) -> list[Result]:
    """The bank's LPR entries, newest first; the one in force today is marked (later ones are scheduled)."""
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(lpr_query(uow, actor=actor, today=ctx.clock.today(), bank=actor.party_id)).all()
    return [{"effective_on": _date(r.effective_on), "rate": r.rate, "state": r.state} for r in rows]


def pending_confirmations(ctx: Context, *, actor: Actor) -> Result:
    """What the bank still has to confirm: its pending instructions by kind, with totals and the oldest date."""
    with ctx.uow(readonly=True) as uow:
        pi = t.payment_instruction.c
        rows = uow.conn.execute(
            select(pi.kind, func.count().label("n"), func.sum(pi.amount_fen).label("fen"),
                   func.min(pi.value_on).label("oldest"))
            .where(pi.bank_id == actor.party_id, pi.status == "pending").group_by(pi.kind).order_by(pi.kind)).all()
    kinds = [{"kind": r.kind, "count": r.n, "amount_fen": r.fen or 0, "oldest": _date(r.oldest)} for r in rows]
    return {"kinds": kinds, "count": sum(k["count"] for k in kinds), "amount_fen": sum(k["amount_fen"] for k in kinds)}


def instructions(ctx: Context, *, actor: Actor, value_on: dt.date | None = None, status: str | None = None,
                 kind: str | None = None, limit: int = 1000) -> list[Result]:
    """Payment instructions the actor may see (a bank: those it executes), filterable."""
    with ctx.uow(readonly=True) as uow:
        pi = t.payment_instruction
        stmt = select(pi).order_by(pi.c.value_on.desc(), pi.c.created_at, pi.c.id).limit(limit)
        if not scope.sees_everything(uow, actor):
            me = actor.party_id
            stmt = stmt.where(or_(pi.c.bank_id == me, pi.c.payer_id == me, pi.c.payee_id == me))
        if value_on:
            stmt = stmt.where(pi.c.value_on == value_on)
        if status:
            stmt = stmt.where(pi.c.status == status)
        if kind:
            stmt = stmt.where(pi.c.kind == kind)
        rows = uow.conn.execute(stmt).all()
        names = _names(uow, [x for r in rows for x in (r.payer_id, r.payee_id)])
        vids = sorted({r.voucher_id for r in rows if r.voucher_id})
        numbers = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.number).where(t.voucher.c.id.in_(vids))).all()) \
            if vids else {}
    return [{**row_dict(r), "payer_name": names.get(r.payer_id), "payee_name": names.get(r.payee_id),
             "voucher_number": numbers.get(r.voucher_id)} for r in rows]


def export_instructions(ctx: Context, *, actor: Actor, fmt: str, value_on: dt.date | None = None,
                        status: str | None = None, kind: str | None = None) -> bytes:
    """The instructions of ``instructions`` as a bank batch file (``csv`` or ``xlsx``), as bytes."""
    from lianrong.adapters.payment_files import InstructionLine, export_batch

    if fmt not in ("csv", "xlsx"):
        raise errors.ValidationFailed(reason="format must be csv or xlsx / 格式须为csv或xlsx")
    rows = instructions(ctx, actor=actor, value_on=value_on, status=status, kind=kind, limit=1_000_000)
    with ctx.uow(readonly=True) as uow:
        ids = sorted({x for r in rows for x in (r["payer_id"], r["payee_id"])})
        parties = {r.id: r for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc)
                                                     .where(t.party.c.id.in_(ids)))} if ids else {}
    lines = [InstructionLine(
        instruction_id=r["id"], kind=r["kind"], value_on=_date(r["value_on"]),  # type: ignore[arg-type]
        payer_name=parties[r["payer_id"]].name, payer_uscc=parties[r["payer_id"]].uscc,
        payee_name=parties[r["payee_id"]].name, payee_uscc=parties[r["payee_id"]].uscc,
        payee_account=r["payee_account"] or "", amount_fen=r["amount_fen"], voucher_number=r["voucher_number"],
        reference_hint=f"LianRong {r['kind']} {r['id']}") for r in rows]
    fd, name = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(fd)
    path = Path(name)
    try:
        export_batch(lines, path)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def overdue(ctx: Context, *, actor: Actor) -> Result:
    """Overdue vouchers and financings the actor may see, with what is still unpaid."""
    vs = vouchers(ctx, actor=actor, status="overdue", limit=100_000)
    fs = financings(ctx, actor=actor, status="overdue")
    ids = [x["id"] for x in vs]
    unpaid: dict[str, int] = defaultdict(int)
    with ctx.uow(readonly=True) as uow:
        if ids:
            for r in uow.conn.execute(select(t.payment_instruction.c.voucher_id, t.payment_instruction.c.amount_fen)
                                      .where(t.payment_instruction.c.voucher_id.in_(ids),
                                             t.payment_instruction.c.kind == "settlement",
                                             t.payment_instruction.c.status != "confirmed")):
                unpaid[r.voucher_id] += r.amount_fen
    today = ctx.clock.today()
    for x in vs:
        x["unpaid_fen"] = unpaid.get(x["id"], 0)
        x["days_overdue"] = (today - _date(x["maturity_on"])).days  # type: ignore[operator]
    return {"vouchers": vs, "financings": fs}


def party_summary(ctx: Context, *, actor: Actor) -> Result:
    """Headline figures of the actor's organisation for its console home."""
    me = actor.party_id
    today = ctx.clock.today()
    with ctx.uow(readonly=True) as uow:
        def one(stmt: Any) -> tuple[int, int]:
            r = uow.conn.execute(stmt).first()
            return (int(r[0] or 0), int(r[1] or 0)) if r else (0, 0)

        vo = t.voucher
        issued = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "active"))
        pending = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "pending"))
        soon = one(select(func.count(), func.sum(vo.c.face_fen)).where(
            vo.c.core_id == me, vo.c.status == "active", vo.c.maturity_on <= today + dt.timedelta(days=30)))
        overdue_ = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "overdue"))
        settled = one(select(func.count(), func.sum(vo.c.face_fen)).where(vo.c.core_id == me, vo.c.status == "settled"))
        party = uow.conn.execute(select(t.party.c.defaulted_on).where(t.party.c.id == me)).first()
    return {"active": issued, "pending": pending, "due_30": soon, "overdue": overdue_, "settled": settled,
            "defaulted_on": party.defaulted_on if party else None}


__all__ = ["check_visible", "core_suppliers", "contracts", "issue_options", "vouchers", "voucher_detail", "payables",
           "maturity_board", "holdings", "fragment_detail", "transfer_recipients", "financings", "financing_detail",
           "bank_cores", "bank_customers", "instructions", "export_instructions", "overdue", "party_summary"]
