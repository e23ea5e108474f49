"""Commands of financing (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

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
    show,
)
from lianrong.kernel.money import parse_yuan
from lianrong.platform.results import record

finance_app = typer.Typer(help="Financing / 融资", no_args_is_help=True)


@finance_app.command("preview")
@command
def finance_preview(
    fragments: list[str],
    bank: str | None = None,
    principal: Annotated[str | None, typer.Option(help="yuan")] = None,
    db: Db = None,
    user: As = None,
    today: Today = None,
    as_json: Json = False,
) -> None:
    """Interest and net proceeds before applying."""
    from dataclasses import asdict

    from lianrong.financing import service as financing
    from lianrong.platform.common import jsonable

    ctx = context(db, today)
    price = financing.preview(
        ctx,
        actor=actor_of(ctx, user),
        fragment_ids=fragments,
        bank=bank,
        principal_fen=parse_yuan(principal) if principal else None,
    )
    show(jsonable(asdict(price)), as_json)


@finance_app.command("apply")
@command
def finance_apply(
    fragments: list[str],
    bank: str | None = None,
    principal: Annotated[str | None, typer.Option(help="yuan")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    today: Today = None,
    as_json: Json = False,
) -> None:
    """Apply to finance fragments (discounting, interest collected up front)."""
    from lianrong.financing import service as financing

    ctx = context(db, today)
    show(
        record(
            financing.apply(
                ctx,
                actor=actor_of(ctx, user),
                fragment_ids=fragments,
                bank=bank,
                principal_fen=parse_yuan(principal) if principal else None,
                idempotency_key=key_or_new(key),
            )
        ),
        as_json,
    )


@finance_app.command("review")
@command
def finance_review(
    financing_id: str,
    approve: Annotated[bool, typer.Option("--approve/--reject")] = True,
    contract_ok: bool = False,
    invoices_ok: bool = False,
    documents_ok: bool = False,
    registration: str | None = None,
    reason: str | None = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Bank review of trade authenticity; approve or reject."""
    from lianrong.financing import service as financing

    ctx = context(db)
    show(
        record(
            financing.review(
                ctx,
                actor=actor_of(ctx, user),
                financing_id=financing_id,
                approve=approve,
                checklist={"contract": contract_ok, "invoices": invoices_ok, "documents": documents_ok},
                registration_no=registration,
                reason=reason,
                idempotency_key=key_or_new(key),
            )
        ),
        as_json,
    )


@finance_app.command("register")
@command
def finance_register(
    financing_id: str, number: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Record the 中登网 registration number (time: now)."""
    from lianrong.financing import service as financing

    ctx = context(db)
    show(
        record(
            financing.register(
                ctx,
                actor=actor_of(ctx, user),
                financing_id=financing_id,
                registration_no=number,
                idempotency_key=key_or_new(key),
            )
        ),
        as_json,
    )


@finance_app.command("disburse")
@command
def finance_disburse(
    financing_id: str, db: Db = None, user: As = None, key: Key = None, today: Today = None, as_json: Json = False
) -> None:
    """Disburse an approved, registered financing."""
    from lianrong.financing import service as financing

    ctx = context(db, today)
    show(
        record(
            financing.disburse(
                ctx, actor=actor_of(ctx, user), financing_id=financing_id, idempotency_key=key_or_new(key)
            )
        ),
        as_json,
    )


@finance_app.command("list")
@command
def finance_list(
    bank: str | None = None, status: str | None = None, db: Db = None, user: As = None, as_json: Json = False
) -> None:
    """List financings (those the user may see; all without --as)."""
    from lianrong.financing import queries

    ctx = context(db)
    show(
        queries.list_financings(ctx, actor=actor_of(ctx, user), bank=bank, status=status),
        as_json,
        ["id", "status", "principal_fen", "interest_fen", "net_fen", "annual_rate", "maturity_on"],
    )


@finance_app.command("show")
@command
def finance_show(financing_id: str, db: Db = None, user: As = None) -> None:
    """A financing with its fragments and trade documents (if the user may see it; any without --as)."""
    from dataclasses import asdict

    from lianrong.financing import queries
    from lianrong.platform.common import jsonable

    ctx = context(db)
    show(jsonable(asdict(queries.financing_detail(ctx, actor=actor_of(ctx, user), financing_id=financing_id))), True)
