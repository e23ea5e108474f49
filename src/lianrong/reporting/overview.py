"""Overview: the engine's figures for the district office and the chain offices, by month.

Aggregates in SQL (one grouped query per figure, the same on SQLite and PostgreSQL):

- chains: core enterprises with a customer ledger at a bank (each leads one supply chain in the engine;
  the district programme's own chain register will replace this count when it exists);
- core enterprises: parties designated a core enterprise by a bank; suppliers: distinct ledger suppliers;
- issued: vouchers issued (active, settled or overdue) by month of issue, face amounts;
- financed: financings disbursed (disbursed, repaid or overdue) by month of disbursement, principal;
- settled: vouchers fully paid at maturity by month of maturity, face amounts;
- overdue: vouchers unpaid after maturity by month of maturity, face amounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import extract, func, select

from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.context import Actor, Context
from lianrong.reporting.queries import CountAmount

FIGURES = ("issued", "financed", "settled", "overdue")


@dataclass(frozen=True, slots=True)
class EngineCounts:
    """The engine's participants: supply chains, core enterprises, suppliers and banks."""

    chains: int
    cores: int
    suppliers: int
    banks: int


@dataclass(frozen=True, slots=True)
class FigureTotals:
    """Each figure (``FIGURES``) over all months."""

    issued: CountAmount
    financed: CountAmount
    settled: CountAmount
    overdue: CountAmount


@dataclass(frozen=True, slots=True)
class MonthlySeries:
    """One figure by month: counts and amounts, one per month of ``Figures.months``."""

    count: tuple[int, ...]
    amount_fen: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FigureSeries:
    """Each figure (``FIGURES``) by month."""

    issued: MonthlySeries
    financed: MonthlySeries
    settled: MonthlySeries
    overdue: MonthlySeries


@dataclass(frozen=True, slots=True)
class Figures:
    """The engine's counts and amounts, totals and by month, as of a business date."""

    as_of: dt.date
    counts: EngineCounts
    totals: FigureTotals
    outstanding: CountAmount  # active vouchers
    financing_outstanding: CountAmount  # disbursed financings
    pending_vouchers: int
    months: tuple[str, ...]  # ``YYYY-MM``, every month from the first with activity to the last
    series: FigureSeries


def _month_key(year: Any, month: Any) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def _by_month(conn: Any, column: Any, amount: Any, *where: Any) -> dict[str, tuple[int, int]]:
    y, m = extract("year", column).label("y"), extract("month", column).label("m")
    stmt = (
        select(y, m, func.count().label("n"), func.coalesce(func.sum(amount), 0).label("total"))
        .where(column.is_not(None), *where)
        .group_by(y, m)
    )
    return {_month_key(r.y, r.m): (int(r.n), int(r.total)) for r in conn.execute(stmt)}


def _months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def figures(ctx: Context, *, actor: Actor) -> Figures:
    """Counts and amounts of the whole engine, totals and by month (overseers only)."""
    with ctx.uow(readonly=True) as uow:
        if not scope.sees_everything(uow, actor):
            raise errors.Forbidden(reason="district and chain offices only / 仅限区金融办和链办")
        conn = uow.conn
        vo, fin = t.voucher, t.financing
        counts = {
            "chains": conn.execute(select(func.count(func.distinct(t.supplier_ledger.c.core_id)))).scalar() or 0,
            "cores": conn.execute(select(func.count(func.distinct(t.core_designation.c.core_id)))).scalar() or 0,
            "suppliers": conn.execute(select(func.count(func.distinct(t.supplier_ledger.c.supplier_id)))).scalar() or 0,
            "banks": conn.execute(select(func.count(func.distinct(t.core_designation.c.bank_id)))).scalar() or 0,
        }
        monthly = {
            "issued": _by_month(conn, vo.c.issue_on, vo.c.face_fen, vo.c.status.in_(("active", "settled", "overdue"))),
            "financed": _by_month(
                conn, fin.c.financing_on, fin.c.principal_fen, fin.c.status.in_(("disbursed", "repaid", "overdue"))
            ),
            "settled": _by_month(conn, vo.c.maturity_on, vo.c.face_fen, vo.c.status == "settled"),
            "overdue": _by_month(conn, vo.c.maturity_on, vo.c.face_fen, vo.c.status == "overdue"),
        }
        outstanding = conn.execute(
            select(func.count(), func.coalesce(func.sum(vo.c.face_fen), 0)).where(vo.c.status == "active")
        ).one()
        financing_now = conn.execute(
            select(func.count(), func.coalesce(func.sum(fin.c.principal_fen), 0)).where(fin.c.status == "disbursed")
        ).one()
        pending = conn.execute(select(func.count()).where(vo.c.status == "pending")).scalar() or 0
    keys = sorted({k for series in monthly.values() for k in series})
    months = _months_between(keys[0], keys[-1]) if keys else []
    totals = {
        name: CountAmount(
            sum(n for n, _ in monthly[name].values()),
            sum(a for _, a in monthly[name].values()),
        )
        for name in FIGURES
    }
    series = {
        name: MonthlySeries(
            tuple(monthly[name].get(m, (0, 0))[0] for m in months),
            tuple(monthly[name].get(m, (0, 0))[1] for m in months),
        )
        for name in FIGURES
    }
    return Figures(
        as_of=ctx.clock.today(),
        counts=EngineCounts(**{k: int(v) for k, v in counts.items()}),
        totals=FigureTotals(**totals),
        outstanding=CountAmount(int(outstanding[0]), int(outstanding[1])),
        financing_outstanding=CountAmount(int(financing_now[0]), int(financing_now[1])),
        pending_vouchers=int(pending),
        months=tuple(months),
        series=FigureSeries(**series),
    )


def month_of(day: dt.date) -> str:
    """The ``YYYY-MM`` key of a date, as used by ``figures``."""
    return f"{day.year:04d}-{day.month:02d}"
