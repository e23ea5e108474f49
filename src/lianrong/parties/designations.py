"""A bank's designations of core enterprises, their financing parameters and customer ledgers, and the bank's LPR."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, or_, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.money import check_fen, parse_rate
from lianrong.parties import errors as parties_errors
from lianrong.parties.model import LprState
from lianrong.parties.service import _bank_only
from lianrong.platform.common import (
    check_actor_party,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.pages import Page
from lianrong.platform.results import run_typed
from lianrong.vouchers.model import FinancingParams


@dataclass(frozen=True, slots=True)
class CoreDesignation:
    """A bank's designation of a core enterprise with its financing parameters (ratio and spread as text)."""

    bank_id: str
    core_id: str
    designated_on: dt.date
    max_ratio: str
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: str


@dataclass(frozen=True, slots=True)
class Designation:
    """A designation as listed: its parameters and when they were last changed."""

    bank_id: str
    core_id: str
    designated_on: dt.date
    max_ratio: str
    max_term_days: int
    min_split_fen: int
    max_tier: int
    spread: str
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class LedgerImport:
    """A customer ledger import: the suppliers (ids) now in the core enterprise's ledger at the bank."""

    bank_id: str
    core_id: str
    suppliers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LprSet:
    """A bank's LPR entry as recorded (the rate as a decimal fraction's text)."""

    bank_id: str
    effective_on: dt.date
    rate: str


def _params_values(
    max_ratio: Any, max_term_days: Any, min_split_fen: Any, max_tier: Any, spread: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if max_ratio is not None:
        out["max_ratio"] = parse_rate(str(max_ratio))
    if max_term_days is not None:
        out["max_term_days"] = int(max_term_days)
    if min_split_fen is not None:
        out["min_split_fen"] = check_fen(min_split_fen, field="min_split_fen")
    if max_tier is not None:
        out["max_tier"] = int(max_tier)
    if spread is not None:
        out["spread"] = Decimal(str(spread)) if not str(spread).endswith("%") else parse_rate(str(spread))
    return out


def default_params(ctx: Context) -> FinancingParams:
    """The deployment's default financing parameters of a newly designated core enterprise."""
    s = ctx.settings
    return FinancingParams(
        max_ratio=s.max_financing_ratio,
        max_term_days=s.default_max_term_days,  # type: ignore[union-attr]
        min_split_fen=s.default_min_split_fen,
        max_tier=s.default_max_tier,  # type: ignore[union-attr]
        spread=s.default_spread,
    )  # type: ignore[union-attr]


def _check_ceiling(ctx: Context, params: FinancingParams) -> None:
    """Refuse a financing ratio above the deployment's ceiling (``LIANRONG_MAX_FINANCING_RATIO``)."""
    if params.max_ratio > ctx.policy.max_financing_ratio:
        raise errors.InvalidParameter(reason=f"max_ratio above the deployment ceiling {ctx.policy.max_financing_ratio}")


def designate_core(
    ctx: Context,
    *,
    actor: Actor,
    bank: str,
    core: str,
    max_ratio: Any = None,
    max_term_days: Any = None,
    min_split_fen: Any = None,
    max_tier: Any = None,
    spread: Any = None,
    idempotency_key: str,
) -> CoreDesignation:
    """The bank designates a core enterprise (核定为数字供应链核心企业) or updates its financing parameters.

    Parameters left out (None) take the deployment's defaults on a first designation; an update of an
    existing designation keeps their current values.
    """
    _bank_only(ctx, actor, "only the bank designates core enterprises / 仅银行可核定核心企业")
    given = _params_values(max_ratio, max_term_days, min_split_fen, max_tier, spread)
    _check_ceiling(ctx, default_params(ctx).merged(**given))  # each given value in its range, before any read

    def body(uow: UnitOfWork) -> CoreDesignation:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank designates core enterprises / 仅银行可核定核心企业")
        c = resolve_party(uow, core, kind="enterprise")
        key = and_(t.core_designation.c.bank_id == b.id, t.core_designation.c.core_id == c.id)
        existing = uow.conn.execute(select(t.core_designation.c.designated_on).where(key)).first()
        params = (core_params(uow, b.id, c.id) if existing else default_params(ctx)).merged(**given)
        _check_ceiling(ctx, params)
        values = dict(
            max_ratio=str(params.max_ratio),
            max_term_days=params.max_term_days,
            min_split_fen=params.min_split_fen,
            max_tier=params.max_tier,
            spread=str(params.spread),
            updated_at=ctx.clock.now(),
        )
        if existing:
            uow.conn.execute(update(t.core_designation).where(key).values(**values))
            designated_on = existing.designated_on
        else:
            designated_on = ctx.clock.today()
            uow.conn.execute(
                insert(t.core_designation).values(bank_id=b.id, core_id=c.id, designated_on=designated_on, **values)
            )
        return CoreDesignation(
            bank_id=b.id,
            core_id=c.id,
            designated_on=designated_on,
            max_ratio=str(params.max_ratio),
            max_term_days=params.max_term_days,
            min_split_fen=params.min_split_fen,
            max_tier=params.max_tier,
            spread=str(params.spread),
        )

    return run_typed(
        ctx,
        CoreDesignation,
        key=idempotency_key,
        operation="core.designate",
        request={"bank": bank, "core": core, "p": given},
        body=body,
    )


def import_ledger(
    ctx: Context, *, actor: Actor, bank: str, core: str, suppliers: list[dict[str, Any]], idempotency_key: str
) -> LedgerImport:
    """Import a core enterprise's supplier list into the bank's customer ledger (客户台账).

    Each entry names a supplier (``supplier``: id or USCC) and optional parameter overrides. All or
    nothing: one bad entry refuses the whole import.
    """
    _bank_only(ctx, actor, "only the bank keeps the customer ledger / 仅银行可维护客户台账")
    if not isinstance(suppliers, list) or not suppliers:
        raise errors.ValidationFailed(reason="supplier list is empty / 供应商名单为空")
    entries = []
    for i, s in enumerate(suppliers, start=1):
        try:
            entries.append(
                (
                    s["supplier"],
                    _params_values(
                        s.get("max_ratio"),
                        s.get("max_term_days"),
                        s.get("min_split_fen"),
                        s.get("max_tier"),
                        s.get("spread"),
                    ),
                )
            )
        except KeyError:
            raise errors.ValidationFailed(reason=f"entry {i}: supplier missing / 第{i}行缺少供应商") from None

    def body(uow: UnitOfWork) -> LedgerImport:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank keeps the customer ledger / 仅银行可维护客户台账")
        c = resolve_party(uow, core, kind="enterprise")
        base = core_params(uow, b.id, c.id)  # must be designated
        added = []
        for ref, overrides in entries:
            # a supplier's overrides obey the same ranges as the core's parameters (ratio, tier, term…)
            _check_ceiling(ctx, base.merged(**overrides))
            sup = resolve_party(uow, ref, kind="enterprise")
            if sup.id == c.id:
                raise errors.ValidationFailed(
                    reason="a core enterprise is not its own supplier / 核心企业不能是自己的供应商"
                )
            key = and_(
                t.supplier_ledger.c.bank_id == b.id,
                t.supplier_ledger.c.core_id == c.id,
                t.supplier_ledger.c.supplier_id == sup.id,
            )
            vals = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in overrides.items()}
            if uow.conn.execute(select(t.supplier_ledger.c.supplier_id).where(key)).first():
                if vals:  # re-importing a supplier without overrides leaves its entry as it is
                    uow.conn.execute(update(t.supplier_ledger).where(key).values(**vals))
            else:
                uow.conn.execute(
                    insert(t.supplier_ledger).values(
                        bank_id=b.id, core_id=c.id, supplier_id=sup.id, imported_at=ctx.clock.now(), **vals
                    )
                )
            added.append(sup.id)
        return LedgerImport(bank_id=b.id, core_id=c.id, suppliers=tuple(added))

    return run_typed(
        ctx,
        LedgerImport,
        key=idempotency_key,
        operation="ledger.import",
        request={"bank": bank, "core": core, "s": suppliers},
        body=body,
    )


def core_params(uow: UnitOfWork, bank_id: str, core_id: str) -> FinancingParams:
    """The financing parameters of a designated core enterprise."""
    row = uow.conn.execute(
        select(t.core_designation).where(
            t.core_designation.c.bank_id == bank_id, t.core_designation.c.core_id == core_id
        )
    ).first()
    if row is None:
        bank = uow.conn.execute(select(t.party.c.name).where(t.party.c.id == bank_id)).scalar()
        core = uow.conn.execute(select(t.party.c.name).where(t.party.c.id == core_id)).scalar()
        raise parties_errors.NotCoreEnterprise(party=core or core_id, bank=bank or bank_id)
    return FinancingParams(
        max_ratio=Decimal(row.max_ratio),
        max_term_days=row.max_term_days,
        min_split_fen=row.min_split_fen,
        max_tier=row.max_tier,
        spread=Decimal(row.spread),
    )


def supplier_params(uow: UnitOfWork, bank_id: str, core_id: str, supplier_id: str) -> FinancingParams:
    """A supplier's parameters: the core's, with the ledger's per-supplier overrides."""
    base = core_params(uow, bank_id, core_id)
    row = uow.conn.execute(
        select(t.supplier_ledger).where(
            t.supplier_ledger.c.bank_id == bank_id,
            t.supplier_ledger.c.core_id == core_id,
            t.supplier_ledger.c.supplier_id == supplier_id,
        )
    ).first()
    if row is None:
        return base
    return base.merged(
        max_ratio=Decimal(row.max_ratio) if row.max_ratio else None,
        max_term_days=row.max_term_days,
        min_split_fen=row.min_split_fen,
        max_tier=row.max_tier,
        spread=Decimal(row.spread) if row.spread else None,
    )


def set_lpr(ctx: Context, *, actor: Actor, bank: str, effective_on: dt.date, rate: str, idempotency_key: str) -> LprSet:
    """Record the bank's LPR entry in force from a date (pricing = LPR + spread)."""
    _bank_only(ctx, actor, "only the bank sets its rates / 仅银行可维护利率")
    value = parse_rate(rate)

    def body(uow: UnitOfWork) -> LprSet:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank sets its rates / 仅银行可维护利率")
        key = and_(t.lpr.c.bank_id == b.id, t.lpr.c.effective_on == effective_on)
        if uow.conn.execute(select(t.lpr.c.rate).where(key)).first():
            uow.conn.execute(update(t.lpr).where(key).values(rate=str(value)))
        else:
            uow.conn.execute(insert(t.lpr).values(bank_id=b.id, effective_on=effective_on, rate=str(value)))
        return LprSet(bank_id=b.id, effective_on=effective_on, rate=str(value))

    return run_typed(
        ctx,
        LprSet,
        key=idempotency_key,
        operation="lpr.set",
        request={"bank": bank, "on": effective_on, "rate": str(value)},
        body=body,
    )


def lpr_query(uow: UnitOfWork, *, actor: Actor, today: dt.date, bank: str | None = None) -> Select:
    """LPR entries the actor may see, newest first, each with its ``state`` on ``today``.

    ``in_force`` is the entry financings are priced with today, ``future`` one scheduled later, ``past``
    one superseded. A bank sees its own entries; an enterprise those of the banks it is a customer of
    (onboarding recorded there) or a designated core enterprise at; the overseers all; others none.
    """
    from lianrong.platform import scope

    lp, later = t.lpr.c, t.lpr.alias("l2").c
    newest_due = (
        select(func.max(later.effective_on))
        .where(later.bank_id == lp.bank_id, later.effective_on <= today)
        .scalar_subquery()
    )
    state = case(
        (lp.effective_on > today, LprState.FUTURE.value),
        (lp.effective_on == newest_due, LprState.IN_FORCE.value),
        else_=LprState.PAST.value,
    ).label("state")
    stmt = select(lp.bank_id, lp.effective_on, lp.rate, state).order_by(lp.effective_on.desc(), lp.bank_id)
    kind = scope.party_kind(uow, actor)
    if kind == "enterprise":
        me = actor.party_id
        stmt = stmt.where(
            or_(
                lp.bank_id.in_(select(t.onboarding.c.bank_id).where(t.onboarding.c.party_id == me)),
                lp.bank_id.in_(select(t.core_designation.c.bank_id).where(t.core_designation.c.core_id == me)),
            )
        )
    elif not scope.sees_everything(uow, actor):
        stmt = stmt.where(lp.bank_id == actor.party_id)  # a bank its own; anyone else: none
    if bank:
        stmt = stmt.where(lp.bank_id == resolve_party(uow, bank).id)
    return stmt


def lpr_in_force(uow: UnitOfWork, bank: Any, on: dt.date) -> Decimal:
    """The bank's latest LPR entry effective on or before a date."""
    rate = uow.conn.execute(
        select(t.lpr.c.rate)
        .where(t.lpr.c.bank_id == bank.id, t.lpr.c.effective_on <= on)
        .order_by(t.lpr.c.effective_on.desc())
        .limit(1)
    ).scalar()
    if rate is None:
        raise parties_errors.NoRate(bank=bank.name, on=on.isoformat())
    return Decimal(rate)


def page_designations(
    ctx: Context, *, actor: Actor, bank: str | None = None, core: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Designation]:
    """Core-enterprise designations with their financing parameters: for their bank and core enterprise,
    the suppliers in that core's ledger, and the overseers."""
    from lianrong.platform import scope

    with ctx.uow(readonly=True) as uow:
        d = t.core_designation.c
        stmt = select(t.core_designation).order_by(d.designated_on, d.bank_id, d.core_id)
        if not scope.sees_everything(uow, actor):
            p = actor.party_id
            in_ledger = select(t.supplier_ledger.c.core_id).where(
                t.supplier_ledger.c.supplier_id == p, t.supplier_ledger.c.bank_id == d.bank_id
            )
            stmt = stmt.where(or_(d.bank_id == p, d.core_id == p, d.core_id.in_(in_ledger)))
        if bank:
            stmt = stmt.where(d.bank_id == resolve_party(uow, bank).id)
        if core:
            stmt = stmt.where(d.core_id == resolve_party(uow, core).id)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = tuple(
            Designation(
                bank_id=r.bank_id,
                core_id=r.core_id,
                designated_on=r.designated_on,
                max_ratio=r.max_ratio,
                max_term_days=r.max_term_days,
                min_split_fen=r.min_split_fen,
                max_tier=r.max_tier,
                spread=r.spread,
                updated_at=r.updated_at,
            )
            for r in uow.conn.execute(stmt.limit(limit).offset(offset))
        )
    return Page(items=items, total=total, limit=limit, offset=offset)
