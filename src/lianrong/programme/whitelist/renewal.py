"""Yearly renewal (cfg ``policy.programme.renewal_month`` / ``renewal_days``): a round opens with a card per
listed entry, its figures computed from the platform's own ledger for the past year; the district renews or
revokes each; entries not renewed expire when the round closes; the round's difference is pushed to banks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.platform.common import get_or_raise
from lianrong.platform.context import SYSTEM, Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.platform.results import run_typed
from lianrong.programme.whitelist import errors as wl_errors
from lianrong.programme.whitelist import model as m
from lianrong.programme.whitelist.service import (
    EntryChange,
    _change,
    _district_decider,
    push_to_banks,
    record_event,
    revoke_entry,
)

ISSUED = ("active", "settled", "overdue")
FINANCED = ("disbursed", "repaid", "overdue")


@dataclass(frozen=True, slots=True)
class RoundChange:
    """A round after opening or closing: its cards, and on closing the difference pushed to banks."""

    id: str
    year: int
    opened_on: dt.date
    closes_on: dt.date
    status: str
    cards: int
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    pushes: tuple[str, ...] = ()


def figures(uow: UnitOfWork, *, core_id: str, as_of: dt.date) -> dict[str, Any]:
    """A core enterprise's year before ``as_of``, from the ledger: vouchers issued and the amount confirmed
    (确权: face value of vouchers issued and approved), suppliers and SMEs served (distinct enterprises holding
    a fragment of its vouchers or financing one, itself excluded), financing obtained through it (financings of its vouchers,
    disbursed in the year: count and principal), and overdue (its vouchers overdue as of ``as_of``: count
    and the most days past maturity)."""
    start, end = m.past_year(as_of)
    v, f, fn = t.voucher.c, t.fragment.c, t.financing.c
    in_year = and_(v.core_id == core_id, v.status.in_(ISSUED), v.issue_on >= start, v.issue_on <= end)
    count, confirmed = uow.conn.execute(
        select(func.count(v.id), func.coalesce(func.sum(v.face_fen), 0)).where(in_year)
    ).one()
    holders = set(
        uow.conn.execute(
            select(f.holder_id)
            .distinct()
            .select_from(t.fragment.join(t.voucher, t.voucher.c.id == f.voucher_id))
            .where(in_year)
        ).scalars()
    )
    # a financed part is held by the bank now: its applicant is the enterprise served
    holders |= set(
        uow.conn.execute(
            select(fn.applicant_id)
            .distinct()
            .where(fn.core_id == core_id, fn.applied_on >= start, fn.applied_on <= end)
        ).scalars()
    )
    holders.discard(core_id)
    served = (
        uow.conn.execute(
            select(func.count()).where(t.party.c.id.in_(sorted(holders)), t.party.c.kind == "enterprise")
        ).scalar_one()
        if holders
        else 0
    )
    fin_count, principal = uow.conn.execute(
        select(func.count(fn.id), func.coalesce(func.sum(fn.principal_fen), 0)).where(
            fn.core_id == core_id, fn.status.in_(FINANCED), fn.financing_on >= start, fn.financing_on <= end
        )
    ).one()
    overdue = [
        as_date(d)
        for d in uow.conn.execute(select(v.maturity_on).where(v.core_id == core_id, v.status == "overdue")).scalars()
    ]
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "vouchers_issued": int(count),
        "confirmed_fen": int(confirmed),
        "suppliers_served": int(served),
        "financings": int(fin_count),
        "financing_fen": int(principal),
        "overdue_vouchers": len(overdue),
        "overdue_days": max(((as_of - d).days for d in overdue if d), default=0),  # type: ignore[operator]
    }


def _listed(uow: UnitOfWork) -> list[Any]:
    return list(
        uow.conn.execute(
            select(pt.whitelist_entry)
            .where(pt.whitelist_entry.c.status == m.EntryStatus.LISTED.value)
            .order_by(pt.whitelist_entry.c.id)
        ).all()
    )


def _round_result(uow: UnitOfWork, rid: str, **extra: Any) -> RoundChange:
    r = get_or_raise(uow, pt.renewal_round, rid, "renewal_round")
    cards = uow.conn.execute(select(func.count()).where(pt.renewal_card.c.round_id == rid)).scalar_one()
    return RoundChange(
        id=r.id,
        year=r.year,
        opened_on=as_date(r.opened_on),
        closes_on=as_date(r.closes_on),  # type: ignore[arg-type]
        status=r.status,
        cards=cards,
        **extra,
    )


def open_round(ctx: Context, *, actor: Actor, year: int | None = None, idempotency_key: str) -> RoundChange:
    """Open the year's renewal round: a card for every listed entry, with its figures as of today."""
    _district_decider(ctx, actor)
    policy = ctx.policy.programme

    def body(uow: UnitOfWork) -> RoundChange:
        today = ctx.clock.today()
        y = year or today.year
        if uow.conn.execute(select(pt.renewal_round.c.id).where(pt.renewal_round.c.year == y)).first():
            raise wl_errors.RoundOpen(year=y)
        # this year's round opens today (the job opens it in the renewal month); another year's on its dates
        opened_on, closes = m.round_dates(y, renewal_month=policy.renewal_month, renewal_days=policy.renewal_days)
        if y == today.year:
            opened_on, closes = today, today + dt.timedelta(days=policy.renewal_days)
        rid = new_id("wlr")
        uow.conn.execute(
            insert(pt.renewal_round).values(id=rid, year=y, opened_on=opened_on, closes_on=closes, status="open")
        )
        for e in _listed(uow):
            uow.conn.execute(
                insert(pt.renewal_card).values(
                    round_id=rid, entry_id=e.id, figures=figures(uow, core_id=e.core_id, as_of=opened_on), reason=""
                )
            )
        return _round_result(uow, rid)

    return run_typed(
        ctx, RoundChange, key=idempotency_key, operation="whitelist.renewal_open", request={"y": year}, body=body
    )


def _open_round(uow: UnitOfWork, round_id: str) -> Any:
    r = get_or_raise(uow, pt.renewal_round, round_id, "renewal_round", lock=True)
    if r.status != "open":
        raise wl_errors.RoundClosed(year=r.year)
    return r


def decide(
    ctx: Context, *, actor: Actor, round_id: str, entry_id: str, renew: bool, reason: str = "", idempotency_key: str
) -> EntryChange:
    """The district office renews an entry for another year, or revokes it (with a reason), on its card."""
    _district_decider(ctx, actor)
    action = m.EntryAction.RENEW if renew else m.EntryAction.REVOKE
    text = m.check_reason(action, reason)
    policy = ctx.policy.programme

    def body(uow: UnitOfWork) -> EntryChange:
        r = _open_round(uow, round_id)
        card = uow.conn.execute(
            select(pt.renewal_card).where(pt.renewal_card.c.round_id == r.id, pt.renewal_card.c.entry_id == entry_id)
        ).first()
        if card is None:
            raise errors.NotFound("renewal_card", entry_id)
        if card.decision is not None:
            raise errors.InvalidState(entity="renewal card", state=card.decision, action=action.value)
        e = get_or_raise(uow, pt.whitelist_entry, entry_id, "whitelist_entry", lock=True)
        uow.conn.execute(
            update(pt.renewal_card)
            .where(pt.renewal_card.c.round_id == r.id, pt.renewal_card.c.entry_id == entry_id)
            .values(decision=action.value, reason=text, decided_by=actor.user_id, decided_at=ctx.clock.now())
        )
        if not renew:
            return revoke_entry(uow, ctx, actor=actor, entry=e, reason=text)
        after = m.transition(e.status, action)
        _, closes = m.round_dates(r.year + 1, renewal_month=policy.renewal_month, renewal_days=policy.renewal_days)
        record_event(
            uow, ctx, entry=e, action=action, status=after, actor=actor, reason=text, values={"valid_until": closes}
        )
        return _change(uow, e.id)

    return run_typed(
        ctx,
        EntryChange,
        key=idempotency_key,
        operation="whitelist.renewal_decide",
        request={"r": round_id, "e": entry_id, "n": renew, "t": text},
        body=body,
    )


def close_round(ctx: Context, *, actor: Actor, round_id: str, idempotency_key: str) -> RoundChange:
    """Close a round: every entry whose card was not decided expires; the round's difference (entries added
    to and removed from the list since it opened) is pushed to every bank."""
    _district_decider(ctx, actor)

    def body(uow: UnitOfWork) -> RoundChange:
        r = _open_round(uow, round_id)
        cards = uow.conn.execute(select(pt.renewal_card).where(pt.renewal_card.c.round_id == r.id)).all()
        expired = []
        for card in cards:
            if card.decision is not None:
                continue
            e = get_or_raise(uow, pt.whitelist_entry, card.entry_id, "whitelist_entry", lock=True)
            if e.status == m.EntryStatus.LISTED.value:
                record_event(
                    uow,
                    ctx,
                    entry=e,
                    action=m.EntryAction.EXPIRE,
                    status=m.EntryStatus.EXPIRED,
                    actor=actor,
                    reason=f"not renewed in the {r.year} round / {r.year}年度复核未续期",
                )
                expired.append(e.id)
        added, removed = m.difference([c.entry_id for c in cards], [e.id for e in _listed(uow)])
        uow.conn.execute(
            update(pt.renewal_round)
            .where(pt.renewal_round.c.id == r.id)
            .values(status="closed", closed_at=ctx.clock.now())
        )
        pushes = push_to_banks(uow, ctx, kind="round", added=added, removed=removed, round_id=r.id)
        return _round_result(
            uow, r.id, added=tuple(added), removed=tuple(removed), expired=tuple(expired), pushes=pushes
        )

    return run_typed(
        ctx, RoundChange, key=idempotency_key, operation="whitelist.renewal_close", request={"r": round_id}, body=body
    )


def renewal_job(ctx: Context, *, on: dt.date | None = None) -> dict[str, Any]:
    """The daily job: open this year's round in the renewal month if not opened yet; close an open round once
    its closing day has come (expiring the entries not renewed). Idempotent: keys name the year."""
    today = on or ctx.clock.today()
    policy = ctx.policy.programme
    with ctx.uow(readonly=True) as uow:
        latest = uow.conn.execute(select(pt.renewal_round).order_by(pt.renewal_round.c.year.desc()).limit(1)).first()
    this_year = None
    if latest is not None and latest.year == today.year:
        this_year = latest
    open_round_row = latest if latest is not None and latest.status == "open" else None
    step = m.renewal_step(
        today=today,
        renewal_month=policy.renewal_month,
        round_year=this_year.year if this_year is not None else None,
        round_open=open_round_row is not None,
        closes_on=as_date(open_round_row.closes_on) if open_round_row is not None else None,
    )
    if step == m.JobStep.CLOSE and open_round_row is not None:
        r = close_round(
            ctx, actor=SYSTEM, round_id=open_round_row.id, idempotency_key=f"whitelist-close-{open_round_row.year}"
        )
        return {"step": step.value, "round": r.id, "year": r.year, "expired": len(r.expired)}
    if step == m.JobStep.OPEN:
        r = open_round(ctx, actor=SYSTEM, year=today.year, idempotency_key=f"whitelist-open-{today.year}")
        return {"step": step.value, "round": r.id, "year": r.year, "cards": r.cards}
    return {"step": step.value}
