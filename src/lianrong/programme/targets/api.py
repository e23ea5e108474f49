"""The 2027 targets' dashboard, the records behind every number, banks' monthly reports and the monthly report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Path, Query, UploadFile
from fastapi.responses import Response

from lianrong.api.deps import Ctx, CurrentActor, IdempotencyKey, IdParam, PartyQuery, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.api.uploads import read_upload
from lianrong.programme.targets import monthly, queries, report_queries, service
from lianrong.programme.targets.schemas import (
    MONTH_PATTERN,
    BankReportAmend,
    BankReportCreate,
    BankReportList,
    BankReportRead,
    DashboardRead,
    RecordListRead,
    ReportImportRead,
    ReportWithdrawn,
)

router = ApiRouter(prefix="/programme/targets", tags=["programme"])

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (default: this month)")]
ChainQuery = Annotated[str | None, Query(max_length=40)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=DashboardRead)
def dashboard(ctx: Ctx, actor: CurrentActor, month: Month = None) -> queries.Dashboard:
    """The four 2027 targets as of a month's end: ledger and reported parts, trend, projection, drill-downs
    (the district office: every chain; a chain office: its own)."""
    return queries.dashboard(ctx, viewer=actor, month=month)


@router.get("/records/{target}", response_model=RecordListRead)
def records(
    ctx: Ctx,
    actor: CurrentActor,
    target: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
    month: Month = None,
    part: Annotated[str | None, Query(pattern="^(ledger|reported)$")] = None,
    chain: ChainQuery = None,
    bank: PartyQuery = None,
    of_month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
) -> queries.RecordList:
    """The records behind one number of the dashboard; they sum to it."""
    return queries.records(
        ctx, viewer=actor, target=target, month=month, part=part, chain=chain, bank=bank, of_month=of_month
    )


@router.get("/reports", response_model=BankReportList)
def list_reports(
    ctx: Ctx, actor: CurrentActor, month: Month = None, chain: ChainQuery = None, bank: PartyQuery = None
) -> dict[str, Any]:
    """Banks' monthly reports: a bank its own, a chain office its chains', the district office all."""
    items = report_queries.bank_reports(ctx, viewer=actor, month=month, chain=chain, bank=bank)
    return {"items": items, "total": len(items)}


@router.post("/reports", response_model=BankReportRead, status_code=201)
def submit_report(
    body: BankReportCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> service.SubmittedReport:
    """A bank reports a month and chain: credit granted and financing outside the voucher engine, products."""
    return service.submit_report(ctx, actor=actor, **body.model_dump(), idempotency_key=key)


@router.post("/reports/import", response_model=ReportImportRead)
def import_reports(
    file: Annotated[UploadFile, File(description="the report workbook (.xlsx)")],
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> service.ReportImport:
    """A bank's report workbook: every row or none (``details.rows`` lists every problem)."""
    return service.import_reports(ctx, actor=actor, content=read_upload(ctx, file), idempotency_key=key)


@router.get("/reports/template.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def report_template(ctx: Ctx, actor: CurrentActor, month: Month = None) -> Response:
    """The report workbook to fill in, one row per active chain."""
    return Response(
        monthly.report_template(ctx, viewer=actor, month=month),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="bank-report.xlsx"'},
    )


@router.get("/reports/{report_id}", response_model=BankReportRead)
def get_report(report_id: IdParam, ctx: Ctx, actor: CurrentActor) -> report_queries.BankReport:
    """One report the caller may see."""
    return report_queries.bank_report(ctx, viewer=actor, report_id=report_id)


@router.post("/reports/{report_id}", response_model=BankReportRead)
def amend_report(
    report_id: IdParam, body: BankReportAmend, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> service.SubmittedReport:
    """The bank corrects its report."""
    return service.amend_report(ctx, actor=actor, report_id=report_id, **body.model_dump(), idempotency_key=key)


@router.delete("/reports/{report_id}", response_model=ReportWithdrawn)
def withdraw_report(report_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> service.WithdrawnReport:
    """The bank withdraws a report made in error."""
    return service.withdraw_report(ctx, actor=actor, report_id=report_id, idempotency_key=key)


@router.get(
    "/monthly/{month}", response_class=Response, responses={200: {"content": {XLSX: {}, "application/pdf": {}}}}
)
def monthly_report(
    month: Annotated[str, Path(pattern=MONTH_PATTERN)],
    ctx: Ctx,
    actor: CurrentActor,
    format: Annotated[str, Query(pattern="^(xlsx|pdf)$")] = "xlsx",  # noqa: A002 - the query parameter's name
) -> Response:
    """The monthly 专班 report of a month (``xlsx`` or ``pdf``), from records as of its end."""
    content, media = monthly.download(ctx, viewer=actor, month=month, fmt=format)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="zhuanban-{month}.{format}"'}
    )
