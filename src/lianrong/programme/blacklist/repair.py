"""Credit repair (信用修复): the listed enterprise applies with a statement and evidence → a chain office of a chain
it is a member of endorses or returns it → the district operator reviews → the district approver (not the
reviewer) approves, which removes the entry and lifts its restrictions once the minimum listing period is over,
or refuses with a reason. Every step is kept (``credit_repair_step``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents import attachments
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role, get_or_raise
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.programme.blacklist import errors as bl_errors
from lianrong.programme.blacklist import model, service
from lianrong.programme.blacklist.model import OPEN_REPAIR, EntryStatus, RepairAction, RepairStatus


@dataclass(frozen=True, slots=True)
class Repair:
    """A credit repair application as recorded."""

    id: str
    entry_id: str
    applicant_id: str
    status: str
    statement: str
    evidence: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime


def repair_of(row: Any) -> Repair:
    return Repair(
        id=row.id,
        entry_id=row.entry_id,
        applicant_id=row.applicant_id,
        status=row.status,
        statement=row.statement,
        evidence=tuple(row.evidence or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def chains_of(uow: UnitOfWork, party_id: str) -> list[Any]:
    """The chains the party is a member of (id and office)."""
    c, m = pt.chain.c, pt.chain_member.c
    return list(
        uow.conn.execute(
            select(c.id, c.office_id).join(pt.chain_member, m.chain_id == c.id).where(m.party_id == party_id)
        ).all()
    )


def _step(
    ctx: Context, uow: UnitOfWork, *, repair_id: str, action: str, status: str, reason: str, actor: Actor
) -> None:
    uow.conn.execute(
        insert(pt.credit_repair_step).values(
            id=new_id("crs"),
            repair_id=repair_id,
            action=action,
            status=status,
            reason=reason or "",
            actor_id=actor.user_id,
            at=ctx.clock.now(),
        )
    )


def _move(
    ctx: Context, uow: UnitOfWork, row: Any, *, action: str, actor: Actor, reason: str, needs_endorsement: bool = True
) -> Repair:
    after = model.next_repair_status(row.status, action, endorsement_needed=needs_endorsement)
    uow.conn.execute(
        update(pt.credit_repair)
        .where(pt.credit_repair.c.id == row.id)
        .values(status=after.value, updated_at=ctx.clock.now())
    )
    _step(ctx, uow, repair_id=row.id, action=action, status=after, reason=reason, actor=actor)
    return repair_of(get_or_raise(uow, pt.credit_repair, row.id, "credit_repair"))


def _reason(value: str, *, required: bool, what: str) -> str:
    v = (value or "").strip()
    if required and not v:
        raise bl_errors.EntryInput(problem=f"{what} is required / 须填写{what}")
    if len(v) > 500:
        raise bl_errors.EntryInput(problem=f"{what}: at most 500 characters / 最多500个字符")
    return v


def apply(
    ctx: Context,
    *,
    actor: Actor,
    entry_id: str,
    statement: str,
    evidence: list[str] | None = None,
    idempotency_key: str,
) -> Repair:
    """The listed enterprise applies to have its entry removed (an entry of another enterprise is not found)."""
    scope.check_may_act(
        ctx, actor, "enterprise", what="only the listed enterprise applies / 仅被列入企业可申请信用修复"
    )
    check_actor_role(actor, "operator", "approver")
    text = (statement or "").strip()
    if not text:
        raise bl_errors.EntryInput(problem="the statement is required / 须填写信用修复说明")
    if len(text) > 4000:
        raise bl_errors.EntryInput(problem="the statement: at most 4000 characters / 说明最多4000个字符")
    shas = list(dict.fromkeys(s.strip().lower() for s in (evidence or []) if s and s.strip()))

    def body(uow: UnitOfWork) -> Repair:
        entry = get_or_raise(uow, pt.blacklist_entry, entry_id, "blacklist_entry", lock=True)
        if entry.party_id != actor.party_id and actor.role != "system":
            raise errors.NotFound("blacklist_entry", entry_id)
        if entry.status != EntryStatus.LISTED:
            raise bl_errors.RepairState(status=f"entry {entry.status}", action="applied for")
        r = pt.credit_repair.c
        open_ = uow.conn.execute(select(r.id).where(r.entry_id == entry.id, r.status.in_(list(OPEN_REPAIR)))).scalar()
        if open_ is not None:
            raise bl_errors.RepairOpen(repair=open_)
        rid, now = new_id("crp"), ctx.clock.now()
        after = model.next_repair_status(None, RepairAction.APPLY)
        uow.conn.execute(
            insert(pt.credit_repair).values(
                id=rid,
                entry_id=entry.id,
                applicant_id=entry.party_id,
                status=after.value,
                statement=text,
                evidence=shas,
                created_at=now,
                updated_at=now,
            )
        )
        attachments.link(uow, actor=actor, owner_kind="credit_repair", owner_id=rid, shas=shas)
        _step(ctx, uow, repair_id=rid, action=RepairAction.APPLY, status=after, reason="", actor=actor)
        return repair_of(get_or_raise(uow, pt.credit_repair, rid, "credit_repair"))

    return run_typed(
        ctx,
        Repair,
        key=idempotency_key,
        operation="credit_repair.apply",
        request={"actor": actor.user_id, "e": entry_id, "s": text, "v": shas},
        body=body,
    )


def endorse(
    ctx: Context, *, actor: Actor, repair_id: str, endorse: bool, reason: str = "", idempotency_key: str
) -> Repair:
    """A chain office of a chain the applicant is a member of endorses the application or returns it (a reason
    is required to return); another chain office does not find it."""
    scope.check_may_act(
        ctx, actor, "chain_office", what="only the applicant's chain office endorses / 仅所属链办可出具意见"
    )
    check_actor_role(actor, "operator", "approver")
    why = _reason(reason, required=not endorse, what="reason")

    def body(uow: UnitOfWork) -> Repair:
        row = get_or_raise(uow, pt.credit_repair, repair_id, "credit_repair", lock=True)
        offices = {c.office_id for c in chains_of(uow, row.applicant_id)}
        if actor.role != "system" and actor.party_id not in offices:
            raise errors.NotFound("credit_repair", repair_id)
        return _move(
            ctx, uow, row, action=RepairAction.ENDORSE if endorse else RepairAction.RETURN, actor=actor, reason=why
        )

    return run_typed(
        ctx,
        Repair,
        key=idempotency_key,
        operation="credit_repair.endorse",
        request={"actor": actor.user_id, "id": repair_id, "a": endorse, "r": why},
        body=body,
    )


def review(ctx: Context, *, actor: Actor, repair_id: str, opinion: str, idempotency_key: str) -> Repair:
    """The district operator reviews an endorsed application (or one of an enterprise in no chain, which has
    no chain office to endorse it) and gives an opinion; the approver decides."""
    why = _reason(opinion, required=True, what="opinion")

    def body(uow: UnitOfWork) -> Repair:
        service.check_district(uow, actor, "operator", "approver")
        row = get_or_raise(uow, pt.credit_repair, repair_id, "credit_repair", lock=True)
        needs = bool(chains_of(uow, row.applicant_id))
        return _move(ctx, uow, row, action=RepairAction.REVIEW, actor=actor, reason=why, needs_endorsement=needs)

    return run_typed(
        ctx,
        Repair,
        key=idempotency_key,
        operation="credit_repair.review",
        request={"actor": actor.user_id, "id": repair_id, "r": why},
        body=body,
    )


def decide(
    ctx: Context, *, actor: Actor, repair_id: str, approve: bool, reason: str = "", idempotency_key: str
) -> Repair:
    """The district approver, not the reviewer, approves (the entry is removed and its restrictions lifted;
    refused with ``credit_repair.minimum_period`` before the entry's minimum listing period is over) or
    refuses with a reason."""
    why = _reason(reason, required=not approve, what="reason")

    def body(uow: UnitOfWork) -> Repair:
        service.check_district(uow, actor, "approver")
        row = get_or_raise(uow, pt.credit_repair, repair_id, "credit_repair", lock=True)
        s = pt.credit_repair_step.c
        reviewer = uow.conn.execute(
            select(s.actor_id)
            .where(s.repair_id == row.id, s.action == RepairAction.REVIEW)
            .order_by(s.at.desc())
            .limit(1)
        ).scalar()
        action = RepairAction.APPROVE if approve else RepairAction.REFUSE
        model.next_repair_status(row.status, action)  # the state first: a wrong state says so
        model.check_maker_checker(prepared_by=reviewer, decided_by=actor.user_id)
        if approve:
            entry = get_or_raise(uow, pt.blacklist_entry, row.entry_id, "blacklist_entry", lock=True)
            model.check_removable(
                today=ctx.clock.today(),
                earliest=entry.min_until,
                severity=entry.severity,
                months=ctx.policy.programme.min_months(entry.severity),
            )
            service.remove_in(
                ctx, uow, actor=actor, entry_id=entry.id, reason=why or f"信用修复 credit repair {row.id}"
            )
        return _move(ctx, uow, row, action=action, actor=actor, reason=why)

    repair = run_typed(
        ctx,
        Repair,
        key=idempotency_key,
        operation="credit_repair.decide",
        request={"actor": actor.user_id, "id": repair_id, "a": approve, "r": why},
        body=body,
    )
    if repair.status == RepairStatus.APPROVED:
        service.lift_restrictions(
            ctx,
            actor=actor,
            entry_id=repair.entry_id,
            reason=f"信用修复 credit repair {repair.id}",
            key=idempotency_key,
        )
    return repair
