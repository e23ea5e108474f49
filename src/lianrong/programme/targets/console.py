"""The console's targets pages: the overseers' dashboard (/programme/targets) with its drill-downs and the records
behind every number, and the bank's monthly reports (/bank/reports: the form, the workbook's template and upload)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.kernel.money import format_yuan
from lianrong.programme.targets import charts, queries, report_queries, service
from lianrong.programme.targets.model import Target, month_of, parse_month, shift_month, window
from lianrong.programme.targets.schemas import BankReportCreate
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()
overseer = require_kind("overseer")
bank = require_kind("bank")

#: the targets' names in the console (translated)
NAMES = {
    Target.KEY_CHAIN_FINANCING: N_("Financing to key chains"),
    Target.PRODUCTS: N_("Digital supply-chain finance products"),
    Target.CORE_ENTERPRISES: N_("Core enterprises on the platform"),
    Target.YEARLY_CREDIT: N_("Chain credit granted this year"),
}


def _month(ui: UI, month: str) -> str:
    return parse_month(month) if month else month_of(ui.ctx.clock.today())


@router.get("/programme/targets")
def dashboard_page(month: str = "", target: str = "", ui: UI = Depends(overseer)) -> Response:
    board = queries.dashboard(ui.ctx, viewer=ui.actor, month=_month(ui, month))
    chosen = queries.parse_target(target) if target else Target.KEY_CHAIN_FINANCING
    return ui.render(
        "programme/targets/dashboard.html",
        board=board,
        names={k: ui.t(v) for k, v in NAMES.items()},
        chosen=board.figure(chosen),
        charts={f.key: charts.trend(ui, f) for f in board.targets},
        months=list(reversed(window(month_of(ui.ctx.clock.today()), 24))),
        previous=shift_month(board.month, -1),
    )


@router.get("/programme/targets/records")
def records_page(
    target: str,
    month: str = "",
    part: str = "",
    chain: str = "",
    bank_id: str = "",
    of_month: str = "",
    ui: UI = Depends(overseer),
) -> Response:
    found = queries.records(
        ui.ctx,
        viewer=ui.actor,
        target=target,
        month=_month(ui, month),
        part=part or None,
        chain=chain or None,
        bank=bank_id or None,
        of_month=of_month or None,
    )
    return ui.render("programme/targets/records.html", found=found, name=ui.t(NAMES[found.target]))


def _reports_ctx(ui: UI, form: Form | None = None, upload: Form | None = None) -> dict[str, Any]:
    today = ui.ctx.clock.today()
    this = month_of(today)
    return {
        "reports": report_queries.bank_reports(ui.ctx, viewer=ui.actor),
        "chain_options": [(c.id, c.name) for c in report_queries.reportable_chains(ui.ctx)],
        "month_options": [(m, m) for m in reversed(window(this, 13))],
        "form": form or ui.blank(month=shift_month(this, -1), products="0"),
        "upload": upload or ui.blank(),
        "template_month": shift_month(this, -1),
    }


@router.get("/bank/reports")
def reports_page(ui: UI = Depends(bank)) -> Response:
    return ui.render("programme/targets/bank_reports.html", **_reports_ctx(ui))


def _fen(form: Form, name: str) -> int | None:
    """An amount in yuan that may be zero (a month without any)."""
    raw = str(form.get(name)).strip().replace(",", "")
    try:
        if raw and Decimal(raw) == 0:
            return 0
    except InvalidOperation:
        pass
    return form.yuan(name)


@router.post("/bank/reports")
def submit_report(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(
        BankReportCreate,
        {
            "month": form.text("month", max_len=7),
            "chain": form.text("chain", max_len=40),
            "credit_granted_fen": _fen(form, "credit_granted"),
            "financing_fen": _fen(form, "financing"),
            "products": form.integer("products", low=0, high=1000),
            "note": form.text("note", required=False, max_len=500),
        },
        fields={"credit_granted_fen": "credit_granted", "financing_fen": "financing"},
    )

    def action() -> Response:
        assert body is not None
        r = service.submit_report(
            ui.ctx,
            actor=ui.actor,
            month=body.month,
            chain=body.chain,
            credit_granted_fen=body.credit_granted_fen,
            financing_fen=body.financing_fen,
            products=body.products,
            note=body.note,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/bank/reports",
            N_("Report for %(month)s recorded: credit ¥%(credit)s, financing ¥%(financing)s."),
            month=r.month,
            credit=format_yuan(r.credit_granted_fen),
            financing=format_yuan(r.financing_fen),
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "programme/targets/bank_reports.html", "programme/targets/_report_form.html", **_reports_ctx(ui, form)
        ),
        fields={"targets.future_month": "month", "chain.not_found": "chain", "bank_report.exists": "chain"},
    )


@router.post("/bank/reports/import")
def import_reports(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    upload = form.file("file")

    def action() -> Response:
        assert upload is not None
        r = service.import_reports(
            ui.ctx, actor=ui.actor, content=upload.file.read(), idempotency_key=form.get("idempotency_key")
        )
        return ui.done(
            "/bank/reports",
            N_("Workbook imported: %(rows)s rows, %(created)s new, %(replaced)s replacing earlier reports."),
            rows=r.rows,
            created=r.created,
            replaced=r.replaced,
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "programme/targets/bank_reports.html",
            "programme/targets/_upload_form.html",
            **_reports_ctx(ui, upload=form),
        ),
    )


@router.post("/bank/reports/{report_id}/withdraw")
def withdraw_report(report_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        r = service.withdraw_report(
            ui.ctx, actor=ui.actor, report_id=report_id, idempotency_key=form.get("idempotency_key")
        )
        return ui.done("/bank/reports", N_("Report for %(month)s withdrawn."), month=r.month)

    return submit(
        form, action, lambda: ui.render("programme/targets/bank_reports.html", **_reports_ctx(ui), http_status=422)
    )
