"""Who may see what: every read is scoped to the acting organisation.

- a supplier sees its own fragments (held now or handed on by it), the lineage of those, its own
  contracts, invoices and financings;
- a core enterprise sees the vouchers it issued (whole trees), its suppliers and its contracts;
- a bank sees its customers, the vouchers it carries, its credit lines and financings;
- the district office and chain offices see everything, read-only (aggregates and details);
- a guarantor sees nothing of the engine yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from ..adapters.db import tables as t
from ..adapters.db.uow import UnitOfWork
from ..domain import errors
from .context import Actor

OVERSEERS = ("district", "chain_office")


def party_kind(uow: UnitOfWork, actor: Actor) -> str:
    """The kind of the actor's organisation ('system' for the system actor)."""
    if actor.role == "system":
        return "system"
    return uow.conn.execute(select(t.party.c.kind).where(t.party.c.id == actor.party_id)).scalar() or "none"


def sees_everything(uow: UnitOfWork, actor: Actor) -> bool:
    """The system and the district/chain offices read every record."""
    return party_kind(uow, actor) in ("system", *OVERSEERS)


def voucher_filter(uow: UnitOfWork, actor: Actor) -> Any | None:
    """A WHERE clause limiting vouchers to the actor's, or None for no limit."""
    if sees_everything(uow, actor):
        return None
    p = actor.party_id
    mine = select(t.fragment.c.voucher_id).where(t.fragment.c.holder_id == p)
    return or_(t.voucher.c.core_id == p, t.voucher.c.bank_id == p, t.voucher.c.id.in_(mine))


def issued_or_carried_filter(uow: UnitOfWork, actor: Actor) -> Any | None:
    """A WHERE clause limiting vouchers to those whose whole tree the actor may read: the issuer's and the
    bank's (an enterprise that issued none gets none), or None for no limit; refused for any other kind."""
    if sees_everything(uow, actor):
        return None
    kind = party_kind(uow, actor)
    if kind == "bank":
        return t.voucher.c.bank_id == actor.party_id
    if kind == "enterprise":
        return t.voucher.c.core_id == actor.party_id
    raise errors.Forbidden(reason="whole voucher trees are for the district, banks and issuers "
                                  "/ 凭据全貌仅供金融办、银行与签发企业查看")


def financing_filter(uow: UnitOfWork, actor: Actor) -> Any | None:
    """Financings the actor may see: its bank's, its own applications, or on its vouchers."""
    if sees_everything(uow, actor):
        return None
    p = actor.party_id
    return or_(t.financing.c.bank_id == p, t.financing.c.applicant_id == p, t.financing.c.core_id == p)


def check_voucher(uow: UnitOfWork, actor: Actor, voucher_id: str, *, whole_tree: bool = False) -> None:
    """Refuse a voucher the actor has no part in (the whole tree only for issuer, bank and overseers)."""
    if sees_everything(uow, actor):
        return
    v = uow.conn.execute(select(t.voucher.c.core_id, t.voucher.c.bank_id).where(t.voucher.c.id == voucher_id)).first()
    if v is None:
        raise errors.NotFound("voucher", voucher_id)
    if actor.party_id in (v.core_id, v.bank_id):
        return
    if not whole_tree and uow.conn.execute(select(t.fragment.c.id).where(
            t.fragment.c.voucher_id == voucher_id, t.fragment.c.holder_id == actor.party_id).limit(1)).first():
        return
    raise errors.NotFound("voucher", voucher_id)  # not "forbidden": do not reveal that it exists


def check_fragment(uow: UnitOfWork, actor: Actor, fragment_id: str) -> None:
    """Refuse a fragment unless the actor holds it, handed it on, issued it, carries it, or oversees."""
    if sees_everything(uow, actor):
        return
    f = uow.conn.execute(select(t.fragment.c.holder_id, t.fragment.c.parent_id, t.fragment.c.voucher_id)
                         .where(t.fragment.c.id == fragment_id)).first()
    if f is None:
        raise errors.NotFound("fragment", fragment_id)
    if f.holder_id == actor.party_id:
        return
    v = uow.conn.execute(select(t.voucher.c.core_id, t.voucher.c.bank_id).where(t.voucher.c.id == f.voucher_id)).one()
    if actor.party_id in (v.core_id, v.bank_id):
        return
    # the sender of a transfer keeps sight of what it handed on (its own trade)
    if f.parent_id and uow.conn.execute(select(t.fragment.c.id).where(
            t.fragment.c.id == f.parent_id, t.fragment.c.holder_id == actor.party_id)).first():
        return
    # a financed fragment belongs to the bank now; the applicant keeps sight of it
    if uow.conn.execute(select(t.financing.c.id).join(
            t.financing_fragment, t.financing_fragment.c.financing_id == t.financing.c.id).where(
            t.financing_fragment.c.fragment_id == fragment_id, t.financing.c.applicant_id == actor.party_id)).first():
        return
    raise errors.NotFound("fragment", fragment_id)


def check_financing(uow: UnitOfWork, actor: Actor, financing_id: str) -> None:
    """Refuse a financing the actor is no party to."""
    if sees_everything(uow, actor):
        return
    f = uow.conn.execute(select(t.financing.c.bank_id, t.financing.c.applicant_id, t.financing.c.core_id)
                         .where(t.financing.c.id == financing_id)).first()
    if f is None or actor.party_id not in (f.bank_id, f.applicant_id, f.core_id):
        raise errors.NotFound("financing", financing_id)


def check_party_data(uow: UnitOfWork, actor: Actor, party_id: str) -> None:
    """A party's holdings and details: itself, its bank (onboarded there), its core, or overseers."""
    if sees_everything(uow, actor) or actor.party_id == party_id:
        return
    related = uow.conn.execute(select(t.onboarding.c.party_id).where(
        t.onboarding.c.bank_id == actor.party_id, t.onboarding.c.party_id == party_id)).first() or \
        uow.conn.execute(select(t.supplier_ledger.c.supplier_id).where(
            t.supplier_ledger.c.core_id == actor.party_id, t.supplier_ledger.c.supplier_id == party_id)).first()
    if not related:
        raise errors.Forbidden(reason="not your customer or supplier / 非本机构客户或供应商")
