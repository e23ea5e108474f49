"""Payment instructions: list, export as a bank batch file, and import the bank's confirmations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import File, Query, UploadFile
from fastapi.responses import Response

from lianrong.api.deps import (
    Ctx,
    CurrentActor,
    IdempotencyKey,
    Paging,
    PartyQuery,
    WritingActor,
)
from lianrong.api.routing import ApiRouter
from lianrong.api.uploads import read_upload
from lianrong.platform.pages import Page
from lianrong.settlement import confirmations, queries
from lianrong.settlement.queries import PaymentInstruction
from lianrong.settlement.schemas import (
    ConfirmationsRead,
    PaymentKind,
    PaymentPage,
    PaymentStatus,
)

router = ApiRouter(prefix="/payments", tags=["payments"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("", response_model=PaymentPage)
def list_instructions(
    ctx: Ctx,
    actor: CurrentActor,
    page: Paging,
    status: PaymentStatus | None = None,
    kind: PaymentKind | None = None,
    value_on: dt.date | None = None,
    bank: PartyQuery = None,
) -> Page[PaymentInstruction]:
    """Instructions the caller's bank executes, pays or is paid, or on its vouchers."""
    return queries.page_instructions(
        ctx, viewer=actor, status=status, kind=kind, value_on=value_on, bank=bank, limit=page.limit, offset=page.offset
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in _MEDIA.values()},
            "description": "the batch file",
        }
    },
)
def export(
    ctx: Ctx,
    actor: CurrentActor,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",  # noqa: A002
    status: PaymentStatus = "pending",
) -> Response:
    """The instructions (pending by default) the caller may see, as a bank batch file (CSV or Excel)."""
    _, data = queries.export_instructions(ctx, viewer=actor, fmt=format, status=status)
    name = f"lianrong-{status}-{ctx.clock.today():%Y%m%d}.{format}"
    return Response(
        content=data, media_type=_MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/confirmations", response_model=ConfirmationsRead)
def confirm(
    file: Annotated[UploadFile, File(description="the bank's confirmation file, .csv or .xlsx")],
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> confirmations.ConfirmationsApplied:
    """Apply the bank's confirmations (all rows or none; amounts must match the instructions).

    A file named ``….xlsx`` is read as Excel, anything else as CSV (UTF-8). A refusal lists every row at
    fault in ``details.rows`` (``row``, ``column``, ``value``, ``message_zh``, ``message_en``).
    """
    name = "confirmations.xlsx" if (file.filename or "").lower().endswith(".xlsx") else "confirmations.csv"
    return confirmations.import_confirmation_upload(
        ctx, actor=actor, content=read_upload(ctx, file), filename=name, idempotency_key=key
    )
