"""Commands of parties (``lianrong …``): each parses, calls one use case, renders."""

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
from lianrong.parties import designations

party_app = typer.Typer(help="Parties, users, onboarding / 主体、用户、开户", no_args_is_help=True)


@party_app.command("add")
@command
def party_add(
    kind: Annotated[str, typer.Option(help="enterprise | bank")],
    uscc: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    db: Db = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Register an enterprise or bank by its 统一社会信用代码."""
    from lianrong.parties import service as parties

    show(parties.register_party(context(db), kind=kind, uscc=uscc, name=name, idempotency_key=key_or_new(key)), as_json)


@party_app.command("list")
@command
def party_list(kind: str | None = None, db: Db = None, as_json: Json = False) -> None:
    """List parties."""
    from lianrong.parties import queries
    from lianrong.platform.context import SYSTEM

    show(queries.parties(context(db), viewer=SYSTEM, kind=kind), as_json, ["id", "kind", "uscc", "name"])


@party_app.command("user")
@command
def party_user(
    party: str,
    username: str,
    role: str = "operator",
    name: str | None = None,
    db: Db = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Add a user (operator, approver, viewer, admin) to an organisation."""
    from lianrong.parties import service as parties

    show(
        parties.add_user(
            context(db),
            party=party,
            username=username,
            display_name=name or username,
            role=role,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("onboard")
@command
def party_onboard(
    bank: str,
    party: str,
    account: Annotated[str | None, typer.Option()] = None,
    ebanking: bool = False,
    certificate: str | None = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record a party's settlement account, e-banking and U盾 at a bank."""
    from lianrong.parties import service as parties

    ctx = context(db)
    show(
        parties.onboard(
            ctx,
            actor=actor_of(ctx, user),
            bank=bank,
            party=party,
            settlement_account=account,
            ebanking=ebanking,
            certificate=certificate,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("designate")
@command
def party_designate(
    bank: str,
    core: str,
    max_ratio: str | None = None,
    max_term_days: int | None = None,
    min_split: Annotated[str | None, typer.Option(help="yuan")] = None,
    max_tier: int | None = None,
    spread: str | None = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Designate a core enterprise (核定核心企业) or update its financing parameters (those not given are kept)."""

    ctx = context(db)
    show(
        designations.designate_core(
            ctx,
            actor=actor_of(ctx, user),
            bank=bank,
            core=core,
            max_ratio=max_ratio,
            max_term_days=max_term_days,
            min_split_fen=parse_yuan(min_split) if min_split else None,
            max_tier=max_tier,
            spread=spread,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("ledger")
@command
def party_ledger(
    bank: str, core: str, suppliers: list[str], db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Import suppliers (ids or USCCs) into the bank's customer ledger of a core enterprise."""

    ctx = context(db)
    show(
        designations.import_ledger(
            ctx,
            actor=actor_of(ctx, user),
            bank=bank,
            core=core,
            suppliers=[{"supplier": s} for s in suppliers],
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("lpr")
@command
def party_lpr(
    bank: str, rate: str, effective: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Record a bank's LPR entry (e.g. 3.0%) in force from a date."""

    ctx = context(db)
    show(
        designations.set_lpr(
            ctx,
            actor=actor_of(ctx, user),
            bank=bank,
            effective_on=parse_date(effective),
            rate=rate,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("restrict")
@command
def party_restrict(
    party: str,
    action: Annotated[str, typer.Option(help="onboard | issue | receive | transfer | finance")],
    kind: Annotated[str, typer.Option(help="a code shown in refusals: blacklist, risk_freeze, …")],
    reason: Annotated[str, typer.Option()],
    bank: Annotated[str | None, typer.Option(help="at this bank only (default: every bank)")] = None,
    until: Annotated[str | None, typer.Option(help="last day in force, YYYY-MM-DD (default: until lifted)")] = None,
    source: Annotated[str | None, typer.Option(help="the record that caused it, e.g. blacklist:blk_…")] = None,
    user: As = None,
    db: Db = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Bar a party from an action (the district office, or the system)."""
    from lianrong.parties import restricting

    ctx = context(db)
    show(
        restricting.restrict(
            ctx,
            actor=actor_of(ctx, user),
            party_id=party,
            action=action,
            kind=kind,
            reason=reason,
            bank_id=bank,
            valid_until=parse_date(until) if until else None,
            source=source,
            idempotency_key=key_or_new(key),
        ),
        as_json,
    )


@party_app.command("lift")
@command
def party_lift(
    restriction: str,
    reason: Annotated[str, typer.Option()],
    user: As = None,
    db: Db = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Lift a restriction from today on (it stays in the history)."""
    from lianrong.parties import restricting

    ctx = context(db)
    show(
        restricting.lift(
            ctx, actor=actor_of(ctx, user), restriction_id=restriction, reason=reason, idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@party_app.command("restrictions")
@command
def party_restrictions(party: str | None = None, db: Db = None, as_json: Json = False) -> None:
    """List restrictions (newest first), of one party or all."""
    from lianrong.parties import restricting
    from lianrong.platform.context import SYSTEM

    show(
        restricting.restrictions(context(db), viewer=SYSTEM, party_id=party),
        as_json,
        ["id", "party_id", "action", "kind", "reason", "valid_from", "valid_until", "source", "lifted_at"],
    )
