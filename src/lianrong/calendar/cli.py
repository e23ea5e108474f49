"""Commands of calendar (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from lianrong.cli import (
    As,
    Db,
    Json,
    Key,
    actor_of,
    command,
    context,
    key_or_new,
    out,
    plain,
    show,
    show_table,
)

calendar_app = typer.Typer(help="Official holidays and make-up workdays / 法定节假日与调休", no_args_is_help=True)


@calendar_app.command("load")
@command
def calendar_load(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: date, kind, name")],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Load the State Council's holiday schedule into the calendar (all rows or none; safe to rerun).

    CSV columns date (YYYY-MM-DD), kind (holiday or 休: a day off; workday or 班: a make-up working day) and
    name, with or without a header row. Maturities already computed are kept; the open vouchers whose
    maturity would now roll to another day are listed.
    """
    from lianrong.calendar import service as calendar

    ctx = context(db)
    result = calendar.load(ctx, actor=actor_of(ctx, user), content=path.read_bytes(), idempotency_key=key_or_new(key))
    if as_json:
        show(result, True)
        return
    out.print(
        Text(
            f"{result.rows} days from {result.first} to {result.last}: {result.inserted} new, "
            f"{result.updated} changed, {result.unchanged} unchanged / 共{result.rows}天：新增"
            f"{result.inserted}，变更{result.updated}，未变{result.unchanged}"
        ),
        soft_wrap=True,
    )
    changed = result.vouchers
    if changed:
        out.print(
            Text(
                f"{len(changed)} vouchers keep their maturity but would now roll to another day / "
                f"{len(changed)}张凭据到期日保持不变，但按新日历将顺延至其他日期："
            ),
            soft_wrap=True,
        )
        show_table(plain(changed), ["id", "number", "status", "requested_maturity", "maturity_on", "would_be"])


@calendar_app.command("list")
@command
def calendar_list(
    year: Annotated[int | None, typer.Option(help="one year")] = None, db: Db = None, as_json: Json = False
) -> None:
    """The official holidays and make-up workdays loaded."""
    from lianrong.calendar import queries
    from lianrong.platform.context import SYSTEM

    show(queries.days(context(db), viewer=SYSTEM, year=year), as_json, ["day", "kind", "name"])
