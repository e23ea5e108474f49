"""Read models of financings (the viewer is required)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.documents.service import trade_documents
from lianrong.platform import scope
from lianrong.platform.common import Result, row_dict
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import party_names, user_names
from lianrong.platform.scope import check_visible


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
        names = party_names(uow, [x for r in rows for x in (r.core_id, r.bank_id, r.applicant_id)])
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
        names = party_names(uow, party_ids)
        users = user_names(uow, [f.applied_by, f.reviewed_by, f.disbursed_by])
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
