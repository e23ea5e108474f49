"""The chain's graph as an ECharts option (the template puts it in ``data-chart``; console.js draws it).

One node per current member, coloured by role (a legend category each), sized by tier (the leader largest);
one edge per supply relation (supplier → buyer), its width by amount. Amounts go to the chart in yuan as
numbers for the tooltip only; every figure shown as text is formatted from integer fen.
"""

from __future__ import annotations

import math
from typing import Any

from lianrong.programme.chains.model import ROLE_LABELS
from lianrong.programme.chains.queries import ChainDetail

ROLE_COLOURS = ["#c8102e", "#1d4e89", "#2a9d8f", "#e9a23b", "#7b4fa0", "#6c757d"]


def graph(detail: ChainDetail, *, lang: str) -> dict[str, Any]:
    """The option of the chain's supply graph, labels in ``lang`` (``zh`` or ``en``)."""
    roles = list(ROLE_LABELS)
    names = [ROLE_LABELS[r][0 if lang == "zh" else 1] for r in roles]
    index = {r.value: i for i, r in enumerate(roles)}
    biggest = max((e.contract_fen or 0) + (e.voucher_fen or 0) for e in detail.edges) if detail.edges else 0
    nodes = [
        {
            "id": n.id,
            "name": n.name,
            "category": index.get(n.role, 0),
            "symbolSize": max(14, 46 - 8 * n.tier),
            "value": n.tier,
        }
        for n in detail.nodes
    ]
    links = []
    for e in detail.edges:
        amount = (e.contract_fen or 0) + (e.voucher_fen or 0)
        width = 1 + (4 * math.sqrt(amount / biggest) if biggest and amount else 0)
        links.append(
            {
                "source": e.source,
                "target": e.target,
                "value": round(amount / 100, 2) if e.contract_fen is not None else None,
                "lineStyle": {"width": round(width, 1)},
            }
        )
    return {
        "color": ROLE_COLOURS,
        "animation": False,
        "textStyle": {"fontFamily": "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"},
        "tooltip": {},
        "legend": {"top": 8, "data": names},
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "draggable": True,
                "force": {"repulsion": 160, "edgeLength": [60, 160], "gravity": 0.08, "layoutAnimation": False},
                "categories": [{"name": x} for x in names],
                "label": {"show": len(nodes) <= 60, "position": "right", "fontSize": 11},
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 7,
                "lineStyle": {"color": "source", "opacity": 0.6, "curveness": 0.1},
                "emphasis": {"focus": "adjacency"},
                "data": nodes,
                "links": links,
            }
        ],
        "lr": {"unit": "元" if lang == "zh" else "yuan"},
    }
