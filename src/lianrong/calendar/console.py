"""The console's official calendar (the district and chain offices): the State Council's holidays and make-up
workdays, the open vouchers whose maturity would now roll; the district office loads the schedule."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from fastapi.responses import Response

from lianrong.calendar import queries as calendar_queries
from lianrong.calendar import service as calendar
from lianrong.kernel.errors import LianRongError
from lianrong.web.console import Posted, console_router, post, require_kind, submit
from lianrong.web.forms import Form
from lianrong.web.i18n import N_
from lianrong.web.render import UI

router = console_router()


def _calendar_ctx(ui: UI, form: Form | None = None) -> dict[str, Any]:
    try:  # the form only for those who may load (the same rule the load applies)
        calendar.check_calendar_actor(ui.ctx, ui.actor)
        may_load = True
    except LianRongError:
        may_load = False
    return {
        "days": calendar_queries.days(ui.ctx, viewer=ui.actor),
        "changes": calendar.pending_changes(ui.ctx),
        "form": form or ui.blank(),
        "may_load": may_load,
    }


@router.get("/overview/calendar")
def holidays(ui: UI = Depends(require_kind("overseer"))) -> Response:
    return ui.render("overview/calendar.html", **_calendar_ctx(ui))


@router.post("/overview/calendar")
def load_holidays(posted: Posted = Depends(post("overseer"))) -> Response:
    ui, data = posted
    calendar.check_calendar_actor(ui.ctx, ui.actor)  # who may not load gets no form, and no form's answer
    form = ui.posted(data)
    upload = form.file("file")

    def action() -> Response:
        assert upload is not None
        r = calendar.load(
            ui.ctx, actor=ui.actor, content=upload.file.read(), idempotency_key=form.get("idempotency_key")
        )
        return ui.done(
            "/overview/calendar",
            N_(
                "Official days loaded: %(inserted)s new, %(updated)s changed, %(unchanged)s "
                "unchanged; %(vouchers)s open vouchers would now roll to another day."
            ),
            tone="bad" if r.vouchers else "ok",
            inserted=r.inserted,
            updated=r.updated,
            unchanged=r.unchanged,
            vouchers=len(r.vouchers),
        )

    return submit(
        form,
        action,
        lambda: ui.form_error("overview/calendar.html", "overview/_calendar_form.html", **_calendar_ctx(ui, form)),
    )
