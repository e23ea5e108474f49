"""The console's trade documents: the core enterprise's contracts and invoices (with an optional scan), the
supplier's contracts, and either party's confirmation of a contract the other recorded."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.documents import attachments as attachments
from lianrong.documents import queries as document_queries
from lianrong.documents import service as documents
from lianrong.documents.schemas import ContractCreate, InvoiceCreate
from lianrong.parties import queries as party_queries
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

core = require_kind("core")


def _scan(ui: UI, form: Form) -> list[str]:
    """The optional scan posted with a contract or an invoice, uploaded (by content, as ``POST /attachments``)
    under the form's idempotency key; its hash, to attach."""
    upload = form.file("scan", required=False)
    if upload is None:
        return []
    limit = int(getattr(ui.ctx.settings, "max_upload_bytes", 20 * 1024 * 1024))
    content = upload.file.read(limit + 1)
    return [
        attachments.upload(
            ui.ctx,
            actor=ui.actor,
            content=content,
            filename=str(upload.filename)[:255],
            idempotency_key=f"{form.get('idempotency_key')}:scan",
        ).sha256
    ]


def _contracts_ctx(ui: UI, contract_form: Form | None = None, invoice_form: Form | None = None) -> dict[str, Any]:
    suppliers = party_queries.core_suppliers(ui.ctx, actor=ui.actor)
    rows = document_queries.contracts(ui.ctx, actor=ui.actor)
    sellers = {s.supplier_id: s.short_name or s.name for s in suppliers}
    return {
        "contracts": rows,
        "seller_options": sorted(sellers.items(), key=lambda kv: kv[1]),
        "contract_options": [(c.id, f"{c.number} · {c.seller_name}") for c in rows if c.role == "buyer"],
        "contract_form": contract_form or ui.blank(non_cash_agreed="1"),
        "invoice_form": invoice_form or ui.blank(),
    }


def _confirm(ui: UI, data: Any, contract_id: str, back: str) -> Response:
    """The other party confirms a contract that names it, then back to ``back`` (a refusal: its page)."""
    form = ui.posted(data)

    def action() -> Response:
        r = documents.confirm_contract(
            ui.ctx, actor=ui.actor, contract_id=contract_id, idempotency_key=form.get("idempotency_key")
        )
        return ui.done(back, N_("Contract %(number)s confirmed."), number=r.number)

    def refused() -> Response:
        assert form.refusal is not None
        raise form.refusal  # no form to show it on: the error page

    return submit(form, action, refused)


@router.get("/core/contracts")
def contracts_page(ui: UI = Depends(core)) -> Response:
    return ui.render("core/contracts.html", **_contracts_ctx(ui))


@router.post("/core/contracts")
def add_contract(posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(
        ContractCreate,
        {
            "buyer": ui.party_id,
            "seller": form.text("seller_id"),
            "number": str(form.get("number")).strip(),
            "amount_fen": form.yuan("amount"),
            "signed_on": form.date("signed_on"),
            "due_on": form.date("due_on"),
            "non_cash_agreed": form.checked("non_cash_agreed"),
        },
        fields={"seller": "seller_id", "amount_fen": "amount"},
    )

    def action() -> Response:
        assert body is not None
        r = documents.add_contract(
            ui.ctx,
            actor=ui.actor,
            buyer=body.buyer,
            seller=body.seller,
            number=body.number,
            amount_fen=body.amount_fen,
            signed_on=body.signed_on,
            due_on=body.due_on,
            non_cash_agreed=body.non_cash_agreed,
            attachments=_scan(ui, form),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done("/core/contracts", N_("Contract %(number)s recorded."), number=r.number)

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "core/contracts.html", "core/_contract_form.html", form=form, **_contracts_ctx(ui, contract_form=form)
        ),
    )


@router.post("/core/contracts/{contract_id}/confirm")
def core_confirm(contract_id: str, posted: Posted = Depends(post("core"))) -> Response:
    return _confirm(*posted, contract_id, "/core/contracts")


@router.post("/core/invoices")
def add_invoice(posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    contract_id = form.text("contract_id")
    body = form.validated(
        InvoiceCreate,
        {
            "number": str(form.get("number")).strip(),
            "code": str(form.get("code")).strip() or None,
            "amount_fen": form.yuan("amount"),
            "issued_on": form.date("issued_on"),
        },
        fields={"amount_fen": "amount"},
    )

    def action() -> Response:
        assert body is not None
        r = documents.add_invoice(
            ui.ctx,
            actor=ui.actor,
            contract_id=contract_id,
            number=body.number,
            code=body.code,
            amount_fen=body.amount_fen,
            issued_on=body.issued_on,
            attachments=_scan(ui, form),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done("/core/contracts", N_("Invoice %(number)s recorded."), number=r.number)

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "core/contracts.html", "core/_invoice_form.html", form=form, **_contracts_ctx(ui, invoice_form=form)
        ),
    )


@router.get("/supplier/contracts")
def supplier_contracts(ui: UI = Depends(require_kind("supplier"))) -> Response:
    return ui.render("supplier/contracts.html", contracts=document_queries.contracts(ui.ctx, actor=ui.actor))


@router.post("/supplier/contracts/{contract_id}/confirm")
def supplier_confirm(contract_id: str, posted: Posted = Depends(post("supplier"))) -> Response:
    return _confirm(*posted, contract_id, "/supplier/contracts")
