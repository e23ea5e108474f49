"""District office and chain office pages: the engine's figures by month, every voucher read-only, and the
official holiday calendar (loaded by the district office)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from lianrong.calendar import service as calendar
from lianrong.entrypoints.console.app import Deps
from lianrong.entrypoints.console.pages import charts
from lianrong.kernel.errors import LianRongError
from lianrong.reporting import overview
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import splits
from lianrong.vouchers.model import VoucherStatus
from lianrong.web.i18n import N_
from lianrong.web.render import UI, Form

AREA = "overseer"
STATUSES = tuple(VoucherStatus)


def _calendar_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    try:  # the form only for those who may load (the same rule the load applies)
        calendar.check_calendar_actor(ui.ctx, ui.actor)
        may_load = True
    except LianRongError:
        may_load = False
    return {"days": calendar.list_days(ui.ctx), "changes": calendar.pending_changes(ui.ctx),
            "form": form or ui.blank(), "may_load": may_load}


def register(router: APIRouter, deps: Deps) -> None:
    page = deps.ui(AREA)
    post = deps.post(AREA)

    @router.get("/overview")
    def home(ui: UI = Depends(page)) -> Response:
        fig = overview.figures(ui.ctx, actor=ui.actor)
        return ui.render("overview/home.html", fig=fig, amounts=charts.overview_amounts(ui, fig),
                         counts=charts.overview_counts(ui, fig))

    @router.get("/overview/vouchers")
    def vouchers(status: str = "", ui: UI = Depends(page)) -> Response:
        status = status if status in STATUSES else ""
        rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, status=status or None, limit=500)
        return ui.render("shared/vouchers.html", vouchers=rows.items, status=status, statuses=STATUSES,
                         base="/overview/vouchers")

    @router.get("/overview/vouchers/{voucher_id}")
    def voucher(voucher_id: str, ui: UI = Depends(page)) -> Response:
        detail = voucher_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
        return ui.render("shared/voucher.html", d=detail, back="/overview/vouchers")

    @router.get("/overview/splits")
    def split_watch(flagged: str = "", ui: UI = Depends(page)) -> Response:
        report = splits.split_report(ui.ctx, actor=ui.actor, flagged_only=bool(flagged), limit=500)
        return ui.render("shared/splits.html", r=report, flagged=bool(flagged), base="/overview/splits",
                         voucher_base="/overview/vouchers")

    # --- the official calendar (the State Council's holidays and make-up workdays) ---

    @router.get("/overview/calendar")
    def holidays(ui: UI = Depends(page)) -> Response:
        return ui.render("overview/calendar.html", **_calendar_ctx(ui))

    @router.post("/overview/calendar")
    def load_holidays(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        calendar.check_calendar_actor(ui.ctx, ui.actor)  # who may not load gets no form, and no form's answer
        form = ui.posted(data)
        upload = form.file("file")
        if form.ok:
            try:
                r = calendar.load(ui.ctx, actor=ui.actor, content=upload.file.read(),  # type: ignore[union-attr]
                                  idempotency_key=form.get("idempotency_key"))
                return ui.done("/overview/calendar",
                               N_("Official days loaded: %(inserted)s new, %(updated)s changed, %(unchanged)s "
                                  "unchanged; %(vouchers)s open vouchers would now roll to another day."),
                               tone="bad" if r["vouchers"] else "ok", inserted=r["inserted"], updated=r["updated"],
                               unchanged=r["unchanged"], vouchers=len(r["vouchers"]))
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("overview/calendar.html", "overview/_calendar_form.html", **_calendar_ctx(ui, form))
