"""Use cases of the black list: propose an entry, list or reject it (maker–checker), remove it; the entry's
restrictions written and lifted through the engine's one mechanism (``parties.restricting``); the job that
proposes entries for the platform's own overdue vouchers.

Each write is one unit of work with an idempotency key. Listing and removing then write (or lift) one
``party_restriction`` per barred action, each with a key derived from the decision's key, so a retry of the
same decision completes what a crash left undone and writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents import attachments
from lianrong.kernel.ids import new_id
from lianrong.parties import restricting
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role, get_or_raise, resolve_party
from lianrong.platform.context import SYSTEM, Actor, Context
from lianrong.platform.results import run_typed
from lianrong.programme.blacklist import errors as bl_errors
from lianrong.programme.blacklist import model
from lianrong.programme.blacklist.model import EntryAction, EntryStatus, PrincipalRole, Source, Subject

DISTRICT_ONLY = "only the district office keeps the black list / 仅区金融办维护黑名单"
#: restriction reasons are at most 200 characters (``party_restriction.reason``)
_RESTRICTION_REASON = 200


@dataclass(frozen=True, slots=True)
class Entry:
    """A black-list entry as recorded (the answer of every write on it)."""

    id: str
    subject: str
    party_id: str | None
    principal_name: str | None
    principal_id_no: str | None
    principal_role: str | None
    source: str
    severity: str
    reason: str
    evidence: tuple[str, ...]
    listed_on: dt.date
    min_until: dt.date
    status: str
    removed_on: dt.date | None
    removed_reason: str | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def source_of(entry_id: str) -> str:
    """The ``party_restriction.source`` of an entry's restrictions."""
    return f"blacklist:{entry_id}"


def entry_of(row: Any) -> Entry:
    return Entry(
        id=row.id,
        subject=row.subject,
        party_id=row.party_id,
        principal_name=row.principal_name,
        principal_id_no=row.principal_id_no,
        principal_role=row.principal_role,
        source=row.source,
        severity=row.severity,
        reason=row.reason,
        evidence=tuple(row.evidence or ()),
        listed_on=row.listed_on,
        min_until=row.min_until,
        status=row.status,
        removed_on=row.removed_on,
        removed_reason=row.removed_reason,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def read_entry(uow: UnitOfWork, entry_id: str) -> Entry:
    return entry_of(get_or_raise(uow, pt.blacklist_entry, entry_id, "blacklist_entry"))


def record_step(
    ctx: Context, uow: UnitOfWork, *, entry_id: str, action: str, status: str, reason: str, actor: Actor
) -> None:
    uow.conn.execute(
        insert(pt.blacklist_step).values(
            id=new_id("bls"),
            entry_id=entry_id,
            action=action,
            status=status,
            reason=reason or "",
            actor_id=actor.user_id,
            at=ctx.clock.now(),
        )
    )


def check_district(uow: UnitOfWork, actor: Actor, *roles: str) -> None:
    """The district office (or the system), in one of ``roles``; refused (403) before anything is looked up."""
    scope.require_kind(uow, actor, "district", what=DISTRICT_ONLY)
    check_actor_role(actor, *roles)


def _text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    v = (value or "").strip()
    if required and not v:
        raise bl_errors.EntryInput(problem=f"{field} is required / {field}不能为空")
    if len(v) > limit:
        raise bl_errors.EntryInput(problem=f"{field}: at most {limit} characters / {field}最多{limit}个字符")
    return v


def _choice(value: str, enum: Any, field: str) -> str:
    try:
        return str(enum(value).value)
    except ValueError:
        choices = ", ".join(e.value for e in enum)
        raise bl_errors.EntryInput(problem=f"{field} must be one of {choices} / {field}无效") from None


@dataclass(frozen=True)
class EntryInput:
    """What the district records for an entry, checked (``check_entry_input``)."""

    subject: str
    party: str | None
    principal_name: str | None
    principal_id_no: str | None
    principal_role: str | None
    source: str
    severity: str
    reason: str


def check_entry_input(
    *,
    subject: str,
    party: str | None,
    principal_name: str | None,
    principal_id_no: str | None,
    principal_role: str | None,
    source: str,
    severity: str,
    reason: str,
) -> EntryInput:
    """The one rule of an entry's content, for every path: an enterprise entry names the enterprise; a
    principal's entry names the person (name, a valid resident ID number, the role), and the enterprise when
    known (it is the one restricted)."""
    subj = _choice(subject, Subject, "subject")
    src = _choice(source, Source, "source")
    sev = model.check_severity(severity)
    why = _text(reason, field="reason", limit=500)
    if subj == Subject.ENTERPRISE:
        if not (party or "").strip():
            raise bl_errors.EntryInput(problem="an enterprise entry names the enterprise / 须指明企业")
        return EntryInput(subj, party.strip() if party else None, None, None, None, src, sev, why)
    name = _text(principal_name, field="principal_name", limit=60)
    id_no = model.check_id_number(principal_id_no or "")
    role = _choice(principal_role or "", PrincipalRole, "principal_role")
    return EntryInput(subj, (party or "").strip() or None, name, id_no, role, src, sev, why)


def propose(
    ctx: Context,
    *,
    actor: Actor,
    subject: str,
    source: str,
    severity: str,
    reason: str,
    party: str | None = None,
    principal_name: str | None = None,
    principal_id_no: str | None = None,
    principal_role: str | None = None,
    evidence: list[str] | None = None,
    idempotency_key: str,
) -> Entry:
    """The district operator (or the overdue job, as the system) records an entry; the approver lists it."""
    scope.check_may_act(ctx, actor, "district", what=DISTRICT_ONLY)
    check_actor_role(actor, "operator", "approver")
    data = check_entry_input(
        subject=subject,
        party=party,
        principal_name=principal_name,
        principal_id_no=principal_id_no,
        principal_role=principal_role,
        source=source,
        severity=severity,
        reason=reason,
    )
    shas = list(dict.fromkeys(s.strip().lower() for s in (evidence or []) if s and s.strip()))

    def body(uow: UnitOfWork) -> Entry:
        party_id = resolve_party(uow, data.party, kind="enterprise").id if data.party else None
        _check_not_open(uow, data, party_id)
        eid, now, today = new_id("blk"), ctx.clock.now(), ctx.clock.today()
        months = ctx.policy.programme.min_months(data.severity)
        uow.conn.execute(
            insert(pt.blacklist_entry).values(
                id=eid,
                subject=data.subject,
                party_id=party_id,
                principal_name=data.principal_name,
                principal_id_no=data.principal_id_no,
                principal_role=data.principal_role,
                source=data.source,
                severity=data.severity,
                reason=data.reason,
                evidence=shas,
                listed_on=today,  # provisional: the day it is listed replaces it
                min_until=model.min_until(today, months),
                status=model.next_entry_status(None, EntryAction.PROPOSE).value,
                created_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
        )
        attachments.link(uow, actor=actor, owner_kind="blacklist", owner_id=eid, shas=shas)
        record_step(
            ctx,
            uow,
            entry_id=eid,
            action=EntryAction.PROPOSE,
            status=EntryStatus.PROPOSED,
            reason=data.reason,
            actor=actor,
        )
        return read_entry(uow, eid)

    return run_typed(
        ctx,
        Entry,
        key=idempotency_key,
        operation="blacklist.propose",
        request={"actor": actor.user_id, "d": data.__dict__, "e": shas},
        body=body,
    )


def _check_not_open(uow: UnitOfWork, data: EntryInput, party_id: str | None) -> None:
    e = pt.blacklist_entry.c
    q = select(e.id).where(e.status.in_([EntryStatus.PROPOSED, EntryStatus.LISTED]), e.source == data.source)
    if data.subject == Subject.ENTERPRISE:
        q = q.where(e.subject == Subject.ENTERPRISE, e.party_id == party_id)
        who = party_id or ""
    else:
        q = q.where(e.subject == Subject.PRINCIPAL, e.principal_id_no == data.principal_id_no)
        q = q.where(e.party_id == party_id) if party_id else q.where(e.party_id.is_(None))
        who = data.principal_name or ""
    found = uow.conn.execute(q.limit(1)).scalar()
    if found is not None:
        raise bl_errors.AlreadyListed(subject=who, entry=found)


def decide(
    ctx: Context, *, actor: Actor, entry_id: str, approve: bool, reason: str = "", idempotency_key: str
) -> Entry:
    """The district approver lists a proposed entry (its restrictions follow) or rejects it (a reason is
    required); not the user who proposed it."""
    why = (reason or "").strip()
    if not approve and not why:
        raise bl_errors.EntryInput(problem="a rejection needs a reason / 驳回须说明理由")

    def body(uow: UnitOfWork) -> Entry:
        check_district(uow, actor, "approver")
        row = get_or_raise(uow, pt.blacklist_entry, entry_id, "blacklist_entry", lock=True)
        action = EntryAction.LIST if approve else EntryAction.REJECT
        after = model.next_entry_status(row.status, action)
        model.check_maker_checker(prepared_by=row.created_by, decided_by=actor.user_id)
        values: dict[str, Any] = {"status": after.value, "updated_at": ctx.clock.now()}
        if approve:
            today = ctx.clock.today()
            values.update(
                listed_on=today, min_until=model.min_until(today, ctx.policy.programme.min_months(row.severity))
            )
        uow.conn.execute(update(pt.blacklist_entry).where(pt.blacklist_entry.c.id == row.id).values(**values))
        record_step(ctx, uow, entry_id=row.id, action=action, status=after, reason=why, actor=actor)
        return read_entry(uow, row.id)

    entry = run_typed(
        ctx,
        Entry,
        key=idempotency_key,
        operation="blacklist.decide",
        request={"actor": actor.user_id, "id": entry_id, "a": approve, "r": why},
        body=body,
    )
    if entry.status == EntryStatus.LISTED:
        write_restrictions(ctx, actor=actor, entry=entry, key=idempotency_key)
    return entry


def write_restrictions(ctx: Context, *, actor: Actor, entry: Entry, key: str) -> None:
    """One ``party_restriction`` per action the entry's severity bars (``ctx.policy.programme.effects``), on its
    enterprise; none for a principal's entry without one (the engine knows no principals). Actions already
    restricted by this entry are skipped."""
    if entry.party_id is None:
        return
    with ctx.uow(readonly=True) as uow:
        if read_entry(uow, entry.id).status != EntryStatus.LISTED:  # a late replay of a decision since undone
            return
    source = source_of(entry.id)
    have = {r.action for r in restricting.restrictions(ctx, viewer=SYSTEM, source=source) if not r.lifted}
    reason = entry.reason[:_RESTRICTION_REASON]
    for action in model.effects_of(ctx.policy.programme.blacklist_effects, entry.severity):
        if action in have:
            continue
        restricting.restrict(
            ctx,
            actor=actor,
            party_id=entry.party_id,
            action=action,
            kind="blacklist",
            reason=reason,
            valid_from=entry.listed_on,
            source=source,
            idempotency_key=f"{key}:restrict:{action}",
        )


def lift_restrictions(ctx: Context, *, actor: Actor, entry_id: str, reason: str, key: str) -> int:
    """Lift every restriction the entry caused that is still in force; how many were lifted."""
    lifted = 0
    for r in restricting.restrictions(ctx, viewer=SYSTEM, source=source_of(entry_id)):
        if r.lifted:
            continue
        restricting.lift(
            ctx,
            actor=actor,
            restriction_id=r.id,
            reason=reason[:_RESTRICTION_REASON],
            idempotency_key=f"{key}:lift:{r.id}",
        )
        lifted += 1
    return lifted


def remove_in(ctx: Context, uow: UnitOfWork, *, actor: Actor, entry_id: str, reason: str) -> Entry:
    """Mark a listed entry removed, with its step (within the caller's unit of work)."""
    row = get_or_raise(uow, pt.blacklist_entry, entry_id, "blacklist_entry", lock=True)
    after = model.next_entry_status(row.status, EntryAction.REMOVE)
    uow.conn.execute(
        update(pt.blacklist_entry)
        .where(pt.blacklist_entry.c.id == row.id)
        .values(status=after.value, removed_on=ctx.clock.today(), removed_reason=reason, updated_at=ctx.clock.now())
    )
    record_step(ctx, uow, entry_id=row.id, action=EntryAction.REMOVE, status=after, reason=reason, actor=actor)
    return read_entry(uow, row.id)


def remove(ctx: Context, *, actor: Actor, entry_id: str, reason: str, idempotency_key: str) -> Entry:
    """The district approver removes a listed entry as a correction (its source withdrew it, it was
    recorded in error); its restrictions are lifted. A repair's removal goes through ``repair.decide``."""
    why = _text(reason, field="reason", limit=500)

    def body(uow: UnitOfWork) -> Entry:
        check_district(uow, actor, "approver")
        return remove_in(ctx, uow, actor=actor, entry_id=entry_id, reason=why)

    entry = run_typed(
        ctx,
        Entry,
        key=idempotency_key,
        operation="blacklist.remove",
        request={"actor": actor.user_id, "id": entry_id, "r": why},
        body=body,
    )
    lift_restrictions(ctx, actor=actor, entry_id=entry.id, reason=why, key=idempotency_key)
    return entry


@dataclass(frozen=True, slots=True)
class OverdueProposal:
    """An entry the overdue job proposed: the core enterprise, its oldest overdue voucher and the days."""

    entry_id: str
    party_id: str
    voucher_id: str
    days: int


def propose_overdue(ctx: Context, *, on: dt.date | None = None) -> list[OverdueProposal]:
    """The platform's own overdue (a job, as the system): for every core enterprise with a voucher overdue
    beyond ``ctx.policy.programme.blacklist_overdue_days``, propose (never list) an entry of source
    ``platform_overdue``, severity ``serious``, for the district office to confirm. A core with an open
    entry of this source is skipped; a day's run is idempotent (its keys name the core and the day)."""
    today = on or ctx.clock.today()
    limit = ctx.policy.programme.blacklist_overdue_days
    v, e = t.voucher.c, pt.blacklist_entry.c
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(v.id, v.core_id, v.number, v.maturity_on).where(v.status == "overdue").order_by(v.maturity_on, v.id)
        ).all()
        open_cores = set(
            uow.conn.execute(
                select(e.party_id).where(
                    e.source == Source.PLATFORM_OVERDUE,
                    e.subject == Subject.ENTERPRISE,
                    e.status.in_([EntryStatus.PROPOSED, EntryStatus.LISTED]),
                )
            ).scalars()
        )
    oldest: dict[str, Any] = {}
    for r in rows:
        if model.overdue_beyond(r.maturity_on, today, limit) and r.core_id not in oldest:
            oldest[r.core_id] = r
    out: list[OverdueProposal] = []
    for core_id, r in oldest.items():
        if core_id in open_cores:
            continue
        days = model.days_overdue(r.maturity_on, today)
        entry = propose(
            ctx,
            actor=SYSTEM,
            subject=Subject.ENTERPRISE,
            party=core_id,
            source=Source.PLATFORM_OVERDUE,
            severity="serious",
            reason=(
                f"平台凭证{r.number}逾期{days}天未兑付（到期日{r.maturity_on.isoformat()}）/ "
                f"voucher {r.number} unpaid {days} days after maturity ({r.maturity_on.isoformat()})"
            ),
            idempotency_key=f"job:blacklist-overdue:{core_id}:{today.isoformat()}",
        )
        out.append(OverdueProposal(entry_id=entry.id, party_id=core_id, voucher_id=r.id, days=days))
    return out
