"""Credit lines: grant, occupy (guarded, never over the line) and release."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.credit import errors as credit_errors
from lianrong.credit.model import CreditLineState, check_occupation, check_validity
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.parties.designations import core_params
from lianrong.platform import scope
from lianrong.platform.common import (
    check_actor_party,
    check_actor_role,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed


@dataclass(frozen=True, slots=True)
class GrantedLine:
    """A credit line as granted: a bank's limit for a core enterprise over a period (nothing occupied yet)."""

    id: str
    bank_id: str
    core_id: str
    limit_fen: int
    valid_from: dt.date
    valid_to: dt.date
    created_at: dt.datetime


def grant_line(
    ctx: Context,
    *,
    actor: Actor,
    bank: str,
    core: str,
    limit_fen: int,
    valid_from: dt.date,
    valid_to: dt.date,
    idempotency_key: str,
) -> GrantedLine:
    """A bank grants a designated core enterprise a credit line for a period."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "bank", what="only the bank grants credit / 仅银行可授信")
    check_fen(limit_fen)
    check_validity(valid_from=valid_from, valid_to=valid_to)

    def body(uow: UnitOfWork) -> GrantedLine:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank grants credit / 仅银行可授信")
        c = resolve_party(uow, core, kind="enterprise")
        core_params(uow, b.id, c.id)
        overlapping = uow.conn.execute(
            select(t.credit_line.c.id).where(
                t.credit_line.c.bank_id == b.id,
                t.credit_line.c.core_id == c.id,
                t.credit_line.c.valid_from <= valid_to,
                t.credit_line.c.valid_to >= valid_from,
            )
        ).first()
        if overlapping:
            raise errors.AlreadyExists(entity="credit_line", key=f"{c.name} {valid_from}..{valid_to}")
        lid, now = new_id("crl"), ctx.clock.now()
        uow.conn.execute(
            insert(t.credit_line).values(
                id=lid,
                bank_id=b.id,
                core_id=c.id,
                limit_fen=limit_fen,
                occupied_fen=0,
                valid_from=valid_from,
                valid_to=valid_to,
                created_at=now,
            )
        )
        return GrantedLine(
            id=lid,
            bank_id=b.id,
            core_id=c.id,
            limit_fen=limit_fen,
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=now,
        )

    return run_typed(
        ctx,
        GrantedLine,
        key=idempotency_key,
        operation="credit.grant",
        request={"b": bank, "c": core, "l": limit_fen, "f": valid_from, "t": valid_to},
        body=body,
    )


def line_in_force(uow: UnitOfWork, *, bank: Any, core: Any, on: dt.date) -> CreditLineState:
    """The bank's line for the core enterprise valid on a date."""
    row = uow.conn.execute(
        select(t.credit_line).where(
            t.credit_line.c.bank_id == bank.id,
            t.credit_line.c.core_id == core.id,
            t.credit_line.c.valid_from <= on,
            t.credit_line.c.valid_to >= on,
        )
    ).first()
    if row is None:
        raise credit_errors.NoCreditLine(bank=bank.name, core=core.name, on=on.isoformat())
    return CreditLineState(
        id=row.id,
        limit_fen=row.limit_fen,
        occupied_fen=row.occupied_fen,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def occupy(uow: UnitOfWork, *, bank: Any, core: Any, amount_fen: int, on: dt.date) -> str:
    """Occupy part of the line in force, with a guarded update; returns the line id."""
    line = line_in_force(uow, bank=bank, core=core, on=on)
    check_occupation(line=line, amount_fen=amount_fen)
    res = uow.conn.execute(
        update(t.credit_line)
        .where(
            t.credit_line.c.id == line.id,
            t.credit_line.c.occupied_fen + amount_fen <= t.credit_line.c.limit_fen,
        )
        .values(occupied_fen=t.credit_line.c.occupied_fen + amount_fen)
    )
    if res.rowcount != 1:
        fresh = line_in_force(uow, bank=bank, core=core, on=on)
        check_occupation(line=fresh, amount_fen=amount_fen)
        raise errors.Conflict()
    return line.id


def release(uow: UnitOfWork, *, line_id: str, amount_fen: int) -> None:
    """Give back occupied credit (never below zero)."""
    if amount_fen <= 0:
        return
    res = uow.conn.execute(
        update(t.credit_line)
        .where(
            t.credit_line.c.id == line_id,
            t.credit_line.c.occupied_fen >= amount_fen,
        )
        .values(occupied_fen=t.credit_line.c.occupied_fen - amount_fen)
    )
    if res.rowcount != 1:
        raise errors.Conflict()
