"""A small known ledger for the targets: two chains (egg: key, pig: not), members, financings, bank reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from factories import key
from programme_factories import Programme
from sqlalchemy import insert, update

from lianrong.adapters.db import programme_tables as pt
from lianrong.programme.targets import service


@dataclass
class Known:
    world: Any
    programme: Programme
    egg: str
    pig: str
    financed_fen: int  # the principal financed by egg members in November


def add_whitelist(world: Any, core: str, chain: str, *, listed_on: dt.date, status: str = "listed") -> str:
    now = world.ctx.clock.now()
    entry = f"wle_{core[-8:]}{chain[4:]}"
    with world.ctx.uow() as uow:
        uow.conn.execute(
            insert(pt.whitelist_entry).values(
                id=entry,
                core_id=core,
                chain_id=chain,
                status=status,
                version=1,
                listed_on=listed_on,
                valid_until=dt.date(2026, 12, 31),
                proposed_by=None,
                updated_at=now,
            )
        )
        uow.commit()
    return entry


@pytest.fixture
def known(world) -> Known:
    p = Programme(world)
    egg, pig = p.chain("egg"), p.chain("pig", "生猪产业链", key_chain=False)
    p.member("egg", "s1")
    p.member("egg", "s2", tier=2)
    p.member("pig", "core", role="leader", tier=0)
    with world.ctx.uow() as uow:  # the core joined the pig chain before its credit line's validity began
        uow.conn.execute(
            update(pt.chain_member)
            .where(pt.chain_member.c.party_id == world.ids["core"])
            .values(joined_on=dt.date(2025, 12, 1))
        )
        uow.commit()
    root = world.issue(1000_00)
    t = world.transfer(root, "s1", [("s2", 400_00)])
    a = world.finance([world.child(t, "s2")], "s2")
    b = world.finance([world.child(t, "s1")], "s1")
    financed = a.principal_fen + b.principal_fen
    bank = world.user("bank", "operator")
    service.submit_report(
        world.ctx,
        actor=bank,
        month="2026-10",
        chain=egg,
        credit_granted_fen=1_000_00,
        financing_fen=5_000_00,
        products=3,
        idempotency_key=key(),
    )
    service.submit_report(
        world.ctx,
        actor=bank,
        month="2026-11",
        chain=pig,
        credit_granted_fen=2_000_00,
        financing_fen=7_000_00,
        products=2,
        idempotency_key=key(),
    )
    add_whitelist(world, world.ids["core"], egg, listed_on=dt.date(2026, 11, 1))
    # listed on the pig chain in October, revoked in November: counted at October's end only
    entry = add_whitelist(world, world.ids["core"], pig, listed_on=dt.date(2026, 10, 20), status="revoked")
    with world.ctx.uow() as uow:
        for v, (action, status, at) in enumerate(
            (
                ("propose", "proposed", "2026-10-10"),
                ("approve", "listed", "2026-10-20"),
                ("revoke", "revoked", "2026-11-15"),
            ),
            start=1,
        ):
            uow.conn.execute(
                insert(pt.whitelist_event).values(
                    id=f"wlv_{v}{entry[4:]}",
                    entry_id=entry,
                    version=v,
                    action=action,
                    status=status,
                    criteria={},
                    reason="",
                    actor_id=None,
                    at=dt.datetime.fromisoformat(f"{at}T10:00:00+08:00"),
                )
            )
        uow.commit()
    return Known(world, p, egg, pig, financed)
