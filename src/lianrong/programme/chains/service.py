"""Chains and members: create and configure a chain (the district office), add, change and remove members (the
chain's office or the district office). Every write is one unit of work with an idempotency key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role, resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.platform.results import run_typed
from lianrong.programme.chains import errors as chain_errors
from lianrong.programme.chains.access import MEMBERS_WHAT, chain_row, managed_chain
from lianrong.programme.chains.model import check_code, check_left_on, check_member, check_name

CONFIGURE_WHAT = "only the district office configures chains / 仅区金融办可配置产业链"


@dataclass(frozen=True, slots=True)
class ChainSaved:
    """A chain as created or configured."""

    id: str
    code: str
    name: str
    name_en: str
    office_id: str
    key_chain: bool
    description: str
    position: int
    active: bool
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MemberSaved:
    """A chain member as added, changed or removed (``left_on`` set)."""

    chain_id: str
    party_id: str
    role: str
    tier: int
    joined_on: dt.date
    left_on: dt.date | None
    note: str


def _office(uow: UnitOfWork, ref: str) -> str:
    return str(resolve_party(uow, ref, kind="chain_office").id)


def _saved(row: Any) -> ChainSaved:
    return ChainSaved(
        id=row.id,
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        office_id=row.office_id,
        key_chain=bool(row.key_chain),
        description=row.description,
        position=row.position,
        active=bool(row.active),
        updated_at=row.updated_at,
    )


def create_chain(
    ctx: Context,
    *,
    actor: Actor,
    code: str,
    name: str,
    name_en: str,
    office: str,
    key_chain: bool = False,
    description: str = "",
    position: int | None = None,
    idempotency_key: str,
) -> ChainSaved:
    """The district office sets up a chain with its chain office (a party of kind ``chain_office``)."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", what=CONFIGURE_WHAT)
    code = check_code(code)
    name, name_en = check_name(name), check_name(name_en, max_length=80)

    def body(uow: UnitOfWork) -> ChainSaved:
        c = pt.chain.c
        if uow.conn.execute(select(c.id).where(c.code == code)).first():
            raise errors.AlreadyExists(entity="chain", key=code)
        office_id = _office(uow, office)
        pos = position
        if pos is None:
            pos = len(uow.conn.execute(select(c.id)).all())
        now = ctx.clock.now()
        values = {
            "id": new_id("chn"),
            "code": code,
            "name": name,
            "name_en": name_en,
            "office_id": office_id,
            "key_chain": key_chain,
            "description": description.strip(),
            "position": pos,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        uow.conn.execute(insert(pt.chain).values(**values))
        return _saved(chain_row(uow, values["id"]))

    request = {"c": code, "n": name, "e": name_en, "o": office, "k": key_chain, "d": description, "p": position}
    return run_typed(ctx, ChainSaved, key=idempotency_key, operation="chains.create", request=request, body=body)


def update_chain(
    ctx: Context,
    *,
    actor: Actor,
    chain: str,
    name: str | None = None,
    name_en: str | None = None,
    office: str | None = None,
    key_chain: bool | None = None,
    description: str | None = None,
    position: int | None = None,
    active: bool | None = None,
    idempotency_key: str,
) -> ChainSaved:
    """The district office changes a chain's names, office, key-chain mark, order or activity (None: unchanged)."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", what=CONFIGURE_WHAT)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = check_name(name)
    if name_en is not None:
        values["name_en"] = check_name(name_en, max_length=80)
    if description is not None:
        values["description"] = description.strip()
    for k, v in (("key_chain", key_chain), ("position", position), ("active", active)):
        if v is not None:
            values[k] = v

    def body(uow: UnitOfWork) -> ChainSaved:
        row = chain_row(uow, chain)
        if office is not None:
            values["office_id"] = _office(uow, office)
        uow.conn.execute(update(pt.chain).where(pt.chain.c.id == row.id).values(**values, updated_at=ctx.clock.now()))
        return _saved(chain_row(uow, row.id))

    request = {"chain": chain, "o": office, **values}
    return run_typed(ctx, ChainSaved, key=idempotency_key, operation="chains.update", request=request, body=body)


def _member_key(chain_id: str, party_id: str) -> Any:
    m = pt.chain_member.c
    return and_(m.chain_id == chain_id, m.party_id == party_id)


def _member(uow: UnitOfWork, chain_id: str, party_id: str) -> Any:
    return uow.conn.execute(select(pt.chain_member).where(_member_key(chain_id, party_id))).first()


def _member_saved(row: Any) -> MemberSaved:
    return MemberSaved(
        chain_id=row.chain_id,
        party_id=row.party_id,
        role=row.role,
        tier=row.tier,
        joined_on=as_date(row.joined_on),  # type: ignore[arg-type]
        left_on=as_date(row.left_on),
        note=row.note,
    )


def join(
    uow: UnitOfWork,
    *,
    chain_id: str,
    party_id: str,
    role: str,
    tier: int,
    joined_on: dt.date,
    note: str,
    actor: Actor,
    now: dt.datetime,
    update_current: bool,
) -> str:
    """Write one membership (checked by the caller): a new member, a former one back (``left_on`` cleared),
    or — with ``update_current`` — a current one's role, tier and note; ``added``, ``rejoined`` or ``updated``."""
    existing = _member(uow, chain_id, party_id)
    if existing is None:
        uow.conn.execute(
            insert(pt.chain_member).values(
                chain_id=chain_id,
                party_id=party_id,
                role=role,
                tier=tier,
                joined_on=joined_on,
                left_on=None,
                note=note,
                created_by=actor.user_id if actor.role != "system" else None,
                created_at=now,
                updated_at=now,
            )
        )
        return "added"
    if existing.left_on is None and not update_current:
        raise chain_errors.AlreadyMember(party=party_id, chain=chain_id)
    values: dict[str, Any] = {"role": role, "tier": tier, "note": note, "updated_at": now}
    if existing.left_on is not None:
        values.update(joined_on=joined_on, left_on=None)
    uow.conn.execute(update(pt.chain_member).where(_member_key(chain_id, party_id)).values(**values))
    return "rejoined" if existing.left_on is not None else "updated"


def add_member(
    ctx: Context,
    *,
    actor: Actor,
    chain: str,
    party: str,
    role: str,
    tier: int,
    joined_on: dt.date | None = None,
    note: str = "",
    idempotency_key: str,
) -> MemberSaved:
    """The chain's office (or the district office) adds an enterprise to the chain with a role and a tier; a
    former member joins again (its ``left_on`` cleared)."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", "chain_office", what=MEMBERS_WHAT)
    r = check_member(role=role, tier=tier)
    day = joined_on or ctx.clock.today()

    def body(uow: UnitOfWork) -> MemberSaved:
        c = managed_chain(uow, actor, chain)
        p = resolve_party(uow, party, kind="enterprise")
        existing = _member(uow, c.id, p.id)
        if existing is not None and existing.left_on is None:
            raise chain_errors.AlreadyMember(party=p.name, chain=c.name)
        join(
            uow,
            chain_id=c.id,
            party_id=p.id,
            role=r.value,
            tier=tier,
            joined_on=day,
            note=note.strip(),
            actor=actor,
            now=ctx.clock.now(),
            update_current=False,
        )
        return _member_saved(_member(uow, c.id, p.id))

    request = {"chain": chain, "party": party, "role": role, "tier": tier, "on": joined_on, "note": note}
    return run_typed(ctx, MemberSaved, key=idempotency_key, operation="chains.member_add", request=request, body=body)


def _current(uow: UnitOfWork, actor: Actor, chain: str, party: str) -> tuple[Any, Any, Any]:
    c = managed_chain(uow, actor, chain)
    p = resolve_party(uow, party)
    m = _member(uow, c.id, p.id)
    if m is None or m.left_on is not None:
        raise chain_errors.NotAMember(party=p.name, chain=c.name)
    return c, p, m


def update_member(
    ctx: Context,
    *,
    actor: Actor,
    chain: str,
    party: str,
    role: str | None = None,
    tier: int | None = None,
    note: str | None = None,
    idempotency_key: str,
) -> MemberSaved:
    """The chain's office (or the district office) changes a current member's role, tier or note."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", "chain_office", what=MEMBERS_WHAT)

    def body(uow: UnitOfWork) -> MemberSaved:
        c, p, m = _current(uow, actor, chain, party)
        new_role = role if role is not None else m.role
        new_tier = tier if tier is not None else m.tier
        r = check_member(role=new_role, tier=new_tier)
        uow.conn.execute(
            update(pt.chain_member)
            .where(_member_key(c.id, p.id))
            .values(
                role=r.value, tier=new_tier, note=m.note if note is None else note.strip(), updated_at=ctx.clock.now()
            )
        )
        return _member_saved(_member(uow, c.id, p.id))

    request = {"chain": chain, "party": party, "role": role, "tier": tier, "note": note}
    return run_typed(
        ctx, MemberSaved, key=idempotency_key, operation="chains.member_update", request=request, body=body
    )


def remove_member(
    ctx: Context,
    *,
    actor: Actor,
    chain: str,
    party: str,
    left_on: dt.date | None = None,
    note: str | None = None,
    idempotency_key: str,
) -> MemberSaved:
    """The chain's office (or the district office) records that a member left (``left_on``; never deleted)."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", "chain_office", what=MEMBERS_WHAT)
    day = left_on or ctx.clock.today()

    def body(uow: UnitOfWork) -> MemberSaved:
        c, p, m = _current(uow, actor, chain, party)
        check_left_on(joined_on=as_date(m.joined_on), left_on=day)  # type: ignore[arg-type]
        uow.conn.execute(
            update(pt.chain_member)
            .where(_member_key(c.id, p.id))
            .values(left_on=day, note=m.note if note is None else note.strip(), updated_at=ctx.clock.now())
        )
        return _member_saved(_member(uow, c.id, p.id))

    request = {"chain": chain, "party": party, "on": left_on, "note": note}
    return run_typed(
        ctx, MemberSaved, key=idempotency_key, operation="chains.member_remove", request=request, body=body
    )
