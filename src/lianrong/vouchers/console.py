"""The console's voucher pages: the core enterprise issues (prepare, approve / reject), lists and follows its
vouchers (payables, maturity); the supplier's holdings, a part's lineage, split / transfer and certificate;
the bank's vouchers, split monitoring and long-term approvals; the offices' read-only views."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.kernel.money import format_yuan
from lianrong.platform import scope
from lianrong.vouchers import certificates, splits
from lianrong.vouchers import exports as voucher_exports
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import page_queries as voucher_page_queries
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import service as vouchers
from lianrong.vouchers.issue_form import MAX_INVOICES, _allocation, _by_id, _issue_ctx, _parse_invoices, _rows
from lianrong.vouchers.model import FragmentStatus, VoucherStatus
from lianrong.vouchers.schemas import TransferCreate, VoucherCreate, VoucherRejectCreate
from lianrong.web import charts
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()


core = require_kind("core")


supplier = require_kind("supplier")


bank = require_kind("bank")


overseer = require_kind("overseer")


CORE_STATUSES = tuple(VoucherStatus)


BANK_STATUSES = tuple(s for s in VoucherStatus if s != VoucherStatus.REJECTED)


OVERVIEW_STATUSES = tuple(VoucherStatus)


#: recipient rows offered by the split/transfer form
PARTS = 3


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pending_ctx(ui: UI) -> dict[str, Any]:
    rows = voucher_queries.vouchers(
        ui.ctx, viewer=ui.actor, core=ui.party_id, status=VoucherStatus.PENDING, limit=200
    ).items
    return {"pending": rows, "forms": {r.id: ui.blank() for r in rows}}


@router.get("/core/vouchers/new")
def issue_form(ui: UI = Depends(core)) -> Response:
    return ui.render("core/issue.html", **_issue_ctx(ui))


@router.post("/core/vouchers/check")
def prepare_check(posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    options = voucher_page_queries.issue_options(ui.ctx, actor=ui.actor)
    return ui.render("core/_allocation.html", allocation=_allocation(ui.posted(data), _by_id(options)))


@router.post("/core/vouchers")
def prepare(posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    options = voucher_page_queries.issue_options(ui.ctx, actor=ui.actor)
    if form.values.pop("add_row", None):  # "add an invoice": the same form with one more row
        form.values["rows"] = str(min(_rows(form) + 1, MAX_INVOICES))
        ctx = _issue_ctx(ui, form, options)
        return ui.render("core/_issue_form.html" if ui.is_htmx else "core/issue.html", **ctx)
    bank_id = form.text("bank_id")
    amount = form.yuan("amount")
    maturity = form.date("maturity_on")
    allocations = _parse_invoices(form, amount_fen=amount, invoices=_by_id(options))
    trade = allocations[0].invoice if allocations else None
    body = form.validated(
        VoucherCreate,
        {
            "bank": bank_id,
            "supplier": trade.seller_id if trade else None,
            "contract_id": trade.contract_id if trade else None,
            "invoices": [{"invoice_id": a.invoice.id, "amount_fen": a.amount_fen} for a in allocations],
            "amount_fen": amount,
            "maturity_on": maturity,
            "long_term_reason": str(form.get("long_term_reason")).strip() or None,
        },
        fields={
            "bank": "bank_id",
            "amount_fen": "amount",
            "supplier": "invoice_1",
            "contract_id": "invoice_1",
            "invoices": "invoice_1",
        },
    )

    def action() -> Response:
        assert body is not None
        r = issuance.prepare(
            ui.ctx,
            actor=ui.actor,
            bank=body.bank,
            supplier=body.supplier,
            contract_id=body.contract_id,
            invoices=[i.model_dump() for i in body.invoices],
            amount_fen=body.amount_fen,
            maturity_on=body.maturity_on,
            long_term_reason=body.long_term_reason,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/core/vouchers/pending", N_("Voucher %(number)s prepared; it waits for approval."), number=r.number
        )

    return submit(
        form, action, lambda: ui.form_error("core/issue.html", "core/_issue_form.html", **_issue_ctx(ui, form, options))
    )


@router.get("/core/vouchers/pending")
def pending(ui: UI = Depends(core)) -> Response:
    return ui.render("core/pending.html", **_pending_ctx(ui))


def _decide(ui: UI, form: Form, voucher_id: str, action: Any) -> Response:
    def refused() -> Response:
        ctx = _pending_ctx(ui)
        ctx["forms"][voucher_id] = form
        row = next((r for r in ctx["pending"] if r.id == voucher_id), None)
        if ui.is_htmx and row is not None:
            return ui.render("core/_pending_card.html", v=row, form=form)
        return ui.render("core/pending.html", http_status=422, **ctx)

    return submit(form, action, refused)


@router.post("/core/vouchers/{voucher_id}/approve")
def approve(voucher_id: str, posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        r = issuance.approve(ui.ctx, actor=ui.actor, voucher_id=voucher_id, idempotency_key=form.get("idempotency_key"))
        return ui.done(f"/core/vouchers/{voucher_id}", N_("Voucher %(number)s approved and issued."), number=r.number)

    return _decide(ui, form, voucher_id, action)


@router.post("/core/vouchers/{voucher_id}/reject")
def reject(voucher_id: str, posted: Posted = Depends(post("core"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(VoucherRejectCreate, {"reason": str(form.get("reason")).strip()})

    def action() -> Response:
        assert body is not None
        issuance.reject(
            ui.ctx,
            actor=ui.actor,
            voucher_id=voucher_id,
            reason=body.reason,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/core/vouchers/pending", N_("The voucher was rejected; its invoices are free again."), tone="warn"
        )

    return _decide(ui, form, voucher_id, action)


@router.get("/core/vouchers")
def core_vouchers(status: str = "", ui: UI = Depends(core)) -> Response:
    status = status if status in CORE_STATUSES else ""
    rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, core=ui.party_id, status=status or None, limit=200)
    return ui.render(
        "shared/vouchers.html", vouchers=rows.items, status=status, statuses=CORE_STATUSES, base="/core/vouchers"
    )


@router.get("/core/vouchers/{voucher_id}")
def core_voucher(voucher_id: str, ui: UI = Depends(core)) -> Response:
    detail = voucher_page_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
    return ui.render("shared/voucher.html", d=detail, back="/core/vouchers")


@router.get("/core/payables")
def payables(ui: UI = Depends(core)) -> Response:
    months = voucher_page_queries.payables(ui.ctx, actor=ui.actor)
    return ui.render("core/payables.html", months=months, chart=charts.payables(ui, months))


@router.get("/core/maturity")
def maturity(days: int = 60, ui: UI = Depends(core)) -> Response:
    days = min(max(days, 0), 400)
    rows = voucher_page_queries.maturity_board(ui.ctx, actor=ui.actor, horizon_days=days)
    return ui.render("core/maturity.html", rows=rows, days=days)


def _transfer_ctx(ui: UI, fragment_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = voucher_page_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    recipients = (
        voucher_page_queries.transfer_recipients(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
        if detail.can_move
        else []
    )
    options = [(r.id, r.name + ("" if r.onboarded else " · " + ui.t("not onboarded"))) for r in recipients]
    form = form or ui.blank()
    return {
        "d": detail,
        "recipients": recipients,
        "recipient_options": options,
        "form": form,
        "parts": PARTS,
        "remainder": _remainder(form, detail.fragment.amount_fen, quiet=True),
    }


def _parse_parts(form: Form) -> list[dict[str, Any]]:
    parts = []
    for i in range(1, PARTS + 1):
        who = str(form.get(f"recipient_{i}")).strip()
        raw = str(form.get(f"amount_{i}")).strip()
        if not who and not raw:
            continue
        if not who:
            form.text(f"recipient_{i}")
            continue
        amount = form.yuan(f"amount_{i}")
        if amount is not None:
            parts.append({"recipient": who, "amount_fen": amount})
    return parts


def _remainder(form: Form, amount_fen: int, *, quiet: bool = False) -> dict[str, Any]:
    """What stays with the holder after the typed parts (errors are not attached when quiet)."""
    probe = Form(values=dict(form.values), lang=form.lang)
    parts = _parse_parts(probe)
    total = sum(p["amount_fen"] for p in parts)
    if not quiet:
        form.errors.update(probe.errors)
    return {"total_fen": total, "remainder_fen": amount_fen - total, "over": total > amount_fen, "errors": probe.errors}


@router.get("/supplier")
def holdings(all: int = 0, ui: UI = Depends(supplier)) -> Response:  # noqa: A002
    rows = voucher_queries.my_holdings(ui.ctx, viewer=ui.actor, include_closed=bool(all))
    active = [r for r in rows if r.status == FragmentStatus.ACTIVE and not r.bank_holds]
    return ui.render(
        "supplier/holdings.html",
        rows=rows,
        show_all=bool(all),
        held_fen=sum(r.amount_fen for r in active),
        held_count=len(active),
        export=True,
    )


@router.get("/supplier/holdings.xlsx")
def holdings_xlsx(all: int = 0, ui: UI = Depends(supplier)) -> Response:  # noqa: A002
    content = voucher_exports.export_holdings_xlsx(ui.ctx, actor=ui.actor, party=ui.party_id, include_closed=bool(all))
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="lianrong-holdings.xlsx"'}
    )


@router.get("/supplier/fragments/{fragment_id}")
def fragment(fragment_id: str, ui: UI = Depends(supplier)) -> Response:
    detail = voucher_page_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    return ui.render("supplier/fragment.html", d=detail, certificates=True)


@router.get("/supplier/fragments/{fragment_id}/transfer")
def transfer_form(fragment_id: str, ui: UI = Depends(supplier)) -> Response:
    return ui.render("supplier/transfer.html", **_transfer_ctx(ui, fragment_id))


@router.post("/supplier/fragments/{fragment_id}/transfer/check")
def transfer_check(fragment_id: str, posted: Posted = Depends(post("supplier"))) -> Response:
    ui, data = posted
    detail = voucher_page_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    return ui.render(
        "supplier/_remainder.html", d=detail, remainder=_remainder(ui.posted(data), detail.fragment.amount_fen)
    )


@router.post("/supplier/fragments/{fragment_id}/transfer")
def transfer(fragment_id: str, posted: Posted = Depends(post("supplier"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    parts = _parse_parts(form)
    if form.ok and not parts:
        form.text("recipient_1")
    body = form.validated(TransferCreate, {"parts": parts}, fields={"parts": "recipient_1"}) if form.ok else None

    def action() -> Response:
        assert body is not None
        chosen = body.service_parts()
        r = vouchers.transfer(
            ui.ctx, actor=ui.actor, fragment_id=fragment_id, parts=chosen, idempotency_key=form.get("idempotency_key")
        )
        sent = sum(p["amount_fen"] for p in chosen)
        mine = [c for c in r.children if c.holder_id == ui.party_id]
        target = f"/supplier/fragments/{mine[0].id}" if mine else "/supplier"
        return ui.done(
            target,
            N_("Transferred ¥%(amount)s; the parts are recorded in the voucher's tree."),
            amount=format_yuan(sent),
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "supplier/transfer.html", "supplier/_transfer_form.html", **_transfer_ctx(ui, fragment_id, form)
        ),
    )


@router.get("/supplier/fragments/{fragment_id}/certificate.pdf")
def certificate(fragment_id: str, ui: UI = Depends(supplier)) -> Response:
    scope.check_visible(ui.ctx, actor=ui.actor, kind="fragment", ref=fragment_id)
    pdf = certificates.voucher_certificate_pdf(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="lianrong-{fragment_id}.pdf"'},
    )


@router.get("/bank/vouchers")
def bank_vouchers(status: str = "", ui: UI = Depends(bank)) -> Response:
    status = status if status in BANK_STATUSES else ""
    rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, bank=ui.party_id, status=status or None, limit=200)
    return ui.render(
        "shared/vouchers.html", vouchers=rows.items, status=status, statuses=BANK_STATUSES, base="/bank/vouchers"
    )


@router.get("/bank/splits")
def bank_splits(flagged: str = "", ui: UI = Depends(bank)) -> Response:
    report = splits.split_report(ui.ctx, actor=ui.actor, flagged_only=bool(flagged), limit=500)
    return ui.render(
        "shared/splits.html", r=report, flagged=bool(flagged), base="/bank/splits", voucher_base="/bank/vouchers"
    )


@router.get("/bank/vouchers/{voucher_id}")
def bank_voucher(voucher_id: str, ui: UI = Depends(bank)) -> Response:
    detail = voucher_page_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
    return ui.render("shared/voucher.html", d=detail, back="/bank/vouchers")


@router.get("/overview/vouchers")
def overview_vouchers(status: str = "", ui: UI = Depends(overseer)) -> Response:
    status = status if status in OVERVIEW_STATUSES else ""
    rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, status=status or None, limit=500)
    return ui.render(
        "shared/vouchers.html",
        vouchers=rows.items,
        status=status,
        statuses=OVERVIEW_STATUSES,
        base="/overview/vouchers",
    )


@router.get("/overview/vouchers/{voucher_id}")
def overview_voucher(voucher_id: str, ui: UI = Depends(overseer)) -> Response:
    detail = voucher_page_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
    return ui.render("shared/voucher.html", d=detail, back="/overview/vouchers")


@router.get("/overview/splits")
def overview_splits(flagged: str = "", ui: UI = Depends(overseer)) -> Response:
    report = splits.split_report(ui.ctx, actor=ui.actor, flagged_only=bool(flagged), limit=500)
    return ui.render(
        "shared/splits.html",
        r=report,
        flagged=bool(flagged),
        base="/overview/splits",
        voucher_base="/overview/vouchers",
    )
