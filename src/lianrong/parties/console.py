"""The console's pages about organisations: the core enterprise's suppliers; the bank's customers
(onboarding, the customer ledger import), the core enterprises it designates with their financing
parameters, and its LPR."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.kernel.money import format_yuan
from lianrong.parties import designations, ledger_xlsx
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.parties.schemas import DesignationCreate, LprCreate, OnboardingCreate
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form, percent_text, schema_range
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

bank = require_kind("bank")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: ranges the designation form accepts as typed: the API's (``DesignationCreate``)
TERM_DAYS_RANGE = schema_range(DesignationCreate, "max_term_days")
TIER_RANGE = schema_range(DesignationCreate, "max_tier")
SPREAD_RANGE = schema_range(DesignationCreate, "spread")
#: an LPR outside this range is almost surely a typo (345 for 3.45)
LPR_RANGE = (Decimal("0.0001"), Decimal("0.2"))


@router.get("/core/suppliers")
def suppliers(ui: UI = Depends(require_kind("core"))) -> Response:
    return ui.render("core/suppliers.html", suppliers=party_queries.core_suppliers(ui.ctx, actor=ui.actor))


# --- core enterprises (核定为数字供应链核心企业) and their financing parameters ---


def _pct_field(fraction: Any, places: int = 0) -> str:
    """A fraction as typed into a percentage field (its ``%`` is the field's suffix)."""
    return percent_text(fraction, places=places).removesuffix("%")


def _params_form(ui: UI, params: Any) -> Form:
    """A designation form filled with financing parameters (a designation's, or the defaults)."""
    return ui.blank(
        max_ratio=_pct_field(params.max_ratio),
        max_term_days=str(params.max_term_days),
        min_split=format_yuan(int(params.min_split_fen)),
        max_tier=str(params.max_tier),
        spread=_pct_field(params.spread, places=2),
    )


def _designation(ui: UI, form: Form, core: str) -> DesignationCreate | None:
    """The typed financing parameters (ratio and spread as fractions, fen) as the API's designation."""
    ceiling = Decimal(str(ui.ctx.policy.max_financing_ratio))
    params = {
        "max_ratio": form.percent("max_ratio", low=Decimal("0.0001"), high=ceiling),
        "max_term_days": form.integer("max_term_days", low=TERM_DAYS_RANGE[0], high=TERM_DAYS_RANGE[1]),
        "min_split_fen": form.yuan("min_split"),
        "max_tier": form.integer("max_tier", low=TIER_RANGE[0], high=TIER_RANGE[1]),
        "spread": form.percent("spread", low=SPREAD_RANGE[0], high=SPREAD_RANGE[1]),
    }
    return form.validated(
        DesignationCreate, {"core": core, **params}, fields={"core": "core_id", "min_split_fen": "min_split"}
    )


def _designate(ui: UI, form: Form, body: DesignationCreate | None) -> None:
    assert body is not None
    designations.designate_core(
        ui.ctx,
        actor=ui.actor,
        bank=ui.party_id,
        core=body.core,
        **body.model_dump(exclude={"core", "bank"}),
        idempotency_key=form.get("idempotency_key"),
    )


def _cores_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    candidates = party_queries.designation_candidates(ui.ctx, actor=ui.actor)
    options = [
        (
            c.id,
            f"{c.short_name or c.name} · {c.uscc}" + ("" if c.onboarded else " · " + ui.t("not onboarded")),
        )
        for c in candidates
    ]
    return {
        "c": None,
        "cores": party_queries.bank_cores(ui.ctx, actor=ui.actor),
        "core_options": options,
        "form": form or _params_form(ui, designations.default_params(ui.ctx)),
        "ceiling": percent_text(ui.ctx.policy.max_financing_ratio),
    }


def _core_ctx(ui: UI, core_id: str, form: Form | None = None) -> dict[str, Any]:
    core = party_queries.bank_core(ui.ctx, actor=ui.actor, core_id=core_id)
    return {
        "c": core,
        "form": form or _params_form(ui, core),
        "ceiling": percent_text(ui.ctx.policy.max_financing_ratio),
    }


@router.get("/bank/cores")
def cores_page(ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/cores.html", **_cores_ctx(ui))


@router.post("/bank/cores")
def designate(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = _designation(ui, form, form.text("core_id"))

    def action() -> Response:
        _designate(ui, form, body)
        return ui.done(
            "/bank/cores",
            N_(
                "Core enterprise designated: its vouchers and financings at your "
                "bank follow these parameters. Grant it a credit line next."
            ),
        )

    return submit(
        form, action, lambda: ui.form_error("bank/cores.html", "bank/_core_form.html", **_cores_ctx(ui, form))
    )


@router.get("/bank/cores/{core_id}")
def core_page(core_id: str, ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/core.html", **_core_ctx(ui, core_id))


@router.post("/bank/cores/{core_id}")
def update_core(core_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = _designation(ui, form, core_id)
    ctx = _core_ctx(ui, core_id, form)  # a core the bank has not designated is not found

    def action() -> Response:
        _designate(ui, form, body)
        return ui.done(
            "/bank/cores",
            N_("Financing parameters saved for %(name)s."),
            name=ctx["c"].short_name or ctx["c"].name,
        )

    return submit(form, action, lambda: ui.form_error("bank/core.html", "bank/_core_form.html", **ctx))


# --- LPR ---


def _lpr_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    return {
        "entries": party_queries.lpr_history(ui.ctx, viewer=ui.actor),
        "form": form or ui.blank(effective_on=ui.ctx.clock.today().isoformat()),
    }


@router.get("/bank/lpr")
def lpr_page(ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/lpr.html", **_lpr_ctx(ui))


@router.post("/bank/lpr")
def record_lpr(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    day = form.date("effective_on")
    rate = form.percent("rate", low=LPR_RANGE[0], high=LPR_RANGE[1], places=4)
    body = form.validated(LprCreate, {"effective_on": day, "rate": None if rate is None else str(rate)})

    def action() -> Response:
        assert body is not None
        r = designations.set_lpr(
            ui.ctx,
            actor=ui.actor,
            bank=ui.party_id,
            effective_on=body.effective_on,
            rate=body.rate,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/bank/lpr",
            N_("LPR %(rate)s recorded, in force from %(day)s."),
            rate=percent_text(r.rate, places=2),
            day=r.effective_on.isoformat(),
        )

    return submit(form, action, lambda: ui.form_error("bank/lpr.html", "bank/_lpr_form.html", **_lpr_ctx(ui, form)))


# --- onboarding and the customer ledger ---


def _onboarding_ctx(ui: UI, form: Form | None = None, ledger_form: Form | None = None) -> dict[str, Any]:
    data = party_queries.bank_customers(ui.ctx, actor=ui.actor)
    return {
        "customers": data.customers,
        "enterprises": data.enterprises,
        "cores": data.cores,
        "form": form or ui.blank(ebanking="1"),
        "ledger_form": ledger_form or ui.blank(),
        "party_options": [(e.id, f"{e.name} · {e.uscc}") for e in data.enterprises],
        "core_options": [(c.id, c.name) for c in data.cores],
        "ledger_import": True,
    }


@router.get("/bank/onboarding")
def onboarding(ui: UI = Depends(bank)) -> Response:
    return ui.render("bank/onboarding.html", **_onboarding_ctx(ui))


@router.post("/bank/onboarding")
def onboard(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    party = form.text("party_id")
    body = form.validated(
        OnboardingCreate,
        {
            "party": party,
            "settlement_account": str(form.get("settlement_account")).strip() or None,
            "certificate": str(form.get("certificate")).strip() or None,
            "ebanking": form.checked("ebanking"),
        },
        fields={"party": "party_id"},
    )

    def action() -> Response:
        assert body is not None
        r = parties.onboard(
            ui.ctx,
            actor=ui.actor,
            bank=ui.party_id,
            party=body.party,
            settlement_account=body.settlement_account,
            ebanking=body.ebanking,
            certificate=body.certificate,
            idempotency_key=form.get("idempotency_key"),
        )
        msg = (
            N_("Onboarding recorded: complete.")
            if r.complete
            else N_("Onboarding recorded: still incomplete (settlement account, e-banking and U-key are all needed).")
        )
        return ui.done("/bank/onboarding", msg, tone="ok" if r.complete else "warn")

    return submit(
        form,
        action,
        lambda: ui.form_error("bank/onboarding.html", "bank/_onboarding_form.html", **_onboarding_ctx(ui, form)),
    )


@router.post("/bank/ledger")
def ledger_import(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    upload = form.file("file")
    core = form.text("core_id")

    def action() -> Response:
        assert upload is not None
        r = ledger_xlsx.import_ledger_xlsx(
            ui.ctx,
            actor=ui.actor,
            bank=ui.party_id,
            core=core,
            content=upload.file.read(),
            idempotency_key=form.get("idempotency_key"),
        )
        count = r.rows
        return ui.done("/bank/onboarding", N_("Customer ledger imported: %(count)s suppliers."), count=count)

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "bank/onboarding.html", "bank/_ledger_form.html", **_onboarding_ctx(ui, ledger_form=form) | {"form": form}
        ),
    )


@router.get("/bank/ledger-template.xlsx")
def ledger_template(ui: UI = Depends(bank)) -> Response:
    return Response(
        ledger_xlsx.ledger_template_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="lianrong-ledger-template.xlsx"'},
    )
