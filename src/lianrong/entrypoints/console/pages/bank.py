"""Bank pages: core enterprises and credit, onboarding, financing review and disbursement, settlement."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from starlette.datastructures import FormData

from lianrong.credit import queries as credit_queries
from lianrong.credit import service as credit
from lianrong.entrypoints.console.app import Deps, error_page
from lianrong.entrypoints.console.pages import charts
from lianrong.financing import exports as financing_exports
from lianrong.financing import queries as financing_queries
from lianrong.financing import service as financing
from lianrong.financing.model import CHECKLIST_ITEMS, REGISTRATION_NO_MAX
from lianrong.kernel import errors
from lianrong.kernel.calendar import add_months
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.money import format_yuan
from lianrong.parties import ledger_xlsx
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.settlement import exports as settlement_exports
from lianrong.settlement import payments
from lianrong.settlement import queries as settlement_queries
from lianrong.settlement import service as settlement
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import service as vouchers
from lianrong.vouchers import splits
from lianrong.vouchers.model import VoucherStatus
from lianrong.web.i18n import N_
from lianrong.web.render import UI, Form, percent_text

AREA = "bank"
QUEUE = ("applied", "approved")
FIN_STATUSES = ("applied", "approved", "disbursed", "repaid", "rejected", "overdue")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def _unavailable(ui: UI) -> Response:
    return error_page(ui.ctx, ui.request, 503, code="excel.unavailable",
                      message=ui.t("Excel import and export are not available on this installation yet."))


def _term_approvals(ui: UI) -> list[dict[str, Any]]:
    rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, bank=ui.party_id, status=VoucherStatus.PENDING,
                                    limit=200).items
    return [r for r in rows if r.long_term_reason and not r.bank_approved_by]


def _onboarding_ctx(ui: UI, form: Form | None = None, ledger_form: Form | None = None) -> dict[str, Any]:
    data = party_queries.bank_customers(ui.ctx, actor=ui.actor)
    return {**data, "form": form or ui.blank(ebanking="1"), "ledger_form": ledger_form or ui.blank(),
            "party_options": [(e["id"], f"{e['name']} · {e['uscc']}") for e in data["enterprises"]],
            "core_options": [(c["id"], c["name"]) for c in data["cores"]],
            "ledger_import": True}


def _financing_ctx(ui: UI, financing_id: str, form: Form | None = None, reg_form: Form | None = None,
                   pay_form: Form | None = None) -> dict[str, Any]:
    d = financing_queries.financing_detail(ui.ctx, actor=ui.actor, financing_id=financing_id)
    if d["financing"]["bank_id"] != ui.party_id:
        raise errors.Forbidden(reason="another bank's financing / 他行融资")
    return {"d": d, "form": form or ui.blank(), "reg_form": reg_form or ui.blank(), "pay_form": pay_form or ui.blank(),
            "checklist_items": CHECKLIST_ITEMS}


#: ranges the designation form accepts (the domain's FinancingParams and the API's schema)
MAX_TERM_DAYS = 3660
MAX_TIER = 100
SPREAD_RANGE = (Decimal("-0.05"), Decimal("0.5"))
#: an LPR outside this range is almost surely a typo (345 for 3.45)
LPR_RANGE = (Decimal("0.0001"), Decimal("0.2"))


def _pct_field(fraction: Any, places: int = 0) -> str:
    """A fraction as typed into a percentage field (its ``%`` is the field's suffix)."""
    return percent_text(fraction, places=places).removesuffix("%")


def _params_form(ui: UI, params: dict[str, Any]) -> Form:
    """A designation form filled with financing parameters (a designation's, or the defaults)."""
    return ui.blank(max_ratio=_pct_field(params["max_ratio"]), max_term_days=str(params["max_term_days"]),
                    min_split=format_yuan(int(params["min_split_fen"])), max_tier=str(params["max_tier"]),
                    spread=_pct_field(params["spread"], places=2))


def _parse_params(ui: UI, form: Form) -> dict[str, Any]:
    """The typed financing parameters, as the service takes them (ratio and spread as fractions, fen)."""
    ceiling = Decimal(str(ui.ctx.policy.max_financing_ratio))
    return {"max_ratio": form.percent("max_ratio", low=Decimal("0.0001"), high=ceiling),
            "max_term_days": form.integer("max_term_days", low=1, high=MAX_TERM_DAYS),
            "min_split_fen": form.yuan("min_split"),
            "max_tier": form.integer("max_tier", low=1, high=MAX_TIER),
            "spread": form.percent("spread", low=SPREAD_RANGE[0], high=SPREAD_RANGE[1])}


def _cores_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    candidates = party_queries.designation_candidates(ui.ctx, actor=ui.actor)
    options = [(c["id"], f"{c['short_name'] or c['name']} · {c['uscc']}"
                + ("" if c["onboarded"] else " · " + ui.t("not onboarded"))) for c in candidates]
    return {"c": None, "cores": party_queries.bank_cores(ui.ctx, actor=ui.actor), "core_options": options,
            "form": form or _params_form(ui, dataclasses.asdict(parties.default_params(ui.ctx))),
            "ceiling": percent_text(ui.ctx.policy.max_financing_ratio)}


def _core_ctx(ui: UI, core_id: str, form: Form | None = None) -> dict[str, Any]:
    core = party_queries.bank_core(ui.ctx, actor=ui.actor, core_id=core_id)
    return {"c": core, "form": form or _params_form(ui, core),
            "ceiling": percent_text(ui.ctx.policy.max_financing_ratio)}


def _lines_ctx(ui: UI, form: Form | None = None, core: str = "") -> dict[str, Any]:
    today = ui.ctx.clock.today()
    cores = party_queries.bank_cores(ui.ctx, actor=ui.actor)
    return {"lines": credit_queries.bank_lines(ui.ctx, actor=ui.actor), "occupation": ui.ctx.policy.credit_occupation,
            "core_options": [(c["core_id"], c["short_name"] or c["name"]) for c in cores],
            "form": form or ui.blank(core_id=core, valid_from=today.isoformat(),
                                     valid_to=(add_months(today, 12) - dt.timedelta(days=1)).isoformat())}


def _lpr_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    return {"entries": party_queries.lpr_history(ui.ctx, actor=ui.actor),
            "form": form or ui.blank(effective_on=ui.ctx.clock.today().isoformat())}


def _confirmations_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    return {"pending": settlement_queries.pending_confirmations(ui.ctx, actor=ui.actor), "form": form or ui.blank()}


def _settlement_filters(on: str, status: str, kind: str) -> tuple[dt.date | None, str | None, str | None]:
    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise errors.InvalidDate(value=on) from None
    return (day, status if status in ("pending", "confirmed", "failed") else None,
            kind if kind in ("settlement", "disbursement", "surplus") else None)


def register(router: APIRouter, deps: Deps) -> None:  # noqa: C901 - one route table per area
    page = deps.ui(AREA)
    post = deps.post(AREA)

    @router.get("/bank")
    def bank_home(ui: UI = Depends(page)) -> Response:
        cores = party_queries.bank_cores(ui.ctx, actor=ui.actor)
        queue = financing_queries.financings(ui.ctx, actor=ui.actor, status=QUEUE, bank_only=True)
        terms = _term_approvals(ui)
        return ui.render("bank/home.html", cores=cores, queue=queue, terms=terms,
                         term_forms={v["id"]: ui.blank() for v in terms}, chart=charts.credit_usage(ui, cores))

    @router.post("/bank/vouchers/{voucher_id}/approve-term")
    def approve_term(voucher_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        try:
            vouchers.bank_approve_term(ui.ctx, actor=ui.actor, voucher_id=voucher_id,
                                       idempotency_key=form.get("idempotency_key"))
            return ui.done("/bank", N_("The long voucher term was approved; the core enterprise can now issue it."))
        except LianRongError as exc:
            form.fail(None, exc)
        cores = party_queries.bank_cores(ui.ctx, actor=ui.actor)
        terms = _term_approvals(ui)
        forms = {v["id"]: ui.blank() for v in terms}
        forms[voucher_id] = form
        return ui.render("bank/home.html", http_status=422, cores=cores, terms=terms, term_forms=forms,
                         queue=financing_queries.financings(ui.ctx, actor=ui.actor, status=QUEUE, bank_only=True),
                         chart=charts.credit_usage(ui, cores))

    @router.get("/bank/vouchers")
    def voucher_list(status: str = "", ui: UI = Depends(page)) -> Response:
        statuses = tuple(s for s in VoucherStatus if s != VoucherStatus.REJECTED)
        status = status if status in statuses else ""
        rows = voucher_queries.vouchers(ui.ctx, viewer=ui.actor, bank=ui.party_id, status=status or None, limit=200)
        return ui.render("shared/vouchers.html", vouchers=rows.items,
                         status=status, statuses=statuses, base="/bank/vouchers")

    @router.get("/bank/splits")
    def split_watch(flagged: str = "", ui: UI = Depends(page)) -> Response:
        report = splits.split_report(ui.ctx, actor=ui.actor, flagged_only=bool(flagged), limit=500)
        return ui.render("shared/splits.html", r=report, flagged=bool(flagged), base="/bank/splits",
                         voucher_base="/bank/vouchers")

    @router.get("/bank/vouchers/{voucher_id}")
    def voucher_page(voucher_id: str, ui: UI = Depends(page)) -> Response:
        detail = voucher_queries.voucher_detail(ui.ctx, viewer=ui.actor, voucher_id=voucher_id)
        return ui.render("shared/voucher.html", d=detail, back="/bank/vouchers")

    # --- core enterprises (核定为数字供应链核心企业) and their financing parameters ---

    @router.get("/bank/cores")
    def cores_page(ui: UI = Depends(page)) -> Response:
        return ui.render("bank/cores.html", **_cores_ctx(ui))

    @router.post("/bank/cores")
    def designate(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        core = form.text("core_id")
        params = _parse_params(ui, form)
        if form.ok:
            try:
                parties.designate_core(ui.ctx, actor=ui.actor, bank=ui.party_id, core=core, **params,
                                       idempotency_key=form.get("idempotency_key"))
                return ui.done("/bank/cores", N_("Core enterprise designated: its vouchers and financings at your "
                                                 "bank follow these parameters. Grant it a credit line next."))
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/cores.html", "bank/_core_form.html", **_cores_ctx(ui, form))

    @router.get("/bank/cores/{core_id}")
    def core_page(core_id: str, ui: UI = Depends(page)) -> Response:
        return ui.render("bank/core.html", **_core_ctx(ui, core_id))

    @router.post("/bank/cores/{core_id}")
    def update_core(core_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        params = _parse_params(ui, form)
        ctx = _core_ctx(ui, core_id, form)  # a core the bank has not designated is not found
        if form.ok:
            try:
                parties.designate_core(ui.ctx, actor=ui.actor, bank=ui.party_id, core=core_id, **params,
                                       idempotency_key=form.get("idempotency_key"))
                return ui.done("/bank/cores", N_("Financing parameters saved for %(name)s."),
                               name=ctx["c"]["short_name"] or ctx["c"]["name"])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/core.html", "bank/_core_form.html", **ctx)

    # --- credit lines ---

    @router.get("/bank/credit-lines")
    def lines_page(core: str = "", ui: UI = Depends(page)) -> Response:
        return ui.render("bank/lines.html", **_lines_ctx(ui, core=core))

    @router.post("/bank/credit-lines")
    def grant_line(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        core = form.text("core_id")
        limit = form.yuan("limit")
        valid_from = form.date("valid_from")
        valid_to = form.date("valid_to")
        if form.ok:
            try:
                r = credit.grant_line(ui.ctx, actor=ui.actor, bank=ui.party_id, core=core, limit_fen=limit,  # type: ignore[arg-type]
                                      valid_from=valid_from, valid_to=valid_to,  # type: ignore[arg-type]
                                      idempotency_key=form.get("idempotency_key"))
                return ui.done("/bank/credit-lines", N_("Credit line of ¥%(limit)s granted, valid %(start)s – %(end)s."),
                               limit=format_yuan(r["limit_fen"]), start=str(r["valid_from"])[:10],
                               end=str(r["valid_to"])[:10])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/lines.html", "bank/_line_form.html", **_lines_ctx(ui, form))

    # --- LPR ---

    @router.get("/bank/lpr")
    def lpr_page(ui: UI = Depends(page)) -> Response:
        return ui.render("bank/lpr.html", **_lpr_ctx(ui))

    @router.post("/bank/lpr")
    def record_lpr(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        day = form.date("effective_on")
        rate = form.percent("rate", low=LPR_RANGE[0], high=LPR_RANGE[1], places=4)
        if form.ok:
            try:
                r = parties.set_lpr(ui.ctx, actor=ui.actor, bank=ui.party_id, effective_on=day,  # type: ignore[arg-type]
                                    rate=str(rate), idempotency_key=form.get("idempotency_key"))
                return ui.done("/bank/lpr", N_("LPR %(rate)s recorded, in force from %(day)s."),
                               rate=percent_text(r["rate"], places=2), day=str(r["effective_on"])[:10])
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/lpr.html", "bank/_lpr_form.html", **_lpr_ctx(ui, form))

    # --- the bank's payment confirmations (the file `lianrong payments confirm` reads) ---

    @router.get("/bank/confirmations")
    def confirmations_page(ui: UI = Depends(page)) -> Response:
        return ui.render("bank/confirmations.html", **_confirmations_ctx(ui))

    @router.post("/bank/confirmations")
    def import_confirmations(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        upload = form.file("file")
        if form.ok:
            try:
                r = payments.import_confirmation_upload(
                    ui.ctx, actor=ui.actor, content=upload.file.read(),  # type: ignore[union-attr]
                    filename=upload.filename, idempotency_key=form.get("idempotency_key"))  # type: ignore[union-attr]
                return ui.done("/bank/confirmations",
                               N_("Confirmations imported: %(confirmed)s paid, %(failed)s failed, "
                                  "%(unchanged)s already recorded."),
                               tone="bad" if r["failed"] else "ok", confirmed=r["confirmed"], failed=r["failed"],
                               unchanged=r.get("unchanged", 0))
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/confirmations.html", "bank/_confirmations_form.html",
                             **_confirmations_ctx(ui, form))

    # --- onboarding ---

    @router.get("/bank/onboarding")
    def onboarding(ui: UI = Depends(page)) -> Response:
        return ui.render("bank/onboarding.html", **_onboarding_ctx(ui))

    @router.post("/bank/onboarding")
    def onboard(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        party = form.text("party_id")
        account = form.text("settlement_account", required=False, max_len=40) or None
        certificate = form.text("certificate", required=False, max_len=60) or None
        if form.ok:
            try:
                r = parties.onboard(ui.ctx, actor=ui.actor, bank=ui.party_id, party=party, settlement_account=account,
                                    ebanking=form.checked("ebanking"), certificate=certificate,
                                    idempotency_key=form.get("idempotency_key"))
                msg = N_("Onboarding recorded: complete.") if r["complete"] else \
                    N_("Onboarding recorded: still incomplete (settlement account, e-banking and U-key are all needed).")
                return ui.done("/bank/onboarding", msg, tone="ok" if r["complete"] else "warn")
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/onboarding.html", "bank/_onboarding_form.html", **_onboarding_ctx(ui, form))

    @router.post("/bank/ledger")
    def ledger_import(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        upload = form.file("file")
        core = form.text("core_id")
        if form.ok:
            try:
                content = upload.file.read()  # type: ignore[union-attr]
                r = ledger_xlsx.import_ledger_xlsx(ui.ctx, actor=ui.actor, bank=ui.party_id, core=core, content=content,
                                              idempotency_key=form.get("idempotency_key"))
                count = len(r.get("suppliers", [])) if isinstance(r, dict) else 0
                return ui.done("/bank/onboarding", N_("Customer ledger imported: %(count)s suppliers."), count=count)
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/onboarding.html", "bank/_ledger_form.html",
                             **_onboarding_ctx(ui, ledger_form=form) | {"form": form})

    # --- financing review ---

    @router.get("/bank/financings")
    def financing_queue(status: str = "", ui: UI = Depends(page)) -> Response:
        chosen: Any = status if status in FIN_STATUSES else (None if status == "all" else QUEUE)
        rows = financing_queries.financings(ui.ctx, actor=ui.actor, status=chosen, bank_only=True)
        return ui.render("bank/financings.html", rows=rows, status=status if status in FIN_STATUSES or status == "all"
                         else "", statuses=FIN_STATUSES, export=True)

    @router.get("/bank/financings/{financing_id}")
    def financing_page(financing_id: str, ui: UI = Depends(page)) -> Response:
        return ui.render("bank/financing.html", **_financing_ctx(ui, financing_id))

    @router.post("/bank/financings/{financing_id}/review")
    def review(financing_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        approve = form.get("decision") == "approve"
        reason = form.text("reason", required=not approve, max_len=500)
        registration = form.text("registration_no", required=False, max_len=REGISTRATION_NO_MAX) or None
        if form.ok:
            try:
                financing.review(ui.ctx, actor=ui.actor, financing_id=financing_id, approve=approve,
                                 checklist={k: form.checked(f"check_{k}") for k in CHECKLIST_ITEMS},
                                 reason=reason or None, registration_no=registration,
                                 idempotency_key=form.get("idempotency_key"))
                if approve:
                    return ui.done(f"/bank/financings/{financing_id}", N_("Financing approved."))
                return ui.done("/bank/financings", N_("Financing rejected; the supplier's part is free again."),
                               tone="warn")
            except LianRongError as exc:
                form.fail(None, exc)
        return ui.form_error("bank/financing.html", "bank/_review_form.html", **_financing_ctx(ui, financing_id, form))

    @router.post("/bank/financings/{financing_id}/register")
    def register_financing(financing_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        number = form.text("registration_no", max_len=REGISTRATION_NO_MAX)
        if form.ok:
            try:
                financing.register(ui.ctx, actor=ui.actor, financing_id=financing_id, registration_no=number,
                                   idempotency_key=form.get("idempotency_key"))
                return ui.done(f"/bank/financings/{financing_id}", N_("Registration number recorded."))
            except LianRongError as exc:
                form.fail(None, exc)
        ctx = _financing_ctx(ui, financing_id, reg_form=form) | {"form": form}
        return ui.form_error("bank/financing.html", "bank/_register_form.html", **ctx)

    @router.post("/bank/financings/{financing_id}/disburse")
    def disburse(financing_id: str, posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        try:
            r = financing.disburse(ui.ctx, actor=ui.actor, financing_id=financing_id,
                                   idempotency_key=form.get("idempotency_key"))
            return ui.done(f"/bank/financings/{financing_id}",
                           N_("Disbursed: net proceeds ¥%(net)s instructed to the supplier."),
                           net=format_yuan(r["net_fen"]))
        except LianRongError as exc:
            form.fail(None, exc)
        ctx = _financing_ctx(ui, financing_id, pay_form=form) | {"form": form}
        return ui.form_error("bank/financing.html", "bank/_disburse_form.html", **ctx)

    # --- settlement ---

    @router.get("/bank/settlements")
    def settlements(on: str = "", status: str = "", kind: str = "", ui: UI = Depends(page)) -> Response:
        day, st, kd = _settlement_filters(on, status, kind)
        rows = settlement_queries.instructions(ui.ctx, actor=ui.actor, value_on=day, status=st, kind=kd)
        return ui.render("bank/settlements.html", rows=rows, on=on if day else "", status=st or "", kind=kd or "",
                         report=True,
                         form=ui.blank(on=ui.ctx.clock.today().isoformat()),
                         due=len(settlement.due_vouchers(ui.ctx, on=ui.ctx.clock.today(), bank=ui.actor.party_id)))

    @router.post("/bank/settlements/run")
    def run_settlement(posted: tuple[UI, FormData] = Depends(post)) -> Response:
        ui, data = posted
        form = ui.posted(data)
        day = form.date("on")
        if form.ok:
            try:
                r = settlement.settle(ui.ctx, on=day, actor=ui.actor)  # type: ignore[arg-type]
                return ui.done(f"/bank/settlements?on={day.isoformat()}",  # type: ignore[union-attr]
                               N_("Settlement run for %(day)s: %(vouchers)s vouchers, %(confirmed)s paid, "
                                  "%(failed)s failed, %(pending)s pending."),
                               tone="bad" if r["failed"] or r["errors"] else "ok", day=r["date"],
                               vouchers=r["vouchers"], confirmed=r["confirmed"], failed=r["failed"],
                               pending=r["pending"])
            except LianRongError as exc:
                form.fail(None, exc)
        rows = settlement_queries.instructions(ui.ctx, actor=ui.actor)
        return ui.form_error("bank/settlements.html", "bank/_settle_form.html", rows=rows, on="", status="", kind="",
                             report=True,
                             form=form, due=len(settlement.due_vouchers(ui.ctx, on=ui.ctx.clock.today(), bank=ui.actor.party_id)))

    @router.get("/bank/settlements/export.{fmt}")
    def export(fmt: str, on: str = "", status: str = "", kind: str = "", ui: UI = Depends(page)) -> Response:
        if fmt not in ("csv", "xlsx"):
            raise errors.NotFound("page", f"export.{fmt}")
        day, st, kd = _settlement_filters(on, status, kind)
        content = settlement_queries.export_instructions(ui.ctx, actor=ui.actor, fmt=fmt, value_on=day, status=st, kind=kd)
        name = f"lianrong-instructions-{day.isoformat() if day else 'all'}.{fmt}"
        media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
        return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.get("/bank/settlements/report.xlsx")
    def settlement_report(on: str = "", kind: str = "", ui: UI = Depends(page)) -> Response:
        day, _, kd = _settlement_filters(on, "", kind)
        content = settlement_exports.export_settlements_xlsx(ui.ctx, actor=ui.actor, on=day, kind=kd)
        name = f"lianrong-settlements-{day.isoformat() if day else 'all'}.xlsx"
        return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.get("/bank/financings.xlsx")
    def financings_xlsx(status: str = "", ui: UI = Depends(page)) -> Response:
        content = financing_exports.export_financings_xlsx(ui.ctx, actor=ui.actor, bank=ui.party_id,
                                                status=status if status in FIN_STATUSES else None)
        return Response(content, media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="lianrong-financings.xlsx"'})

    @router.get("/bank/ledger-template.xlsx")
    def ledger_template(ui: UI = Depends(page)) -> Response:
        return Response(ledger_xlsx.ledger_template_xlsx(), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="lianrong-ledger-template.xlsx"'})

    @router.get("/bank/overdue")
    def overdue(ui: UI = Depends(page)) -> Response:
        data = settlement_queries.overdue(ui.ctx, actor=ui.actor)
        return ui.render("bank/overdue.html", vouchers=[v for v in data["vouchers"] if v["bank_id"] == ui.party_id],
                         financings=[f for f in data["financings"] if f["bank_id"] == ui.party_id])
