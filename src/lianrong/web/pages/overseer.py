"""District office and chain office pages: the engine's figures by month, and every voucher read-only."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...services import overview, splits, worklists
from ..console import Deps
from ..render import UI
from . import charts

AREA = "overseer"
STATUSES = ("pending", "active", "settled", "overdue", "rejected")


def register(router: APIRouter, deps: Deps) -> None:
    page = deps.ui(AREA)

    @router.get("/overview")
    def home(ui: UI = Depends(page)) -> Response:
        fig = overview.figures(ui.ctx, actor=ui.actor)
        return ui.render("overview/home.html", fig=fig, amounts=charts.overview_amounts(ui, fig),
                         counts=charts.overview_counts(ui, fig))

    @router.get("/overview/vouchers")
    def vouchers(status: str = "", ui: UI = Depends(page)) -> Response:
        status = status if status in STATUSES else ""
        rows = worklists.vouchers(ui.ctx, actor=ui.actor, status=status or None, limit=500)
        return ui.render("shared/vouchers.html", vouchers=rows, status=status, statuses=STATUSES,
                         base="/overview/vouchers")

    @router.get("/overview/vouchers/{voucher_id}")
    def voucher(voucher_id: str, ui: UI = Depends(page)) -> Response:
        detail = worklists.voucher_detail(ui.ctx, actor=ui.actor, voucher_id=voucher_id)
        return ui.render("shared/voucher.html", d=detail, back="/overview/vouchers")

    @router.get("/overview/splits")
    def split_watch(flagged: str = "", ui: UI = Depends(page)) -> Response:
        report = splits.split_report(ui.ctx, actor=ui.actor, flagged_only=bool(flagged), limit=500)
        return ui.render("shared/splits.html", r=report, flagged=bool(flagged), base="/overview/splits",
                         voucher_base="/overview/vouchers")
