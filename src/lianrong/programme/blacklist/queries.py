"""Read models of the black list, the credit archive and credit repair (the viewer is required; scope first).

Who sees what: the district office (and the system) every entry and repair; a chain office those of its chains'
members (principal ID numbers masked); a bank the listed entries (its due diligence), no archive or repair; an
enterprise its own entries (listed or removed), its archive and its repairs. Anything else is not found.
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
from lianrong.platform.common import resolve_party
from lianrong.platform.context import Actor, Context
from lianrong.programme.blacklist import model
from lianrong.programme.blacklist.model import EntryStatus
from lianrong.programme.blacklist.service import source_of

#: the archive's alerts section until the risk engine exists
ALERTS_PENDING = (
    "风险预警将由风险监测引擎提供（尚未接入）/ Alerts will be filled by the risk engine (not connected yet)"
)


@dataclass(frozen=True)
class EntryRow:
    """An entry as the viewer sees it, with the actions its severity bars."""

    id: str
    subject: str
    party_id: str | None
    party_name: str | None
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
    effects: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """A step of an entry or a repair: who did what, when, why, and the status after it."""

    action: str
    status: str
    reason: str
    actor_id: str | None
    actor_name: str | None
    at: dt.datetime


@dataclass(frozen=True)
class RestrictionLine:
    id: str
    party_id: str
    action: str
    valid_from: dt.date
    valid_until: dt.date | None
    lifted_at: dt.datetime | None


@dataclass(frozen=True)
class RepairRow:
    id: str
    entry_id: str
    applicant_id: str
    applicant_name: str
    status: str
    statement: str
    evidence: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    entry_severity: str
    entry_reason: str
    entry_min_until: dt.date


@dataclass(frozen=True)
class EntryDetail:
    entry: EntryRow
    steps: tuple[Step, ...]
    restrictions: tuple[RestrictionLine, ...]
    repairs: tuple[RepairRow, ...]
    #: the district's view: other entries of the same person (by ID number)
    same_person: tuple[EntryRow, ...]


@dataclass(frozen=True)
class RepairDetail:
    repair: RepairRow
    entry: EntryRow
    steps: tuple[Step, ...]
    #: the applicant is a member of a chain (its chain office endorses before the district reviews)
    in_chain: bool


@dataclass(frozen=True)
class OverdueVoucher:
    id: str
    number: str
    face_fen: int
    maturity_on: dt.date
    status: str


@dataclass(frozen=True)
class PaymentFailure:
    id: str
    voucher_id: str | None
    kind: str
    amount_fen: int
    value_on: dt.date
    failure: str


@dataclass(frozen=True)
class FinancingLine:
    id: str
    bank_id: str
    bank_name: str
    status: str
    principal_fen: int
    applied_on: dt.date
    maturity_on: dt.date


@dataclass(frozen=True)
class ArchiveEntry:
    entry: EntryRow
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class CreditArchive:
    """An enterprise's credit archive: its list history, overdue history, financing record and alerts."""

    party_id: str
    party_name: str
    entries: tuple[ArchiveEntry, ...]
    overdue_vouchers: tuple[OverdueVoucher, ...]
    payment_failures: tuple[PaymentFailure, ...]
    financings: tuple[FinancingLine, ...]
    alerts: tuple[str, ...]
    alerts_note: str


# --- scope ---


def viewer_kind(ctx: Context, viewer: Actor) -> str:
    """The kind of the viewer's organisation (``system`` for the system)."""
    with ctx.uow(readonly=True) as uow:
        return scope.party_kind(uow, viewer)


def member_parties(uow: UnitOfWork, office_id: str) -> set[str]:
    """The members of the chains of a chain office."""
    c, m = pt.chain.c, pt.chain_member.c
    return set(
        uow.conn.execute(
            select(m.party_id).join(pt.chain, c.id == m.chain_id).where(c.office_id == office_id)
        ).scalars()
    )


@dataclass(frozen=True)
class _Scope:
    kind: str
    parties: set[str] | None  # None: every party
    listed_only: bool = False
    masked: bool = False


def _scope(uow: UnitOfWork, viewer: Actor) -> _Scope:
    kind = scope.party_kind(uow, viewer)
    if kind in ("system", "district"):
        return _Scope(kind, None)
    if kind == "chain_office":
        return _Scope(kind, member_parties(uow, viewer.party_id), masked=True)
    if kind == "bank":
        return _Scope(kind, None, listed_only=True)
    if kind == "enterprise":
        return _Scope(kind, {viewer.party_id})
    return _Scope(kind, set())


def _entry_filter(sc: _Scope) -> list[Any]:
    e = pt.blacklist_entry.c
    out: list[Any] = []
    if sc.parties is not None:
        out.append(e.party_id.in_(sorted(sc.parties)))
    if sc.listed_only:
        out.append(e.status == EntryStatus.LISTED)
    elif sc.kind in ("enterprise", "chain_office"):
        out.append(e.status.in_([EntryStatus.LISTED, EntryStatus.REMOVED]))
    return out


# --- rows ---


def _names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    p = t.party.c
    return {
        r.id: r.short_name or r.name
        for r in uow.conn.execute(select(p.id, p.name, p.short_name).where(p.id.in_(sorted(ids))))
    }


def _user_names(uow: UnitOfWork, ids: set[str]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    u = t.app_user.c
    return dict(uow.conn.execute(select(u.id, u.display_name).where(u.id.in_(sorted(ids)))).all())


def _rows(ctx: Context, uow: UnitOfWork, rows: list[Any], sc: _Scope) -> list[EntryRow]:
    names = _names(uow, {r.party_id for r in rows if r.party_id})
    effects = ctx.policy.programme.blacklist_effects
    return [
        EntryRow(
            id=r.id,
            subject=r.subject,
            party_id=r.party_id,
            party_name=names.get(r.party_id) if r.party_id else None,
            principal_name=r.principal_name,
            principal_id_no=model.mask_id_number(r.principal_id_no)
            if sc.masked and r.principal_id_no
            else r.principal_id_no,
            principal_role=r.principal_role,
            source=r.source,
            severity=r.severity,
            reason=r.reason,
            evidence=tuple(r.evidence or ()),
            listed_on=r.listed_on,
            min_until=r.min_until,
            status=r.status,
            removed_on=r.removed_on,
            removed_reason=r.removed_reason,
            created_by=r.created_by,
            created_at=r.created_at,
            effects=model.effects_of(effects, r.severity),
        )
        for r in rows
    ]


def entries(
    ctx: Context, *, viewer: Actor, status: str | None = None, party: str | None = None, source: str | None = None
) -> list[EntryRow]:
    """The black list as the viewer may see it, newest first."""
    e = pt.blacklist_entry.c
    with ctx.uow(readonly=True) as uow:
        sc = _scope(uow, viewer)
        q = select(pt.blacklist_entry).where(*_entry_filter(sc))
        if status:
            q = q.where(e.status == status)
        if source:
            q = q.where(e.source == source)
        if party:
            q = q.where(e.party_id == resolve_party(uow, party).id)
        rows = list(uow.conn.execute(q.order_by(e.created_at.desc(), e.id)).all())
        return _rows(ctx, uow, rows, sc)


def _visible_entry(ctx: Context, uow: UnitOfWork, viewer: Actor, entry_id: str) -> tuple[EntryRow, _Scope]:
    sc = _scope(uow, viewer)
    e = pt.blacklist_entry.c
    row = uow.conn.execute(select(pt.blacklist_entry).where(e.id == entry_id, *_entry_filter(sc))).first()
    if row is None:
        raise errors.NotFound("blacklist_entry", entry_id)
    return _rows(ctx, uow, [row], sc)[0], sc


def _entry_steps(uow: UnitOfWork, entry_ids: list[str]) -> dict[str, list[Step]]:
    s = pt.blacklist_step.c
    rows = (
        list(uow.conn.execute(select(pt.blacklist_step).where(s.entry_id.in_(entry_ids)).order_by(s.at, s.id)).all())
        if entry_ids
        else []
    )
    users = _user_names(uow, {r.actor_id for r in rows})
    out: dict[str, list[Step]] = {}
    for r in rows:
        out.setdefault(r.entry_id, []).append(
            Step(r.action, r.status, r.reason, r.actor_id, users.get(r.actor_id, r.actor_id), r.at)
        )
    return out


def _repair_rows(uow: UnitOfWork, rows: list[Any]) -> list[RepairRow]:
    names = _names(uow, {r.applicant_id for r in rows})
    return [
        RepairRow(
            id=r.id,
            entry_id=r.entry_id,
            applicant_id=r.applicant_id,
            applicant_name=names.get(r.applicant_id, r.applicant_id),
            status=r.status,
            statement=r.statement,
            evidence=tuple(r.evidence or ()),
            created_at=r.created_at,
            updated_at=r.updated_at,
            entry_severity=r.severity,
            entry_reason=r.reason,
            entry_min_until=r.min_until,
        )
        for r in rows
    ]


def _repair_select() -> Any:
    e = pt.blacklist_entry.c
    return select(pt.credit_repair, e.severity, e.reason, e.min_until).join(
        pt.blacklist_entry, e.id == pt.credit_repair.c.entry_id
    )


def entry(ctx: Context, *, viewer: Actor, entry_id: str) -> EntryDetail:
    """One entry with its steps, the restrictions it caused, its repairs and (for the district) the other
    entries of the same person."""
    with ctx.uow(readonly=True) as uow:
        row, sc = _visible_entry(ctx, uow, viewer, entry_id)
        steps = _entry_steps(uow, [row.id]).get(row.id, [])
        r = t.party_restriction.c
        restr = [
            RestrictionLine(x.id, x.party_id, x.action, x.valid_from, x.valid_until, x.lifted_at)
            for x in uow.conn.execute(
                select(t.party_restriction).where(r.source == source_of(row.id)).order_by(r.created_at, r.id)
            )
        ]
        repairs = (
            _repair_rows(
                uow,
                list(
                    uow.conn.execute(
                        _repair_select()
                        .where(pt.credit_repair.c.entry_id == row.id)
                        .order_by(pt.credit_repair.c.created_at)
                    )
                ),
            )
            if sc.kind in ("system", "district", "chain_office", "enterprise")
            else []
        )
        same: list[EntryRow] = []
        if sc.parties is None and not sc.listed_only and row.principal_id_no:
            e = pt.blacklist_entry.c
            others = list(
                uow.conn.execute(
                    select(pt.blacklist_entry).where(e.principal_id_no == row.principal_id_no, e.id != row.id)
                )
            )
            same = _rows(ctx, uow, others, sc)
        return EntryDetail(row, tuple(steps), tuple(restr), tuple(repairs), tuple(same))


def _check_party_visible(uow: UnitOfWork, sc: _Scope, party_id: str, *, what: str) -> None:
    if sc.kind == "bank" or (sc.parties is not None and party_id not in sc.parties):
        raise errors.NotFound(what, party_id)


def archive(ctx: Context, *, viewer: Actor, party: str) -> CreditArchive:
    """An enterprise's credit archive (the district office, the chain office of its chains, itself)."""
    with ctx.uow(readonly=True) as uow:
        sc = _scope(uow, viewer)
        try:
            p = resolve_party(uow, party, kind="enterprise")
        except errors.LianRongError:
            raise errors.NotFound("party", party) from None
        _check_party_visible(uow, sc, p.id, what="party")
        e = pt.blacklist_entry.c
        q = select(pt.blacklist_entry).where(e.party_id == p.id, *_entry_filter(sc)).order_by(e.created_at, e.id)
        rows = _rows(ctx, uow, list(uow.conn.execute(q)), sc)
        steps = _entry_steps(uow, [r.id for r in rows])
        v, pi, f = t.voucher.c, t.payment_instruction.c, t.financing.c
        overdue = [
            OverdueVoucher(x.id, x.number, x.face_fen, x.maturity_on, x.status)
            for x in uow.conn.execute(
                select(v.id, v.number, v.face_fen, v.maturity_on, v.status)
                .where(v.core_id == p.id, v.status == "overdue")
                .order_by(v.maturity_on, v.id)
            )
        ]
        failures = [
            PaymentFailure(x.id, x.voucher_id, x.kind, x.amount_fen, x.value_on, x.failure or "")
            for x in uow.conn.execute(
                select(pi.id, pi.voucher_id, pi.kind, pi.amount_fen, pi.value_on, pi.failure)
                .where(pi.payer_id == p.id, pi.status == "failed")
                .order_by(pi.value_on, pi.id)
            )
        ]
        fin_rows = list(
            uow.conn.execute(
                select(f.id, f.bank_id, f.status, f.principal_fen, f.applied_on, f.maturity_on)
                .where(f.applicant_id == p.id)
                .order_by(f.applied_on, f.id)
            )
        )
        banks = _names(uow, {x.bank_id for x in fin_rows})
        financings = [
            FinancingLine(
                x.id, x.bank_id, banks.get(x.bank_id, x.bank_id), x.status, x.principal_fen, x.applied_on, x.maturity_on
            )
            for x in fin_rows
        ]
        return CreditArchive(
            party_id=p.id,
            party_name=p.short_name or p.name,
            entries=tuple(ArchiveEntry(r, tuple(steps.get(r.id, []))) for r in rows),
            overdue_vouchers=tuple(overdue),
            payment_failures=tuple(failures),
            financings=tuple(financings),
            alerts=(),
            alerts_note=ALERTS_PENDING,
        )


def _repair_filter(sc: _Scope) -> list[Any]:
    if sc.kind == "bank":
        return [pt.credit_repair.c.id.is_(None)]  # none
    if sc.parties is not None:
        return [pt.credit_repair.c.applicant_id.in_(sorted(sc.parties))]
    return []


def repairs(ctx: Context, *, viewer: Actor, status: str | None = None) -> list[RepairRow]:
    """The credit repair applications the viewer may see, newest first."""
    c = pt.credit_repair.c
    with ctx.uow(readonly=True) as uow:
        sc = _scope(uow, viewer)
        q = _repair_select().where(*_repair_filter(sc))
        if status:
            q = q.where(c.status == status)
        return _repair_rows(uow, list(uow.conn.execute(q.order_by(c.created_at.desc(), c.id))))


def repair(ctx: Context, *, viewer: Actor, repair_id: str) -> RepairDetail:
    """One application with its entry and every step."""
    c = pt.credit_repair.c
    with ctx.uow(readonly=True) as uow:
        sc = _scope(uow, viewer)
        row = uow.conn.execute(_repair_select().where(c.id == repair_id, *_repair_filter(sc))).first()
        if row is None:
            raise errors.NotFound("credit_repair", repair_id)
        e = pt.blacklist_entry.c
        entry_row = _rows(
            ctx, uow, [uow.conn.execute(select(pt.blacklist_entry).where(e.id == row.entry_id)).one()], sc
        )[0]
        s = pt.credit_repair_step.c
        step_rows = list(
            uow.conn.execute(select(pt.credit_repair_step).where(s.repair_id == row.id).order_by(s.at, s.id))
        )
        users = _user_names(uow, {x.actor_id for x in step_rows})
        steps = tuple(
            Step(x.action, x.status, x.reason, x.actor_id, users.get(x.actor_id, x.actor_id), x.at) for x in step_rows
        )
        m = pt.chain_member.c
        in_chain = (
            uow.conn.execute(select(m.chain_id).where(m.party_id == row.applicant_id).limit(1)).first() is not None
        )
        return RepairDetail(_repair_rows(uow, [row])[0], entry_row, steps, in_chain)


def counts(ctx: Context, *, viewer: Actor) -> dict[str, int]:
    """Entries by status as the viewer sees them (the list page's figures)."""
    e = pt.blacklist_entry.c
    with ctx.uow(readonly=True) as uow:
        sc = _scope(uow, viewer)
        rows = uow.conn.execute(select(e.status, func.count()).where(*_entry_filter(sc)).group_by(e.status)).all()
    return {str(k): int(n) for k, n in rows}
