"""Core enterprise (链主) pages: suppliers, contracts and invoices, issue and approve, payables, maturity."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from ...domain.errors import LianRongError
from ...services import documents, vouchers, worklists
from ..console import Deps
from ..i18n import N_
from ..render import UI, Form
from . import charts

AREA = "core"
VOUCHER_STATUSES = ("pending", "active", "settled", "overdue", "rejected")


def _contracts_ctx(ui: UI, contract_form: Form | None = None, invoice_form: Form | None = None) -> dict[str, Any]:
    suppliers = worklists.core_suppliers(ui.ctx, actor=ui.actor)
    rows = worklists.contracts(ui.ctx, actor=ui.actor)
    sellers = {s["supplier_id"]: s["short_name"] or s["name"] for s in suppliers}
    return {
        "contracts": rows,
        "seller_options": sorted(sellers.items(), key=lambda kv: kv[1]),
        "contract_options": [(c["id"], f"{c['number']} · {c['seller_name']}") for c in rows if c["role"] == "buyer"],
        "contract_form": contract_form or ui.blank(non_cash_agreed="1"),
        "invoice_form": invoice_form or ui.blank(),
    }


def _issue_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    options = worklists.issue_options(ui.ctx, actor=ui.actor)
    default_bank = options["banks"][0]["id"] if len(options["banks"]) == 1 else ""
    return {
        "options": options,
        "bank_options": [(b["id"], b["name"]) for b in options["banks"]],
        "invoice_options": [(i["id"], i["label"]) for i in options["invoices"]],
        "form": form or ui.blank(bank_id=default_bank),
    }


def _pending_ctx(ui: UI) -> dict[str, Any]:
    rows = worklists.vouchers(ui.ctx, actor=ui.actor, status="pending", core_only=True)
    return {"pending": rows, "forms": {r["id"]: ui.blank() for r in rows}}


def register(router: APIRouter, deps: Deps) -> None:
    page = deps.ui(AREA)
    post = deps.post(AREA)

    @router.get("/core")
    def core_home(ui: UI = Depends(page)) -> Response:
        summary = worklists.party_summary(ui.ctx, actor=ui.actor)
        months = worklists.payables(ui.ctx, actor=ui.actor)
        recent = worklists.vouchers(ui.ctx, actor=ui.actor, core_only=True, limit=6)
        return ui.render("core/home.html", summary=summary, recent=recent,
                         chart=charts.payables(ui, months))

    @router.get("/core/suppliers")
    def suppliers(ui: UI = Depends(page)) -> Response:
        return ui.render("core/suppliers.html", suppliers=worklists.core_suppliers(ui.ctx, actor=ui.actor))

    @router.get("/core/contracts")
    def contracts_page(ui: UI = Depends(page)) -> Response:
        return ui.render("core/contracts.html", **_contracts_ctx(ui))

    @router.post("/core/contracts")
    def add_contract(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        seller = form.text("seller_id")
        number = form.text("number", max_len=60)
        amount = form.yuan("amount")
        signed = form.date("signed_on")
        due = form.date("due_on")
        if form.ok:
            try:
                r = documents.add_contract(ui.ctx, actor=ui.actor, buyer=ui.party_id, seller=seller, number=number,
                                           amount_fen=amount, signed_on=signed, due_on=due,  # type: ignore[arg-type]
                                           non_cash_agreed=form.checked("non_cash_agreed"),
                                           idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/contracts", N_("Contract %(number)s recorded."), number=r["number"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/contracts.html", "core/_contract_form.html", form=form,
                             **_contracts_ctx(ui, contract_form=form))

    @router.post("/core/invoices")
    def add_invoice(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        contract_id = form.text("contract_id")
        number = form.text("number", max_len=20)
        code = form.text("code", required=False, max_len=12) or None
        amount = form.yuan("amount")
        issued = form.date("issued_on")
        if form.ok:
            try:
                r = documents.add_invoice(ui.ctx, actor=ui.actor, contract_id=contract_id, number=number, code=code,
                                          amount_fen=amount, issued_on=issued,  # type: ignore[arg-type]
                                          idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/contracts", N_("Invoice %(number)s recorded."), number=r["number"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/contracts.html", "core/_invoice_form.html", form=form,
                             **_contracts_ctx(ui, invoice_form=form))

    @router.get("/core/vouchers/new")
    def issue_form(ui: UI = Depends(page)) -> Response:
        return ui.render("core/issue.html", **_issue_ctx(ui))

    @router.post("/core/vouchers")
    def prepare(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        bank = form.text("bank_id")
        invoice_id = form.text("invoice_id")
        amount = form.yuan("amount")
        maturity = form.date("maturity_on")
        reason = form.text("long_term_reason", required=False, max_len=500) or None
        if form.ok:
            try:
                inv = worklists.invoice_for_issue(ui.ctx, actor=ui.actor, invoice_id=invoice_id)
                r = vouchers.prepare(ui.ctx, actor=ui.actor, bank=bank, supplier=inv["seller_id"],
                                     contract_id=inv["contract_id"],
                                     invoices=[{"invoice_id": invoice_id, "amount_fen": amount}],
                                     amount_fen=amount, maturity_on=maturity,  # type: ignore[arg-type]
                                     long_term_reason=reason, idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/vouchers/pending", N_("Voucher %(number)s prepared; it waits for approval."),
                               number=r["number"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/issue.html", "core/_issue_form.html", **_issue_ctx(ui, form))

    @router.get("/core/vouchers/pending")
    def pending(ui: UI = Depends(page)) -> Response:
        return ui.render("core/pending.html", **_pending_ctx(ui))

    def _decide(ui: UI, data: FormData, voucher_id: str, approve: bool) -> Response:
        form = ui.posted(data)
        reason = "" if approve else form.text("reason", max_len=500)
        if form.ok:
            try:
                if approve:
                    r = vouchers.approve(ui.ctx, actor=ui.actor, voucher_id=voucher_id,
                                         idempotency_key=form.get("idempotency_key"))
                    return ui.done(f"/core/vouchers/{voucher_id}", N_("Voucher %(number)s approved and issued."),
                                   number=r["number"])
                vouchers.reject(ui.ctx, actor=ui.actor, voucher_id=voucher_id, reason=reason,
                                idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/vouchers/pending", N_("The voucher was rejected; its invoices are free again."),
                               tone="warn")
            except LianRongError as exc:
                form.fail(None, exc)
        ctx = _pending_ctx(ui)
        ctx["forms"][voucher_id] = form
        row = next((r for r in ctx["pending"] if r["id"] == voucher_id), None)
        if ui.is_htmx and row is not None:
            return ui.render("core/_pending_card.html", v=row, form=form)
        return ui.render("core/pending.html", http_status=422, **ctx)

    @router.post("/core/vouchers/{voucher_id}/approve")
    def approve(voucher_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        return _decide(*posted, voucher_id, True)

    @router.post("/core/vouchers/{voucher_id}/reject")
    def reject(voucher_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        return _decide(*posted, voucher_id, False)

    @router.get("/core/vouchers")
    def voucher_list(status: str = "", ui: UI = Depends(page)) -> Response:
        status = status if status in VOUCHER_STATUSES else ""
        rows = worklists.vouchers(ui.ctx, actor=ui.actor, status=status or None, core_only=True)
        return ui.render("shared/vouchers.html", vouchers=rows, status=status, statuses=VOUCHER_STATUSES,
                         base="/core/vouchers")

    @router.get("/core/vouchers/{voucher_id}")
    def voucher_page(voucher_id: str, ui: UI = Depends(page)) -> Response:
        detail = worklists.voucher_detail(ui.ctx, actor=ui.actor, voucher_id=voucher_id)
        return ui.render("shared/voucher.html", d=detail, back="/core/vouchers")

    @router.get("/core/payables")
    def payables(ui: UI = Depends(page)) -> Response:
        months = worklists.payables(ui.ctx, actor=ui.actor)
        return ui.render("core/payables.html", months=months, chart=charts.payables(ui, months))

    @router.get("/core/maturity")
    def maturity(days: int = 60, ui: UI = Depends(page)) -> Response:
        days = min(max(days, 0), 400)
        rows = worklists.maturity_board(ui.ctx, actor=ui.actor, horizon_days=days)
        return ui.render("core/maturity.html", rows=rows, days=days)
