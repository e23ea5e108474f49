"""The targets' figures as set-based SQL (GROUP BY; never a Python loop over financings or fragments).

Each target gives ``Numbers``: its total as of a date, split into the ledger's and the reported part, and the
same by chain, by bank and by month (a flow's amount of the month, a stock's value at the month's end). The
definitions are in ``queries``' docstring; this module is their one implementation, and ``records`` lists the
rows behind any of these numbers with the same conditions (a list sums to its number).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, extract, func, literal, or_, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.kernel.calendar import BEIJING
from lianrong.programme.targets.model import (
    Target,
    month_end,
)

#: financings counted as financing done (disbursed, and later repaid or overdue: the money went out)
DISBURSED = ("disbursed", "repaid", "overdue")

Pair = tuple[int, int]  # (ledger, reported)


@dataclass
class Numbers:
    """One target's figures: ``total`` and each slice as (ledger, reported)."""

    total: Pair = (0, 0)
    by_chain: dict[str, Pair] = field(default_factory=dict)
    by_bank: dict[str, Pair] = field(default_factory=dict)
    by_month: dict[str, Pair] = field(default_factory=dict)  # a flow's month, or a stock at the month's end


def end_moment(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` ends in Beijing: records stamped before it existed on that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=BEIJING)


def _add(acc: dict[str, Pair], k: str, ledger: int = 0, reported: int = 0) -> None:
    a = acc.get(k, (0, 0))
    acc[k] = (a[0] + int(ledger), a[1] + int(reported))


def _month_key(y: Any, m: Any) -> str:
    return f"{int(y):04d}-{int(m):02d}"


# --- who is a member of which chain, on a day -------------------------------------------------------------


def member_on(member: Any, party_col: Any, day_col: Any) -> Any:
    """``member`` (a chain_member alias) is ``party_col``'s membership on the day ``day_col``."""
    return and_(
        member.c.party_id == party_col,
        member.c.joined_on <= day_col,
        or_(member.c.left_on.is_(None), member.c.left_on > day_col),
    )


def chain_cond(chain: Any, chains: frozenset[str] | None, *, key_only: bool) -> list[Any]:
    cond: list[Any] = []
    if key_only:
        cond.append(chain.c.key_chain.is_(True))
    if chains is not None:
        cond.append(chain.c.id.in_(sorted(chains)) if chains else literal(False))
    return cond


def scope_ids(conn: Any, chains: frozenset[str] | None, *, key_only: bool) -> list[str] | None:
    """The chains a membership must be in, as ids (None: any chain): resolved first, so that the statements over
    financings test ``chain_id IN (…)`` on the membership's covering index instead of joining ``chain`` per row."""
    if not key_only:
        return None if chains is None else sorted(chains)
    c = pt.chain.c
    stmt = select(c.id).where(c.key_chain.is_(True))
    if chains is not None:
        stmt = stmt.where(c.id.in_(sorted(chains)) if chains else literal(False))
    return sorted(conn.execute(stmt).scalars())


def in_chain(party_col: Any, day_col: Any, ids: list[str] | None) -> Any:
    """EXISTS a membership of ``party_col`` on ``day_col`` in one of the chains ``ids`` (None: any chain)."""
    m = pt.chain_member.alias("im")
    cond = [member_on(m, party_col, day_col)]
    if ids is not None:
        cond.append(m.c.chain_id.in_(ids) if ids else literal(False))
    return exists(select(literal(1)).select_from(m).where(*cond))


def overlapping(conn: Any, ids: list[str] | None) -> bool:
    """Whether some party was a member of two of the chains ``ids`` (None: any) over overlapping periods."""
    a, b = pt.chain_member.alias("oa"), pt.chain_member.alias("ob")
    cond = [
        a.c.party_id == b.c.party_id,
        a.c.chain_id < b.c.chain_id,
        or_(b.c.left_on.is_(None), a.c.joined_on < b.c.left_on),
        or_(a.c.left_on.is_(None), b.c.joined_on < a.c.left_on),
    ]
    if ids is not None:
        cond += [a.c.chain_id.in_(ids), b.c.chain_id.in_(ids)] if ids else [literal(False)]
    return conn.execute(select(literal(1)).select_from(a.join(b, and_(*cond))).limit(1)).first() is not None


# --- flows: financing to key chains, credit granted ---------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """A ledger flow: its table, the day it counts on, its amount, the chain member it is for, extra filters."""

    table: Any
    day: Any
    amount: Any
    party: Any
    key_only: bool
    where: tuple[Any, ...]


def flow(target: Target, as_of: dt.date) -> Flow:
    if target is Target.KEY_CHAIN_FINANCING:
        f = t.financing.c
        return Flow(t.financing, f.financing_on, f.principal_fen, f.applicant_id, True, (f.status.in_(DISBURSED),))
    cl = t.credit_line.c
    # a line granted after the day (created later) is not known on the day, whatever its validity
    return Flow(t.credit_line, cl.valid_from, cl.limit_fen, cl.core_id, False, (cl.created_at < end_moment(as_of),))


def reported_column(target: Target) -> Any:
    br = pt.bank_report.c
    return br.financing_fen if target is Target.KEY_CHAIN_FINANCING else br.credit_granted_fen


def flow_numbers(
    conn: Any, target: Target, *, chains: frozenset[str] | None, month: str, since: str | None, count_from: str | None
) -> Numbers:
    """A flow target's numbers: by month from ``since`` (None: the beginning) to ``month``; the total, by bank and
    by chain over the months from ``count_from`` (None: all). Grouped statements whatever the ledger's size: one pass
    over the flow's rows when no party is a member of two of the chains at once (the usual case), else two (the
    distinct total, and each chain's)."""
    as_of = month_end(month)
    fl = flow(target, as_of)
    start = dt.date(int(since[:4]), int(since[5:7]), 1) if since else None
    when = [fl.day.is_not(None), fl.day <= as_of, *fl.where]
    if start is not None:
        when.append(fl.day >= start)
    y, m = extract("year", fl.day).label("y"), extract("month", fl.day).label("m")
    bank = fl.table.c.bank_id
    ids = scope_ids(conn, chains, key_only=fl.key_only)
    n = Numbers()

    def counts(mo: str) -> bool:
        return count_from is None or mo >= count_from

    if not overlapping(conn, ids):
        # no party is in two of the chains at once: the join meets each row once, one pass gives all
        im = pt.chain_member.alias("fm1")
        scoped = [] if ids is None else [im.c.chain_id.in_(ids) if ids else literal(False)]
        stmt = (
            select(bank, im.c.chain_id, y, m, func.coalesce(func.sum(fl.amount), 0).label("v"))
            .select_from(fl.table.join(im, member_on(im, fl.party, fl.day)))
            .where(*when, *scoped)
            .group_by(bank, im.c.chain_id, y, m)
        )
        for r in conn.execute(stmt):
            mo = _month_key(r.y, r.m)
            _add(n.by_month, mo, r.v)
            if counts(mo):
                _add(n.by_bank, r.bank_id, r.v)
                _add(n.by_chain, r.chain_id, r.v)
    else:
        by_bank_month = (
            select(bank, y, m, func.coalesce(func.sum(fl.amount), 0).label("v"))
            .where(*when, in_chain(fl.party, fl.day, ids))
            .group_by(bank, y, m)
        )
        for r in conn.execute(by_bank_month):
            mo = _month_key(r.y, r.m)
            _add(n.by_month, mo, r.v)
            if counts(mo):
                _add(n.by_bank, r.bank_id, r.v)
        mem = pt.chain_member.alias("fm")
        in_scope = [] if ids is None else [mem.c.chain_id.in_(ids) if ids else literal(False)]
        by_chain = (
            select(mem.c.chain_id, y, m, func.coalesce(func.sum(fl.amount), 0).label("v"))
            .select_from(fl.table.join(mem, member_on(mem, fl.party, fl.day)))
            .where(*when, *in_scope)
            .group_by(mem.c.chain_id, y, m)
        )
        for r in conn.execute(by_chain):
            if counts(_month_key(r.y, r.m)):
                _add(n.by_chain, r.chain_id, r.v)
    for r in conn.execute(_reported_flow(target, chains=chains, first=since, last=month)):
        _add(n.by_month, r.month, 0, r.v)
        if counts(r.month):
            _add(n.by_bank, r.bank_id, 0, r.v)
            _add(n.by_chain, r.chain_id, 0, r.v)
    counted = [v for mo, v in n.by_month.items() if counts(mo)]
    n.total = (sum(v[0] for v in counted), sum(v[1] for v in counted))
    return n


def _reported_flow(target: Target, *, chains: frozenset[str] | None, first: str | None, last: str) -> Any:
    br, c = pt.bank_report.c, pt.chain.alias("rc")
    col = reported_column(target)
    when = [br.month <= last, *chain_cond(c, chains, key_only=target is Target.KEY_CHAIN_FINANCING)]
    if first:
        when.append(br.month >= first)
    return (
        select(br.bank_id, br.chain_id, br.month, func.coalesce(func.sum(col), 0).label("v"))
        .select_from(pt.bank_report.join(c, c.c.id == br.chain_id))
        .where(*when)
        .group_by(br.bank_id, br.chain_id, br.month)
    )


# --- stocks: core enterprises on the white list, products ---------------------------------------------------


def listed_on(as_of: dt.date) -> Any:
    """A white-list entry is listed at the end of ``as_of``: its latest event recorded by then says ``listed``
    (an entry without any event: its status is ``listed`` and it was listed on or before the day)."""
    w, e, e2 = pt.whitelist_entry.c, pt.whitelist_event.alias("we"), pt.whitelist_event.alias("we2")
    end = end_moment(as_of)
    latest = (
        select(func.max(e2.c.version)).where(e2.c.entry_id == w.id, e2.c.at < end).correlate(pt.whitelist_entry)
    ).scalar_subquery()
    any_event = exists(select(literal(1)).where(e.c.entry_id == w.id).correlate(pt.whitelist_entry))
    listed_then = exists(
        select(literal(1))
        .select_from(e)
        .where(e.c.entry_id == w.id, e.c.version == latest, e.c.status == "listed")
        .correlate(pt.whitelist_entry)
    )
    return or_(and_(any_event, listed_then), and_(~any_event, w.status == "listed", w.listed_on <= as_of))


def _listed_at(entry: Any, events: list[Any], end: dt.datetime, as_of: dt.date) -> bool:
    """``listed_on``'s rule for one entry read into memory (the white list is small): its latest event before
    ``end`` says ``listed``; an entry without any event, its status and ``listed_on``."""
    if events:
        before = [e for e in events if _aware(e.at) < end]
        return bool(before) and max(before, key=lambda e: e.version).status == "listed"
    return bool(entry.status == "listed" and entry.listed_on is not None and _day(entry.listed_on) <= as_of)


def _aware(at: Any) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def core_numbers(conn: Any, *, chains: frozenset[str] | None, months: Iterable[str], month: str) -> Numbers:
    """Distinct core enterprises listed on the white list at each month's end (and by chain, at ``month``'s):
    the scope's entries and their events read once (two statements), the months decided in memory."""
    w, e, c = pt.whitelist_entry.c, pt.whitelist_event.c, pt.chain.alias("wc")
    scoped = (
        select(w.id, w.core_id, w.chain_id, w.status, w.listed_on)
        .select_from(pt.whitelist_entry.join(c, c.c.id == w.chain_id))
        .where(*chain_cond(c, chains, key_only=False))
    )
    entries = conn.execute(scoped).all()
    events: dict[str, list[Any]] = defaultdict(list)
    ids = select(scoped.subquery().c.id)
    for r in conn.execute(select(e.entry_id, e.version, e.status, e.at).where(e.entry_id.in_(ids))):
        events[r.entry_id].append(r)
    n = Numbers()
    for mo in sorted(set(months) | {month}):
        as_of = month_end(mo)
        end = end_moment(as_of)
        listed = [x for x in entries if _listed_at(x, events.get(x.id, []), end, as_of)]
        n.by_month[mo] = (len({x.core_id for x in listed}), 0)
        if mo == month:
            per_chain: dict[str, set[str]] = defaultdict(set)
            for x in listed:
                per_chain[x.chain_id].add(x.core_id)
            n.by_chain = {k: (len(v), 0) for k, v in per_chain.items()}
    n.total = n.by_month[month]
    return n


def offering_banks(as_of: dt.date, chains: frozenset[str] | None) -> Any:
    """Banks offering the voucher financing product on the day: they designated a core enterprise by then
    (within a chain office's scope: a core enterprise of its chains), one product per bank."""
    d = t.core_designation.c
    stmt = select(d.bank_id, func.min(d.designated_on).label("since")).where(d.designated_on <= as_of)
    if chains is not None:
        stmt = stmt.where(in_chain(d.core_id, literal(as_of), sorted(chains)))
    return stmt.group_by(d.bank_id)


def latest_reports(month: str, chains: frozenset[str] | None) -> Any:
    """Each (bank, chain)'s latest report up to ``month``, for products (a stock: the latest figure stands)."""
    br, c = pt.bank_report.c, pt.chain.alias("pc")
    last = (
        select(br.bank_id, br.chain_id, func.max(br.month).label("month"))
        .select_from(pt.bank_report.join(c, c.c.id == br.chain_id))
        .where(br.month <= month, *chain_cond(c, chains, key_only=False))
        .group_by(br.bank_id, br.chain_id)
        .subquery()
    )
    b2 = pt.bank_report.alias("b2")
    return select(b2).select_from(
        b2.join(
            last, and_(last.c.bank_id == b2.c.bank_id, last.c.chain_id == b2.c.chain_id, last.c.month == b2.c.month)
        )
    )


def pick_products(rows: Iterable[Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """Of each (bank, chain)'s latest report: per bank the one carrying its largest figure (a bank's products serve
    several chains: counted once per bank; a tie: the first id), per chain the sum over banks."""
    per_bank: dict[str, Any] = {}
    per_chain: dict[str, int] = defaultdict(int)
    for r in rows:
        per_chain[r.chain_id] += r.products
        best = per_bank.get(r.bank_id)
        if best is None or (r.products, best.id) > (best.products, r.id):
            per_bank[r.bank_id] = r
    return per_bank, dict(per_chain)


def reported_products(conn: Any, month: str, chains: frozenset[str] | None) -> tuple[dict[str, Any], dict[str, int]]:
    """Products reported as of ``month`` (``pick_products`` of each bank and chain's latest report)."""
    return pick_products(conn.execute(latest_reports(month, chains)))


def _latest_by(rows: list[Any], month: str) -> list[Any]:
    latest: dict[tuple[str, str], Any] = {}
    for r in rows:
        if r.month <= month:
            k = (r.bank_id, r.chain_id)
            if k not in latest or r.month > latest[k].month:
                latest[k] = r
    return list(latest.values())


def product_numbers(conn: Any, *, chains: frozenset[str] | None, months: Iterable[str], month: str) -> Numbers:
    """Products at each month's end: the designations, the scope's memberships of designated cores and the banks'
    reports read once (three statements), each month decided in memory by the rules of ``offering_banks`` and
    ``reported_products`` (which list the records behind these numbers)."""
    d, mem, ch = t.core_designation.c, pt.chain_member.c, pt.chain.alias("pch")
    designations = conn.execute(
        select(d.bank_id, d.core_id, d.designated_on).where(d.designated_on <= month_end(month))
    ).all()
    memberships = conn.execute(
        select(mem.party_id, mem.chain_id, mem.joined_on, mem.left_on)
        .select_from(pt.chain_member.join(ch, ch.c.id == mem.chain_id))
        .where(mem.party_id.in_(select(d.core_id)), *chain_cond(ch, chains, key_only=False))
    ).all()
    br, rc = pt.bank_report.c, pt.chain.alias("prc")
    reports = conn.execute(
        select(br.id, br.bank_id, br.chain_id, br.month, br.products)
        .select_from(pt.bank_report.join(rc, rc.c.id == br.chain_id))
        .where(br.month <= month, *chain_cond(rc, chains, key_only=False))
    ).all()

    def chains_of(core: str, as_of: dt.date) -> set[str]:
        return {
            m.chain_id
            for m in memberships
            if m.party_id == core and _day(m.joined_on) <= as_of and (m.left_on is None or _day(m.left_on) > as_of)
        }

    n = Numbers()
    for mo in sorted(set(months) | {month}):
        as_of = month_end(mo)
        offered: dict[str, set[str]] = defaultdict(set)  # bank → the chains (in scope) of its designated cores
        for x in designations:
            if _day(x.designated_on) <= as_of:
                offered[x.bank_id] |= chains_of(x.core_id, as_of) if chains is not None or mo == month else set()
        banks = [b for b, cs in offered.items() if chains is None or cs]
        per_bank, per_chain = pick_products(_latest_by(reports, mo))
        n.by_month[mo] = (len(banks), sum(r.products for r in per_bank.values()))
        if mo == month:
            for b in banks:
                _add(n.by_bank, b, 1)
                for chain_id in offered[b]:
                    _add(n.by_chain, chain_id, 1)
            for bank_id, r in per_bank.items():
                _add(n.by_bank, bank_id, 0, r.products)
            for chain_id, v in per_chain.items():
                _add(n.by_chain, chain_id, 0, v)
    n.total = n.by_month[month]
    return n


def numbers(conn: Any, target: Target, *, chains: frozenset[str] | None, month: str, months: list[str]) -> Numbers:
    """One target's numbers as of ``month``'s end; ``months``: the months of the trend."""
    if target is Target.KEY_CHAIN_FINANCING:
        return flow_numbers(conn, target, chains=chains, month=month, since=None, count_from=None)
    if target is Target.YEARLY_CREDIT:  # the year's; the trend's earlier months each within their own year
        return flow_numbers(
            conn, target, chains=chains, month=month, since=f"{months[0][:4]}-01", count_from=f"{month[:4]}-01"
        )
    if target is Target.CORE_ENTERPRISES:
        return core_numbers(conn, chains=chains, months=months, month=month)
    return product_numbers(conn, chains=chains, months=months, month=month)
