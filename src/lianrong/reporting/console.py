"""The console's home pages with their summaries and charts: the core enterprise's overview, the bank's core
enterprises and credit, the district and chain offices' programme overview."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.financing import queries as financing_queries
from lianrong.parties import queries as party_queries
from lianrong.reporting import overview
from lianrong.reporting import queries as reporting_queries
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import page_queries as voucher_page_queries
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers.model import VoucherStatus
from lianrong.web import charts
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

#: financings the bank's queue shows by default
QUEUE = ("applied", "approved")


def term_approvals(ui: UI) -> list[Any]:
    """The bank's vouchers waiting for it to approve a term over six months."""
    rows = voucher_queries.vouchers(
        ui.ctx, viewer=ui.actor, bank=ui.party_id, status=VoucherStatus.PENDING, limit=200
    ).items
    return [r for r in rows if r.long_term_reason and not r.bank_approved_by]


def bank_home_ctx(ui: UI, forms: dict[str, Form] | None = None) -> dict[str, Any]:
    """The bank's home page: core enterprises and credit, the review queue, term approvals (``forms`` keeps
    a refused approval's form)."""
    cores = party_queries.bank_cores(ui.ctx, actor=ui.actor)
    terms = term_approvals(ui)
    return {
        "cores": cores,
        "terms": terms,
        "term_forms": {v.id: ui.blank() for v in terms} | (forms or {}),
        "queue": financing_queries.financings(ui.ctx, actor=ui.actor, status=QUEUE, bank_only=True),
        "chart": charts.credit_usage(ui, cores),
    }


@router.get("/core")
def core_home(ui: UI = Depends(require_kind("core"))) -> Response:
    summary = reporting_queries.party_summary(ui.ctx, actor=ui.actor)
    months = voucher_page_queries.payables(ui.ctx, actor=ui.actor)
    recent = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, core=ui.party_id, limit=6).items
    return ui.render("core/home.html", summary=summary, recent=recent, chart=charts.payables(ui, months))


@router.get("/bank")
def bank_home(ui: UI = Depends(require_kind("bank"))) -> Response:
    return ui.render("bank/home.html", **bank_home_ctx(ui))


@router.get("/overview")
def overview_home(ui: UI = Depends(require_kind("overseer"))) -> Response:
    fig = overview.figures(ui.ctx, actor=ui.actor)
    return ui.render(
        "overview/home.html", fig=fig, amounts=charts.overview_amounts(ui, fig), counts=charts.overview_counts(ui, fig)
    )


# the bank's home page offers the long-term approvals: a refused one is shown on that page again
@router.post("/bank/vouchers/{voucher_id}/approve-term")
def approve_term(voucher_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        issuance.bank_approve_term(
            ui.ctx, actor=ui.actor, voucher_id=voucher_id, idempotency_key=form.get("idempotency_key")
        )
        return ui.done("/bank", N_("The long voucher term was approved; the core enterprise can now issue it."))

    return submit(
        form, action, lambda: ui.render("bank/home.html", http_status=422, **bank_home_ctx(ui, {voucher_id: form}))
    )
