"""Read models of the white list (the viewer is required; ``SYSTEM`` reads all). Scope first:

- the district office (and the system): every entry with its status, every push, every round;
- a chain office: the entries (and proposals) of its own chains, and the cards of those in rounds;
- a bank: the entries published (listed now, or ever listed: a removal it was told of), and its own pushes;
- an enterprise: its own entries.

Anything outside the scope is not found; another kind of organisation (a guarantor) is refused.
"""

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
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date

READERS = ("district", "chain_office", "bank", "enterprise")
WHAT = (
    "the white list is for the district, chain offices, banks and enterprises / 白名单仅供金融办、链办、银行与企业查看"
)


@dataclass(frozen=True)
class Entry:
    """A white-list entry as its reader sees it, with the evidence of its latest proposal."""

    id: str
    core_id: str
    core_name: str
    chain_id: str
    chain_name: str
    status: str
    version: int
    listed_on: dt.date | None
    valid_until: dt.date | None
    proposed_by: str | None
    updated_at: dt.datetime
    criteria: dict[str, Any]


@dataclass(frozen=True)
class Version:
    """One version of an entry (a ``whitelist_event``): what was done, by whom, when and why."""

    version: int
    action: str
    status: str
    criteria: dict[str, Any]
    reason: str
    actor_id: str | None
    actor_name: str
    at: dt.datetime


@dataclass(frozen=True)
class Card:
    """An entry's renewal card in a round: the figures computed from the ledger and the decision."""

    round_id: str
    year: int
    entry_id: str
    core_id: str
    core_name: str
    chain_name: str
    figures: dict[str, Any]
    decision: str | None
    reason: str
    decided_by: str | None
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class EntryDetail:
    """An entry's page: the entry, its every version (history is never lost), its renewal cards."""

    entry: Entry
    versions: tuple[Version, ...]
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Push:
    """A change of the list pushed to a bank, and its acknowledgement (who, when)."""

    id: str
    bank_id: str
    bank_name: str
    kind: str
    round_id: str | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    added_names: tuple[str, ...]
    removed_names: tuple[str, ...]
    created_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_by_name: str
    acknowledged_at: dt.datetime | None


@dataclass(frozen=True)
class Round:
    """A yearly renewal round."""

    id: str
    year: int
    opened_on: dt.date
    closes_on: dt.date
    status: str
    closed_at: dt.datetime | None
    cards: int
    pending: int


@dataclass(frozen=True)
class RoundDetail:
    round: Round
    cards: tuple[Card, ...]


def _entry_filter(uow: UnitOfWork, viewer: Actor) -> Any | None:
    """The WHERE clause limiting entries to the viewer's scope (None: all); refused for other kinds."""
    scope.require_kind(uow, viewer, *READERS, what=WHAT)
    kind = scope.party_kind(uow, viewer)
    e = pt.whitelist_entry.c
    if kind in ("system", "district"):
        return None
    if kind == "chain_office":
        return e.chain_id.in_(select(pt.chain.c.id).where(pt.chain.c.office_id == viewer.party_id))
    if kind == "bank":
        return e.listed_on.is_not(None)
    return e.core_id == viewer.party_id


def _names(uow: UnitOfWork, ids: set[str], table: Any = t.party) -> dict[str, str]:
    if not ids:
        return {}
    col = func.coalesce(t.party.c.short_name, t.party.c.name) if table is t.party else table.c.display_name
    return dict(uow.conn.execute(select(table.c.id, col).where(table.c.id.in_(sorted(ids)))).all())


def _entries(uow: UnitOfWork, viewer: Actor, *extra: Any) -> list[Entry]:
    e, ev = pt.whitelist_entry.c, pt.whitelist_event.c
    core = t.party.alias("core")
    stmt = (
        select(
            pt.whitelist_entry,
            func.coalesce(core.c.short_name, core.c.name).label("core_name"),
            pt.chain.c.name.label("chain_name"),
        )
        .join(core, core.c.id == e.core_id)
        .join(pt.chain, pt.chain.c.id == e.chain_id)
        .order_by(pt.chain.c.position, e.chain_id, core.c.name, e.id)
    )
    where = _entry_filter(uow, viewer)
    for clause in (where, *extra):
        if clause is not None:
            stmt = stmt.where(clause)
    rows = uow.conn.execute(stmt).all()
    criteria: dict[str, Any] = {}
    if rows:
        latest = uow.conn.execute(
            select(ev.entry_id, ev.criteria, ev.version)
            .where(ev.entry_id.in_([r.id for r in rows]), ev.action == "propose")
            .order_by(ev.entry_id, ev.version)
        ).all()
        criteria = {r.entry_id: r.criteria for r in latest}  # the last proposal of each wins
    return [
        Entry(
            id=r.id,
            core_id=r.core_id,
            core_name=r.core_name,
            chain_id=r.chain_id,
            chain_name=r.chain_name,
            status=r.status,
            version=r.version,
            listed_on=as_date(r.listed_on),
            valid_until=as_date(r.valid_until),
            proposed_by=r.proposed_by,
            updated_at=r.updated_at,
            criteria=dict(criteria.get(r.id) or {}),
        )
        for r in rows
    ]


def entries(
    ctx: Context, *, viewer: Actor, status: str | None = None, chain: str | None = None, core: str | None = None
) -> list[Entry]:
    """The white list as the viewer may see it (a bank: the published entries), optionally by status, chain
    (id or code) or core enterprise (id)."""
    e = pt.whitelist_entry.c
    extra = []
    if status:
        extra.append(e.status == status)
    if chain:
        extra.append(e.chain_id.in_(select(pt.chain.c.id).where((pt.chain.c.id == chain) | (pt.chain.c.code == chain))))
    if core:
        extra.append(e.core_id == core)
    with ctx.uow(readonly=True) as uow:
        return _entries(uow, viewer, *extra)


def _cards(uow: UnitOfWork, *where: Any) -> tuple[Card, ...]:
    c, e = pt.renewal_card.c, pt.whitelist_entry.c
    core = t.party.alias("core")
    stmt = (
        select(
            pt.renewal_card,
            pt.renewal_round.c.year,
            e.core_id,
            func.coalesce(core.c.short_name, core.c.name).label("core_name"),
            pt.chain.c.name.label("chain_name"),
        )
        .join(pt.renewal_round, pt.renewal_round.c.id == c.round_id)
        .join(pt.whitelist_entry, e.id == c.entry_id)
        .join(core, core.c.id == e.core_id)
        .join(pt.chain, pt.chain.c.id == e.chain_id)
        .where(*where)
        .order_by(pt.renewal_round.c.year.desc(), core.c.name, c.entry_id)
    )
    return tuple(
        Card(
            round_id=r.round_id,
            year=r.year,
            entry_id=r.entry_id,
            core_id=r.core_id,
            core_name=r.core_name,
            chain_name=r.chain_name,
            figures=dict(r.figures or {}),
            decision=r.decision,
            reason=r.reason or "",
            decided_by=r.decided_by,
            decided_at=r.decided_at,
        )
        for r in uow.conn.execute(stmt).all()
    )


def entry(ctx: Context, *, viewer: Actor, entry_id: str) -> EntryDetail:
    """An entry's page: every version, oldest first, and its renewal cards (the district and chain office)."""
    ev = pt.whitelist_event.c
    with ctx.uow(readonly=True) as uow:
        found = _entries(uow, viewer, pt.whitelist_entry.c.id == entry_id)
        if not found:
            raise errors.NotFound("whitelist_entry", entry_id)
        rows = uow.conn.execute(select(pt.whitelist_event).where(ev.entry_id == entry_id).order_by(ev.version)).all()
        users = _names(uow, {r.actor_id for r in rows if r.actor_id}, t.app_user)
        cards: tuple[Card, ...] = ()
        if scope.party_kind(uow, viewer) in ("system", "district", "chain_office"):
            cards = _cards(uow, pt.renewal_card.c.entry_id == entry_id)
    versions = tuple(
        Version(
            version=r.version,
            action=r.action,
            status=r.status,
            criteria=dict(r.criteria or {}),
            reason=r.reason or "",
            actor_id=r.actor_id,
            actor_name=users.get(r.actor_id or "", "") if r.actor_id else "system",
            at=r.at,
        )
        for r in rows
    )
    return EntryDetail(entry=found[0], versions=versions, cards=cards)


def pushes(ctx: Context, *, viewer: Actor, pending: bool = False) -> list[Push]:
    """Pushes of list changes: a bank's own (``pending``: those it has not acknowledged), the district all."""
    p = pt.whitelist_push.c
    with ctx.uow(readonly=True) as uow:
        scope.require_kind(uow, viewer, "district", "bank", what="pushes are for banks / 推送仅供银行查看")
        stmt = select(pt.whitelist_push).order_by(p.created_at.desc(), p.id)
        if scope.party_kind(uow, viewer) == "bank":
            stmt = stmt.where(p.bank_id == viewer.party_id)
        if pending:
            stmt = stmt.where(p.acknowledged_at.is_(None))
        rows = uow.conn.execute(stmt).all()
        entry_ids = {x for r in rows for x in (*(r.added or ()), *(r.removed or ()))}
        cores = dict(
            uow.conn.execute(
                select(pt.whitelist_entry.c.id, func.coalesce(t.party.c.short_name, t.party.c.name))
                .join(t.party, t.party.c.id == pt.whitelist_entry.c.core_id)
                .where(pt.whitelist_entry.c.id.in_(sorted(entry_ids)))
            ).all()
        )
        banks = _names(uow, {r.bank_id for r in rows})
        users = _names(uow, {r.acknowledged_by for r in rows if r.acknowledged_by}, t.app_user)
    return [
        Push(
            id=r.id,
            bank_id=r.bank_id,
            bank_name=banks.get(r.bank_id, r.bank_id),
            kind=r.kind,
            round_id=r.round_id,
            added=tuple(r.added or ()),
            removed=tuple(r.removed or ()),
            added_names=tuple(cores.get(x, x) for x in r.added or ()),
            removed_names=tuple(cores.get(x, x) for x in r.removed or ()),
            created_at=r.created_at,
            acknowledged_by=r.acknowledged_by,
            acknowledged_by_name=users.get(r.acknowledged_by or "", ""),
            acknowledged_at=r.acknowledged_at,
        )
        for r in rows
    ]


def _rounds(uow: UnitOfWork, *where: Any) -> list[Round]:
    r, c = pt.renewal_round.c, pt.renewal_card.c
    counts = {
        x.round_id: (x.n, x.pending)
        for x in uow.conn.execute(
            select(
                c.round_id,
                func.count().label("n"),
                func.count().filter(c.decision.is_(None)).label("pending"),
            ).group_by(c.round_id)
        ).all()
    }
    return [
        Round(
            id=x.id,
            year=x.year,
            opened_on=as_date(x.opened_on),  # type: ignore[arg-type]
            closes_on=as_date(x.closes_on),  # type: ignore[arg-type]
            status=x.status,
            closed_at=x.closed_at,
            cards=counts.get(x.id, (0, 0))[0],
            pending=counts.get(x.id, (0, 0))[1],
        )
        for x in uow.conn.execute(select(pt.renewal_round).where(*where).order_by(r.year.desc())).all()
    ]


def rounds(ctx: Context, *, viewer: Actor) -> list[Round]:
    """The renewal rounds, newest first (the district office and chain offices)."""
    with ctx.uow(readonly=True) as uow:
        scope.require_kind(
            uow,
            viewer,
            "district",
            "chain_office",
            what="renewal rounds are the offices' / 年度复核仅供金融办与链办查看",
        )
        return _rounds(uow)


def round_detail(ctx: Context, *, viewer: Actor, round_id: str) -> RoundDetail:
    """A round with its cards (a chain office: the cards of its chains)."""
    with ctx.uow(readonly=True) as uow:
        scope.require_kind(
            uow,
            viewer,
            "district",
            "chain_office",
            what="renewal rounds are the offices' / 年度复核仅供金融办与链办查看",
        )
        found = _rounds(uow, pt.renewal_round.c.id == round_id)
        if not found:
            raise errors.NotFound("renewal_round", round_id)
        where = [pt.renewal_card.c.round_id == round_id]
        limit = _entry_filter(uow, viewer)
        if limit is not None:
            where.append(limit)
        return RoundDetail(round=found[0], cards=_cards(uow, *where))


@dataclass(frozen=True)
class Option:
    """A choice on a form: an id and a name."""

    id: str
    name: str


def proposal_options(ctx: Context, *, viewer: Actor) -> tuple[list[Option], list[Option]]:
    """What a proposer may choose: the core enterprises (designated by some bank) and the chains in its scope
    (a chain office: its own; the district: all active chains)."""
    with ctx.uow(readonly=True) as uow:
        scope.require_kind(uow, viewer, "district", "chain_office", what=WHAT)
        name = func.coalesce(t.party.c.short_name, t.party.c.name)
        cores = uow.conn.execute(
            select(t.party.c.id, name)
            .where(t.party.c.id.in_(select(t.core_designation.c.core_id)))
            .order_by(t.party.c.name)
        ).all()
        stmt = select(pt.chain.c.id, pt.chain.c.name).where(pt.chain.c.active.is_(True)).order_by(pt.chain.c.position)
        if scope.party_kind(uow, viewer) == "chain_office":
            stmt = stmt.where(pt.chain.c.office_id == viewer.party_id)
        chains = uow.conn.execute(stmt).all()
    return [Option(id=r[0], name=r[1]) for r in cores], [Option(id=r[0], name=r[1]) for r in chains]
