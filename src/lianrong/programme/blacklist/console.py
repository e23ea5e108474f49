"""The console's black list: the overseers' list, entry and repair pages (``/programme/blacklist…``: the district
office records, lists, removes and decides repairs; a chain office endorses its members' repairs), the bank's
list of listed entries (``/bank/blacklist``), and an enterprise's credit archive with its repair applications
(``/core/credit``, ``/supplier/credit``). Only the actions the signed-in user may take are shown; the use
cases decide again."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.documents import attachments
from lianrong.kernel.policy import SEVERITIES
from lianrong.platform.context import Actor, Context
from lianrong.programme.blacklist import queries, repair, service
from lianrong.programme.blacklist.model import OPEN_REPAIR, EntryStatus, PrincipalRole, RepairStatus, Source
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()

LIST = "/programme/blacklist"
SOURCES = [
    (Source.COURT, N_("Court: dishonest judgment debtor")),
    (Source.FINANCIAL, N_("Financial dishonesty")),
    (Source.TAX, N_("Tax violation")),
    (Source.PLATFORM_OVERDUE, N_("Overdue on this platform")),
    (Source.OTHER, N_("Other")),
]
SEVERITY_LABELS = {"minor": N_("Minor"), "serious": N_("Serious"), "grave": N_("Grave")}
ROLES = [
    (PrincipalRole.LEGAL_REPRESENTATIVE, N_("Legal representative")),
    (PrincipalRole.ACTUAL_CONTROLLER, N_("Actual controller")),
]


def _kind(ctx: Context, actor: Actor) -> str:
    return queries.viewer_kind(ctx, actor)


def _district(ui: UI, *roles: str) -> bool:
    return _kind(ui.ctx, ui.actor) == "district" and ui.actor.role in (*roles, "admin")


def _labels(ui: UI) -> dict[str, Any]:
    return {
        "source_labels": {k.value: ui.t(v) for k, v in SOURCES},
        "severity_labels": {k: ui.t(v) for k, v in SEVERITY_LABELS.items()},
        "role_labels": {k.value: ui.t(v) for k, v in ROLES},
    }


# --- the overseers' list ---


def _list_ctx(ui: UI, form: Form | None = None, status: str = "") -> dict[str, Any]:
    return {
        "entries": queries.entries(ui.ctx, viewer=ui.actor, status=status or None),
        "counts": queries.counts(ui.ctx, viewer=ui.actor),
        "status": status,
        "may_propose": _district(ui, "operator", "approver"),
        "form": form or ui.blank(subject="enterprise", severity="minor", source="court"),
        "source_options": [(k.value, ui.t(v)) for k, v in SOURCES],
        "severity_options": [(s, ui.t(SEVERITY_LABELS[s])) for s in SEVERITIES],
        "role_options": [(k.value, ui.t(v)) for k, v in ROLES],
        "subject_options": [("enterprise", ui.t(N_("Enterprise"))), ("principal", ui.t(N_("Principal (person)")))],
        "effects": {s: ui.ctx.policy.programme.effects(s) for s in SEVERITIES},
        "min_months": {s: ui.ctx.policy.programme.min_months(s) for s in SEVERITIES},
        **_labels(ui),
    }


@router.get(LIST)
def blacklist_page(status: str = "", ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("overview/blacklist.html", **_list_ctx(ui, status=status))


@router.get("/bank/blacklist")
def bank_blacklist_page(ui: UI = Depends(require_kind("bank"))) -> Response:
    return ui.render("overview/blacklist.html", **_list_ctx(ui, status=EntryStatus.LISTED))


@router.post(LIST)
def propose_entry(posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    subject = form.text("subject")
    principal = subject == "principal"
    values = {
        "party": form.text("party", required=not principal, max_len=64) or None,
        "principal_name": form.text("principal_name", required=principal, max_len=60) or None,
        "principal_id_no": form.text("principal_id_no", required=principal, max_len=18) or None,
        "principal_role": form.text("principal_role", required=principal, max_len=24) or None,
        "source": form.text("source"),
        "severity": form.text("severity"),
        "reason": form.text("reason", max_len=500),
    }
    upload = form.file("evidence", required=False)

    def action() -> Response:
        shas = []
        if upload is not None:
            shas.append(
                attachments.upload(
                    ui.ctx,
                    actor=ui.actor,
                    content=upload.file.read(),
                    filename=upload.filename or "evidence",
                    idempotency_key=f"{form.get('idempotency_key')}:evidence",
                ).sha256
            )
        e = service.propose(
            ui.ctx,
            actor=ui.actor,
            subject=subject,
            evidence=shas,
            idempotency_key=form.get("idempotency_key"),
            **values,
        )
        return ui.done(f"{LIST}/{e.id}", N_("Entry recorded; it bars nothing until an approver lists it."))

    return submit(
        form,
        action,
        lambda: ui.form_error("overview/blacklist.html", "overview/_blacklist_form.html", **_list_ctx(ui, form)),
        fields={"blacklist.id_number_invalid": "principal_id_no", "party.not_found": "party"},
    )


# --- an entry ---


def _entry_ctx(ui: UI, entry_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = queries.entry(ui.ctx, viewer=ui.actor, entry_id=entry_id)
    e = detail.entry
    approver = _district(ui, "approver")
    return {
        "d": detail,
        "e": e,
        "may_decide": approver and e.status == EntryStatus.PROPOSED and e.created_by != ui.actor.user_id,
        "may_remove": approver and e.status == EntryStatus.LISTED,
        "form": form or ui.blank(),
        **_labels(ui),
    }


@router.get(LIST + "/repairs")
def repairs_page(status: str = "", ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render(
        "overview/blacklist_repairs.html",
        repairs=queries.repairs(ui.ctx, viewer=ui.actor, status=status or None),
        status=status,
        **_labels(ui),
    )


@router.get(LIST + "/{entry_id}")
def entry_page(entry_id: str, ui: UI = Depends(require_kind("overseer", "bank"))) -> Response:
    return ui.render("overview/blacklist_entry.html", **_entry_ctx(ui, entry_id))


@router.post(LIST + "/{entry_id}/{verb}")
def decide_entry(entry_id: str, verb: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    reason = form.text("reason", required=verb != "approve", max_len=500)

    def action() -> Response:
        key = form.get("idempotency_key")
        if verb == "remove":
            service.remove(ui.ctx, actor=ui.actor, entry_id=entry_id, reason=reason, idempotency_key=key)
            return ui.done(f"{LIST}/{entry_id}", N_("Entry removed; its restrictions are lifted."))
        service.decide(
            ui.ctx, actor=ui.actor, entry_id=entry_id, approve=verb == "approve", reason=reason, idempotency_key=key
        )
        if verb == "approve":
            return ui.done(f"{LIST}/{entry_id}", N_("Entry listed; the actions its severity bars are now refused."))
        return ui.done(f"{LIST}/{entry_id}", N_("Entry rejected."))

    if verb not in ("approve", "reject", "remove"):
        from lianrong.kernel import errors

        raise errors.NotFound("page", verb)
    return submit(
        form,
        action,
        lambda: ui.form_error(
            "overview/blacklist_entry.html", "overview/_blacklist_decide_form.html", **_entry_ctx(ui, entry_id, form)
        ),
    )


# --- repairs ---


def _repair_ctx(ui: UI, repair_id: str, form: Form | None = None) -> dict[str, Any]:
    detail = queries.repair(ui.ctx, viewer=ui.actor, repair_id=repair_id)
    kind, role = _kind(ui.ctx, ui.actor), ui.actor.role
    status = detail.repair.status
    reviewer = next((s.actor_id for s in reversed(detail.steps) if s.action == "review"), None)
    district = kind == "district" and role in ("operator", "approver", "admin")
    return {
        "d": detail,
        "may_endorse": kind == "chain_office"
        and role in ("operator", "approver", "admin")
        and status == RepairStatus.APPLIED,
        "may_review": district
        and (status == RepairStatus.ENDORSED or (status == RepairStatus.APPLIED and not detail.in_chain)),
        "may_decide": district
        and role in ("approver", "admin")
        and status == RepairStatus.REVIEWED
        and reviewer != ui.actor.user_id,
        "form": form or ui.blank(),
        **_labels(ui),
    }


@router.get(LIST + "/repairs/{repair_id}")
def repair_page(repair_id: str, ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("overview/blacklist_repair.html", **_repair_ctx(ui, repair_id))


_REPAIR_VERBS = ("endorse", "return", "review", "approve", "refuse")


@router.post(LIST + "/repairs/{repair_id}/{verb}")
def repair_step(repair_id: str, verb: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    reason = form.text("reason", required=verb in ("return", "review", "refuse"), max_len=500)

    def action() -> Response:
        key, ctx, actor = form.get("idempotency_key"), ui.ctx, ui.actor
        if verb in ("endorse", "return"):
            repair.endorse(
                ctx, actor=actor, repair_id=repair_id, endorse=verb == "endorse", reason=reason, idempotency_key=key
            )
        elif verb == "review":
            repair.review(ctx, actor=actor, repair_id=repair_id, opinion=reason, idempotency_key=key)
        else:
            repair.decide(
                ctx, actor=actor, repair_id=repair_id, approve=verb == "approve", reason=reason, idempotency_key=key
            )
        return ui.done(f"{LIST}/repairs/{repair_id}", N_("Step recorded."))

    if verb not in _REPAIR_VERBS:
        from lianrong.kernel import errors

        raise errors.NotFound("page", verb)
    return submit(
        form,
        action,
        lambda: ui.form_error(
            "overview/blacklist_repair.html", "overview/_repair_step_form.html", **_repair_ctx(ui, repair_id, form)
        ),
    )


# --- an enterprise's credit archive and its applications ---


def _credit_ctx(ui: UI, area: str, form: Form | None = None) -> dict[str, Any]:
    archive = queries.archive(ui.ctx, viewer=ui.actor, party=ui.party_id)
    mine = queries.repairs(ui.ctx, viewer=ui.actor)
    busy = {r.entry_id for r in mine if r.status in OPEN_REPAIR}
    repairable = [x.entry for x in archive.entries if x.entry.status == EntryStatus.LISTED and x.entry.id not in busy]
    return {
        "a": archive,
        "repairs": mine,
        "repairable_options": [(e.id, f"{e.listed_on.isoformat()} {e.reason}") for e in repairable],
        "may_apply": ui.actor.role in ("operator", "approver", "admin"),
        "area": area,
        "form": form or ui.blank(),
        **_labels(ui),
    }


@router.get("/core/credit")
def core_credit(ui: UI = Depends(require_kind("core"))) -> Response:
    return ui.render("shared/credit.html", **_credit_ctx(ui, "core"))


@router.get("/supplier/credit")
def supplier_credit(ui: UI = Depends(require_kind("supplier"))) -> Response:
    return ui.render("shared/credit.html", **_credit_ctx(ui, "supplier"))


def _apply(posted: Posted, area: str) -> Response:
    ui, data = posted
    form = ui.posted(data)
    entry_id = form.text("entry_id", max_len=64)
    statement = form.text("statement", max_len=4000)
    upload = form.file("evidence", required=False)

    def action() -> Response:
        shas = []
        if upload is not None:
            shas.append(
                attachments.upload(
                    ui.ctx,
                    actor=ui.actor,
                    content=upload.file.read(),
                    filename=upload.filename or "evidence",
                    idempotency_key=f"{form.get('idempotency_key')}:evidence",
                ).sha256
            )
        repair.apply(
            ui.ctx,
            actor=ui.actor,
            entry_id=entry_id,
            statement=statement,
            evidence=shas,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"/{area}/credit", N_("Application sent to your chain office."))

    return submit(
        form,
        action,
        lambda: ui.form_error("shared/credit.html", "shared/_repair_form.html", **_credit_ctx(ui, area, form)),
    )


@router.post("/core/credit")
def core_apply(posted: Posted = Depends(post("core"))) -> Response:
    return _apply(posted, "core")


@router.post("/supplier/credit")
def supplier_apply(posted: Posted = Depends(post("supplier"))) -> Response:
    return _apply(posted, "supplier")
