"""Commands of the white list (``lianrong programme whitelist …``): each parses, calls one use case, renders."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from lianrong.cli import As, Db, Json, Key, actor_of, command, context, key_or_new, show
from lianrong.kernel import errors

whitelist_app = typer.Typer(help="Core-enterprise white list / 核心企业白名单", no_args_is_help=True)

ENTRY_COLS = ["id", "core_name", "chain_name", "status", "version", "listed_on", "valid_until"]


def _ratio(text: str) -> float:
    """A debt-to-asset ratio typed as ``62%``, ``62`` or ``0.62``: a fraction."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise errors.PercentMalformed(value=text, places=2) from None
    return float(value / 100 if text.strip().endswith("%") or value > 1 else value)


@whitelist_app.command("list")
@command
def whitelist_list(
    status: Annotated[str | None, typer.Option(help="proposed | listed | rejected | expired | revoked")] = None,
    chain: Annotated[str | None, typer.Option(help="chain id or code")] = None,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """The white list (as USER may see it; default: all)."""
    from lianrong.programme.whitelist import queries

    ctx = context(db)
    show(queries.entries(ctx, viewer=actor_of(ctx, user), status=status, chain=chain), as_json, ENTRY_COLS)


@whitelist_app.command("show")
@command
def whitelist_show(entry: str, db: Db = None, user: As = None, as_json: Json = False) -> None:
    """An entry with every version (its history) and its renewal cards."""
    from lianrong.programme.whitelist import queries

    ctx = context(db)
    detail = queries.entry(ctx, viewer=actor_of(ctx, user), entry_id=entry)
    if as_json:
        show(detail, True)
        return
    show(detail.entry, False, ENTRY_COLS)
    show(list(detail.versions), False, ["version", "action", "status", "reason", "actor_name", "at"])
    if detail.cards:
        show([{"year": c.year, "decision": c.decision or "—", **c.figures} for c in detail.cards], False)


@whitelist_app.command("propose")
@command
def whitelist_propose(
    core: str,
    chain: str,
    debt_ratio: Annotated[str, typer.Option(help="资产负债率: 62% or 0.62")],
    main_business: Annotated[str, typer.Option(help="主营业务")],
    compliant: Annotated[bool, typer.Option("--compliant/--not-compliant", help="合规经营")] = True,
    evidence: Annotated[str, typer.Option(help="where the figures come from")] = "",
    criterion: Annotated[list[str] | None, typer.Option(help="a deployment's criterion met (repeatable)")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Propose a core enterprise for a chain's white list, with the criteria's evidence."""
    from lianrong.programme.whitelist import service as wl

    ctx = context(db)
    criteria = {
        "debt_ratio": _ratio(debt_ratio),
        "compliant": compliant,
        "main_business": main_business,
        "evidence": evidence,
        "extra": [{"name": c, "met": True, "evidence": ""} for c in criterion or ()],
    }
    show(
        wl.propose(
            ctx, actor=actor_of(ctx, user), core=core, chain=chain, criteria=criteria, idempotency_key=key_or_new(key)
        ),
        as_json,
    )


@whitelist_app.command("review")
@command
def whitelist_review(
    entry: str,
    approve: Annotated[bool, typer.Option("--approve/--reject")],
    reason: str = "",
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """The district office approves (publishes, pushes to every bank) or rejects a proposal."""
    from lianrong.programme.whitelist import service as wl

    ctx = context(db)
    r = wl.review(
        ctx, actor=actor_of(ctx, user), entry_id=entry, approve=approve, reason=reason, idempotency_key=key_or_new(key)
    )
    show(r, as_json)


@whitelist_app.command("revoke")
@command
def whitelist_revoke(
    entry: str, reason: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Revoke a listed entry, with a reason (vouchers issued before stay valid)."""
    from lianrong.programme.whitelist import service as wl

    ctx = context(db)
    show(
        wl.revoke(ctx, actor=actor_of(ctx, user), entry_id=entry, reason=reason, idempotency_key=key_or_new(key)),
        as_json,
    )


@whitelist_app.command("pushes")
@command
def whitelist_pushes(
    pending: Annotated[bool, typer.Option("--pending", help="only those not acknowledged")] = False,
    db: Db = None,
    user: As = None,
    as_json: Json = False,
) -> None:
    """Changes of the list pushed to banks, with their acknowledgements."""
    from lianrong.programme.whitelist import queries

    ctx = context(db)
    cols = ["id", "bank_name", "kind", "added_names", "removed_names", "created_at", "acknowledged_at"]
    show(queries.pushes(ctx, viewer=actor_of(ctx, user), pending=pending), as_json, cols)


@whitelist_app.command("acknowledge")
@command
def whitelist_acknowledge(push: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False) -> None:
    """A bank acknowledges a push."""
    from lianrong.programme.whitelist import service as wl

    ctx = context(db)
    show(wl.acknowledge(ctx, actor=actor_of(ctx, user), push_id=push, idempotency_key=key_or_new(key)), as_json)


@whitelist_app.command("renewal-open")
@command
def whitelist_renewal_open(
    year: Annotated[int | None, typer.Option(help="default: this year")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Open the year's renewal round: a card per listed entry with figures from the ledger."""
    from lianrong.programme.whitelist import renewal

    ctx = context(db)
    show(renewal.open_round(ctx, actor=actor_of(ctx, user), year=year, idempotency_key=key_or_new(key)), as_json)


@whitelist_app.command("renewal-decide")
@command
def whitelist_renewal_decide(
    round_id: str,
    entry: str,
    renew: Annotated[bool, typer.Option("--renew/--revoke")],
    reason: str = "",
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Renew an entry for a year, or revoke it (with a reason), on its card."""
    from lianrong.programme.whitelist import renewal

    ctx = context(db)
    r = renewal.decide(
        ctx,
        actor=actor_of(ctx, user),
        round_id=round_id,
        entry_id=entry,
        renew=renew,
        reason=reason,
        idempotency_key=key_or_new(key),
    )
    show(r, as_json)


@whitelist_app.command("renewal-close")
@command
def whitelist_renewal_close(
    round_id: str, db: Db = None, user: As = None, key: Key = None, as_json: Json = False
) -> None:
    """Close a round: entries not renewed expire; the difference is pushed to every bank."""
    from lianrong.programme.whitelist import renewal

    ctx = context(db)
    show(
        renewal.close_round(ctx, actor=actor_of(ctx, user), round_id=round_id, idempotency_key=key_or_new(key)), as_json
    )
