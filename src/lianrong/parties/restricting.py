"""Recording, lifting and reading party restrictions (the rule itself is ``parties/restrictions.py``, pure).

Every path that lets a party act reads restrictions through :func:`restrictions_of` and refuses through
``restrictions.check_not_restricted`` (transfer, issuance, financing, onboarding), so a new kind of block (a
black-list entry, a risk freeze) is a row written by :func:`restrict`, not a new code path.

Who may record or lift: the district office (approver or admin) and the system (jobs, the programme's black
list, the risk engine, acting as the system). A restriction is never deleted: :func:`lift` ends it the day
before (``valid_until``) and records who lifted it, when and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.parties.restrictions import Action, Restriction, check_not_restricted
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role, get_or_raise
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed

_KIND = re.compile(r"^[a-z][a-z0-9_.]{1,39}$")

_READ = (
    "SELECT id, party_id, action, bank_id, kind, reason, valid_from, valid_until, source FROM party_restriction "
    "WHERE party_id IN ({ids}) ORDER BY valid_from, id"
)


@dataclass(frozen=True, slots=True)
class RestrictionRecord:
    """A restriction as recorded, with its lifting (if lifted) — the read model of ``party_restriction``."""

    id: str
    party_id: str
    action: Action
    kind: str
    reason: str
    bank_id: str | None
    valid_from: dt.date
    valid_until: dt.date | None
    source: str | None
    created_by: str | None
    created_at: dt.datetime
    lifted_at: dt.datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None

    @property
    def lifted(self) -> bool:
        return self.lifted_at is not None


def restrictions_of(raw: Any, party_ids: Iterable[str]) -> dict[str, tuple[Restriction, ...]]:
    """Every restriction row of the parties, by party (the rule decides which are in force), in one query."""
    ids = sorted(set(party_ids))
    if not ids:
        return {}
    params: dict[str, Any] = {}
    sql = _READ.replace("{ids}", raw.placeholders("p", ids, params))
    out: dict[str, list[Restriction]] = {}
    for rid, party_id, action, bank_id, kind, reason, valid_from, valid_until, source in raw.all(sql, params):
        out.setdefault(party_id, []).append(
            Restriction(
                party_id=party_id,
                action=action,
                kind=kind,
                reason=reason or "",
                bank_id=bank_id,
                valid_from=raw.date(valid_from),
                valid_until=raw.date(valid_until) if valid_until is not None else None,
                id=rid,
                source=source,
            )
        )
    return {k: tuple(rows) for k, rows in out.items()}


def check_party_may(uow: UnitOfWork, *, party_id: str, action: Action, bank_id: str | None, today: dt.date) -> None:
    """Refuse (``party.restricted``, naming the entry) when a restriction in force bars ``party_id`` from
    ``action`` at ``bank_id`` today. The one check issuance, financing and onboarding call."""
    found = restrictions_of(uow.raw, [party_id]).get(party_id)
    if not found:
        return
    names = _names(uow, [party_id, bank_id] if bank_id else [party_id])
    check_not_restricted(
        found,
        party_name=names.get(party_id, party_id),
        action=action,
        bank_id=bank_id,
        bank_name=names.get(bank_id or "", ""),
        today=today,
    )


def _names(uow: UnitOfWork, ids: list[str]) -> dict[str, str]:
    return dict(uow.conn.execute(select(t.party.c.id, t.party.c.name).where(t.party.c.id.in_(ids))).all())


def _check_recorder(uow: UnitOfWork, actor: Actor) -> None:
    scope.require_kind(
        uow, actor, "district", what="only the district office records restrictions / 仅区金融办可设置限制"
    )
    check_actor_role(actor, "approver")


def _record_of(row: Any) -> RestrictionRecord:
    return RestrictionRecord(
        id=row.id,
        party_id=row.party_id,
        action=Action(row.action),
        kind=row.kind,
        reason=row.reason or "",
        bank_id=row.bank_id,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        source=row.source,
        created_by=row.created_by,
        created_at=row.created_at,
        lifted_at=row.lifted_at,
        lifted_by=row.lifted_by,
        lift_reason=row.lift_reason,
    )


def _text(value: Any, *, field: str, limit: int, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise errors.ValidationFailed(reason=f"{field} is required / {field}不能为空")
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise errors.ValidationFailed(reason=f"{field}: text of at most {limit} characters / 最多{limit}个字符")
    return value.strip()


def restrict(
    ctx: Context,
    *,
    actor: Actor,
    party_id: str,
    action: str,
    kind: str,
    reason: str,
    bank_id: str | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    source: str | None = None,
    idempotency_key: str,
) -> RestrictionRecord:
    """Bar a party from an action (at one bank, or every bank) from ``valid_from`` (default today) to
    ``valid_until`` (inclusive; None until lifted). ``kind`` is a code (``blacklist``, ``risk_freeze``, …)
    shown in refusals with the ``reason``; ``source`` names the record that caused it."""
    try:
        act = Action(action)
    except ValueError:
        raise errors.ValidationFailed(
            reason=f"unknown action {action!r}; one of {', '.join(a.value for a in Action)} / 未知的限制事项"
        ) from None
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise errors.ValidationFailed(
            reason="kind: a code of 2–40 lower-case letters, digits, _ or . / 限制类型代码无效"
        )
    why = _text(reason, field="reason", limit=200, required=True)
    ref = _text(source, field="source", limit=80, required=False)
    start = valid_from or ctx.clock.today()
    if valid_until is not None and valid_until < start:
        raise errors.ValidationFailed(reason="valid_until is before valid_from / 截止日早于起始日")

    def body(uow: UnitOfWork) -> RestrictionRecord:
        _check_recorder(uow, actor)
        party = get_or_raise(uow, t.party, party_id, "party")
        if bank_id is not None:
            bank = get_or_raise(uow, t.party, bank_id, "bank")
            if bank.kind != "bank":
                raise errors.NotFound("bank", bank_id)
        rid = new_id("rst")
        uow.conn.execute(
            insert(t.party_restriction).values(
                id=rid,
                party_id=party.id,
                action=act.value,
                bank_id=bank_id,
                kind=kind,
                reason=why,
                valid_from=start,
                valid_until=valid_until,
                created_by=actor.user_id,
                created_at=ctx.clock.now(),
                source=ref,
            )
        )
        return _record_of(uow.conn.execute(select(t.party_restriction).where(t.party_restriction.c.id == rid)).one())

    return run_typed(
        ctx,
        RestrictionRecord,
        key=idempotency_key,
        operation="party.restrict",
        request={
            "actor": actor.user_id,
            "p": party_id,
            "a": action,
            "k": kind,
            "r": reason,
            "b": bank_id,
            "f": start,
            "u": valid_until,
            "s": source,
        },
        body=body,
    )


def lift(ctx: Context, *, actor: Actor, restriction_id: str, reason: str, idempotency_key: str) -> RestrictionRecord:
    """End a restriction from today on (``valid_until`` becomes yesterday, or stays if it ended earlier) and
    record who lifted it and why. Lifting one already lifted is refused (``validation.failed``)."""
    why = _text(reason, field="reason", limit=200, required=True)

    def body(uow: UnitOfWork) -> RestrictionRecord:
        _check_recorder(uow, actor)
        row = get_or_raise(uow, t.party_restriction, restriction_id, "restriction", lock=True)
        if row.lifted_at is not None:
            raise errors.ValidationFailed(reason="the restriction is already lifted / 该限制已解除")
        yesterday = ctx.clock.today() - dt.timedelta(days=1)
        until = row.valid_until if row.valid_until is not None and row.valid_until < yesterday else yesterday
        uow.conn.execute(
            update(t.party_restriction)
            .where(t.party_restriction.c.id == row.id)
            .values(valid_until=until, lifted_at=ctx.clock.now(), lifted_by=actor.user_id, lift_reason=why)
        )
        return _record_of(uow.conn.execute(select(t.party_restriction).where(t.party_restriction.c.id == row.id)).one())

    return run_typed(
        ctx,
        RestrictionRecord,
        key=idempotency_key,
        operation="party.lift_restriction",
        request={"actor": actor.user_id, "id": restriction_id, "r": reason},
        body=body,
    )


def restrictions(
    ctx: Context, *, viewer: Actor, party_id: str | None = None, source: str | None = None
) -> list[RestrictionRecord]:
    """The restrictions the viewer may see, newest first: the district office sees every one; any other
    organisation sees those on itself (what bars it, and why)."""
    with ctx.uow(readonly=True) as uow:
        q = select(t.party_restriction)
        if not scope.sees_everything(uow, viewer):
            q = q.where(t.party_restriction.c.party_id == viewer.party_id)
        if party_id is not None:
            q = q.where(t.party_restriction.c.party_id == party_id)
        if source is not None:
            q = q.where(t.party_restriction.c.source == source)
        rows = uow.conn.execute(q.order_by(t.party_restriction.c.created_at.desc(), t.party_restriction.c.id)).all()
        return [_record_of(r) for r in rows]
