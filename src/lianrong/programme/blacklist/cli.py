"""Commands of the black list (``lianrong programme blacklist …``): each parses, calls one use case, renders.
Without ``--as`` a command acts and reads as the system."""

from __future__ import annotations

from typing import Annotated

import typer

from lianrong.cli import As, Db, Json, Key, actor_of, command, context, key_or_new, show

blacklist_app = typer.Typer(help="Black list and credit repair / 黑名单与信用修复", no_args_is_help=True)
repair_app = typer.Typer(help="Credit repair / 信用修复", no_args_is_help=True)
blacklist_app.add_typer(repair_app, name="repair")

_COLS = ["id", "subject", "party_name", "principal_name", "source", "severity", "status", "listed_on", "min_until"]
_REPAIR_COLS = ["id", "entry_id", "applicant_name", "status", "entry_severity", "entry_min_until", "updated_at"]
Evidence = Annotated[list[str] | None, typer.Option("--evidence", help="an uploaded file's SHA-256 (repeatable)")]


@blacklist_app.command("list")
@command
def bl_list(status: str | None = None, db: Db = None, user: As = None, as_json: Json = False) -> None:
    """The black list as the user (default: the system) may see it."""
    from lianrong.programme.blacklist import queries

    ctx = context(db)
    show(queries.entries(ctx, viewer=actor_of(ctx, user), status=status), as_json, _COLS)


@blacklist_app.command("show")
@command
def bl_show(entry_id: str, db: Db = None, user: As = None) -> None:
    """One entry with its steps, restrictions and repairs."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import queries

    ctx = context(db)
    show(record(queries.entry(ctx, viewer=actor_of(ctx, user), entry_id=entry_id)), True)


@blacklist_app.command("add")
@command
def bl_add(
    source: Annotated[str, typer.Option(help="court | financial | tax | platform_overdue | other")],
    severity: Annotated[str, typer.Option(help="minor | serious | grave")],
    reason: Annotated[str, typer.Option()],
    party: Annotated[str | None, typer.Option(help="the enterprise (id or USCC)")] = None,
    principal_name: Annotated[str | None, typer.Option("--principal-name")] = None,
    principal_id_no: Annotated[str | None, typer.Option("--principal-id", help="居民身份证号码")] = None,
    principal_role: Annotated[
        str | None, typer.Option("--principal-role", help="legal_representative | actual_controller")
    ] = None,
    evidence: Evidence = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Record (propose) an entry: an enterprise, or a principal with --principal-name/-id/-role."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import service

    ctx = context(db)
    entry = service.propose(
        ctx,
        actor=actor_of(ctx, user),
        subject="principal" if principal_id_no else "enterprise",
        party=party,
        principal_name=principal_name,
        principal_id_no=principal_id_no,
        principal_role=principal_role,
        source=source,
        severity=severity,
        reason=reason,
        evidence=evidence or [],
        idempotency_key=key_or_new(key),
    )
    show(record(entry), as_json)


@blacklist_app.command("approve")
@command
def bl_approve(
    entry_id: str,
    reject: Annotated[str | None, typer.Option(help="reject instead, with this reason")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """List a proposed entry (its restrictions follow), or --reject it with a reason."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import service

    ctx = context(db)
    entry = service.decide(
        ctx,
        actor=actor_of(ctx, user),
        entry_id=entry_id,
        approve=reject is None,
        reason=reject or "",
        idempotency_key=key_or_new(key),
    )
    show(record(entry), as_json)


@blacklist_app.command("remove")
@command
def bl_remove(
    entry_id: str,
    reason: Annotated[str, typer.Option()],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """Remove a listed entry (a correction); its restrictions are lifted."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import service

    ctx = context(db)
    entry = service.remove(
        ctx, actor=actor_of(ctx, user), entry_id=entry_id, reason=reason, idempotency_key=key_or_new(key)
    )
    show(record(entry), as_json)


@blacklist_app.command("archive")
@command
def bl_archive(party: str, db: Db = None, user: As = None) -> None:
    """An enterprise's credit archive (JSON)."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import queries

    ctx = context(db)
    show(record(queries.archive(ctx, viewer=actor_of(ctx, user), party=party)), True)


@repair_app.command("list")
@command
def repair_list(status: str | None = None, db: Db = None, user: As = None, as_json: Json = False) -> None:
    """Credit repair applications."""
    from lianrong.programme.blacklist import queries

    ctx = context(db)
    show(queries.repairs(ctx, viewer=actor_of(ctx, user), status=status), as_json, _REPAIR_COLS)


@repair_app.command("show")
@command
def repair_show(repair_id: str, db: Db = None, user: As = None) -> None:
    """One application with its entry and steps (JSON)."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import queries

    ctx = context(db)
    show(record(queries.repair(ctx, viewer=actor_of(ctx, user), repair_id=repair_id)), True)


@repair_app.command("apply")
@command
def repair_apply(
    entry_id: str,
    statement: Annotated[str, typer.Option()],
    evidence: Evidence = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """The listed enterprise applies for credit repair."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import repair

    ctx = context(db)
    r = repair.apply(
        ctx,
        actor=actor_of(ctx, user),
        entry_id=entry_id,
        statement=statement,
        evidence=evidence or [],
        idempotency_key=key_or_new(key),
    )
    show(record(r), as_json)


@repair_app.command("endorse")
@command
def repair_endorse(
    repair_id: str,
    return_: Annotated[str | None, typer.Option("--return", help="return it instead, with this reason")] = None,
    reason: str = "",
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """The chain office endorses the application (or --return it with a reason)."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import repair

    ctx = context(db)
    r = repair.endorse(
        ctx,
        actor=actor_of(ctx, user),
        repair_id=repair_id,
        endorse=return_ is None,
        reason=return_ or reason,
        idempotency_key=key_or_new(key),
    )
    show(record(r), as_json)


@repair_app.command("review")
@command
def repair_review(
    repair_id: str,
    opinion: Annotated[str, typer.Option()],
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """The district operator reviews the application."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import repair

    ctx = context(db)
    r = repair.review(
        ctx, actor=actor_of(ctx, user), repair_id=repair_id, opinion=opinion, idempotency_key=key_or_new(key)
    )
    show(record(r), as_json)


@repair_app.command("decide")
@command
def repair_decide(
    repair_id: str,
    refuse: Annotated[str | None, typer.Option(help="refuse instead, with this reason")] = None,
    db: Db = None,
    user: As = None,
    key: Key = None,
    as_json: Json = False,
) -> None:
    """The district approver approves (removing the entry) or --refuse-s with a reason."""
    from lianrong.platform.results import record
    from lianrong.programme.blacklist import repair

    ctx = context(db)
    r = repair.decide(
        ctx,
        actor=actor_of(ctx, user),
        repair_id=repair_id,
        approve=refuse is None,
        reason=refuse or "",
        idempotency_key=key_or_new(key),
    )
    show(record(r), as_json)
