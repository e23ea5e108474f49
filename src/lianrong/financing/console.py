"""The console's financing pages: the supplier applies against a part (with a live quote) and follows its
financings; the bank reviews (checklist), registers (中登网) and disburses, and exports its queue."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.financing import exports as financing_exports
from lianrong.financing import queries as financing_queries
from lianrong.financing import service as financing
from lianrong.financing.model import CHECKLIST_ITEMS
from lianrong.financing.schemas import FinancingCreate, RegistrationCreate, ReviewCreate
from lianrong.kernel import errors
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import format_yuan
from lianrong.vouchers import page_queries as voucher_page_queries
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

supplier = require_kind("supplier")
bank = require_kind("bank")

#: the bank's queue by default
QUEUE = ("applied", "approved")
FIN_STATUSES = ("applied", "approved", "disbursed", "repaid", "rejected", "overdue")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the supplier ---


def _finance_ctx(ui: UI, fragment_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = voucher_page_queries.fragment_detail(ui.ctx, actor=ui.actor, fragment_id=fragment_id)
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


@router.get("/supplier/financings")
def my_financings(ui: UI = Depends(supplier)) -> Response:
    return ui.render("supplier/financings.html", rows=financing_queries.financings(ui.ctx, actor=ui.actor))


@router.get("/supplier/fragments/{fragment_id}/finance")
def finance_form(fragment_id: str, ui: UI = Depends(supplier)) -> Response:
    ctx = _finance_ctx(ui, fragment_id)
    ctx["preview"] = _preview(ui, fragment_id, ctx["form"]) if ctx["d"].can_move else None
    return ui.render("supplier/finance.html", **ctx)


@router.post("/supplier/fragments/{fragment_id}/finance/preview")
def finance_preview(fragment_id: str, posted: Posted = Depends(post("supplier"))) -> Response:
    ui, data = posted
    return ui.render("supplier/_quote.html", preview=_preview(ui, fragment_id, ui.posted(data)))


@router.post("/supplier/fragments/{fragment_id}/finance")
def finance_apply(fragment_id: str, posted: Posted = Depends(post("supplier"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    principal = form.yuan("principal", required=False)
    if form.ok and not form.checked("accept"):
        form.text("accept")  # the applicant must confirm the prepaid interest
    body = (
        form.validated(
            FinancingCreate,
            {"fragment_ids": [fragment_id], "principal_fen": principal},
            fields={"principal_fen": "principal"},
        )
        if form.ok
        else None
    )

    def action() -> Response:
        assert body is not None
        r = financing.apply(
            ui.ctx,
            actor=ui.actor,
            fragment_ids=body.fragment_ids,
            principal_fen=body.principal_fen,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/supplier/financings",
            N_("Financing application submitted: ¥%(net)s net proceeds after interest, once the bank disburses."),
            net=format_yuan(r.net_fen),
        )

    def refused() -> Response:
        ctx = _finance_ctx(ui, fragment_id, form)
        ctx["preview"] = _preview(ui, fragment_id, form)
        return ui.form_error("supplier/finance.html", "supplier/_finance_form.html", **ctx)

    return submit(form, action, refused)


# --- the bank ---


def _financing_ctx(
    ui: UI, financing_id: str, form: Form | None = None, reg_form: Form | None = None, pay_form: Form | None = None
) -> dict[str, Any]:
    d = financing_queries.financing_detail(ui.ctx, actor=ui.actor, financing_id=financing_id)
    if d.financing["bank_id"] != ui.party_id:
        raise errors.Forbidden(reason="another bank's financing / 他行融资")
    return {
        "d": d,
        "form": form or ui.blank(),
        "reg_form": reg_form or ui.blank(),
        "pay_form": pay_form or ui.blank(),
        "checklist_items": CHECKLIST_ITEMS,
    }


@router.get("/bank/financings")
def financing_queue(status: str = "", ui: UI = Depends(bank)) -> Response:
    chosen: Any = status if status in FIN_STATUSES else (None if status == "all" else QUEUE)
    rows = financing_queries.financings(ui.ctx, actor=ui.actor, status=chosen, bank_only=True)
    return ui.render(
        "bank/financings.html",
        rows=rows,
        status=status if status in FIN_STATUSES or status == "all" else "",
        statuses=FIN_STATUSES,
        export=True,
    )


@router.get("/bank/financings.xlsx")
def financings_xlsx(status: str = "", ui: UI = Depends(bank)) -> Response:
    content = financing_exports.export_financings_xlsx(
        ui.ctx, actor=ui.actor, bank=ui.party_id, status=status if status in FIN_STATUSES else None
    )
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="lianrong-financings.xlsx"'}
    )


@router.get("/bank/financings/{financing_id}")
def financing_page(financing_id: str, ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/financing.html", **_financing_ctx(ui, financing_id))


@router.post("/bank/financings/{financing_id}/review")
def review(financing_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    approve = form.get("decision") == "approve"
    if not approve:
        form.text("reason")  # a rejection says why
    body = form.validated(
        ReviewCreate,
        {
            "approve": approve,
            "checklist": {k: form.checked(f"check_{k}") for k in CHECKLIST_ITEMS},
            "reason": str(form.get("reason")).strip() or None,
            "registration_no": str(form.get("registration_no")).strip() or None,
        },
    )

    def action() -> Response:
        assert body is not None
        financing.review(
            ui.ctx,
            actor=ui.actor,
            financing_id=financing_id,
            approve=body.approve,
            checklist=body.checklist.model_dump(),
            reason=body.reason,
            registration_no=body.registration_no,
            idempotency_key=form.get("idempotency_key"),
        )
        if approve:
            return ui.done(f"/bank/financings/{financing_id}", N_("Financing approved."))
        return ui.done("/bank/financings", N_("Financing rejected; the supplier's part is free again."), tone="warn")

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "bank/financing.html", "bank/_review_form.html", **_financing_ctx(ui, financing_id, form)
        ),
    )


@router.post("/bank/financings/{financing_id}/register")
def register_financing(financing_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(RegistrationCreate, {"registration_no": str(form.get("registration_no")).strip()})

    def action() -> Response:
        assert body is not None
        financing.register(
            ui.ctx,
            actor=ui.actor,
            financing_id=financing_id,
            registration_no=body.registration_no,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"/bank/financings/{financing_id}", N_("Registration number recorded."))

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "bank/financing.html",
            "bank/_register_form.html",
            **_financing_ctx(ui, financing_id, reg_form=form) | {"form": form},
        ),
    )


@router.post("/bank/financings/{financing_id}/disburse")
def disburse(financing_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        r = financing.disburse(
            ui.ctx, actor=ui.actor, financing_id=financing_id, idempotency_key=form.get("idempotency_key")
        )
        return ui.done(
            f"/bank/financings/{financing_id}",
            N_("Disbursed: net proceeds ¥%(net)s instructed to the supplier."),
            net=format_yuan(r.net_fen),
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "bank/financing.html",
            "bank/_disburse_form.html",
            **_financing_ctx(ui, financing_id, pay_form=form) | {"form": form},
        ),
    )
