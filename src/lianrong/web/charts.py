"""ECharts options built on the server (the template puts them in ``data-chart``; console.js draws).

Amounts go to the chart in yuan as numbers for plotting only; every figure shown as text is formatted
from integer fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lianrong.web.render import UI

PALETTE = ["#1d4e89", "#c8102e", "#2a9d8f", "#e9a23b", "#6c757d", "#7b4fa0"]


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def _base(ui: UI) -> dict[str, Any]:
    return {
        "color": PALETTE,
        "animation": False,  # figures, not a show: drawn at once (and stable for screenshots and tests)
        "textStyle": {"fontFamily": "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"},
        "grid": {"left": 72, "right": 56, "top": 48, "bottom": 36},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 8},
        "lr": {"unit": ui.t("yuan")},
    }


def payables(ui: UI, months: Sequence[Any]) -> dict[str, Any]:
    """Payables by month of maturity: issued and awaiting approval, stacked."""
    opt = _base(ui)
    opt.update(
        {
            "xAxis": {"type": "category", "data": [m.month for m in months]},
            "yAxis": {"type": "value", "name": ui.t("yuan"), "axisLabel": {"formatter": "{value}"}},
            "series": [
                {
                    "name": ui.t("Issued"),
                    "type": "bar",
                    "stack": "p",
                    "barMaxWidth": 48,
                    "data": [_yuan(m.issued_fen) for m in months],
                },
                {
                    "name": ui.t("Pending approval"),
                    "type": "bar",
                    "stack": "p",
                    "barMaxWidth": 48,
                    "data": [_yuan(m.pending_fen) for m in months],
                },
            ],
        }
    )
    return opt


def overview_amounts(ui: UI, fig: Any) -> dict[str, Any]:
    """The engine's monthly amounts: issued, financed, settled (bars) and overdue (line); ``fig`` is
    ``reporting.overview.Figures``."""
    opt = _base(ui)
    s = fig.series
    opt.update(
        {
            "xAxis": {"type": "category", "data": list(fig.months)},
            "yAxis": {"type": "value", "name": ui.t("yuan")},
            "series": [
                *(
                    {
                        "name": ui.t(label),
                        "type": "bar",
                        "barMaxWidth": 28,
                        "data": [_yuan(x) for x in getattr(s, key).amount_fen],
                    }
                    for key, label in (("issued", "Issued"), ("financed", "Financed"), ("settled", "Settled"))
                ),
                {
                    "name": ui.t("Overdue"),
                    "type": "line",
                    "data": [_yuan(x) for x in s.overdue.amount_fen],
                    "symbolSize": 8,
                    "lineStyle": {"width": 3},
                },
            ],
        }
    )
    opt["color"] = ["#1d4e89", "#2a9d8f", "#6c757d", "#c8102e"]
    return opt


def overview_counts(ui: UI, fig: Any) -> dict[str, Any]:
    """The engine's monthly counts as lines (``fig`` is ``reporting.overview.Figures``)."""
    opt = _base(ui)
    s = fig.series
    opt.update(
        {
            "xAxis": {"type": "category", "data": list(fig.months)},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {"name": ui.t(label), "type": "line", "data": list(getattr(s, key).count), "symbolSize": 7}
                for key, label in (
                    ("issued", "Issued"),
                    ("financed", "Financed"),
                    ("settled", "Settled"),
                    ("overdue", "Overdue"),
                )
            ],
        }
    )
    opt["color"] = ["#1d4e89", "#2a9d8f", "#6c757d", "#c8102e"]
    return opt


def credit_usage(ui: UI, cores: Sequence[Any]) -> dict[str, Any]:
    """Each core enterprise's credit in force (``parties.queries.BankCore``): occupied and available, stacked
    horizontal bars."""
    rows = []
    for c in cores:
        for line in c.lines:
            if line.in_force:
                rows.append((c.short_name or c.name, line.occupied_fen, line.available_fen))
    opt = _base(ui)
    opt.update(
        {
            "grid": {"left": 110, "right": 40, "top": 40, "bottom": 30},
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "xAxis": {"type": "value", "name": ui.t("yuan")},
            "yAxis": {"type": "category", "data": [r[0] for r in rows]},
            "series": [
                {
                    "name": ui.t("Occupied"),
                    "type": "bar",
                    "stack": "c",
                    "data": [_yuan(r[1]) for r in rows],
                    "barMaxWidth": 26,
                },
                {
                    "name": ui.t("Available"),
                    "type": "bar",
                    "stack": "c",
                    "data": [_yuan(r[2]) for r in rows],
                    "barMaxWidth": 26,
                    "itemStyle": {"color": "#cfd8e3"},
                },
            ],
        }
    )
    return opt
