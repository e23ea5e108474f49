"""Core enterprise (链主) pages: suppliers, contracts and invoices, issue and approve, payables, maturity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from lianrong.documents import errors as documents_errors
from lianrong.documents import queries as document_queries
from lianrong.documents import service as documents
from lianrong.entrypoints.console.app import Deps
from lianrong.entrypoints.console.pages import charts
from lianrong.entrypoints.console.pages.common import confirm_named_contract
from lianrong.kernel import errors
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import format_yuan
from lianrong.parties import queries as party_queries
from lianrong.reporting import queries as reporting_queries
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import service as vouchers
from lianrong.vouchers.model import VoucherStatus
from lianrong.web.i18n import N_
from lianrong.web.render import UI, Form

AREA = "core"
VOUCHER_STATUSES = tuple(VoucherStatus)
#: invoice rows the prepare form offers at most (the service takes up to 100; more is a file import's job)
MAX_INVOICES = 20
_INVOICE_FIELD = re.compile(r"(?:invoice|allocation)_([0-9]{1,3})")


def _scan(ui: UI, form: Form) -> list[str]:
    """The optional scan posted with a contract or an invoice, uploaded (by content, as ``POST /attachments``)
    under the form's idempotency key; its hash, to attach."""
    upload = form.file("scan", required=False)
    if upload is None:
        return []
    limit = int(getattr(ui.ctx.settings, "max_upload_bytes", 20 * 1024 * 1024))
    content = upload.file.read(limit + 1)
    return [documents.upload(ui.ctx, actor=ui.actor, content=content, filename=upload.filename[:255],
                             idempotency_key=f"{form.get('idempotency_key')}:scan")["sha256"]]


def _contracts_ctx(ui: UI, contract_form: Form | None = None, invoice_form: Form | None = None) -> dict[str, Any]:
    suppliers = party_queries.core_suppliers(ui.ctx, actor=ui.actor)
    rows = document_queries.contracts(ui.ctx, actor=ui.actor)
    sellers = {s["supplier_id"]: s["short_name"] or s["name"] for s in suppliers}
    return {
        "contracts": rows,
        "seller_options": sorted(sellers.items(), key=lambda kv: kv[1]),
        "contract_options": [(c["id"], f"{c['number']} · {c['seller_name']}") for c in rows if c["role"] == "buyer"],
        "contract_form": contract_form or ui.blank(non_cash_agreed="1"),
        "invoice_form": invoice_form or ui.blank(),
    }


def _issue_ctx(ui: UI, form: Form | None = None, options: dict[str, Any] | None = None) -> dict[str, Any]:
    options = options or voucher_queries.issue_options(ui.ctx, actor=ui.actor)
    default_bank = options["banks"][0]["id"] if len(options["banks"]) == 1 else ""
    form = form or ui.blank(bank_id=default_bank, rows="1")
    return {
        "options": options,
        "bank_options": [(b["id"], b["name"]) for b in options["banks"]],
        "invoice_options": [(i["id"], f"{i['label']} · {i['seller_name']} · {i['contract_number']} · "
                             + ui.t("unallocated ¥%(amount)s", amount=format_yuan(i["free_fen"])))
                            for i in options["invoices"]],
        "form": form, "rows": _rows(form), "max_rows": MAX_INVOICES,
        "allocation": _allocation(form, _by_id(options)),
    }


def _by_id(options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in options["invoices"]}


def _rows(form: Form) -> int:
    """How many invoice rows the form shows: as asked, and never fewer than the rows typed in."""
    try:
        asked = int(str(form.get("rows", "1")))
    except ValueError:
        asked = 1
    typed = [int(m.group(1)) for k, v in form.values.items()
             if (m := _INVOICE_FIELD.fullmatch(k)) and str(v).strip()]
    return min(max(asked, *typed, 1), MAX_INVOICES)


@dataclass(frozen=True)
class _Allocation:
    row: int
    invoice: dict[str, Any]
    amount_fen: int


def _parse_invoices(form: Form, *, amount_fen: int | None, invoices: dict[str, dict[str, Any]]) -> list[_Allocation]:
    """The chosen invoices and how much of each backs the voucher; refusals attach to the row's field.

    A single invoice with its allocation left blank backs the whole voucher amount.
    """
    chosen: list[tuple[int, dict[str, Any], int | None, bool]] = []
    seen: dict[str, int] = {}
    for i in range(1, _rows(form) + 1):
        iid = str(form.get(f"invoice_{i}")).strip()
        raw = str(form.get(f"allocation_{i}")).strip()
        if not iid and not raw:
            continue
        if not iid:
            form.text(f"invoice_{i}")
            continue
        inv = invoices.get(iid)
        if inv is None:
            form.fail(f"invoice_{i}", errors.NotFound("invoice", iid))
            continue
        if iid in seen:
            form.fail(f"invoice_{i}", vouchers_errors.InvoiceRepeated(invoice=inv["label"], row=seen[iid]))
            continue
        seen[iid] = i
        first = chosen[0][1] if chosen else None
        if first is not None and inv["contract_id"] != first["contract_id"]:
            form.fail(f"invoice_{i}", vouchers_errors.InvoiceOtherContract(
                invoice=inv["label"], contract=inv["contract_number"], row=chosen[0][0],
                first=first["contract_number"]))
            continue
        amount = form.yuan(f"allocation_{i}", required=False) if raw else None
        if amount is not None and amount > inv["free_fen"]:
            form.fail(f"allocation_{i}", documents_errors.InvoiceOverallocated(invoice=inv["label"], available=inv["free_fen"],
                                                                     requested=amount))
        chosen.append((i, inv, amount, bool(raw)))
    if not chosen and "invoice_1" not in form.errors:
        form.text("invoice_1")
    out = []
    for row, inv, amount, typed in chosen:
        if not typed and len(chosen) == 1:
            amount = amount_fen  # one invoice, nothing typed: it backs the whole voucher
        elif not typed:
            form.text(f"allocation_{row}")
        if amount is not None:
            out.append(_Allocation(row, inv, amount))
    return out


def _allocation(form: Form, invoices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The allocations typed so far against the voucher amount (for the live check; the form is not marked)."""
    probe = Form(values=dict(form.values), lang=form.lang)
    amount = probe.yuan("amount", required=False)
    rows = _parse_invoices(probe, amount_fen=amount, invoices=invoices)
    allocated = sum(a.amount_fen for a in rows)
    return {"allocated_fen": allocated, "amount_fen": amount, "count": len(rows),
            "difference_fen": None if amount is None else allocated - amount,
            # what is wrong with what was typed; fields not filled in yet are no news
            "errors": {k: v for k, v in probe.errors.items() if v["code"] != "validation.required"}}


def _pending_ctx(ui: UI) -> dict[str, Any]:
    rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, core=ui.party_id, status=VoucherStatus.PENDING,
                                    limit=200).items
    return {"pending": rows, "forms": {r.id: ui.blank() for r in rows}}


def register(router: APIRouter, deps: Deps) -> None:
    page = deps.ui(AREA)
    post = deps.post(AREA)

    @router.get("/core")
    def core_home(ui: UI = Depends(page)) -> Response:
        summary = reporting_queries.party_summary(ui.ctx, actor=ui.actor)
        months = voucher_queries.payables(ui.ctx, actor=ui.actor)
        recent = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, core=ui.party_id, limit=6).items
        return ui.render("core/home.html", summary=summary, recent=recent,
                         chart=charts.payables(ui, months))

    @router.get("/core/suppliers")
    def suppliers(ui: UI = Depends(page)) -> Response:
        return ui.render("core/suppliers.html", suppliers=party_queries.core_suppliers(ui.ctx, actor=ui.actor))

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
                                           attachments=_scan(ui, form),
                                           idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/contracts", N_("Contract %(number)s recorded."), number=r["number"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/contracts.html", "core/_contract_form.html", form=form,
                             **_contracts_ctx(ui, contract_form=form))

    @router.post("/core/contracts/{contract_id}/confirm")
    def confirm_contract(contract_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        return confirm_named_contract(*posted, contract_id, "/core/contracts")

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
                                          attachments=_scan(ui, form),
                                          idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/contracts", N_("Invoice %(number)s recorded."), number=r["number"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/contracts.html", "core/_invoice_form.html", form=form,
                             **_contracts_ctx(ui, invoice_form=form))

    @router.get("/core/vouchers/new")
    def issue_form(ui: UI = Depends(page)) -> Response:
        return ui.render("core/issue.html", **_issue_ctx(ui))

    @router.post("/core/vouchers/check")
    def prepare_check(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        options = voucher_queries.issue_options(ui.ctx, actor=ui.actor)
        return ui.render("core/_allocation.html", allocation=_allocation(ui.posted(data), _by_id(options)))

    @router.post("/core/vouchers")
    def prepare(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        options = voucher_queries.issue_options(ui.ctx, actor=ui.actor)
        if form.values.pop("add_row", None):  # "add an invoice": the same form with one more row
            form.values["rows"] = str(min(_rows(form) + 1, MAX_INVOICES))
            ctx = _issue_ctx(ui, form, options)
            return ui.render("core/_issue_form.html" if ui.is_htmx else "core/issue.html", **ctx)
        bank = form.text("bank_id")
        amount = form.yuan("amount")
        maturity = form.date("maturity_on")
        reason = form.text("long_term_reason", required=False, max_len=500) or None
        allocations = _parse_invoices(form, amount_fen=amount, invoices=_by_id(options))
        if form.ok:
            try:
                trade = allocations[0].invoice
                r = vouchers.prepare(ui.ctx, actor=ui.actor, bank=bank, supplier=trade["seller_id"],
                                     contract_id=trade["contract_id"],
                                     invoices=[{"invoice_id": a.invoice["id"], "amount_fen": a.amount_fen}
                                               for a in allocations],
                                     amount_fen=amount, maturity_on=maturity,  # type: ignore[arg-type]
                                     long_term_reason=reason, idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/vouchers/pending", N_("Voucher %(number)s prepared; it waits for approval."),
                               number=r.number)
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("core/issue.html", "core/_issue_form.html", **_issue_ctx(ui, form, options))

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
                                   number=r.number)
                vouchers.reject(ui.ctx, actor=ui.actor, voucher_id=voucher_id, reason=reason,
                                idempotency_key=form.get("idempotency_key"))
                return ui.done("/core/vouchers/pending", N_("The voucher was rejected; its invoices are free again."),
                               tone="warn")
            except LianRongError as exc:
                form.fail(None, exc)
        ctx = _pending_ctx(ui)
        ctx["forms"][voucher_id] = form
        row = next((r for r in ctx["pending"] if r.id == voucher_id), None)
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
        rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, core=ui.party_id, status=status or None, limit=200)
        return ui.render("shared/vouchers.html", vouchers=rows.items, status=status, statuses=VOUCHER_STATUSES,
                         base="/core/vouchers")

    @router.get("/core/vouchers/{voucher_id}")
    def voucher_page(voucher_id: str, ui: UI = Depends(page)) -> Response:
        detail = voucher_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
        return ui.render("shared/voucher.html", d=detail, back="/core/vouchers")

    @router.get("/core/payables")
    def payables(ui: UI = Depends(page)) -> Response:
        months = voucher_queries.payables(ui.ctx, actor=ui.actor)
        return ui.render("core/payables.html", months=months, chart=charts.payables(ui, months))

    @router.get("/core/maturity")
    def maturity(days: int = 60, ui: UI = Depends(page)) -> Response:
        days = min(max(days, 0), 400)
        rows = voucher_queries.maturity_board(ui.ctx, actor=ui.actor, horizon_days=days)
        return ui.render("core/maturity.html", rows=rows, days=days)
