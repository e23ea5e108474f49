"""The white list's use cases: propose, review (maker–checker), revoke, acknowledge a push; the issue check
that issuance calls. Renewal rounds: ``renewal.py``. Every write is one unit of work with an idempotency key;
every change of an entry is a ``whitelist_event`` (a version), never an overwrite of history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role, get_or_raise, resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.programme.whitelist import errors as wl_errors
from lianrong.programme.whitelist import model as m

PROPOSERS = ("district", "chain_office")


@dataclass(frozen=True, slots=True)
class EntryChange:
    """An entry after a change: its status and version, and the pushes to banks the change made."""

    id: str
    core_id: str
    chain_id: str
    status: str
    version: int
    listed_on: dt.date | None
    valid_until: dt.date | None
    pushes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """A push as acknowledged by its bank."""

    id: str
    bank_id: str
    acknowledged_by: str
    acknowledged_at: dt.datetime


def resolve_chain(uow: UnitOfWork, ref: str) -> Any:
    """A chain by id or code (``chain.not_found``)."""
    row = uow.conn.execute(select(pt.chain).where(or_(pt.chain.c.id == ref, pt.chain.c.code == ref))).first()
    if row is None:
        raise errors.NotFound("chain", ref)
    return row


def check_chain_in_scope(uow: UnitOfWork, actor: Actor, chain: Any) -> None:
    """A chain office acts on its own chains only; another's chain is not found."""
    if scope.party_kind(uow, actor) == "chain_office" and chain.office_id != actor.party_id:
        raise errors.NotFound("chain", chain.id)


def record_event(
    uow: UnitOfWork,
    ctx: Context,
    *,
    entry: Any,
    action: m.EntryAction,
    status: m.EntryStatus,
    actor: Actor,
    reason: str = "",
    criteria: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> int:
    """Write the entry's next version (an event row) and its new status; returns the version."""
    version = entry.version + 1
    now = ctx.clock.now()
    if criteria is None:  # the evidence stays that of the latest proposal
        criteria = (
            uow.conn.execute(
                select(pt.whitelist_event.c.criteria)
                .where(pt.whitelist_event.c.entry_id == entry.id)
                .order_by(pt.whitelist_event.c.version.desc())
                .limit(1)
            ).scalar()
            or {}
        )
    uow.conn.execute(
        insert(pt.whitelist_event).values(
            id=new_id("wlv"),
            entry_id=entry.id,
            version=version,
            action=action.value,
            status=status.value,
            criteria=criteria,
            reason=reason,
            actor_id=None if actor.role == "system" else actor.user_id,
            at=now,
        )
    )
    res = uow.conn.execute(
        update(pt.whitelist_entry)
        .where(pt.whitelist_entry.c.id == entry.id, pt.whitelist_entry.c.version == entry.version)
        .values(status=status.value, version=version, updated_at=now, **(values or {}))
    )
    if res.rowcount != 1:
        raise errors.Conflict()
    return version


def push_to_banks(
    uow: UnitOfWork, ctx: Context, *, kind: str, added: list[str], removed: list[str], round_id: str | None = None
) -> tuple[str, ...]:
    """One push to every participating bank (every party of kind bank); returns the push ids."""
    banks = uow.conn.execute(select(t.party.c.id).where(t.party.c.kind == "bank").order_by(t.party.c.id)).scalars()
    now, ids = ctx.clock.now(), []
    for bank_id in banks:
        pid = new_id("wlp")
        uow.conn.execute(
            insert(pt.whitelist_push).values(
                id=pid, bank_id=bank_id, kind=kind, round_id=round_id, added=added, removed=removed, created_at=now
            )
        )
        ids.append(pid)
    return tuple(ids)


def _change(uow: UnitOfWork, entry_id: str, pushes: tuple[str, ...] = ()) -> EntryChange:
    e = get_or_raise(uow, pt.whitelist_entry, entry_id, "whitelist_entry")
    return EntryChange(
        id=e.id,
        core_id=e.core_id,
        chain_id=e.chain_id,
        status=e.status,
        version=e.version,
        listed_on=e.listed_on,
        valid_until=e.valid_until,
        pushes=pushes,
    )


def propose(
    ctx: Context, *, actor: Actor, core: str, chain: str, criteria: dict[str, Any], idempotency_key: str
) -> EntryChange:
    """A chain office (or the district office) proposes a core enterprise for a chain, with the criteria's
    evidence; the entry waits for the district office's review."""
    scope.check_may_act(
        ctx, actor, *PROPOSERS, what="only a chain office or the district proposes / 仅链办或金融办可提名"
    )
    check_actor_role(actor, "operator", "approver")
    c = m.criteria_from(criteria)
    m.check_criteria(c)

    def body(uow: UnitOfWork) -> EntryChange:
        ch = resolve_chain(uow, chain)
        check_chain_in_scope(uow, actor, ch)
        p = resolve_party(uow, core, kind="enterprise")
        e = uow.conn.execute(
            select(pt.whitelist_entry).where(
                pt.whitelist_entry.c.core_id == p.id, pt.whitelist_entry.c.chain_id == ch.id
            )
        ).first()
        if e is not None and e.status in (m.EntryStatus.PROPOSED, m.EntryStatus.LISTED):
            raise wl_errors.AlreadyProposed(core=p.name, chain=ch.name, status=e.status)
        after = m.transition(e.status if e else None, m.EntryAction.PROPOSE)
        if e is None:
            eid = new_id("wle")
            uow.conn.execute(
                insert(pt.whitelist_entry).values(
                    id=eid,
                    core_id=p.id,
                    chain_id=ch.id,
                    status=after.value,
                    version=0,
                    proposed_by=actor.user_id,
                    updated_at=ctx.clock.now(),
                )
            )
            e = get_or_raise(uow, pt.whitelist_entry, eid, "whitelist_entry")
        record_event(
            uow,
            ctx,
            entry=e,
            action=m.EntryAction.PROPOSE,
            status=after,
            actor=actor,
            criteria=c.as_record(),
            values={"proposed_by": actor.user_id},
        )
        return _change(uow, e.id)

    return run_typed(
        ctx,
        EntryChange,
        key=idempotency_key,
        operation="whitelist.propose",
        request={"core": core, "chain": chain, "criteria": criteria},
        body=body,
    )


def _district_decider(ctx: Context, actor: Actor) -> None:
    scope.check_may_act(ctx, actor, "district", what="only the district office decides / 仅区金融办可审核")
    check_actor_role(actor, "approver")


def review(
    ctx: Context, *, actor: Actor, entry_id: str, approve: bool, reason: str = "", idempotency_key: str
) -> EntryChange:
    """The district office's approver decides a proposal (not the user who proposed it). Approval publishes the
    entry (listed until the next renewal round closes) and pushes it to every bank."""
    _district_decider(ctx, actor)
    action = m.EntryAction.APPROVE if approve else m.EntryAction.REJECT
    text = m.check_reason(action, reason)
    policy = ctx.policy.programme

    def body(uow: UnitOfWork) -> EntryChange:
        e = get_or_raise(uow, pt.whitelist_entry, entry_id, "whitelist_entry", lock=True)
        after = m.transition(e.status, action)
        m.check_maker_checker(proposed_by=e.proposed_by, decider=actor.user_id)
        values: dict[str, Any] = {}
        pushes: tuple[str, ...] = ()
        if after == m.EntryStatus.LISTED:
            today = ctx.clock.today()
            values = {
                "listed_on": e.listed_on or today,
                "valid_until": m.valid_until(
                    today, renewal_month=policy.renewal_month, renewal_days=policy.renewal_days
                ),
            }
        record_event(uow, ctx, entry=e, action=action, status=after, actor=actor, reason=text, values=values)
        if after == m.EntryStatus.LISTED:
            pushes = push_to_banks(uow, ctx, kind="publish", added=[e.id], removed=[])
        return _change(uow, e.id, pushes)

    return run_typed(
        ctx,
        EntryChange,
        key=idempotency_key,
        operation="whitelist.review",
        request={"e": entry_id, "a": approve, "r": text},
        body=body,
    )


def revoke_entry(uow: UnitOfWork, ctx: Context, *, actor: Actor, entry: Any, reason: str) -> EntryChange:
    """Revoke a listed entry (within a caller's unit of work): a version, and a push of the removal to banks."""
    after = m.transition(entry.status, m.EntryAction.REVOKE)
    record_event(uow, ctx, entry=entry, action=m.EntryAction.REVOKE, status=after, actor=actor, reason=reason)
    pushes = push_to_banks(uow, ctx, kind="revoke", added=[], removed=[entry.id])
    return _change(uow, entry.id, pushes)


def revoke(ctx: Context, *, actor: Actor, entry_id: str, reason: str, idempotency_key: str) -> EntryChange:
    """The district office revokes a listed entry, with a reason. Vouchers already issued stay valid: only
    issuing new ones needs the list."""
    _district_decider(ctx, actor)
    text = m.check_reason(m.EntryAction.REVOKE, reason)

    def body(uow: UnitOfWork) -> EntryChange:
        e = get_or_raise(uow, pt.whitelist_entry, entry_id, "whitelist_entry", lock=True)
        return revoke_entry(uow, ctx, actor=actor, entry=e, reason=text)

    return run_typed(
        ctx,
        EntryChange,
        key=idempotency_key,
        operation="whitelist.revoke",
        request={"e": entry_id, "r": text},
        body=body,
    )


def acknowledge(ctx: Context, *, actor: Actor, push_id: str, idempotency_key: str) -> Acknowledged:
    """A bank acknowledges a push it received (who and when are recorded)."""
    scope.check_may_act(ctx, actor, "bank", what="only the bank acknowledges / 仅银行可确认")
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> Acknowledged:
        p = get_or_raise(uow, pt.whitelist_push, push_id, "whitelist_push", lock=True)
        if actor.role != "system" and p.bank_id != actor.party_id:
            raise errors.NotFound("whitelist_push", push_id)
        if p.acknowledged_at is not None:
            raise wl_errors.AlreadyAcknowledged(at=str(p.acknowledged_at))
        now = ctx.clock.now()
        uow.conn.execute(
            update(pt.whitelist_push)
            .where(pt.whitelist_push.c.id == p.id)
            .values(acknowledged_by=actor.user_id, acknowledged_at=now)
        )
        return Acknowledged(id=p.id, bank_id=p.bank_id, acknowledged_by=actor.user_id, acknowledged_at=now)

    return run_typed(
        ctx, Acknowledged, key=idempotency_key, operation="whitelist.acknowledge", request={"p": push_id}, body=body
    )


# --- the issue rule's loader ------------------------------------------------------------------------


def is_listed(uow: UnitOfWork, core_id: str) -> bool:
    """Whether the core enterprise has a listed entry, of any chain."""
    return (
        uow.conn.execute(
            select(pt.whitelist_entry.c.id)
            .where(pt.whitelist_entry.c.core_id == core_id, pt.whitelist_entry.c.status == m.EntryStatus.LISTED.value)
            .limit(1)
        ).first()
        is not None
    )


def check_may_issue(ctx: Context, uow: UnitOfWork, *, core_id: str, core_name: str) -> None:
    """Refuse (``whitelist.not_listed``) issuing for a core enterprise not on the white list, when the
    deployment requires it (``policy.programme.whitelist_required_for_issue``). Issuance calls it."""
    required = ctx.policy.programme.whitelist_required_for_issue
    m.check_may_issue(required=required, listed=required and is_listed(uow, core_id), core_name=core_name)
