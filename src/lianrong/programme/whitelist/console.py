"""The console's white list: the overseer area (``/programme/whitelist``: proposals to review, the list, renewal
rounds, an entry's page with its history) and the bank area (``/bank/whitelist``: the list and the pushes to
acknowledge). Only the actions the signed-in user may take are shown; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.platform import scope
from lianrong.programme.whitelist import queries, renewal
from lianrong.programme.whitelist import service as wl
from lianrong.programme.whitelist.schemas import WhitelistEntryCreate
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

HOME = "/programme/whitelist"
WRITERS = ("operator", "approver", "admin")
DECIDERS = ("approver", "admin")


def _may(ui: UI) -> dict[str, bool]:
    """What the signed-in user may do here (the services refuse anything else all the same)."""
    with ui.ctx.uow(readonly=True) as uow:
        kind = scope.party_kind(uow, ui.actor)
    role = ui.actor.role
    return {
        "propose": kind in ("district", "chain_office") and role in WRITERS,
        "decide": kind == "district" and role in DECIDERS,
        "acknowledge": kind == "bank" and role in WRITERS,
    }


def _list_ctx(ui: UI, form: Form | None = None, action: Form | None = None) -> dict[str, Any]:
    may = _may(ui)
    entries = queries.entries(ui.ctx, viewer=ui.actor)
    cores, chains = queries.proposal_options(ui.ctx, viewer=ui.actor) if may["propose"] else ([], [])
    return {
        "may": may,
        "proposals": [e for e in entries if e.status == "proposed"],
        "entries": [e for e in entries if e.status != "proposed"],
        "rounds": queries.rounds(ui.ctx, viewer=ui.actor),
        "this_year": ui.ctx.clock.today().year,
        "core_options": [(c.id, c.name) for c in cores],
        "chain_options": [(c.id, c.name) for c in chains],
        "form": form or ui.blank(compliant="1"),
        "action": action or ui.blank(),
    }


@router.get(HOME)
def list_page(ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("programme/whitelist/list.html", **_list_ctx(ui))


@router.post(HOME)
def propose(posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    ratio = form.percent("debt_ratio", low=Decimal(0), high=Decimal(1))
    body = form.validated(
        WhitelistEntryCreate,
        {
            "core": form.text("core_id"),
            "chain": form.text("chain_id"),
            "criteria": {
                "debt_ratio": float(ratio) if ratio is not None else None,
                "compliant": form.checked("compliant"),
                "main_business": form.text("main_business"),
                "evidence": form.text("evidence", required=False, max_len=500),
                "extra": [
                    {"name": n.strip(), "met": True, "evidence": ""}
                    for n in form.text("extra", required=False).split(",")
                    if n.strip()
                ],
            },
        },
        fields={"core": "core_id", "chain": "chain_id"},
    )

    def action() -> Response:
        assert body is not None
        r = wl.propose(
            ui.ctx,
            actor=ui.actor,
            core=body.core,
            chain=body.chain,
            criteria=body.criteria.model_dump(),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"{HOME}/{r.id}", N_("Proposal recorded; it awaits the district office's review."))

    return submit(
        form, action, lambda: ui.render("programme/whitelist/list.html", http_status=422, **_list_ctx(ui, form))
    )


def _entry_ctx(ui: UI, entry_id: str, action: Form | None = None) -> dict[str, Any]:
    return {
        "detail": queries.entry(ui.ctx, viewer=ui.actor, entry_id=entry_id),
        "may": _may(ui),
        "action": action or ui.blank(),
        "back": "/bank/whitelist" if ui.role == "bank" else HOME,
        "base": "/bank/whitelist" if ui.role == "bank" else HOME,
    }


@router.get(HOME + "/{entry_id}")
def entry_page(entry_id: str, ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("programme/whitelist/entry.html", **_entry_ctx(ui, entry_id))


@router.get("/bank/whitelist/{entry_id}")
def bank_entry_page(entry_id: str, ui: UI = Depends(require_kind("bank"))) -> Response:
    return ui.render("programme/whitelist/entry.html", **_entry_ctx(ui, entry_id))


@router.post(HOME + "/{entry_id}/review")
def review(entry_id: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    approve = form.get("decision") == "approve"
    reason = form.text("reason", required=not approve, max_len=500)

    def action() -> Response:
        r = wl.review(
            ui.ctx,
            actor=ui.actor,
            entry_id=entry_id,
            approve=approve,
            reason=reason,
            idempotency_key=form.get("idempotency_key"),
        )
        if r.status == "listed":
            return ui.done(f"{HOME}/{r.id}", N_("Published on the white list and pushed to every bank."))
        return ui.done(f"{HOME}/{r.id}", N_("Proposal rejected."))

    return submit(
        form, action, lambda: ui.render("programme/whitelist/list.html", http_status=422, **_list_ctx(ui, action=form))
    )


@router.post(HOME + "/{entry_id}/revoke")
def revoke(entry_id: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    reason = form.text("reason", max_len=500)

    def action() -> Response:
        wl.revoke(ui.ctx, actor=ui.actor, entry_id=entry_id, reason=reason, idempotency_key=form.get("idempotency_key"))
        return ui.done(f"{HOME}/{entry_id}", N_("Entry revoked; the removal was pushed to every bank."))

    return submit(
        form,
        action,
        lambda: ui.render("programme/whitelist/entry.html", http_status=422, **_entry_ctx(ui, entry_id, form)),
    )


# --- renewal rounds -----------------------------------------------------------------------------------


def _round_ctx(ui: UI, round_id: str, action: Form | None = None) -> dict[str, Any]:
    return {
        "detail": queries.round_detail(ui.ctx, viewer=ui.actor, round_id=round_id),
        "may": _may(ui),
        "action": action or ui.blank(),
    }


@router.post(HOME + "/rounds")
def open_round(posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        r = renewal.open_round(ui.ctx, actor=ui.actor, idempotency_key=form.get("idempotency_key"))
        return ui.done(f"{HOME}/rounds/{r.id}", N_("Renewal round opened with %(cards)s cards."), cards=r.cards)

    return submit(
        form, action, lambda: ui.render("programme/whitelist/list.html", http_status=422, **_list_ctx(ui, action=form))
    )


@router.get(HOME + "/rounds/{round_id}")
def round_page(round_id: str, ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("programme/whitelist/round.html", **_round_ctx(ui, round_id))


@router.post(HOME + "/rounds/{round_id}/entries/{entry_id}")
def decide(round_id: str, entry_id: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    renew = form.get("decision") == "renew"
    reason = form.text("reason", required=not renew, max_len=500)

    def action() -> Response:
        renewal.decide(
            ui.ctx,
            actor=ui.actor,
            round_id=round_id,
            entry_id=entry_id,
            renew=renew,
            reason=reason,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"{HOME}/rounds/{round_id}", N_("Renewed for another year.") if renew else N_("Entry revoked."))

    return submit(
        form,
        action,
        lambda: ui.render("programme/whitelist/round.html", http_status=422, **_round_ctx(ui, round_id, form)),
    )


@router.post(HOME + "/rounds/{round_id}/close")
def close_round(round_id: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        r = renewal.close_round(ui.ctx, actor=ui.actor, round_id=round_id, idempotency_key=form.get("idempotency_key"))
        return ui.done(
            f"{HOME}/rounds/{round_id}",
            N_("Round closed: %(expired)s expired; the difference was pushed to every bank."),
            expired=len(r.expired),
        )

    return submit(
        form,
        action,
        lambda: ui.render("programme/whitelist/round.html", http_status=422, **_round_ctx(ui, round_id, form)),
    )


# --- the bank ------------------------------------------------------------------------------------------


def _bank_ctx(ui: UI, action: Form | None = None) -> dict[str, Any]:
    return {
        "entries": queries.entries(ui.ctx, viewer=ui.actor, status="listed"),
        "pushes": queries.pushes(ui.ctx, viewer=ui.actor),
        "may": _may(ui),
        "action": action or ui.blank(),
    }


@router.get("/bank/whitelist")
def bank_page(ui: UI = Depends(require_kind("bank"))) -> Response:
    return ui.render("programme/whitelist/bank.html", **_bank_ctx(ui))


@router.post("/bank/whitelist/pushes/{push_id}/acknowledge")
def acknowledge(push_id: str, posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)

    def action() -> Response:
        wl.acknowledge(ui.ctx, actor=ui.actor, push_id=push_id, idempotency_key=form.get("idempotency_key"))
        return ui.done("/bank/whitelist", N_("Change of the white list acknowledged."))

    return submit(
        form, action, lambda: ui.render("programme/whitelist/bank.html", http_status=422, **_bank_ctx(ui, form))
    )
