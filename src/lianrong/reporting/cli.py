"""Commands of reporting (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from lianrong.cli import As, Db, Json, actor_of, command, context, out, show
from lianrong.platform.results import record

report_app = typer.Typer(help="Reports and monitoring / 报告与监测", no_args_is_help=True)


@report_app.command("splits")
@command
def report_splits(
    core: Annotated[str | None, typer.Option(help="core enterprise (id or USCC)")] = None,
    bank: Annotated[str | None, typer.Option(help="bank (id or USCC)")] = None,
    voucher: Annotated[str | None, typer.Option(help="one voucher")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="include settled and overdue vouchers")] = False,
    flagged: Annotated[bool, typer.Option("--flagged", help="only vouchers with a finding")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """Split depth and unusual splitting per voucher (77号): tiers, parts, bursts, circular flows."""
    from lianrong.vouchers import splits

    ctx = context(db)
    report = splits.split_report(
        ctx,
        actor=actor_of(ctx, user),
        core=core,
        bank=bank,
        voucher_id=voucher,
        include_closed=closed,
        flagged_only=flagged,
        limit=limit,
    )
    if as_json:
        show(report, True)
        return
    rows = [
        {
            **{
                k: record(getattr(i, k))
                for k in (
                    "voucher_id",
                    "number",
                    "core_name",
                    "status",
                    "fragments",
                    "transfers",
                    "active_parts",
                    "depth",
                )
            },
            "tier": f"{i.max_tier}/{i.allowed_tier if i.allowed_tier is not None else '—'}",
            "findings": ", ".join(f["code"] for f in i.findings) or "—",
        }
        for i in report.items
    ]
    show(rows, False)
    for i in report.items:
        for f in i.findings:
            detail = ", ".join(f"{k}={v}" for k, v in f.items() if k not in ("code", "message_zh", "message_en"))
            out.print(Text(f"{i.number} {f['code']}: {f['message_zh']} / {f['message_en']} ({detail})"), soft_wrap=True)
    sm = report.summary
    out.print(
        Text(
            f"{sm.vouchers} vouchers, {sm.flagged} with findings / 共{sm.vouchers}张凭据，"
            f"{sm.flagged}张有异常提示"
            + (f"; showing {len(rows)} of {report.total}" if report.total > len(rows) else "")
        ),
        soft_wrap=True,
    )
