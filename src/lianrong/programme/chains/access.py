"""A chain as the caller may see and change it: every path (service, queries, workbooks) reads chains here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.context import Actor
from lianrong.programme.chains.model import chain_visible, may_manage_members

MEMBERS_WHAT = "only the district office and the chain's office manage members / 仅区金融办与本链链办可维护链上成员"


def is_member(uow: UnitOfWork, chain_id: str, party_id: str) -> bool:
    """Whether a party is a current member (``left_on`` NULL) of a chain."""
    m = pt.chain_member.c
    row = uow.conn.execute(
        select(m.party_id).where(m.chain_id == chain_id, m.party_id == party_id, m.left_on.is_(None))
    ).first()
    return row is not None


def chain_row(uow: UnitOfWork, ref: str) -> Any:
    """A chain by id (``chn_…``) or code, whoever asks (no scope), or ``NotFound("chain", …)``."""
    if not isinstance(ref, str) or not ref.strip():
        raise errors.NotFound("chain", ref)
    c = pt.chain.c
    ref = ref.strip()
    row = uow.conn.execute(select(pt.chain).where(c.id == ref)).first()
    if row is None:
        row = uow.conn.execute(select(pt.chain).where(c.code == ref)).first()
    if row is None:
        raise errors.NotFound("chain", ref)
    return row


def visible_chain(uow: UnitOfWork, actor: Actor, ref: str) -> Any:
    """A chain the actor may see, or ``NotFound("chain", …)`` exactly as for a chain that does not exist."""
    row = chain_row(uow, ref)
    kind = scope.party_kind(uow, actor)
    member = kind == "enterprise" and is_member(uow, row.id, actor.party_id)
    if not chain_visible(
        kind=kind, party_id=actor.party_id, office_id=row.office_id, active=row.active, is_member=member
    ):
        raise errors.NotFound("chain", ref)
    return row


def managed_chain(uow: UnitOfWork, actor: Actor, ref: str) -> Any:
    """A chain whose members the actor may change: not found outside its scope, forbidden if seen only."""
    row = visible_chain(uow, actor, ref)
    if not may_manage_members(kind=scope.party_kind(uow, actor), party_id=actor.party_id, office_id=row.office_id):
        raise errors.Forbidden(reason=MEMBERS_WHAT)
    return row
