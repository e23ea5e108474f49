"""The 2027 targets' pure rules: months, the straight-line projection, a bank report's checks.

Nothing here reads a database: the figures come from ``figures.py`` (SQL aggregates) and ``queries.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from lianrong.programme.targets import errors as target_errors

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Target(StrEnum):
    """The work plan's four 2027 targets (三、工作目标)."""

    KEY_CHAIN_FINANCING = "key_chain_financing"  # key banks' cumulative financing to key chains, fen
    PRODUCTS = "products"  # digital supply-chain financing products, a count
    CORE_ENTERPRISES = "core_enterprises"  # core enterprises on the platform (white list), a count
    YEARLY_CREDIT = "yearly_credit"  # chain credit granted this year, fen


#: targets measured in fen (the others are counts)
MONEY_TARGETS = frozenset({Target.KEY_CHAIN_FINANCING, Target.YEARLY_CREDIT})
#: targets whose value is a stock at a month's end (the others are flows summed over months)
STOCK_TARGETS = frozenset({Target.PRODUCTS, Target.CORE_ENTERPRISES})


class Part(StrEnum):
    """Where a figure comes from: the platform's own ledger, or banks' monthly reports."""

    LEDGER = "ledger"
    REPORTED = "reported"


def parse_month(text: str) -> str:
    """A ``YYYY-MM`` month, checked (``targets.invalid_month`` otherwise)."""
    m = _MONTH.match(text.strip() if isinstance(text, str) else "")
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise target_errors.InvalidMonth(value=text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> dt.date:
    """The last day of a month."""
    return month_start(shift_month(month, 1)) - dt.timedelta(days=1)


def shift_month(month: str, n: int) -> str:
    """The month ``n`` months after (before, if negative) ``month``."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty when ``first`` is after ``last``)."""
    out: list[str] = []
    m = first
    while m <= last:
        out.append(m)
        m = shift_month(m, 1)
    return out


def window(month: str, length: int = 12) -> list[str]:
    """The ``length`` months ending with ``month``."""
    return months_between(shift_month(month, 1 - length), month)


def year_months(month: str) -> list[str]:
    """January of ``month``'s year up to ``month``."""
    return months_between(f"{month[:4]}-01", month)


def check_report_month(month: str, *, today: dt.date) -> str:
    """A bank reports a month that has begun: never a future one."""
    month = parse_month(month)
    if month > month_of(today):
        raise target_errors.FutureMonth(month=month, current=month_of(today))
    return month


def check_report_figures(*, credit_granted_fen: int, financing_fen: int, products: int) -> None:
    """A report's figures: amounts in whole fen, not negative, within BIGINT; products a small count."""
    for name, value in (("credit_granted_fen", credit_granted_fen), ("financing_fen", financing_fen)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**17:
            raise target_errors.BadFigure(field=name, value=value)
    if isinstance(products, bool) or not isinstance(products, int) or not 0 <= products <= 1000:
        raise target_errors.BadFigure(field="products", value=products)


@dataclass(frozen=True)
class Projection:
    """A straight line through the trend: the average monthly change over the window, continued to the deadline."""

    monthly_rate: float  # per month, in the figure's unit
    projected: int  # the value the line reaches on the deadline
    deadline_month: str
    on_track: bool  # the projection reaches the target
    months_left: int


def project(points: list[tuple[str, int]], *, target: int, deadline: dt.date) -> Projection:
    """Project a cumulative series (``(month, value)`` in order) straight to ``deadline``'s month.

    The rate is (last − first) / (months between them): the window's average monthly change. One point, or
    none, gives a flat line. A deadline in the past projects the last value."""
    deadline_month = month_of(deadline)
    if not points:
        return Projection(0.0, 0, deadline_month, target <= 0, 0)
    (first_m, first_v), (last_m, last_v) = points[0], points[-1]
    span = len(months_between(first_m, last_m)) - 1
    rate = (last_v - first_v) / span if span > 0 else 0.0
    left = max(len(months_between(last_m, deadline_month)) - 1, 0)
    projected = int(round(last_v + rate * left))
    return Projection(rate, projected, deadline_month, projected >= target, left)


def progress(value: int, target: int) -> float:
    """The share of the target reached (may exceed 1)."""
    return value / target if target > 0 else 0.0
