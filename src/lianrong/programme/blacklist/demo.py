"""Demo data of the black list: an enterprise listed for a tax violation, a principal (legal representative) of
another listed from the courts' list of dishonest judgment debtors, and an enterprise whose entry was removed by
a completed credit repair — all through the use cases, with fixed idempotency keys (running twice changes
nothing). The district office's operator and approver are the demo's ``district_op`` / ``district_ap`` (made here
if the demo has none yet, with the demo password)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from lianrong.accounts import service as accounts
from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.parties import service as parties
from lianrong.platform.context import Actor, Context, FixedClock
from lianrong.programme.blacklist import repair, service

DEMO_PASSWORD = "lianrong2026"
#: a resident ID number with a valid check digit (GB 11643's published example), not a real person's
DEMO_ID_NO = "11010519491231002X"


def _k(name: str) -> str:
    return f"demo:v1:blacklist:{name}"


def _party(ctx: Context, short_name: str) -> str | None:
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.party.c.id).where(t.party.c.short_name == short_name)).scalar()


def _user(ctx: Context, username: str, *, party: str, role: str, name: str) -> Actor:
    try:
        return parties.actor_for(ctx, username)
    except errors.NotFound:
        parties.add_user(
            ctx, party=party, username=username, display_name=name, role=role, idempotency_key=_k(f"user:{username}")
        )
        accounts.set_initial_password_hash(ctx, username=username, password_hash=accounts.hash_password(DEMO_PASSWORD))
        return parties.actor_for(ctx, username)


def _first_user(ctx: Context, party_id: str) -> Actor | None:
    u = t.app_user.c
    with ctx.uow(readonly=True) as uow:
        row = uow.conn.execute(
            select(u.username)
            .where(u.party_id == party_id, u.role.in_(["operator", "approver"]))
            .order_by(u.username)
            .limit(1)
        ).first()
    return parties.actor_for(ctx, row.username) if row else None


def seed(ctx: Context, *, today: dt.date) -> dict[str, Any]:
    """Seed the black list's demo (needs the demo's parties: the district office and the egg chain's suppliers)."""
    district = _party(ctx, "平谷区金融办")
    soy, pulp, carton = _party(ctx, "丰润豆粕"), _party(ctx, "兴隆纸浆"), _party(ctx, "华彩纸箱")
    if not (district and soy and pulp and carton):
        return {}
    op = _user(ctx, "district_op", party=district, role="operator", name="区金融办经办 马骏")
    ap = _user(ctx, "district_ap", party=district, role="approver", name="区金融办复核 高岚")
    real = ctx.clock
    out: dict[str, Any] = {}
    try:

        def on(day: dt.date) -> None:
            ctx.clock = FixedClock(day)

        def listed(name: str, day: dt.date, **kw: Any) -> str:
            on(day)
            e = service.propose(ctx, actor=op, idempotency_key=_k(f"{name}:propose"), **kw)
            on(day + dt.timedelta(days=1))
            service.decide(ctx, actor=ap, entry_id=e.id, approve=True, idempotency_key=_k(f"{name}:list"))
            return e.id

        out["tax"] = listed(
            "tax",
            today - dt.timedelta(days=40),
            subject="enterprise",
            party=soy,
            source="tax",
            severity="minor",
            reason="2026年第二季度增值税未按期申报缴纳，税务机关认定为重大税收违法失信主体",
        )
        # listed after the demo's last transfer to 兴隆纸浆 (2026-11-12): a serious entry bars receiving
        out["principal"] = listed(
            "principal",
            today - dt.timedelta(days=6),
            subject="principal",
            party=pulp,
            principal_name="王建国",
            principal_id_no=DEMO_ID_NO,
            principal_role="legal_representative",
            source="court",
            severity="serious",
            reason="法定代表人被列为失信被执行人（(2026)冀0822执1234号），拒不履行生效判决",
        )
        entry = listed(
            "repaired",
            today - dt.timedelta(days=160),
            subject="enterprise",
            party=carton,
            source="financial",
            severity="minor",
            reason="银行贷款逾期120天未还，金融信用信息基础数据库记录为不良",
        )
        out["repaired"] = entry
        applicant = _first_user(ctx, carton)
        if applicant is None:
            return out
        on(today - dt.timedelta(days=20))
        r = repair.apply(
            ctx,
            actor=applicant,
            entry_id=entry,
            statement="逾期贷款本息已于2026年8月全部结清，银行出具结清证明；公司已建立资金预警制度，申请信用修复。",
            idempotency_key=_k("repair:apply"),
        )
        with ctx.uow(readonly=True) as uow:
            chains = repair.chains_of(uow, carton)
        if chains:
            office_user = _first_user(ctx, chains[0].office_id) if chains[0].office_id else None
            if office_user is None:
                return out
            on(today - dt.timedelta(days=15))
            repair.endorse(
                ctx,
                actor=office_user,
                repair_id=r.id,
                endorse=True,
                reason="已核实结清证明",
                idempotency_key=_k("repair:endorse"),
            )
        on(today - dt.timedelta(days=12))
        repair.review(
            ctx,
            actor=op,
            repair_id=r.id,
            opinion="结清证明属实，最短公示期已满，建议移出",
            idempotency_key=_k("repair:review"),
        )
        on(today - dt.timedelta(days=10))
        repair.decide(
            ctx, actor=ap, repair_id=r.id, approve=True, reason="同意信用修复", idempotency_key=_k("repair:decide")
        )
        out["repair"] = r.id
    finally:
        ctx.clock = real
    return out
