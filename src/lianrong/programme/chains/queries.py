"""Read models of chains (the viewer is required; scope is decided first: ``model.chain_visible``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.programme.chains.access import visible_chain
from lianrong.programme.chains.model import (
    ROLE_LABELS,
    Flow,
    Role,
    amounts_visible,
    chain_visible,
    supply_edges,
)


@dataclass(frozen=True)
class ChainSummary:
    """A chain in the list: its office and its current members' counts."""

    id: str
    code: str
    name: str
    name_en: str
    office_id: str | None
    office_name: str
    key_chain: bool
    description: str
    position: int
    active: bool
    members: int
    leaders: int
    by_role: dict[str, int]


@dataclass(frozen=True)
class Member:
    """A chain's member (``left_on`` set: a former member)."""

    party_id: str
    uscc: str
    name: str
    role: str
    tier: int
    joined_on: dt.date
    left_on: dt.date | None
    note: str


@dataclass(frozen=True)
class GraphNode:
    """A current member in the chain's graph."""

    id: str
    name: str
    role: str
    tier: int


@dataclass(frozen=True)
class GraphEdge:
    """A supply relation (``source`` supplies ``target``) with its amounts; None where the viewer may not see them."""

    source: str
    target: str
    contract_fen: int | None
    contracts: int | None
    voucher_fen: int | None
    vouchers: int | None


@dataclass(frozen=True)
class ChainDetail:
    """A chain's page: the chain, its members (by role and tier), counts, and the graph of supply relations."""

    chain: ChainSummary
    members: tuple[Member, ...]
    by_tier: dict[int, int]
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


@dataclass(frozen=True)
class Membership:
    """A chain a party currently belongs to, with its role and tier there."""

    chain_id: str
    code: str
    name: str
    name_en: str
    role: str
    tier: int
    joined_on: dt.date


def _counts(uow: UnitOfWork, chain_ids: list[str]) -> dict[str, dict[str, int]]:
    m = pt.chain_member.c
    out: dict[str, dict[str, int]] = {}
    if not chain_ids:
        return out
    rows = uow.conn.execute(
        select(m.chain_id, m.role, func.count())
        .where(m.chain_id.in_(chain_ids), m.left_on.is_(None))
        .group_by(m.chain_id, m.role)
    )
    for chain_id, role, n in rows:
        out.setdefault(chain_id, {})[role] = n
    return out


def _summary(row: Any, office_name: str, counts: dict[str, int]) -> ChainSummary:
    by_role = {r.value: counts.get(r.value, 0) for r in ROLE_LABELS}
    return ChainSummary(
        id=row.id,
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        office_id=row.office_id,
        office_name=office_name,
        key_chain=bool(row.key_chain),
        description=row.description,
        position=row.position,
        active=bool(row.active),
        members=sum(by_role.values()),
        leaders=by_role[Role.LEADER.value],
        by_role=by_role,
    )


def _office_names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    p = t.party.c
    rows = uow.conn.execute(select(p.id, func.coalesce(p.short_name, p.name)).where(p.id.in_(sorted(ids))))
    return {i: n for i, n in rows}


def chains(ctx: Context, *, viewer: Actor) -> list[ChainSummary]:
    """The chains the viewer may see, in their order (a chain office: its own; an enterprise: its chains)."""
    with ctx.uow(readonly=True) as uow:
        kind = scope.party_kind(uow, viewer)
        c = pt.chain.c
        rows = uow.conn.execute(select(pt.chain).order_by(c.position, c.code)).all()
        mine: set[str] = set()
        if kind == "enterprise":
            m = pt.chain_member.c
            mine = set(
                uow.conn.execute(select(m.chain_id).where(m.party_id == viewer.party_id, m.left_on.is_(None))).scalars()
            )
        rows = [
            r
            for r in rows
            if chain_visible(
                kind=kind, party_id=viewer.party_id, office_id=r.office_id, active=r.active, is_member=r.id in mine
            )
        ]
        counts = _counts(uow, [r.id for r in rows])
        names = _office_names(uow, {r.office_id for r in rows if r.office_id})
    return [_summary(r, names.get(r.office_id, ""), counts.get(r.id, {})) for r in rows]


def _members(uow: UnitOfWork, chain_id: str, *, former: bool) -> list[Member]:
    m, p = pt.chain_member.c, t.party.c
    stmt = (
        select(pt.chain_member, p.uscc, func.coalesce(p.short_name, p.name).label("party_name"))
        .join(t.party, p.id == m.party_id)
        .where(m.chain_id == chain_id)
        .order_by(m.tier, m.role, p.name)
    )
    if not former:
        stmt = stmt.where(m.left_on.is_(None))
    return [
        Member(
            party_id=r.party_id,
            uscc=r.uscc,
            name=r.party_name,
            role=r.role,
            tier=r.tier,
            joined_on=as_date(r.joined_on),  # type: ignore[arg-type]
            left_on=as_date(r.left_on),
            note=r.note,
        )
        for r in uow.conn.execute(stmt)
    ]


def _flows(uow: UnitOfWork, chain_id: str) -> list[Flow]:
    """Contracts between current members (seller → buyer) and voucher parts handed between them (receiver →
    payer: the issuer for a root part, the parent part's holder for a part handed on)."""
    m = pt.chain_member.c
    current = select(m.party_id).where(m.chain_id == chain_id, m.left_on.is_(None))
    k = t.contract.c
    flows = [
        Flow(seller, buyer, amount, "contract")
        for seller, buyer, amount in uow.conn.execute(
            select(k.seller_id, k.buyer_id, k.amount_fen).where(k.buyer_id.in_(current), k.seller_id.in_(current))
        )
    ]
    f, parent = t.fragment.c, t.fragment.alias("parent")
    flows += [
        Flow(holder, payer, amount, "voucher")
        for holder, payer, amount in uow.conn.execute(
            select(f.holder_id, parent.c.holder_id, f.amount_fen)
            .join(parent, parent.c.id == f.parent_id)
            .where(f.holder_id.in_(current), parent.c.holder_id.in_(current), f.holder_id != parent.c.holder_id)
        )
    ]
    flows += [
        Flow(holder, core, amount, "voucher")
        for holder, core, amount in uow.conn.execute(
            select(f.holder_id, f.core_id, f.amount_fen).where(
                f.parent_id.is_(None), f.holder_id.in_(current), f.core_id.in_(current)
            )
        )
    ]
    return flows


def chain(ctx: Context, *, viewer: Actor, chain: str, former: bool = False) -> ChainDetail:
    """A chain's page as the viewer may see it (not found outside its scope); ``former``: with former members."""
    with ctx.uow(readonly=True) as uow:
        row = visible_chain(uow, viewer, chain)
        kind = scope.party_kind(uow, viewer)
        members = _members(uow, row.id, former=former)
        counts = _counts(uow, [row.id]).get(row.id, {})
        office = _office_names(uow, {row.office_id} if row.office_id else set())
        current = [x for x in members if x.left_on is None]
        edges = supply_edges(_flows(uow, row.id), {x.party_id for x in current})
    by_tier: dict[int, int] = {}
    for x in current:
        by_tier[x.tier] = by_tier.get(x.tier, 0) + 1
    shown = []
    for e in edges:
        ok = amounts_visible(kind=kind, party_id=viewer.party_id, office_id=row.office_id, ends=(e.source, e.target))
        shown.append(
            GraphEdge(
                source=e.source,
                target=e.target,
                contract_fen=e.contract_fen if ok else None,
                contracts=e.contracts if ok else None,
                voucher_fen=e.voucher_fen if ok else None,
                vouchers=e.vouchers if ok else None,
            )
        )
    return ChainDetail(
        chain=_summary(row, office.get(row.office_id, ""), counts),
        members=tuple(members),
        by_tier=dict(sorted(by_tier.items())),
        nodes=tuple(GraphNode(id=x.party_id, name=x.name, role=x.role, tier=x.tier) for x in current),
        edges=tuple(shown),
    )


def members_of(ctx: Context, *, viewer: Actor, party: str) -> list[Membership]:
    """The chains a party currently belongs to, as the viewer may see them: the party itself, banks, the
    district and the system see all of them, a chain office those of its own chains; another enterprise
    learns nothing (the party is not found)."""
    with ctx.uow(readonly=True) as uow:
        p = resolve_party(uow, party)
        kind = scope.party_kind(uow, viewer)
        if kind not in ("system", "district", "chain_office", "bank") and viewer.party_id != p.id:
            raise errors.NotFound("party", party)
        m, c = pt.chain_member.c, pt.chain.c
        rows = uow.conn.execute(
            select(pt.chain_member, c.code, c.name, c.name_en, c.office_id, c.active)
            .join(pt.chain, c.id == m.chain_id)
            .where(m.party_id == p.id, m.left_on.is_(None))
            .order_by(c.position, c.code)
        ).all()
    return [
        Membership(
            chain_id=r.chain_id,
            code=r.code,
            name=r.name,
            name_en=r.name_en,
            role=r.role,
            tier=r.tier,
            joined_on=as_date(r.joined_on),  # type: ignore[arg-type]
        )
        for r in rows
        if chain_visible(
            kind=kind,
            party_id=viewer.party_id,
            office_id=r.office_id,
            active=r.active,
            is_member=viewer.party_id == p.id,
        )
    ]
