"""The targets' trend charts as ECharts options (the console draws ``data-chart``; see ``web/charts.py``)."""

from __future__ import annotations

from typing import Any

from lianrong.programme.targets.model import months_between
from lianrong.programme.targets.queries import TargetFigure
from lianrong.web.charts import PALETTE
from lianrong.web.render import UI


def trend(ui: UI, f: TargetFigure) -> dict[str, Any]:
    """The monthly values (ledger and reported, stacked bars), the target (a line) and the straight-line
    projection from the last month to the deadline (dashed)."""
    money = f.unit == "fen"

    def v(x: float) -> float:
        return round(x / 100, 2) if money else x

    months = [p.month for p in f.trend]
    last = months[-1]
    ahead = months_between(last, f.projection.deadline_month)[1:]
    axis = months + ahead
    rate = f.projection.monthly_rate
    projection: list[float | None] = [None] * (len(months) - 1) + [v(f.trend[-1].value)]
    projection += [v(f.trend[-1].value + rate * (i + 1)) for i in range(len(ahead))]
    pad: list[float | None] = [None] * len(ahead)
    return {
        "color": PALETTE,
        "animation": False,
        "textStyle": {"fontFamily": "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"},
        "grid": {"left": 72, "right": 24, "top": 48, "bottom": 36},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 8},
        "lr": {"unit": ui.t("yuan") if money else ""},
        "xAxis": {"type": "category", "data": axis},
        "yAxis": {"type": "value", "name": ui.t("yuan") if money else "", "minInterval": 0 if money else 1},
        "series": [
            {
                "name": ui.t("Platform"),
                "type": "bar",
                "stack": "v",
                "barMaxWidth": 24,
                "data": [v(p.ledger) for p in f.trend] + pad,
            },
            {
                "name": ui.t("Reported by banks"),
                "type": "bar",
                "stack": "v",
                "barMaxWidth": 24,
                "data": [v(p.reported) for p in f.trend] + pad,
            },
            {
                "name": ui.t("Projection"),
                "type": "line",
                "data": projection,
                "lineStyle": {"type": "dashed"},
                "symbolSize": 4,
                "connectNulls": False,
            },
            {
                "name": ui.t("Target"),
                "type": "line",
                "data": [v(f.target)] * len(axis),
                "symbol": "none",
                "lineStyle": {"width": 1},
            },
        ],
    }
