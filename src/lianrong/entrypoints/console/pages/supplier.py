"""Supplier pages: holdings, split/transfer, financing with a live preview, lineage, certificate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from lianrong.documents import queries as document_queries
from lianrong.entrypoints.console.app import Deps
from lianrong.entrypoints.console.pages.common import confirm_named_contract
from lianrong.financing import queries as financing_queries
from lianrong.financing import service as financing
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import format_yuan
from lianrong.platform import scope
from lianrong.vouchers import certificates
from lianrong.vouchers import exports as voucher_exports
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import service as vouchers
from lianrong.vouchers.model import FragmentStatus
from lianrong.web.i18n import N_
from lianrong.web.render import UI, Form

AREA = "supplier"
#: recipient rows offered by the split/transfer form
PARTS = 3



def _transfer_ctx(ui: UI, fragment_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = voucher_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    recipients = voucher_queries.transfer_recipients(ui.ctx, actor=ui.actor, fragment_id=fragment_id) \
        if detail["can_move"] else []
    options = [(r["id"], r["name"] + ("" if r["onboarded"] else " · " + ui.t("not onboarded"))) for r in recipients]
    form = form or ui.blank()
    return {"d": detail, "recipients": recipients, "recipient_options": options, "form": form,
            "parts": PARTS, "remainder": _remainder(form, detail["fragment"]["amount_fen"], quiet=True)}


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
    return {"total_fen": total, "remainder_fen": amount_fen - total, "over": total > amount_fen,
            "errors": probe.errors}


def _finance_ctx(ui: UI, fragment_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = voucher_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
    return {"d": detail, "form": form or ui.blank()}


def _preview(ui: UI, fragment_id: str, form: Form) -> dict[str, Any]:
    """The quote for the typed principal (blank: the most the ratio allows), or why there is none."""
    probe = Form(values=dict(form.values), lang=form.lang)
    principal = probe.yuan("principal", required=False)
    quote = None
    if probe.ok:
        try:
            quote = financing.preview(ui.ctx, actor=ui.actor, fragment_ids=[fragment_id], principal_fen=principal)
        except LianRongError as exc:
            probe.fail(None, exc)
    problem = probe.error or next(iter(probe.errors.values()), None)
    return {"quote": quote, "problem": problem}


def register(router: APIRouter, deps: Deps) -> None:
    page = deps.ui(AREA)
    post = deps.post(AREA)

    @router.get("/supplier")
    def holdings(all: int = 0, ui: UI = Depends(page)) -> Response:  # noqa: A002
        rows = voucher_queries.my_holdings(ui.ctx, viewer=ui.actor, include_closed=bool(all))
        active = [r for r in rows if r.status == FragmentStatus.ACTIVE and not r.bank_holds]
        return ui.render("supplier/holdings.html", rows=rows, show_all=bool(all),
                         held_fen=sum(r.amount_fen for r in active), held_count=len(active),
                         export=True)

    @router.get("/supplier/financings")
    def my_financings(ui: UI = Depends(page)) -> Response:
        return ui.render("supplier/financings.html", rows=financing_queries.financings(ui.ctx, actor=ui.actor))

    @router.get("/supplier/contracts")
    def contracts(ui: UI = Depends(page)) -> Response:
        return ui.render("supplier/contracts.html", contracts=document_queries.contracts(ui.ctx, actor=ui.actor))

    @router.post("/supplier/contracts/{contract_id}/confirm")
    def confirm_contract(contract_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        return confirm_named_contract(*posted, contract_id, "/supplier/contracts")

    @router.get("/supplier/fragments/{fragment_id}")
    def fragment(fragment_id: str, ui: UI = Depends(page)) -> Response:
        detail = voucher_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
        return ui.render("supplier/fragment.html", d=detail,
                         certificates=True)

    # --- split and transfer ---

    @router.get("/supplier/fragments/{fragment_id}/transfer")
    def transfer_form(fragment_id: str, ui: UI = Depends(page)) -> Response:
        return ui.render("supplier/transfer.html", **_transfer_ctx(ui, fragment_id))

    @router.post("/supplier/fragments/{fragment_id}/transfer/check")
    def transfer_check(fragment_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        detail = voucher_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
        form = ui.posted(data)
        return ui.render("supplier/_remainder.html", d=detail,
                         remainder=_remainder(form, detail["fragment"]["amount_fen"]))

    @router.post("/supplier/fragments/{fragment_id}/transfer")
    def transfer(fragment_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        parts = _parse_parts(form)
        if form.ok and not parts:
            form.text("recipient_1")
        if form.ok:
            try:
                r = vouchers.transfer(ui.ctx, actor=ui.actor, fragment_id=fragment_id, parts=parts,
                                      idempotency_key=form.get("idempotency_key"))
                sent = sum(p["amount_fen"] for p in parts)
                mine = [c for c in r["children"] if c["holder_id"] == ui.party_id]
                target = f"/supplier/fragments/{mine[0]['id']}" if mine else "/supplier"
                return ui.done(target, N_("Transferred ¥%(amount)s; the parts are recorded in the voucher's tree."),
                               amount=format_yuan(sent))
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("supplier/transfer.html", "supplier/_transfer_form.html",
                             **_transfer_ctx(ui, fragment_id, form))

    # --- financing ---

    @router.get("/supplier/fragments/{fragment_id}/finance")
    def finance_form(fragment_id: str, ui: UI = Depends(page)) -> Response:
        ctx = _finance_ctx(ui, fragment_id)
        ctx["preview"] = _preview(ui, fragment_id, ctx["form"]) if ctx["d"]["can_move"] else None
        return ui.render("supplier/finance.html", **ctx)

    @router.post("/supplier/fragments/{fragment_id}/finance/preview")
    def finance_preview(fragment_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        return ui.render("supplier/_quote.html", preview=_preview(ui, fragment_id, form))

    @router.post("/supplier/fragments/{fragment_id}/finance")
    def finance_apply(fragment_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        principal = form.yuan("principal", required=False)
        if form.ok:
            if not form.checked("accept"):
                form.text("accept")  # the applicant must confirm the prepaid interest
            else:
                try:
                    r = financing.apply(ui.ctx, actor=ui.actor, fragment_ids=[fragment_id], principal_fen=principal,
                                        idempotency_key=form.get("idempotency_key"))
                    return ui.done("/supplier/financings",
                                   N_("Financing application submitted: ¥%(net)s net proceeds after interest, "
                                      "once the bank disburses."), net=format_yuan(r["net_fen"]))
                except LianRongError as exc:
                    form.fail(None, exc)
        ctx = _finance_ctx(ui, fragment_id, form)
        ctx["preview"] = _preview(ui, fragment_id, form)
        return ui.form_error("supplier/finance.html", "supplier/_finance_form.html", **ctx)

    # --- documents ---

    @router.get("/supplier/fragments/{fragment_id}/certificate.pdf")
    def certificate(fragment_id: str, ui: UI = Depends(page)) -> Response:
        scope.check_visible(ui.ctx, actor=ui.actor, kind="fragment", ref=fragment_id)
        pdf = certificates.voucher_certificate_pdf(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="lianrong-{fragment_id}.pdf"'})

    @router.get("/supplier/holdings.xlsx")
    def holdings_xlsx(all: int = 0, ui: UI = Depends(page)) -> Response:  # noqa: A002
        content = voucher_exports.export_holdings_xlsx(ui.ctx, actor=ui.actor, party=ui.party_id, include_closed=bool(all))
        return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="lianrong-holdings.xlsx"'})
