"""Commands of the targets (``lianrong programme targets …``, ``lianrong programme report monthly``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianrong.cli import As, Db, Json, Key, actor_of, command, context, key_or_new, out, show

targets_app = typer.Typer(
    help="The 2027 targets and banks' monthly reports / 工作目标与银行月报", invoke_without_command=True
)
report_app = typer.Typer(help="The programme's reports / 专班报告", no_args_is_help=True)

Month = Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: this month)")]


@targets_app.callback()
@command
def targets(ctx: typer.Context, month: Month = None, db: Db = None, user: As = None, as_json: Json = False) -> None:
    """The four targets as of a month's end: goal, ledger, reported, total, progress, projection."""
    if ctx.invoked_subcommand is not None:
        return
    from lianrong.programme.targets import queries

    c = context(db)
    board = queries.dashboard(c, viewer=actor_of(c, user), month=month)
    if as_json:
        show(board, True)
        return
    out.print(f"as of / 截至 {board.as_of.isoformat()}")
    show(
        [
            {
                "target": f.key.value,
                "unit": f.unit,
                "goal": f.target,
                "ledger": f.ledger,
                "reported": f.reported,
                "value": f.value,
                "progress": f"{f.progress * 100:.1f}%",
                "projected": f.projection.projected,
                "deadline": f.deadline.isoformat(),
                "on_track": f.projection.on_track,
            }
            for f in board.targets
        ],
        False,
    )


@targets_app.command("records")
@command
def records(
    target: str,
    month: Month = None,
    part: Annotated[str | None, typer.Option(help="ledger | reported")] = None,
    chain: Annotated[str | None, typer.Option(help="a chain's id")] = None,
    bank: Annotated[str | None, typer.Option(help="a bank's id")] = None,
    of_month: Annotated[str | None, typer.Option("--of-month", help="one month of the by-month drill-down")] = None,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """The records behind one number (they sum to it)."""
    from lianrong.programme.targets import queries

    c = context(db)
    found = queries.records(
        c, viewer=actor_of(c, user), target=target, month=month, part=part, chain=chain, bank=bank, of_month=of_month
    )
    show(list(found.items), as_json, ["kind", "id", "part", "month", "bank_name", "party_name", "chain_name", "value"])
    if not as_json:
        out.print(f"total / 合计: {found.total}")


@targets_app.command("reports")
@command
def reports(
    month: Month = None, bank: str | None = None, db: Db = None, user: As = None, as_json: Json = False
) -> None:
    """Banks' monthly reports the user may see (default: the system, all)."""
    from lianrong.programme.targets import report_queries

    c = context(db)
    show(
        report_queries.bank_reports(c, viewer=actor_of(c, user), month=month, bank=bank),
        as_json,
        ["id", "bank_name", "month", "chain_name", "credit_granted_fen", "financing_fen", "products"],
    )


@targets_app.command("import")
@command
def import_reports(
    file: Path, bank: str | None = None, db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Import a bank's report workbook (.xlsx): every row or none."""
    from lianrong.programme.targets import service

    c = context(db)
    show(
        service.import_reports(
            c, actor=actor_of(c, user), bank=bank, content=file.read_bytes(), idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@report_app.command("monthly")
@command
def monthly_report(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
    out_path: Annotated[Path, typer.Option("--out", help="the file to write")],
    pdf: Annotated[bool, typer.Option("--pdf", help="write a PDF instead of an Excel workbook")] = False,
    db: Db = None,
    user: As = None,
) -> None:
    """The monthly 专班 report of a month, from records as of its end (the same month gives the same report)."""
    from lianrong.adapters.spreadsheet import write_atomically
    from lianrong.programme.targets import monthly

    c = context(db)
    content, _ = monthly.download(c, viewer=actor_of(c, user), month=month, fmt="pdf" if pdf else "xlsx")
    write_atomically(out_path, content)
    out.print(f"{out_path} ({len(content)} bytes)")
