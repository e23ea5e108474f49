"""Commands of documents (``lianrong …``): each parses, calls one use case, renders."""

from __future__ import annotations

from pathlib import Path
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

doc_app = typer.Typer(help="Contracts and invoices / 合同与发票", no_args_is_help=True)


@doc_app.command("contract")
@command
def doc_contract(
    buyer: str,
    seller: str,
    number: str,
    amount: Annotated[str, typer.Option(help="yuan")],
    signed: Annotated[str, typer.Option()],
    due: Annotated[str, typer.Option()],
    non_cash: Annotated[bool, typer.Option("--non-cash/--cash-only")] = True,
    attach: Annotated[list[Path] | None, typer.Option(help="PDF/JPG/PNG/OFD file")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record a trade contract (buyer buys from seller)."""
    from lianrong.documents import attachments as attachments
    from lianrong.documents import service as documents

    ctx = context(db)
    actor = actor_of(ctx, user)
    shas = [
        attachments.upload(
            ctx, actor=actor, content=p.read_bytes(), filename=p.name, idempotency_key=key_or_new(None)
        ).sha256
        for p in attach or []
    ]
    show(
        documents.add_contract(
            ctx,
            actor=actor,
            buyer=buyer,
            seller=seller,
            number=number,
            amount_fen=parse_yuan(amount),
            signed_on=parse_date(signed),
            due_on=parse_date(due),
            non_cash_agreed=non_cash,
            attachments=shas,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@doc_app.command("confirm")
@command
def doc_confirm(contract: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """Confirm a contract that another enterprise recorded naming yours (until then it is unconfirmed)."""
    from lianrong.documents import service as documents

    ctx = context(db)
    show(
        documents.confirm_contract(
            ctx, actor=actor_of(ctx, user), contract_id=contract, idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@doc_app.command("invoice")
@command
def doc_invoice(
    contract: str,
    number: str,
    amount: Annotated[str, typer.Option(help="yuan")],
    issued: Annotated[str, typer.Option()],
    code: str | None = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record an invoice (20-digit 数电票, or legacy --code + 8-digit number) under a contract."""
    from lianrong.documents import service as documents

    ctx = context(db)
    show(
        documents.add_invoice(
            ctx,
            actor=actor_of(ctx, user),
            contract_id=contract,
            number=number,
            code=code,
            amount_fen=parse_yuan(amount),
            issued_on=parse_date(issued),
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )
