"""Parties, users, onboarding, core-enterprise designation, the customer ledger and LPR entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, or_, select, text, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen, parse_rate
from lianrong.parties import errors as parties_errors
from lianrong.parties.model import ID_PREFIX, LprState, PartyKind, Role
from lianrong.platform.common import (
    Result,
    check_actor_party,
    check_actor_role,
    get_or_raise,
    paged,
    resolve_party,
    row_dict,
    run_idempotent,
)
from lianrong.platform.context import Actor, Context
from lianrong.vouchers.model import FinancingParams

ROLES = tuple(Role)
#: organisation kinds; a core enterprise or supplier is an ``enterprise`` (core = designated by a bank)
PARTY_KINDS = tuple(PartyKind)
_PREFIX = ID_PREFIX


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise errors.ValidationFailed(reason="name must be 1–200 characters / 名称须为1至200个字符")
    return name.strip()


def _is_district_admin(uow: UnitOfWork, actor: Actor) -> bool:
    return actor.role == "system" or (
        actor.role == "admin"
        and uow.conn.execute(select(t.party.c.kind).where(t.party.c.id == actor.party_id)).scalar() == "district"
    )


def register_party(
    ctx: Context,
    *,
    kind: str,
    uscc: str,
    name: str,
    short_name: str | None = None,
    idempotency_key: str,
    actor: Actor | None = None,
) -> Result:
    """Register an enterprise or a bank by its 统一社会信用代码 (with an actor: the district admin only)."""
    if kind not in PARTY_KINDS:
        raise errors.ValidationFailed(reason=f"kind must be one of {', '.join(PARTY_KINDS)}, not {kind}")
    code = normalize_uscc(uscc)
    name = _name(name)

    def body(uow: UnitOfWork) -> Result:
        if actor is not None and not _is_district_admin(uow, actor):
            raise errors.Forbidden(
                reason="only the district administrator registers parties / 仅区金融办管理员可登记主体"
            )
        if uow.conn.execute(select(t.party.c.id).where(t.party.c.uscc == code)).first():
            raise errors.AlreadyExists(entity="party", key=code)
        pid, now = new_id(_PREFIX[kind]), ctx.clock.now()
        uow.conn.execute(
            insert(t.party).values(id=pid, kind=kind, uscc=code, name=name, short_name=short_name, created_at=now)
        )
        return {"id": pid, "kind": kind, "uscc": code, "name": name, "short_name": short_name, "created_at": now}

    return run_idempotent(
        ctx,
        key=idempotency_key,
        operation="party.register",
        request={"kind": kind, "uscc": code, "name": name, "short": short_name},
        body=body,
    )


def _username(username: str) -> str:
    if not isinstance(username, str) or not (1 <= len(username.strip()) <= 80):
        raise errors.ValidationFailed(reason="username must be 1–80 characters / 用户名须为1至80个字符")
    return username.strip()


def needs_setup(ctx: Context) -> bool:
    """Whether the database has no user at all (a fresh install: the console's one-time setup page)."""
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.app_user.c.id).limit(1)).first() is None


def district_office(ctx: Context) -> Result | None:
    """The district office the first administrator belongs to: the only district party, if there is one."""
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(t.party).where(t.party.c.kind == "district").limit(2)).all()
    return row_dict(rows[0]) if len(rows) == 1 else None


def create_district_admin(
    ctx: Context,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    office_name: str | None = None,
    office_uscc: str | None = None,
    first_user: bool = False,
) -> Result:
    """An administrator of the district office, registering the office first when there is none.

    The office is the party of ``office_uscc`` when given (it must be a district office), else the only
    district party; with none, ``office_name`` and ``office_uscc`` register it. ``first_user``: only on a
    database without any user (the console's setup page; with users it does not exist: 404). All or
    nothing: a refused password or user name registers no office either.
    """
    from lianrong.accounts.service import hash_password

    username = _username(username)
    password_hash = hash_password(password, username=username)
    code = normalize_uscc(office_uscc) if office_uscc and office_uscc.strip() else None
    now = ctx.clock.now()
    with ctx.uow() as uow:
        conn = uow.conn
        if uow.dialect == "postgresql":  # two set-ups at once: the second waits and sees the first's user
            conn.execute(text("LOCK TABLE app_user IN SHARE ROW EXCLUSIVE MODE"))
        if first_user and conn.execute(select(t.app_user.c.id).limit(1)).first() is not None:
            raise errors.NotFound("page", "/setup")
        if conn.execute(select(t.app_user.c.id).where(t.app_user.c.username == username)).first():
            raise errors.AlreadyExists(entity="user", key=username)
        if code:
            office = conn.execute(select(t.party).where(t.party.c.uscc == code)).first()
            if office is not None and office.kind != "district":
                raise parties_errors.WrongPartyKind(party=code, expected="district")
        else:
            offices = conn.execute(select(t.party).where(t.party.c.kind == "district").limit(2)).all()
            if len(offices) > 1:
                raise errors.ValidationFailed(
                    reason="name the district office by its USCC / 请用统一社会信用代码指明区金融办"
                )
            office = offices[0] if offices else None
        created = office is None
        if created:
            if not code:
                raise errors.ValidationFailed(
                    reason="the district office's name and USCC are needed / 须填写区金融办的名称和统一社会信用代码"
                )
            office_id = new_id(_PREFIX["district"])
            conn.execute(
                insert(t.party).values(
                    id=office_id, kind="district", uscc=code, name=_name(office_name or ""), created_at=now
                )
            )
            office = conn.execute(select(t.party).where(t.party.c.id == office_id)).one()
        uid = new_id("usr")
        conn.execute(
            insert(t.app_user).values(
                id=uid,
                party_id=office.id,
                username=username,
                display_name=_name(display_name or username),
                role="admin",
                created_at=now,
                password_hash=password_hash,
            )
        )
        uow.commit()
    return {
        "party": {"id": office.id, "kind": "district", "uscc": office.uscc, "name": office.name, "created": created},
        "user": {"id": uid, "party_id": office.id, "username": username, "role": "admin"},
    }


def add_user(
    ctx: Context,
    *,
    party: str,
    username: str,
    display_name: str,
    role: str,
    idempotency_key: str,
    actor: Actor | None = None,
    password: str | None = None,
) -> Result:
    """Add a user to an organisation with one role (and, optionally, a first password).

    With an actor: an admin of that organisation, or the district administrator.
    """
    if role not in ROLES:
        raise errors.ValidationFailed(reason=f"role must be one of {', '.join(ROLES)}")
    username = _username(username)
    password_hash = None
    if password is not None:
        from lianrong.accounts.service import hash_password

        password_hash = hash_password(password, username=username)

    def body(uow: UnitOfWork) -> Result:
        p = resolve_party(uow, party)
        if actor is not None and not (
            _is_district_admin(uow, actor) or (actor.role == "admin" and actor.party_id == p.id)
        ):
            raise errors.Forbidden(reason="only the organisation's admin adds its users / 仅本机构管理员可添加用户")
        if uow.conn.execute(select(t.app_user.c.id).where(t.app_user.c.username == username)).first():
            raise errors.AlreadyExists(entity="user", key=username)
        uid = new_id("usr")
        uow.conn.execute(
            insert(t.app_user).values(
                id=uid,
                party_id=p.id,
                username=username,
                display_name=_name(display_name),
                role=role,
                created_at=ctx.clock.now(),
                password_hash=password_hash,
            )
        )
        return {"id": uid, "party_id": p.id, "username": username, "role": role}

    request = {"party": party, "username": username, "role": role, "display": display_name}
    if password is not None:
        request["password"] = True  # never the password itself: the request hash is stored
    return run_idempotent(ctx, key=idempotency_key, operation="user.add", request=request, body=body)


def actor_for(ctx: Context, username: str) -> Actor:
    """The actor of a user name (used by the CLI's ``--as``)."""
    with ctx.uow(readonly=True) as uow:
        row = uow.conn.execute(select(t.app_user).where(t.app_user.c.username == username)).first()
    if row is None:
        raise errors.NotFound("user", username)
    return Actor(user_id=row.id, party_id=row.party_id, role=row.role)


def _bank_only(ctx: Context, actor: Actor, what: str) -> None:
    """A bank's operator or approver only: refused before the request's content is validated."""
    from lianrong.platform import scope

    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "bank", what=what)


def onboard(
    ctx: Context,
    *,
    actor: Actor,
    bank: str,
    party: str,
    settlement_account: str | None,
    ebanking: bool,
    certificate: str | None,
    idempotency_key: str,
) -> Result:
    """Record a party's settlement account, corporate e-banking and U盾 at a bank."""
    _bank_only(ctx, actor, "only the bank records onboarding / 仅银行可维护开户信息")
    if settlement_account is not None and not (
        6 <= len(settlement_account.strip()) <= 40 and settlement_account.strip().isdigit()
    ):
        raise errors.ValidationFailed(reason="settlement account must be 6–40 digits / 结算账号须为6至40位数字")

    def body(uow: UnitOfWork) -> Result:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank records onboarding / 仅银行可维护开户信息")
        p = resolve_party(uow, party, kind="enterprise")
        values = dict(
            settlement_account=(settlement_account or "").strip() or None,
            ebanking=bool(ebanking),
            certificate=(certificate or "").strip() or None,
            updated_at=ctx.clock.now(),
        )
        key = and_(t.onboarding.c.bank_id == b.id, t.onboarding.c.party_id == p.id)
        if uow.conn.execute(select(t.onboarding.c.bank_id).where(key)).first():
            uow.conn.execute(update(t.onboarding).where(key).values(**values))
        else:
            uow.conn.execute(insert(t.onboarding).values(bank_id=b.id, party_id=p.id, **values))
        return {
            "bank_id": b.id,
            "party_id": p.id,
            "complete": is_onboarded(uow, b.id, p.id),
            **{k: v for k, v in values.items() if k != "updated_at"},
        }

    return run_idempotent(
        ctx,
        key=idempotency_key,
        operation="onboarding.set",
        request={"bank": bank, "party": party, "acct": settlement_account, "eb": ebanking, "cert": certificate},
        body=body,
    )


def is_onboarded(uow: UnitOfWork, bank_id: str, party_id: str) -> bool:
    """True when the party has all three of settlement account, e-banking and certificate."""
    row = uow.conn.execute(
        select(t.onboarding).where(t.onboarding.c.bank_id == bank_id, t.onboarding.c.party_id == party_id)
    ).first()
    return bool(row and row.settlement_account and row.ebanking and row.certificate)


def require_onboarded(uow: UnitOfWork, bank: Any, party: Any) -> None:
    """Refuse a party that cannot receive or finance at this bank."""
    if not is_onboarded(uow, bank.id, party.id):
        raise parties_errors.NotOnboarded(party=party.name, bank=bank.name)


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
        raise parties_errors.InvalidParameter(
            reason=f"max_ratio above the deployment ceiling {ctx.policy.max_financing_ratio}"
        )


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
) -> Result:
    """The bank designates a core enterprise (核定为数字供应链核心企业) or updates its financing parameters.

    Parameters left out (None) take the deployment's defaults on a first designation; an update of an
    existing designation keeps their current values.
    """
    _bank_only(ctx, actor, "only the bank designates core enterprises / 仅银行可核定核心企业")
    given = _params_values(max_ratio, max_term_days, min_split_fen, max_tier, spread)
    _check_ceiling(ctx, default_params(ctx).merged(**given))  # each given value in its range, before any read

    def body(uow: UnitOfWork) -> Result:
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
        return {
            "bank_id": b.id,
            "core_id": c.id,
            "designated_on": designated_on,
            **{k: v for k, v in values.items() if k != "updated_at"},
        }

    return run_idempotent(
        ctx,
        key=idempotency_key,
        operation="core.designate",
        request={"bank": bank, "core": core, "p": given},
        body=body,
    )


def import_ledger(
    ctx: Context, *, actor: Actor, bank: str, core: str, suppliers: list[dict[str, Any]], idempotency_key: str
) -> Result:
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

    def body(uow: UnitOfWork) -> Result:
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
        return {"bank_id": b.id, "core_id": c.id, "suppliers": added}

    return run_idempotent(
        ctx,
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


def set_lpr(ctx: Context, *, actor: Actor, bank: str, effective_on: dt.date, rate: str, idempotency_key: str) -> Result:
    """Record the bank's LPR entry in force from a date (pricing = LPR + spread)."""
    _bank_only(ctx, actor, "only the bank sets its rates / 仅银行可维护利率")
    value = parse_rate(rate)

    def body(uow: UnitOfWork) -> Result:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank sets its rates / 仅银行可维护利率")
        key = and_(t.lpr.c.bank_id == b.id, t.lpr.c.effective_on == effective_on)
        if uow.conn.execute(select(t.lpr.c.rate).where(key)).first():
            uow.conn.execute(update(t.lpr).where(key).values(rate=str(value)))
        else:
            uow.conn.execute(insert(t.lpr).values(bank_id=b.id, effective_on=effective_on, rate=str(value)))
        return {"bank_id": b.id, "effective_on": effective_on, "rate": str(value)}

    return run_idempotent(
        ctx,
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
) -> Result:
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
        return paged(uow, stmt, limit=limit, offset=offset)


__all__ = ["get_or_raise"]
