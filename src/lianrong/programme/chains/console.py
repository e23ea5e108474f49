"""The console's chains (the district office and chain offices, ``/programme/chains``): the list (and a new
chain, the district office), a chain's page with its graph and members by tier and role; add and remove
members, import and export the members workbook (the chain's office or the district office)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.programme.chains import chart, members_xlsx, queries
from lianrong.programme.chains import service as chains
from lianrong.programme.chains.model import MAX_TIER, ROLE_LABELS, may_configure, may_manage_members
from lianrong.programme.chains.schemas import ChainCreate, ChainUpdate, MemberCreate, MemberUpdate
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(ui: UI) -> str:
    with ui.ctx.uow(readonly=True) as uow:
        return scope.party_kind(uow, ui.actor)


def _writer(ui: UI) -> bool:
    return ui.actor.role in ("operator", "approver", "admin")


def _list_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    kind = _kind(ui)
    may_create = may_configure(kind) and _writer(ui)
    offices: list[tuple[str, str]] = []
    if may_create:
        offices = [(p.id, p.short_name or p.name) for p in _offices(ui)]
    return {
        "chains": queries.chains(ui.ctx, viewer=ui.actor),
        "may_create": may_create,
        "office_options": offices,
        "form": form or ui.blank(),
    }


def _offices(ui: UI) -> list[Any]:
    from sqlalchemy import select

    from lianrong.adapters.db import tables as t

    with ui.ctx.uow(readonly=True) as uow:
        return list(
            uow.conn.execute(
                select(t.party.c.id, t.party.c.name, t.party.c.short_name)
                .where(t.party.c.kind == "chain_office")
                .order_by(t.party.c.name)
            )
        )


@router.get("/programme/chains")
def chains_page(ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("overview/chains.html", **_list_ctx(ui))


@router.post("/programme/chains")
def create_chain(posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(
        ChainCreate,
        {
            "code": form.text("code", max_len=40),
            "name": form.text("name", max_len=60),
            "name_en": form.text("name_en", max_len=80),
            "office": form.text("office"),
            "key_chain": form.checked("key_chain"),
            "description": form.text("description", required=False, max_len=2000),
        },
    )

    def action() -> Response:
        assert body is not None
        c = chains.create_chain(
            ui.ctx, actor=ui.actor, **body.model_dump(), idempotency_key=form.get("idempotency_key")
        )
        return ui.done(f"/programme/chains/{c.id}", N_("Chain %(name)s created."), name=c.name)

    return submit(
        form,
        action,
        lambda: ui.form_error("overview/chains.html", "overview/_chain_form.html", **_list_ctx(ui, form)),
        fields={"chain.code_invalid": "code", "chain.exists": "code", "chain.name_invalid": "name"},
    )


def _chain_ctx(
    ui: UI,
    chain: str,
    form: Form | None = None,
    upload: Form | None = None,
    change: Form | None = None,
    edit: Form | None = None,
) -> dict[str, Any]:
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain, former=True)
    kind = _kind(ui)
    manage = _writer(ui) and may_manage_members(kind=kind, party_id=ui.party_id, office_id=detail.chain.office_id)
    current = [m for m in detail.members if m.left_on is None]
    role_names = {r.value: (zh if ui.lang == "zh" else en) for r, (zh, en) in ROLE_LABELS.items()}
    return {
        "detail": detail,
        "c": detail.chain,
        "current": current,
        "former": [m for m in detail.members if m.left_on is not None],
        "role_names": role_names,
        "role_options": list(role_names.items()),
        "max_tier": MAX_TIER,
        "graph": chart.graph(detail, lang=ui.lang),
        "names": {n.id: n.name for n in detail.nodes},
        "may_manage": manage,
        "may_configure": _writer(ui) and may_configure(kind),
        "office_options": [(p.id, p.short_name or p.name) for p in _offices(ui)] if may_configure(kind) else [],
        "member_options": [(m.party_id, f"{m.name}（{role_names[m.role]} · {m.tier}）") for m in current],
        "form": form or ui.blank(role="supplier", tier="1"),
        "upload": upload or ui.blank(),
        "change": change or ui.blank(role="supplier", tier="1"),
        "edit": edit
        or ui.blank(
            name=detail.chain.name,
            name_en=detail.chain.name_en,
            office=detail.chain.office_id or "",
            description=detail.chain.description,
            position=str(detail.chain.position),
            key_chain="1" if detail.chain.key_chain else "",
            active="1" if detail.chain.active else "",
        ),
    }


@router.get("/programme/chains/{chain}")
def chain_page(chain: str, ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("overview/chain.html", **_chain_ctx(ui, chain))


@router.post("/programme/chains/{chain}/members")
def add_member(chain: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain)  # outside the scope: the 404 page
    form = ui.posted(data)
    body = form.validated(
        MemberCreate,
        {
            "party": form.text("party", max_len=64),
            "role": form.text("role"),
            "tier": form.integer("tier", low=0, high=MAX_TIER),
            "joined_on": form.date("joined_on", required=False),
            "note": form.text("note", required=False),
        },
    )

    def action() -> Response:
        assert body is not None
        chains.add_member(
            ui.ctx,
            actor=ui.actor,
            chain=detail.chain.id,
            **body.model_dump(),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"/programme/chains/{detail.chain.id}", N_("Member added."))

    return submit(
        form,
        action,
        lambda: ui.form_error("overview/chain.html", "overview/_member_form.html", **_chain_ctx(ui, chain, form)),
        fields={
            "party.not_found": "party",
            "party.wrong_kind": "party",
            "chain.already_member": "party",
            "chain.tier_invalid": "tier",
            "chain.leader_tier": "tier",
            "chain.role_invalid": "role",
        },
        passthrough=(errors.Forbidden,),
    )


@router.post("/programme/chains/{chain}/change")
def change_member(chain: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain)
    form = ui.posted(data)
    party = form.text("party", max_len=64)
    body = form.validated(
        MemberUpdate,
        {
            "role": form.text("role"),
            "tier": form.integer("tier", low=0, high=MAX_TIER),
            "note": form.text("note", required=False) or None,
        },
    )

    def action() -> Response:
        assert body is not None
        chains.update_member(
            ui.ctx,
            actor=ui.actor,
            chain=detail.chain.id,
            party=party,
            **body.model_dump(),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"/programme/chains/{detail.chain.id}", N_("Member changed."))

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "overview/chain.html", "overview/_member_change.html", **_chain_ctx(ui, chain, change=form)
        ),
        fields={"chain.not_member": "party", "chain.tier_invalid": "tier", "chain.leader_tier": "tier"},
        passthrough=(errors.Forbidden,),
    )


@router.post("/programme/chains/{chain}/edit")
def edit_chain(chain: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain)
    form = ui.posted(data)
    body = form.validated(
        ChainUpdate,
        {
            "name": form.text("name", max_len=60),
            "name_en": form.text("name_en", max_len=80),
            "office": form.text("office"),
            "key_chain": form.checked("key_chain"),
            "description": form.text("description", required=False, max_len=2000),
            "position": form.integer("position", low=0, high=1000),
            "active": form.checked("active"),
        },
    )

    def action() -> Response:
        assert body is not None
        chains.update_chain(
            ui.ctx,
            actor=ui.actor,
            chain=detail.chain.id,
            **body.model_dump(),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(f"/programme/chains/{detail.chain.id}", N_("Chain saved."))

    return submit(
        form,
        action,
        lambda: ui.form_error("overview/chain.html", "overview/_chain_edit.html", **_chain_ctx(ui, chain, edit=form)),
        fields={"chain.name_invalid": "name"},
        passthrough=(errors.Forbidden,),
    )


@router.post("/programme/chains/{chain}/members/{party}/leave")
def remove_member(chain: str, party: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain)
    form = ui.posted(data)
    chains.remove_member(
        ui.ctx, actor=ui.actor, chain=detail.chain.id, party=party, idempotency_key=form.get("idempotency_key")
    )
    return ui.done(
        f"/programme/chains/{detail.chain.id}", N_("The member has left the chain (kept as a former member).")
    )


@router.post("/programme/chains/{chain}/import")
def import_members(chain: str, posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    detail = queries.chain(ui.ctx, viewer=ui.actor, chain=chain)
    form = ui.posted(data)
    upload = form.file("file")

    def action() -> Response:
        assert upload is not None
        r = members_xlsx.import_members_xlsx(
            ui.ctx,
            actor=ui.actor,
            chain=detail.chain.id,
            content=upload.file.read(),
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            f"/programme/chains/{detail.chain.id}",
            N_(
                "Members imported: %(added)s added, %(updated)s updated, %(rejoined)s rejoined, %(registered)s enterprises registered."
            ),
            added=r.added,
            updated=r.updated,
            rejoined=r.rejoined,
            registered=r.registered,
        )

    return submit(
        form,
        action,
        lambda: ui.form_error(
            "overview/chain.html", "overview/_members_import.html", **_chain_ctx(ui, chain, upload=form)
        ),
        passthrough=(errors.Forbidden,),
    )


@router.get("/programme/chains/{chain}/members.xlsx")
def export_members(chain: str, ui: UI = Depends(require_kind("overseer"))) -> Response:
    data = members_xlsx.export_members_xlsx(ui.ctx, viewer=ui.actor, chain=chain, former=True)
    name = f"chain-members-{ui.ctx.clock.today():%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
