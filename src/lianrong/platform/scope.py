"""Who may see what: every read, and every change to an existing record, is scoped to the acting organisation.

- a supplier sees its own fragments (held now, handed on by it, or financed by it), the lineage of those,
  its own contracts, invoices and financings;
- a core enterprise sees the vouchers it issued (whole trees), its suppliers and its contracts;
- a bank sees the vouchers issued at it (every fragment of them, whoever holds it), the fragments it
  holds, its credit lines and financings — and nothing of other banks' vouchers, whatever onboarding it
  records;
- the district office and chain offices see everything, read-only (aggregates and details);
- a guarantor sees nothing of the engine yet.

A record outside the scope is "not found" (``errors.NotFound``), for a read and for a change alike, exactly
as an id that names nothing: nobody learns that it exists. A refusal that reveals nothing (a viewer
writing, a wrong role or organisation kind, a party acting on a record it may see but not change) stays
``errors.Forbidden``, and is decided before any validation of the request's content.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any

from sqlalchemy import and_, or_, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform.context import Actor, Context

OVERSEERS = ("district", "chain_office")


#: per engine: the kind of each party read so far. A party's kind is set when it is registered and never
#: changes, so every scoped read after the first of an organisation skips this look-up
_KINDS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def party_kind(uow: UnitOfWork, actor: Actor) -> str:
    """The kind of the actor's organisation ('system' for the system actor)."""
    if actor.role == "system":
        return "system"
    known = _KINDS.get(uow.engine)
    if known is None:
        known = _KINDS.setdefault(uow.engine, {})
    kind = known.get(actor.party_id)
    if kind is None:
        kind = uow.conn.execute(select(t.party.c.kind).where(t.party.c.id == actor.party_id)).scalar()
        if kind is None:
            return "none"  # not remembered: nothing is known of a party that is not there
        known[actor.party_id] = kind
    return kind


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
    raise errors.Forbidden(
        reason="whole voucher trees are for the district, banks and issuers / 凭据全貌仅供金融办、银行与签发企业查看"
    )


def financing_filter(uow: UnitOfWork, actor: Actor) -> Any | None:
    """Financings the actor may see: its bank's, its own applications, or on its vouchers."""
    if sees_everything(uow, actor):
        return None
    p = actor.party_id
    return or_(t.financing.c.bank_id == p, t.financing.c.applicant_id == p, t.financing.c.core_id == p)


def check_voucher(uow: UnitOfWork, actor: Actor, voucher_id: str, *, whole_tree: bool = False, row: Any = None) -> None:
    """Refuse a voucher the actor has no part in (the whole tree only for issuer, bank and overseers);
    ``row``: the voucher's row when the caller has read it already (its ``core_id`` and ``bank_id``)."""
    if sees_everything(uow, actor):
        return
    v = (
        row
        if row is not None
        else uow.conn.execute(
            select(t.voucher.c.core_id, t.voucher.c.bank_id).where(t.voucher.c.id == voucher_id)
        ).first()
    )
    if v is None:
        raise errors.NotFound("voucher", voucher_id)
    if actor.party_id in (v.core_id, v.bank_id):
        return
    if (
        not whole_tree
        and uow.conn.execute(
            select(t.fragment.c.id)
            .where(t.fragment.c.voucher_id == voucher_id, t.fragment.c.holder_id == actor.party_id)
            .limit(1)
        ).first()
    ):
        return
    raise errors.NotFound("voucher", voucher_id)  # not "forbidden": do not reveal that it exists


# aliases for ``fragment_filter``'s subqueries, so that only ``fragment`` correlates whatever else the outer
# query joins; made once, as an alias of a wide table costs a good part of a millisecond to make
_SCOPE_VOUCHER = t.voucher.alias("scope_voucher")
_SCOPE_SENDER = t.fragment.alias("scope_sender")
_SCOPE_FA = t.financing_asset.alias("scope_fa")
_SCOPE_FINANCING = t.financing.alias("scope_financing")


def fragment_filter(uow: UnitOfWork, actor: Actor) -> Any | None:
    """A WHERE clause (on ``fragment``) limiting fragments to those the actor may see, or None for no limit.

    The one rule of every list, export, detail and change of fragments: any organisation sees the fragments
    it holds; a bank also every fragment of the vouchers issued at it, and nothing else (recording a
    party's onboarding shows it none of that party's parts of other banks' vouchers); an enterprise also
    every fragment of the vouchers it issued, the parts it handed on (its own trade) and the parts it
    financed (held by the bank now); the district and chain offices see all.
    """
    kind = party_kind(uow, actor)
    if kind in ("system", *OVERSEERS):
        return None
    return _fragment_clause(kind, actor.party_id)


@functools.lru_cache(maxsize=4096)
def _fragment_clause(kind: str, p: str) -> Any:
    """``fragment_filter``'s clause for a party of this kind, built once per party (building it costs more
    than running it; a clause is immutable and may be used in any number of statements)."""
    # correlated EXISTS, each a primary-key look-up per fragment considered: an IN (subquery) would gather
    # every part of the party (thousands for a busy supplier) on each request, whatever the fragment asked for
    f = t.fragment.c
    if kind == "bank":
        v = _SCOPE_VOUCHER
        return or_(f.holder_id == p, select(v.c.id).where(v.c.id == f.voucher_id, v.c.bank_id == p).exists())
    if kind == "enterprise":
        sender, fa, fi = _SCOPE_SENDER, _SCOPE_FA, _SCOPE_FINANCING
        handed_on = select(sender.c.id).where(sender.c.id == f.parent_id, sender.c.holder_id == p).exists()
        financed = (
            select(fa.c.asset_id)
            .join(fi, fi.c.id == fa.c.financing_id)
            .where(fa.c.kind == "voucher", fa.c.asset_id == f.id, fi.c.applicant_id == p)
            .exists()
        )
        return or_(f.holder_id == p, f.core_id == p, handed_on, financed)
    return f.holder_id == p


def check_fragment(uow: UnitOfWork, actor: Actor, fragment_id: str) -> None:
    """Refuse a fragment outside the actor's scope (``fragment_filter``) as not found."""
    stmt = select(t.fragment.c.id).where(t.fragment.c.id == fragment_id)
    if (limit_to := fragment_filter(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if not isinstance(fragment_id, str) or uow.conn.execute(stmt).first() is None:
        raise errors.NotFound("fragment", fragment_id)


def is_core(uow: UnitOfWork, party_id: str) -> bool:
    """Whether a party is a core enterprise (designated by some bank)."""
    return (
        uow.conn.execute(
            select(t.core_designation.c.core_id).where(t.core_designation.c.core_id == party_id).limit(1)
        ).first()
        is not None
    )


def check_may_act(ctx: Any, actor: Actor, *kinds: str, what: str) -> None:
    """``require_kind`` in a unit of work of its own, for a use case to call first, before it validates its
    input: a caller whose organisation may not do the action at all learns nothing from the validation."""
    if actor.role == "system":
        return
    with ctx.uow(readonly=True) as uow:
        require_kind(uow, actor, *kinds, what=what)


def require_kind(uow: UnitOfWork, actor: Actor, *kinds: str, what: str) -> None:
    """The actor's organisation must be of one of these kinds (``"core"``: an enterprise some bank designated);
    refused (403, nothing revealed) before anything of the request is looked at. The system always may."""
    kind = party_kind(uow, actor)
    if kind == "system" or kind in kinds or ("core" in kinds and kind == "enterprise" and is_core(uow, actor.party_id)):
        return
    raise errors.Forbidden(reason=what)


def check_financing(uow: UnitOfWork, actor: Actor, financing_id: str, *, row: Any = None) -> None:
    """Refuse a financing the actor is no party to; ``row``: the financing's row when the caller has read it
    already (its ``bank_id``, ``applicant_id`` and ``core_id``)."""
    if sees_everything(uow, actor):
        return
    f = (
        row
        if row is not None
        else uow.conn.execute(
            select(t.financing.c.bank_id, t.financing.c.applicant_id, t.financing.c.core_id).where(
                t.financing.c.id == financing_id
            )
        ).first()
    )
    if f is None or actor.party_id not in (f.bank_id, f.applicant_id, f.core_id):
        raise errors.NotFound("financing", financing_id)


def holdings_filter(uow: UnitOfWork, actor: Actor, holder_id: str | None) -> Any:
    """A WHERE clause (on ``fragment``) for a holder's fragments as the actor may see them: those in the
    actor's scope (``fragment_filter``) held by ``holder_id``, or every fragment in its scope when None.
    A party with nothing in the actor's scope shows an empty list, as every filter applies within the scope."""
    limit_to = fragment_filter(uow, actor)
    held = t.fragment.c.holder_id == holder_id if holder_id is not None else None
    parts = [c for c in (limit_to, held) if c is not None]
    return and_(*parts) if parts else t.fragment.c.id.is_not(None)


def check_visible(ctx: Context, *, actor: Actor, kind: str, ref: str) -> None:
    """Refuse a voucher, fragment or financing the actor may not see: not found, exactly as a record that
    does not exist (a console page must not tell that another organisation's record exists)."""
    with ctx.uow(readonly=True) as uow:
        if kind == "voucher":
            check_voucher(uow, actor, ref, whole_tree=True)
        elif kind == "fragment":
            check_fragment(uow, actor, ref)
        else:
            check_financing(uow, actor, ref)
