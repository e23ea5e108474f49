"""Read models of the 2027 targets (work plan 三、工作目标): the dashboard, the records behind every number, and
banks' monthly reports. The viewer is required; scope is decided first.

Who sees: the district office (and the system) everything; a chain office its own chains (``chain.office_id``),
against the same targets; a bank only its own reports (the dashboard is not its business: 404); an
enterprise nothing here (404).

Definitions (as of the end of a month ``M``, Beijing; every figure = ledger part + reported part):

- **Financing to key chains** (target: RMB 50 bn by the target date, cumulative). Ledger: financings disbursed
  (status ``disbursed``, ``repaid`` or ``overdue``) with ``financing_on`` ≤ the end of ``M``, whose applicant is
  a member of a key chain (``chain.key_chain``) on the day of disbursement (``chain_member.joined_on`` ≤ that day
  and no ``left_on`` on or before it); principal. Reported: ``bank_report.financing_fen`` of key chains, months ≤
  ``M`` (banks' own loans to chain members, outside the voucher engine). Every bank counts as a key bank. A
  financing whose applicant belongs to two key chains counts once in the total and once in each chain's row
  (the rows by chain may then sum to more than the total; the rows by bank and by month never do).
- **Credit granted this year** (target: RMB 10 bn a year). Ledger: credit lines (``credit_line``) whose validity
  starts (``valid_from``) in ``M``'s year up to the end of ``M``, recorded (``created_at``) before the end of ``M``,
  granted to a core enterprise that is a member of a chain (any chain) on ``valid_from``; the limit. Reported:
  ``bank_report.credit_granted_fen`` of the year's months up to ``M``. The month of a line is its ``valid_from``'s.
- **Digital supply-chain financing products** (target: 10). Ledger: the platform's one product, voucher
  financing, counts once per bank offering it: a bank that designated a core enterprise on or before the end of
  ``M`` (``core_designation.designated_on``); for a chain, the banks that designated a core enterprise member of
  the chain. Reported: ``bank_report.products`` is a stock: per bank and chain its latest report up to ``M``; a
  bank counts the largest of its chains' figures (its products serve several chains), a chain the sum over banks.
- **Core enterprises on the platform** (target: 50): distinct ``core_id`` of white-list entries listed at the end
  of ``M`` — the entry's latest ``whitelist_event`` recorded by then has status ``listed`` (an entry without any
  event: status ``listed`` and ``listed_on`` ≤ the end of ``M``). All from the ledger (nothing reported).

By month: a flow's amount of that month (credit: within its year), a stock's value at that month's end. The trend
shows each month's cumulative value (financing: since the beginning; credit: since January of its year; stocks:
the value) and a straight line through the last twelve months continued to the deadline (``model.project``:
financing, products and core enterprises to the target date; credit to the year's end).

Bank reports count by their month, whenever they were submitted: a report for November is filed in December, and a
bank's correction changes the figures of its month (that is what a correction is for). Everything from the
ledger is read as of the month's end, so a record made later never changes a past month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.context import Actor, Context
from lianrong.programme.targets import errors as target_errors
from lianrong.programme.targets import figures as fg
from lianrong.programme.targets.model import (
    MONEY_TARGETS,
    STOCK_TARGETS,
    Part,
    Projection,
    Target,
    month_end,
    month_of,
    month_start,
    parse_month,
    progress,
    project,
    window,
)


def viewer_chains(uow: UnitOfWork, viewer: Actor) -> frozenset[str] | None:
    """The chains the viewer sees figures of (None: all); a bank or an enterprise sees no dashboard (404)."""
    kind = scope.party_kind(uow, viewer)
    if kind in ("system", "district"):
        return None
    if kind == "chain_office":
        ids = uow.conn.execute(select(pt.chain.c.id).where(pt.chain.c.office_id == viewer.party_id)).scalars()
        return frozenset(ids)
    raise errors.NotFound("targets", "dashboard")


def parse_target(value: str) -> Target:
    try:
        return Target(value)
    except ValueError:
        raise target_errors.UnknownTarget(value=value) from None


def _names(uow: UnitOfWork, party_ids: set[str], chain_ids: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    parties: dict[str, str] = {}
    chains: dict[str, str] = {}
    if party_ids:
        p = t.party.c
        for r in uow.conn.execute(select(p.id, func.coalesce(p.short_name, p.name)).where(p.id.in_(sorted(party_ids)))):
            parties[r[0]] = r[1]
    if chain_ids:
        c = pt.chain.c
        for r in uow.conn.execute(select(c.id, c.name).where(c.id.in_(sorted(chain_ids)))):
            chains[r[0]] = r[1]
    return parties, chains


# --- the dashboard ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """One row of a drill-down: a chain, a bank or a month, its ledger and reported parts and their sum."""

    id: str
    name: str
    ledger: int
    reported: int
    value: int


@dataclass(frozen=True)
class TrendPoint:
    """A month of the trend: the cumulative value at the month's end (see the module's definitions)."""

    month: str
    ledger: int
    reported: int
    value: int


@dataclass(frozen=True)
class TargetFigure:
    """One target: its value against the goal, the parts, the trend with its projection, the drill-downs."""

    key: Target
    unit: str  # fen | count
    target: int
    deadline: dt.date
    ledger: int
    reported: int
    value: int
    progress: float
    projection: Projection
    trend: tuple[TrendPoint, ...]
    by_chain: tuple[Slice, ...]
    by_bank: tuple[Slice, ...]
    by_month: tuple[Slice, ...]


@dataclass(frozen=True)
class Dashboard:
    """The four targets as of a month's end, for the viewer's chains."""

    month: str
    as_of: dt.date
    chains: tuple[Slice, ...]  # the chains in the viewer's scope (value: 1 for a key chain)
    targets: tuple[TargetFigure, ...]

    def figure(self, key: str) -> TargetFigure:
        return next(f for f in self.targets if f.key == key)


def goal(ctx: Context, target: Target, month: str) -> tuple[int, dt.date]:
    """A target's goal and deadline (credit: a year's goal, due at that year's end)."""
    tg = ctx.policy.programme.targets
    if target is Target.YEARLY_CREDIT:
        return tg.yearly_credit_fen, dt.date(int(month[:4]), 12, 31)
    value = {
        Target.KEY_CHAIN_FINANCING: tg.key_chain_financing_fen,
        Target.PRODUCTS: tg.products,
        Target.CORE_ENTERPRISES: tg.core_enterprises,
    }[target]
    return value, tg.by


def _trend(target: Target, n: fg.Numbers, months: list[str]) -> list[TrendPoint]:
    out: list[TrendPoint] = []
    if target in STOCK_TARGETS:
        for m in months:
            ledger, reported = n.by_month.get(m, (0, 0))
            out.append(TrendPoint(m, ledger, reported, ledger + reported))
        return out
    for m in months:
        earlier = [
            v for k, v in n.by_month.items() if k <= m and (target is Target.KEY_CHAIN_FINANCING or k[:4] == m[:4])
        ]
        ledger, reported = sum(v[0] for v in earlier), sum(v[1] for v in earlier)
        out.append(TrendPoint(m, ledger, reported, ledger + reported))
    return out


def _slices(acc: dict[str, fg.Pair], names: dict[str, str]) -> tuple[Slice, ...]:
    rows = [Slice(k, names.get(k, k), v[0], v[1], v[0] + v[1]) for k, v in acc.items()]
    return tuple(sorted(rows, key=lambda s: (-s.value, s.name, s.id)))


def _target_figure(
    ctx: Context, target: Target, n: fg.Numbers, month: str, months: list[str], names: Any
) -> TargetFigure:
    parties, chains = names
    goal_value, deadline = goal(ctx, target, month)
    trend = _trend(target, n, months)
    line = [(p.month, p.value) for p in trend if target is not Target.YEARLY_CREDIT or p.month[:4] == month[:4]]
    flows = {
        m: v
        for m, v in n.by_month.items()
        if m in months and (target is not Target.YEARLY_CREDIT or m[:4] == month[:4])
    }
    if target in STOCK_TARGETS:
        flows = {m: n.by_month.get(m, (0, 0)) for m in months}
    value = n.total[0] + n.total[1]
    return TargetFigure(
        key=target,
        unit="fen" if target in MONEY_TARGETS else "count",
        target=goal_value,
        deadline=deadline,
        ledger=n.total[0],
        reported=n.total[1],
        value=value,
        progress=progress(value, goal_value),
        projection=project(line, target=goal_value, deadline=deadline),
        trend=tuple(trend),
        by_chain=_slices(n.by_chain, chains),
        by_bank=_slices(n.by_bank, parties),
        by_month=tuple(Slice(m, m, v[0], v[1], v[0] + v[1]) for m, v in sorted(flows.items())),
    )


def dashboard(ctx: Context, *, viewer: Actor, month: str | None = None) -> Dashboard:
    """The four targets as of the end of ``month`` (default: this month), with trend, projection and drill-downs."""
    with ctx.uow(readonly=True) as uow:
        chains = viewer_chains(uow, viewer)
        month = parse_month(month) if month else month_of(ctx.clock.today())
        months = window(month)
        per_target = {tg: fg.numbers(uow.conn, tg, chains=chains, month=month, months=months) for tg in Target}
        c = pt.chain.c
        stmt = select(c.id, c.name, c.key_chain).where(c.active.is_(True)).order_by(c.position, c.code)
        if chains is not None:
            stmt = stmt.where(c.id.in_(sorted(chains)) if chains else literal(False))
        chain_rows = uow.conn.execute(stmt).all()
        party_ids = {b for n in per_target.values() for b in n.by_bank}
        chain_ids = {ch for n in per_target.values() for ch in n.by_chain} | {r.id for r in chain_rows}
        names = _names(uow, party_ids, chain_ids)
    return Dashboard(
        month=month,
        as_of=month_end(month),
        chains=tuple(Slice(r.id, r.name, 0, 0, int(bool(r.key_chain))) for r in chain_rows),
        targets=tuple(_target_figure(ctx, tg, per_target[tg], month, months, names) for tg in Target),
    )


# --- the records behind a number ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record behind a number: a financing, a credit line, a bank report, a white-list core or a bank's
    product; ``value`` is what it adds (fen, or a count)."""

    kind: str  # financing | credit_line | bank_report | core | product
    id: str
    part: Part
    day: dt.date | None
    month: str
    bank_id: str | None
    bank_name: str
    party_id: str | None
    party_name: str
    chain_id: str | None
    chain_name: str
    value: int


@dataclass(frozen=True)
class RecordList:
    """The records behind one number of the dashboard; ``total`` is their sum, which is the number."""

    target: Target
    month: str
    part: Part | None
    chain_id: str | None
    bank_id: str | None
    flow_month: str | None
    items: tuple[Record, ...]
    total: int


def records(
    ctx: Context,
    *,
    viewer: Actor,
    target: str,
    month: str | None = None,
    part: str | None = None,
    chain: str | None = None,
    bank: str | None = None,
    of_month: str | None = None,
) -> RecordList:
    """The records behind a number: ``month`` is the dashboard's month (as of its end), ``of_month`` a row of the
    by-month drill-down (a flow's month, a stock's month end), ``chain`` and ``bank`` a row of the others."""
    tg = parse_target(target)
    pa = Part(part) if part else None
    with ctx.uow(readonly=True) as uow:
        chains = viewer_chains(uow, viewer)
        month = parse_month(month) if month else month_of(ctx.clock.today())
        of_month = parse_month(of_month) if of_month else None
        if chain is not None and chains is not None and chain not in chains:
            raise errors.NotFound("chain", chain)
        only = frozenset({chain}) if chain else chains
        rows: list[dict[str, Any]] = []
        if pa in (None, Part.LEDGER):
            rows += _ledger_records(uow, tg, month=month, of_month=of_month, chains=only, chain=chain, bank=bank)
        if pa in (None, Part.REPORTED):
            rows += _reported_records(uow, tg, month=month, of_month=of_month, chains=only, bank=bank)
        parties, chain_names = _names(
            uow,
            {r["bank_id"] for r in rows if r["bank_id"]} | {r["party_id"] for r in rows if r["party_id"]},
            {r["chain_id"] for r in rows if r["chain_id"]},
        )
    items = tuple(_record(r, parties, chain_names) for r in rows)
    return RecordList(tg, month, pa, chain, bank, of_month, items, sum(i.value for i in items))


def _record(r: dict[str, Any], parties: dict[str, str], chains: dict[str, str]) -> Record:
    fields = dict(r)
    label = fields.pop("chain_label", None)
    return Record(
        **fields,
        bank_name=parties.get(r["bank_id"], "") if r["bank_id"] else "",
        party_name=parties.get(r["party_id"], "") if r["party_id"] else "",
        chain_name=label or chains.get(r["chain_id"] or "", ""),
    )


def _flow_days(tg: Target, month: str, of_month: str | None) -> tuple[dt.date | None, dt.date]:
    if of_month:
        return month_start(of_month), month_end(of_month)
    return (dt.date(int(month[:4]), 1, 1) if tg is Target.YEARLY_CREDIT else None), month_end(month)


def _ledger_records(
    uow: UnitOfWork,
    tg: Target,
    *,
    month: str,
    of_month: str | None,
    chains: frozenset[str] | None,
    chain: str | None,
    bank: str | None,
) -> list[dict[str, Any]]:
    conn = uow.conn
    if tg in (Target.KEY_CHAIN_FINANCING, Target.YEARLY_CREDIT):
        first, last = _flow_days(tg, month, of_month)
        fl = fg.flow(tg, month_end(month))
        tb = fl.table
        when = [
            fl.day.is_not(None),
            fl.day <= last,
            *fl.where,
            fg.in_chain(fl.party, fl.day, fg.scope_ids(conn, chains, key_only=fl.key_only)),
        ]
        if first is not None:
            when.append(fl.day >= first)
        if bank:
            when.append(tb.c.bank_id == bank)
        stmt = select(tb.c.id, tb.c.bank_id, fl.party.label("party_id"), fl.day.label("day"), fl.amount.label("value"))
        kind = "financing" if tg is Target.KEY_CHAIN_FINANCING else "credit_line"
        out = []
        for r in conn.execute(stmt.where(*when).order_by(fl.day, tb.c.id)):
            out.append(_rec(kind, r.id, Part.LEDGER, r.day, r.bank_id, r.party_id, chain, r.value))
        return out
    as_of = month_end(of_month or month)
    if tg is Target.CORE_ENTERPRISES:
        if bank:
            return []  # listing is the district's, not a bank's
        w, c = pt.whitelist_entry.c, pt.chain.alias("wc")
        stmt = (
            select(w.core_id, w.chain_id, c.c.name)
            .select_from(pt.whitelist_entry.join(c, c.c.id == w.chain_id))
            .where(fg.listed_on(as_of), *fg.chain_cond(c, chains, key_only=False))
            .order_by(w.core_id, c.c.name)
        )
        per_core: dict[str, list[str]] = {}
        for r in conn.execute(stmt):
            per_core.setdefault(r.core_id, []).append(r.name)
        return [
            {**_rec("core", core, Part.LEDGER, None, None, core, chain, 1), "chain_label": "、".join(names)}
            for core, names in per_core.items()
        ]
    out = []
    for r in conn.execute(fg.offering_banks(as_of, chains).order_by(t.core_designation.c.bank_id)):
        if not bank or r.bank_id == bank:
            out.append(_rec("product", f"voucher:{r.bank_id}", Part.LEDGER, r.since, r.bank_id, None, chain, 1))
    return out


def _rec(
    kind: str, id_: str, part: Part, day: Any, bank: str | None, party: str | None, chain: str | None, value: int
) -> dict[str, Any]:
    day = day if isinstance(day, dt.date) or day is None else dt.date.fromisoformat(str(day)[:10])
    return {
        "kind": kind,
        "id": id_,
        "part": part,
        "day": day,
        "month": month_of(day) if day else "",
        "bank_id": bank,
        "party_id": party,
        "chain_id": chain,
        "value": int(value),
    }


def _reported_records(
    uow: UnitOfWork, tg: Target, *, month: str, of_month: str | None, chains: frozenset[str] | None, bank: str | None
) -> list[dict[str, Any]]:
    if tg is Target.CORE_ENTERPRISES:
        return []
    br = pt.bank_report.c
    if tg is Target.PRODUCTS:
        per_bank, _ = fg.reported_products(uow.conn, of_month or month, chains)
        if chains is not None and len(chains) == 1:  # one chain: each bank's latest report on it
            rows = [r for r in uow.conn.execute(fg.latest_reports(of_month or month, chains))]
        else:
            rows = list(per_bank.values())
        return [_report_rec(r, r.products) for r in sorted(rows, key=lambda r: r.id) if not bank or r.bank_id == bank]
    col = fg.reported_column(tg)
    c = pt.chain.alias("rc")
    first = of_month or (f"{month[:4]}-01" if tg is Target.YEARLY_CREDIT else None)
    last = of_month or month
    when = [br.month <= last, *fg.chain_cond(c, chains, key_only=tg is Target.KEY_CHAIN_FINANCING)]
    if first:
        when.append(br.month >= first)
    if bank:
        when.append(br.bank_id == bank)
    stmt = (
        select(pt.bank_report)
        .select_from(pt.bank_report.join(c, c.c.id == br.chain_id))
        .where(*when, col > 0)
        .order_by(br.month, br.bank_id, br.chain_id)
    )
    return [_report_rec(r, getattr(r, col.name)) for r in uow.conn.execute(stmt)]


def _report_rec(r: Any, value: int) -> dict[str, Any]:
    return {
        "kind": "bank_report",
        "id": r.id,
        "part": Part.REPORTED,
        "day": None,
        "month": r.month,
        "bank_id": r.bank_id,
        "party_id": None,
        "chain_id": r.chain_id,
        "value": int(value),
    }
