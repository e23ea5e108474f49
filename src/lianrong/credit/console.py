"""The console's credit lines (the bank): the lines with their occupation and state; grant one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.credit import queries as credit_queries
from lianrong.credit import service as credit
from lianrong.credit.schemas import CreditLineCreate
from lianrong.kernel.calendar import add_months
from lianrong.kernel.money import format_yuan
from lianrong.parties import queries as party_queries
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()


def _lines_ctx(ui: UI, form: Form | None = None, core: str = "") -> dict[str, Any]:
    today = ui.ctx.clock.today()
    cores = party_queries.bank_cores(ui.ctx, actor=ui.actor)
    return {
        "lines": credit_queries.bank_lines(ui.ctx, viewer=ui.actor),
        "occupation": ui.ctx.policy.credit_occupation,
        "core_options": [(c.core_id, c.short_name or c.name) for c in cores],
        "form": form
        or ui.blank(
            core_id=core,
            valid_from=today.isoformat(),
            valid_to=(add_months(today, 12) - dt.timedelta(days=1)).isoformat(),
        ),
    }


@router.get("/bank/credit-lines")
def lines_page(core: str = "", ui: UI = Depends(require_kind("bank"))) -> Response:
    return ui.render("bank/lines.html", **_lines_ctx(ui, core=core))


@router.post("/bank/credit-lines")
def grant_line(posted: Posted = Depends(post("bank"))) -> Response:
    ui, data = posted
    form = ui.posted(data)
    body = form.validated(
        CreditLineCreate,
        {
            "core": form.text("core_id"),
            "limit_fen": form.yuan("limit"),
            "valid_from": form.date("valid_from"),
            "valid_to": form.date("valid_to"),
        },
        fields={"core": "core_id", "limit_fen": "limit"},
    )

    def action() -> Response:
        assert body is not None
        r = credit.grant_line(
            ui.ctx,
            actor=ui.actor,
            bank=ui.party_id,
            core=body.core,
            limit_fen=body.limit_fen,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            idempotency_key=form.get("idempotency_key"),
        )
        return ui.done(
            "/bank/credit-lines",
            N_("Credit line of ¥%(limit)s granted, valid %(start)s – %(end)s."),
            limit=format_yuan(r.limit_fen),
            start=r.valid_from.isoformat(),
            end=r.valid_to.isoformat(),
        )

    return submit(
        form, action, lambda: ui.form_error("bank/lines.html", "bank/_line_form.html", **_lines_ctx(ui, form))
    )
