"""Commands of credit (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from typing import Annotated

import typer

from lianrong.cli import (
    As,
    Db,
    Json,
    Key,
    actor_of,
    command,
    context,
    key_or_new,
    parse_date,
    show,
)
from lianrong.kernel.money import parse_yuan


@command
def credit_grant(
    bank: str,
    core: str,
    limit: Annotated[str, typer.Option(help="yuan")],
    valid_from: Annotated[str, typer.Option("--from")],
    valid_to: Annotated[str, typer.Option("--to")],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Grant a core enterprise a credit line."""
    from lianrong.credit import service as credit
    from lianrong.platform.results import record

    ctx = context(db)
    show(
        record(
            credit.grant_line(
                ctx,
                actor=actor_of(ctx, user),
                bank=bank,
                core=core,
                limit_fen=parse_yuan(limit),
                valid_from=parse_date(valid_from),
                valid_to=parse_date(valid_to),
                idempotency_key=key_or_new(key),
            )
        ),
        as_json,
    )


@command
def credit_lines(core: str | None = None, db: Db = None, as_json: Json = False) -> None:
    """Credit lines with occupation."""
    from lianrong.credit import queries
    from lianrong.platform.context import SYSTEM

    show(
        queries.lines(context(db), viewer=SYSTEM, core=core),
        as_json,
        ["id", "core_id", "limit_fen", "occupied_fen", "available_fen", "valid_to"],
    )
