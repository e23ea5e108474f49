"""The console's settlement pages (the bank): settlement runs and instructions with their bank files and
report, the payment confirmations to import, the overdue vouchers and financings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.kernel import errors
from lianrong.settlement import confirmations
from lianrong.settlement import exports as settlement_exports
from lianrong.settlement import queries as settlement_queries
from lianrong.settlement import service as settlement
from lianrong.settlement.schemas import SettlementCreate
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

bank = require_kind("bank")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _settlement_filters(on: str, status: str, kind: str) -> tuple[dt.date | None, str | None, str | None]:
    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise errors.InvalidDate(value=on) from None
    return (
        day,
        status if status in ("pending", "confirmed", "failed") else None,
        kind if kind in ("settlement", "disbursement", "surplus") else None,
    )


def _due(ui: UI) -> int:
    return len(settlement.due_vouchers(ui.ctx, on=ui.ctx.clock.today(), bank=ui.actor.party_id))


def _confirmations_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    return {"pending": settlement_queries.pending_confirmations(ui.ctx, actor=ui.actor), "form": form or ui.blank()}


@router.get("/bank/settlements")
def settlements(on: str = "", status: str = "", kind: str = "", ui: UI = Depends(bank)) -> Response:
    day, st, kd = _settlement_filters(on, status, kind)
    rows = settlement_queries.instructions(ui.ctx, viewer=ui.actor, value_on=day, status=st, kind=kd)
    return ui.render(
        "bank/settlements.html",
        rows=rows,
        on=on if day else "",
        status=st or "",
        kind=kd or "",
        report=True,
        form=ui.blank(on=ui.ctx.clock.today().isoformat()),
        due=_due(ui),
    )


@router.post("/bank/settlements/run")
def run_settlement(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(SettlementCreate, {"date": form.date("on")}, fields={"date": "on"})

    def action() -> Response:
        assert body is not None and body.date is not None
        day = body.date
        r = settlement.settle(ui.ctx, on=day, actor=ui.actor)
        return ui.done(
            f"/bank/settlements?on={day.isoformat()}",
            N_(
                "Settlement run for %(day)s: %(vouchers)s vouchers, %(confirmed)s paid, "
                "%(failed)s failed, %(pending)s pending."
            ),
            tone="bad" if r.failed or r.errors else "ok",
            day=r.date.isoformat(),
            vouchers=r.vouchers,
            confirmed=r.confirmed,
            failed=r.failed,
            pending=r.pending,
        )

    def refused() -> Response:
        rows = settlement_queries.instructions(ui.ctx, viewer=ui.actor)
        return ui.form_error(
            "bank/settlements.html",
            "bank/_settle_form.html",
            rows=rows,
            on="",
            status="",
            kind="",
            report=True,
            form=form,
            due=_due(ui),
        )

    return submit(form, action, refused)


@router.get("/bank/settlements/export.{fmt}")
def export(fmt: str, on: str = "", status: str = "", kind: str = "", ui: UI = Depends(bank)) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise errors.NotFound("page", f"export.{fmt}")
    day, st, kd = _settlement_filters(on, status, kind)
    _, content = settlement_queries.export_instructions(
        ui.ctx, viewer=ui.actor, fmt=fmt, value_on=day, status=st, kind=kd
    )
    name = f"lianrong-instructions-{day.isoformat() if day else 'all'}.{fmt}"
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/bank/settlements/report.xlsx")
def settlement_report(on: str = "", kind: str = "", ui: UI = Depends(bank)) -> Response:
    day, _, kd = _settlement_filters(on, "", kind)
    content = settlement_exports.export_settlements_xlsx(ui.ctx, actor=ui.actor, on=day, kind=kd)
    name = f"lianrong-settlements-{day.isoformat() if day else 'all'}.xlsx"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the bank's payment confirmations (the file `lianrong payments confirm` reads) ---


@router.get("/bank/confirmations")
def confirmations_page(ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/confirmations.html", **_confirmations_ctx(ui))


@router.post("/bank/confirmations")
def import_confirmations(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    upload = form.file("file")

    def action() -> Response:
        assert upload is not None
        r = confirmations.import_confirmation_upload(
            ui.ctx,
            actor=ui.actor,
            content=upload.file.read(),
            filename=str(upload.filename),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/bank/confirmations",
            N_("Confirmations imported: %(confirmed)s paid, %(failed)s failed, %(unchanged)s already recorded."),
            tone="bad" if r.failed else "ok",
            confirmed=r.confirmed,
            failed=r.failed,
            unchanged=r.unchanged,
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "bank/confirmations.html", "bank/_confirmations_form.html", **_confirmations_ctx(ui, form)
        ),
    )


@router.get("/bank/overdue")
def overdue(ui: UI = Depends(bank)) -> Response:
    data = settlement_queries.overdue(ui.ctx, actor=ui.actor)
    return ui.render(
        "bank/overdue.html",
        vouchers=[v for v in data.vouchers if v.bank_id == ui.party_id],
        financings=[f for f in data.financings if f.bank_id == ui.party_id],
    )
