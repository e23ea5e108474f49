"""Commands of settlement (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lianrong.cli import (
    As,
    Db,
    Json,
    Key,
    Today,
    actor_of,
    command,
    context,
    key_or_new,
    out,
    parse_date,
    progress,
    show,
)
from lianrong.kernel.money import parse_yuan
from lianrong.platform.results import record
from lianrong.settlement import confirmations

pay_app = typer.Typer(help="Payment instructions / 支付指令", no_args_is_help=True)


@command
def settle(
    date: Annotated[
        str | None,
        typer.Option("--date", help="settle vouchers due on or before this date (default: today; never after today)"),
    ] = None,
    db: Db = None,
    today: Today = None,
    as_json: Json = False,
) -> None:
    """Pay every final holder of the vouchers due on or before the date and not yet settled; unpaid → overdue.

    A date after today's business date (Beijing) is refused: vouchers are never settled before they mature.
    Safe to rerun (a part is paid at most once).
    """
    from lianrong.settlement import service as settlement

    ctx = context(db, today)
    on = settlement.settlement_date(ctx, parse_date(date))
    due = len(settlement.due_vouchers(ctx, on=on))
    with progress(f"settling {on}", due, quiet=as_json) as advance:
        result = settlement.settle(ctx, on=on, progress=advance)
    show(record(result), as_json)


@pay_app.command("list")
@command
def pay_list(status: str | None = None, kind: str | None = None, db: Db = None, as_json: Json = False) -> None:
    """List payment instructions."""
    from lianrong.platform.context import SYSTEM
    from lianrong.settlement import queries

    show(
        queries.instructions(context(db), viewer=SYSTEM, status=status, kind=kind, order="created", limit=1_000_000),
        as_json,
        ["id", "kind", "amount_fen", "value_on", "status", "reference"],
    )


@pay_app.command("export")
@command
def pay_export(path: Path, status: str = "pending", db: Db = None) -> None:
    """Export instructions as a bank batch file (.csv or .xlsx)."""
    from lianrong.platform.context import SYSTEM
    from lianrong.settlement import confirmations

    n = confirmations.export_file(context(db), viewer=SYSTEM, path=path, status=status)
    out.print(f"{n} instructions written to {path}")


@pay_app.command("confirm")
@command
def pay_confirm(path: Path, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Import a bank's confirmation file (all rows or none)."""

    ctx = context(db)
    show(
        record(
            confirmations.import_confirmations(
                ctx, actor=actor_of(ctx, user), path=path, idempotency_key=key_or_new(key)
            )
        ),
        as_json,
    )


@pay_app.command("retry")
@command
def pay_retry(voucher: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Resubmit an overdue voucher's failed settlement payments."""

    ctx = context(db)
    show(
        record(
            confirmations.retry_failed(
                ctx, actor=actor_of(ctx, user), voucher_id=voucher, idempotency_key=key_or_new(key)
            )
        ),
        as_json,
    )


@pay_app.command("fund")
@command
def pay_fund(
    party: str, amount: Annotated[str, typer.Option(help="yuan")], db: Db = None, key: Key = None, as_json: Json = False
) -> None:
    """Credit a simulated bank account (demo/test only)."""
    from lianrong.settlement import payments

    show(
        record(payments.fund(context(db), party=party, amount_fen=parse_yuan(amount), idempotency_key=key_or_new(key))),
        as_json,
    )


@pay_app.command("balances")
@command
def pay_balances(db: Db = None, as_json: Json = False) -> None:
    """Balances of the simulated bank accounts."""
    from lianrong.settlement import payments

    show(record(payments.balances(context(db))), as_json)
