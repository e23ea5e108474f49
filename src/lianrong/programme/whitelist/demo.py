"""Demo data of the white list, through its use cases: the chain's core enterprises proposed by the chain office
and published by the district office (so they may issue), a proposal awaiting review, and one renewal round done
(cards computed from the demo's ledger, one core renewed, one revoked for its overdue voucher) with the banks'
acknowledgements (the round's push left for the bank to acknowledge in its console).

``list_cores`` runs where the demo sets up its core enterprises (before any voucher is issued); ``seed`` at the
end of the demo's story. Both replay (fixed idempotency keys): running the demo twice changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.kernel.ids import new_id
from lianrong.parties import service as parties
from lianrong.platform.context import Context
from lianrong.programme.whitelist import queries, renewal
from lianrong.programme.whitelist import service as wl

CHAIN = ("egg", "蛋鸡鸡蛋产业链", "Egg-laying hens and eggs")
#: the demo's chain office operator (proposes) and district approver (decides): two users, maker–checker
PROPOSER, DECIDER = "chain_op", "district_ap"
CRITERIA: dict[str, dict[str, Any]] = {
    "峪口禽业": {"debt_ratio": 0.52, "main_business": "蛋鸡育种、祖代与父母代种鸡饲养、商品蛋鸡销售"},
    "绿源蛋品": {"debt_ratio": 0.64, "main_business": "鲜蛋分级包装与蛋制品加工"},
    "谷丰饲料": {"debt_ratio": 0.58, "main_business": "蛋鸡配合饲料生产与销售"},
}


def _key(name: str) -> str:
    return f"demo:v1:whitelist:{name}"


def _chain(ctx: Context) -> str:
    """The demo's egg chain (made by the chains seed when it ran first; else recorded here, with its office)."""
    with ctx.uow() as uow:
        found = uow.conn.execute(select(pt.chain.c.id).where(pt.chain.c.code == CHAIN[0])).scalar()
        if found:
            return str(found)
        office = uow.conn.execute(
            select(t.party.c.id).where(t.party.c.kind == "chain_office").order_by(t.party.c.created_at, t.party.c.id)
        ).scalar()
        chain_id, now = new_id("chn"), ctx.clock.now()
        uow.conn.execute(
            insert(pt.chain).values(
                id=chain_id,
                code=CHAIN[0],
                name=CHAIN[1],
                name_en=CHAIN[2],
                office_id=office,
                key_chain=True,
                description="平谷区重点产业链",
                position=0,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        uow.commit()
    return chain_id


def _party(ctx: Context, short_name: str) -> str | None:
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.party.c.id).where(t.party.c.short_name == short_name)).scalar()


def _criteria(short_name: str) -> dict[str, Any]:
    c = CRITERIA[short_name]
    return {
        "debt_ratio": c["debt_ratio"],
        "compliant": True,
        "main_business": c["main_business"],
        "evidence": "2025年度经审计财务报表；信用中国、国家企业信用信息公示系统查询记录",
        "extra": [{"name": "带动本区农户与中小企业", "met": True, "evidence": "链办走访记录"}],
    }


def list_cores(ctx: Context) -> dict[str, str]:
    """Propose and publish the demo's core enterprises (峪口禽业, 绿源蛋品) on the egg chain; returns entry ids."""
    chain = _chain(ctx)
    proposer, decider = parties.actor_for(ctx, PROPOSER), parties.actor_for(ctx, DECIDER)
    ids = {}
    for name in ("峪口禽业", "绿源蛋品"):
        core = _party(ctx, name)
        if core is None:
            continue
        e = wl.propose(
            ctx,
            actor=proposer,
            core=core,
            chain=chain,
            criteria=_criteria(name),
            idempotency_key=_key(f"propose:{name}"),
        )
        wl.review(ctx, actor=decider, entry_id=e.id, approve=True, idempotency_key=_key(f"approve:{name}"))
        ids[f"whitelist:{name}"] = e.id
    return ids


def seed(ctx: Context, *, today: dt.date) -> dict[str, str]:
    """The rest of the white list's story, at the end of the demo (``today``, the demo's clock): the bank
    acknowledges the publications, a proposal awaits review, and the year's renewal round is done."""
    ids = list_cores(ctx)
    chain = _chain(ctx)
    proposer, decider = parties.actor_for(ctx, PROPOSER), parties.actor_for(ctx, DECIDER)
    bank_users = [u for u in ("icbc_op",) if _user_exists(ctx, u)]
    if bank_users:
        bank = parties.actor_for(ctx, bank_users[0])
        for p in sorted(queries.pushes(ctx, viewer=bank), key=lambda p: p.created_at):
            if p.kind == "publish":
                wl.acknowledge(ctx, actor=bank, push_id=p.id, idempotency_key=_key(f"ack:{p.id}"))
    feed = _party(ctx, "谷丰饲料")
    if feed is not None:
        ids["whitelist:谷丰饲料"] = wl.propose(
            ctx,
            actor=proposer,
            core=feed,
            chain=chain,
            criteria=_criteria("谷丰饲料"),
            idempotency_key=_key("propose:feed"),
        ).id
    r = renewal.open_round(ctx, actor=decider, year=today.year, idempotency_key=_key(f"round:{today.year}"))
    ids[f"whitelist_round:{today.year}"] = r.id
    for name, renew, reason in (
        ("峪口禽业", True, ""),
        ("绿源蛋品", False, "本年度凭据V5到期未兑付，发生逾期，不予续期"),
    ):
        entry = ids.get(f"whitelist:{name}")
        if entry is not None:
            renewal.decide(
                ctx,
                actor=decider,
                round_id=r.id,
                entry_id=entry,
                renew=renew,
                reason=reason,
                idempotency_key=_key(f"decide:{today.year}:{name}"),
            )
    renewal.close_round(ctx, actor=decider, round_id=r.id, idempotency_key=_key(f"close:{today.year}"))
    return ids


def _user_exists(ctx: Context, username: str) -> bool:
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.app_user.c.id).where(t.app_user.c.username == username)).first() is not None
