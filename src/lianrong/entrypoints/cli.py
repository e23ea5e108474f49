"""The ``lianrong`` command line: thin Typer commands that parse, call one service, and render.

Every command takes ``--db URL`` (overrides ``LIANRONG_DATABASE_URL``); mutating commands take
``--as USER`` (who acts; default: the system operator) and ``--key`` (idempotency key; default: a new
one per invocation, so pass your own to make a retry safe). Amounts are in yuan (``12345.67``)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from lianrong import bootstrap
from lianrong.accounts.cli import admin_app, user_app
from lianrong.calendar.cli import calendar_app
from lianrong.cli import Db, Json, command, context, out, parse_date, show
from lianrong.credit import cli as credit_cli
from lianrong.documents.cli import doc_app
from lianrong.financing.cli import finance_app
from lianrong.kernel.errors import ValidationFailed
from lianrong.parties.cli import party_app
from lianrong.programme.blacklist.cli import blacklist_app
from lianrong.programme.chains.cli import chains_app
from lianrong.programme.targets import cli as programme_targets_cli
from lianrong.programme.whitelist import cli as whitelist_cli
from lianrong.reporting.cli import report_app
from lianrong.settlement import cli as settlement_cli
from lianrong.settlement.cli import pay_app
from lianrong.vouchers import cli as vouchers_cli
from lianrong.vouchers.cli import audit_app, voucher_app

app = typer.Typer(
    help="LianRong 链融 — supply-chain finance platform / 供应链金融平台",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


db_app = typer.Typer(help="Database schema / 数据库", no_args_is_help=True)


app.add_typer(voucher_app, name="voucher")


app.add_typer(finance_app, name="finance")


app.add_typer(party_app, name="party")


app.add_typer(doc_app, name="doc")


app.add_typer(audit_app, name="audit")


app.add_typer(pay_app, name="payments")


app.add_typer(db_app, name="db")


app.add_typer(report_app, name="report")


app.add_typer(admin_app, name="admin")


app.add_typer(user_app, name="user")


app.add_typer(calendar_app, name="calendar")


#: the district programme's command groups (chains, whitelist, blacklist, targets), one per sub-package
programme_app = typer.Typer(help="District programme / 区产业链金融工作", no_args_is_help=True)
app.add_typer(programme_app, name="programme")
programme_app.add_typer(chains_app, name="chains")
programme_app.add_typer(blacklist_app, name="blacklist")
programme_app.add_typer(whitelist_cli.whitelist_app, name="whitelist")
programme_app.add_typer(programme_targets_cli.targets_app, name="targets")
programme_app.add_typer(programme_targets_cli.report_app, name="report")


if not out.is_terminal and "COLUMNS" not in os.environ:
    # a pipe or a file: lay text and trees out 200 wide instead of Rich's default 80, so a lineage
    # line (holder, amount, status, id) stays one line for grep and the like
    out.width = 200


@db_app.command("upgrade")
@command
def db_upgrade(db: Db = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from lianrong.adapters.db import migrate

    ctx = bootstrap.build(database_url=db, migrate_schema=False)
    migrate.upgrade(ctx.engine)
    out.print(f"schema at {migrate.current(ctx.engine)}")


@db_app.command("current")
@command
def db_current(db: Db = None) -> None:
    """Print the schema revision."""
    from lianrong.adapters.db import migrate

    ctx = bootstrap.build(database_url=db, migrate_schema=False)
    out.print(migrate.current(ctx.engine) or "(empty database)")


@app.command()
@command
def demo(db: Db = None, as_json: Json = False) -> None:
    """Seed the Pinggu egg-chicken chain (峪口禽业 at ICBC Pinggu); safe to run twice."""
    from lianrong.entrypoints.demo import seed

    ctx = context(db)
    result = seed(ctx, echo=None if as_json else out.print)
    if as_json:
        show(result, True)
    else:
        out.print(", ".join(f"{k}: {n}" for k, n in result["counts"].items()))


@app.command()
@command
def serve(
    db: Db = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="worker processes, each with its own listening socket on the port (SO_REUSEPORT)"
        ),
    ] = 1,
) -> None:
    """Start the HTTP API and console (uvicorn)."""
    from lianrong.entrypoints.api.serve import http_app
    from lianrong.entrypoints.api.serve import serve as run

    context(db)  # migrate once, before any worker starts
    out.print(
        f"LianRong 链融 serving on http://{host}:{port}/  (API: /api/v1, docs: /api/v1/docs)"
        + (f", {workers} workers" if workers > 1 else "")
    )
    code = run(http_app, (db,), host=host, port=port, workers=workers)
    if code:
        raise typer.Exit(code)


@app.command("job")
@command
def job(
    name: Annotated[
        str, typer.Argument(help="maturity-settlement | ledger-checkpoint | ledger-audit | blacklist-overdue")
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="the job's date (default: today; never after today)")
    ] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Run a named scheduled job (idempotent; for cron or a scheduler)."""
    from lianrong.entrypoints.jobs import JOBS

    if name not in JOBS:
        raise ValidationFailed(reason=f"unknown job {name}; known: {', '.join(JOBS)}")
    show(JOBS[name](context(db), on=parse_date(date)), as_json)


# the features' top-level commands
app.command()(settlement_cli.settle)
app.command()(vouchers_cli.holdings)
app.command()(vouchers_cli.transfer)
app.command("lineage")(vouchers_cli.lineage_cmd)
app.command("credit")(credit_cli.credit_grant)
app.command("lines")(credit_cli.credit_lines)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
