"""Parties, users, onboarding, core-enterprise designation, the customer ledger and LPR entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, text, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.kernel.ids import new_id
from lianrong.parties import errors as parties_errors
from lianrong.parties.model import ID_PREFIX, PartyKind, Role
from lianrong.parties.restricting import check_party_may
from lianrong.parties.restrictions import Action
from lianrong.platform.common import (
    check_actor_party,
    check_actor_role,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date
from lianrong.platform.results import run_typed

ROLES = tuple(Role)


#: organisation kinds; a core enterprise or supplier is an ``enterprise`` (core = designated by a bank)
PARTY_KINDS = tuple(PartyKind)


_PREFIX = ID_PREFIX


@dataclass(frozen=True, slots=True)
class RegisteredParty:
    """A party as registered: its id, kind, USCC and names."""

    id: str
    kind: str
    uscc: str
    name: str
    short_name: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DistrictOffice:
    """The district office (区金融办) as the party register holds it."""

    id: str
    kind: str
    uscc: str
    name: str
    short_name: str | None
    defaulted_on: dt.date | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OfficeOfAdmin:
    """The district office of a new administrator, and whether it was registered with it."""

    id: str
    kind: str
    uscc: str
    name: str
    created: bool


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user as added: its id, organisation, name and role."""

    id: str
    party_id: str
    username: str
    role: str


@dataclass(frozen=True, slots=True)
class DistrictAdmin:
    """A district administrator as created, with its office."""

    party: OfficeOfAdmin
    user: NewUser


@dataclass(frozen=True, slots=True)
class Onboarding:
    """A party's onboarding at a bank: its settlement account, e-banking and U盾, and whether all three are there."""

    bank_id: str
    party_id: str
    complete: bool
    settlement_account: str | None
    ebanking: bool
    certificate: str | None


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
) -> RegisteredParty:
    """Register an enterprise or a bank by its 统一社会信用代码 (with an actor: the district admin only)."""
    if kind not in PARTY_KINDS:
        raise errors.ValidationFailed(reason=f"kind must be one of {', '.join(PARTY_KINDS)}, not {kind}")
    code = normalize_uscc(uscc)
    name = _name(name)

    def body(uow: UnitOfWork) -> RegisteredParty:
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
        return RegisteredParty(id=pid, kind=kind, uscc=code, name=name, short_name=short_name, created_at=now)

    return run_typed(
        ctx,
        RegisteredParty,
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


def district_office(ctx: Context) -> DistrictOffice | None:
    """The district office the first administrator belongs to: the only district party, if there is one."""
    with ctx.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(t.party).where(t.party.c.kind == "district").limit(2)).all()
    if len(rows) != 1:
        return None
    r = rows[0]
    return DistrictOffice(
        id=r.id,
        kind=r.kind,
        uscc=r.uscc,
        name=r.name,
        short_name=r.short_name,
        defaulted_on=as_date(r.defaulted_on),
        created_at=r.created_at,
    )


def create_district_admin(
    ctx: Context,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    office_name: str | None = None,
    office_uscc: str | None = None,
    first_user: bool = False,
) -> DistrictAdmin:
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
                raise errors.WrongPartyKind(party=code, expected="district")
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
    return DistrictAdmin(
        party=OfficeOfAdmin(id=office.id, kind="district", uscc=office.uscc, name=office.name, created=created),
        user=NewUser(id=uid, party_id=office.id, username=username, role="admin"),
    )


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
) -> NewUser:
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

    def body(uow: UnitOfWork) -> NewUser:
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
        return NewUser(id=uid, party_id=p.id, username=username, role=role)

    request = {"party": party, "username": username, "role": role, "display": display_name}
    if password is not None:
        request["password"] = True  # never the password itself: the request hash is stored
    return run_typed(ctx, NewUser, key=idempotency_key, operation="user.add", request=request, body=body)


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
) -> Onboarding:
    """Record a party's settlement account, corporate e-banking and U盾 at a bank."""
    _bank_only(ctx, actor, "only the bank records onboarding / 仅银行可维护开户信息")
    if settlement_account is not None and not (
        6 <= len(settlement_account.strip()) <= 40 and settlement_account.strip().isdigit()
    ):
        raise errors.ValidationFailed(reason="settlement account must be 6–40 digits / 结算账号须为6至40位数字")

    def body(uow: UnitOfWork) -> Onboarding:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank records onboarding / 仅银行可维护开户信息")
        p = resolve_party(uow, party, kind="enterprise")
        account, cert = (settlement_account or "").strip() or None, (certificate or "").strip() or None
        values = dict(settlement_account=account, ebanking=bool(ebanking), certificate=cert, updated_at=ctx.clock.now())
        key = and_(t.onboarding.c.bank_id == b.id, t.onboarding.c.party_id == p.id)
        if uow.conn.execute(select(t.onboarding.c.bank_id).where(key)).first():
            uow.conn.execute(update(t.onboarding).where(key).values(**values))
        else:  # a new relationship: a restriction on being onboarded (at this bank or any) bars it
            check_party_may(uow, party_id=p.id, action=Action.ONBOARD, bank_id=b.id, today=ctx.clock.today())
            uow.conn.execute(insert(t.onboarding).values(bank_id=b.id, party_id=p.id, **values))
        return Onboarding(
            bank_id=b.id,
            party_id=p.id,
            complete=is_onboarded(uow, b.id, p.id),
            settlement_account=account,
            ebanking=bool(ebanking),
            certificate=cert,
        )

    return run_typed(
        ctx,
        Onboarding,
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
