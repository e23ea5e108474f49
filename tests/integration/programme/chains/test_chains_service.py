"""Chains and members through their use cases: who may configure and manage them, scope as 404, memberships
kept (``left_on``), the chain's page with its graph from contracts and vouchers; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key
from ledger_asserts import refuses
from programme_factories import Programme
from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt
from lianrong.platform.context import SYSTEM
from lianrong.programme.chains import queries
from lianrong.programme.chains import service as chains


def _office(world, code: str) -> str:
    return world.ids[f"office-{code}"]


def test_the_district_creates_and_configures_a_chain_with_its_office(world):
    prog = Programme(world)
    prog.chain("egg")
    district = prog.user("district", "operator")
    made = chains.create_chain(
        world.ctx,
        actor=district,
        code=f"pig{world.base}",
        name="生猪产业链",
        name_en="Pig",
        office=_office(world, "egg"),
        key_chain=True,
        idempotency_key=(k := key()),
    )
    again = chains.create_chain(
        world.ctx,
        actor=district,
        code=f"pig{world.base}",
        name="生猪产业链",
        name_en="Pig",
        office=_office(world, "egg"),
        key_chain=True,
        idempotency_key=k,
    )
    assert again == made and made.office_id == _office(world, "egg") and made.active
    refuses(
        world.ctx,
        "chain.exists",
        chains.create_chain,
        world.ctx,
        actor=district,
        code=f"pig{world.base}",
        name="x",
        name_en="x",
        office=_office(world, "egg"),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "chain.code_invalid",
        chains.create_chain,
        world.ctx,
        actor=district,
        code="Bad Code",
        name="x",
        name_en="x",
        office=_office(world, "egg"),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "party.wrong_kind",
        chains.create_chain,
        world.ctx,
        actor=district,
        code=f"x{world.base}",
        name="x",
        name_en="x",
        office=world.ids["core"],
        idempotency_key=key(),
    )
    for org in ("office-egg", "bank", "core"):
        refuses(
            world.ctx,
            "auth.forbidden",
            chains.create_chain,
            world.ctx,
            actor=world.user(org, "approver"),
            code=f"y{world.base}",
            name="x",
            name_en="x",
            office=_office(world, "egg"),
            idempotency_key=key(),
        )
    changed = chains.update_chain(
        world.ctx, actor=district, chain=made.id, name="生猪养殖产业链", active=False, idempotency_key=key()
    )
    assert changed.name == "生猪养殖产业链" and not changed.active and changed.code == made.code
    refuses(
        world.ctx,
        "auth.forbidden",
        chains.update_chain,
        world.ctx,
        actor=prog.user("office-egg", "operator"),
        chain=made.id,
        name="z",
        idempotency_key=key(),
    )


def test_members_join_change_and_leave_never_deleted(world):
    prog = Programme(world)
    egg = prog.chain("egg")
    office = prog.user("office-egg", "operator")
    lead = chains.add_member(
        world.ctx, actor=office, chain=egg, party=world.ids["core"], role="leader", tier=0, idempotency_key=key()
    )
    assert (lead.role, lead.tier, lead.left_on) == ("leader", 0, None)
    chains.add_member(
        world.ctx, actor=office, chain=egg, party=world.ids["s1"], role="供应商", tier=1, idempotency_key=key()
    )
    refuses(
        world.ctx,
        "chain.already_member",
        chains.add_member,
        world.ctx,
        actor=office,
        chain=egg,
        party=world.ids["s1"],
        role="supplier",
        tier=1,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "chain.leader_tier",
        chains.add_member,
        world.ctx,
        actor=office,
        chain=egg,
        party=world.ids["s2"],
        role="leader",
        tier=2,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "party.wrong_kind",
        chains.add_member,
        world.ctx,
        actor=office,
        chain=egg,
        party=world.ids["bank"],
        role="supplier",
        tier=1,
        idempotency_key=key(),
    )
    up = chains.update_member(
        world.ctx, actor=office, chain=egg, party=world.ids["s1"], role="logistics", tier=2, idempotency_key=key()
    )
    assert (up.role, up.tier) == ("logistics", 2)
    today = world.ctx.clock.today()
    refuses(
        world.ctx,
        "chain.left_before_joined",
        chains.remove_member,
        world.ctx,
        actor=office,
        chain=egg,
        party=world.ids["s1"],
        left_on=today - dt.timedelta(days=1),
        idempotency_key=key(),
    )
    gone = chains.remove_member(world.ctx, actor=office, chain=egg, party=world.ids["s1"], idempotency_key=key())
    assert gone.left_on == today
    with world.ctx.uow(readonly=True) as uow:  # kept, with its leaving date
        m = pt.chain_member.c
        assert uow.conn.execute(select(m.left_on).where(m.chain_id == egg, m.party_id == world.ids["s1"])).scalar()
    refuses(
        world.ctx,
        "chain.not_member",
        chains.remove_member,
        world.ctx,
        actor=office,
        chain=egg,
        party=world.ids["s1"],
        idempotency_key=key(),
    )
    back = chains.add_member(
        world.ctx, actor=office, chain=egg, party=world.ids["s1"], role="supplier", tier=1, idempotency_key=key()
    )
    assert back.left_on is None and back.joined_on == today
    assert [m.code for m in queries.members_of(world.ctx, viewer=SYSTEM, party=world.ids["s1"])] == [f"egg{world.base}"]


def test_a_chain_office_acts_on_its_own_chains_only_and_others_read_within_scope(world):
    prog = Programme(world)
    egg, pig = prog.chain("egg"), prog.chain("pig", "生猪产业链")
    prog.member("egg", "core", "leader", 0)
    prog.member("egg", "s1", "supplier", 1)
    prog.member("pig", "s2", "producer", 1)
    egg_office = prog.user("office-egg", "operator")
    # another chain's office: not found, as a chain that does not exist
    refuses(
        world.ctx,
        "chain.not_found",
        chains.add_member,
        world.ctx,
        actor=egg_office,
        chain=pig,
        party=world.ids["s3"],
        role="supplier",
        tier=1,
        idempotency_key=key(),
    )
    with pytest.raises(Exception) as info:
        queries.chain(world.ctx, viewer=egg_office, chain=pig)
    assert getattr(info.value, "code", "") == "chain.not_found"
    # banks and enterprises may not manage members at all (403, before anything is looked up)
    for org in ("bank", "core"):
        refuses(
            world.ctx,
            "auth.forbidden",
            chains.add_member,
            world.ctx,
            actor=world.user(org, "operator"),
            chain="chn_nothing",
            party=world.ids["s3"],
            role="supplier",
            tier=1,
            idempotency_key=key(),
        )
    assert [c.id for c in queries.chains(world.ctx, viewer=egg_office)] == [egg]
    assert {c.id for c in queries.chains(world.ctx, viewer=prog.user())} >= {egg, pig}
    assert {c.id for c in queries.chains(world.ctx, viewer=world.user("bank"))} >= {egg, pig}
    assert [c.id for c in queries.chains(world.ctx, viewer=world.user("s1"))] == [egg]
    assert queries.chains(world.ctx, viewer=world.user("s4")) == []
    with pytest.raises(Exception) as info:
        queries.chain(world.ctx, viewer=world.user("s1"), chain=pig)
    assert getattr(info.value, "code", "") == "chain.not_found"
    with pytest.raises(Exception) as info:
        queries.members_of(world.ctx, viewer=world.user("s4"), party=world.ids["s1"])
    assert getattr(info.value, "code", "") == "party.not_found"
    assert [m.chain_id for m in queries.members_of(world.ctx, viewer=egg_office, party=world.ids["s2"])] == []
    assert [m.chain_id for m in queries.members_of(world.ctx, viewer=world.user("s2"), party=world.ids["s2"])] == [pig]


def test_the_chain_page_counts_members_and_draws_supply_from_contracts_and_vouchers(world):
    prog = Programme(world)
    egg = prog.chain("egg")
    prog.member("egg", "core", "leader", 0)
    prog.member("egg", "s1", "supplier", 1)
    prog.member("egg", "s2", "supplier", 2)
    root = world.issue(1000_00)  # core → s1
    world.transfer(root, "s1", [("s2", 400_00)])  # s1 → s2
    page = queries.chain(world.ctx, viewer=prog.user(), chain=egg)
    assert page.chain.members == 3 and page.chain.leaders == 1 and page.chain.by_role["supplier"] == 2
    assert page.by_tier == {0: 1, 1: 1, 2: 1}
    edges = {(e.source, e.target): e for e in page.edges}
    s1_core = edges[(world.ids["s1"], world.ids["core"])]
    assert s1_core.contracts == 1 and s1_core.contract_fen > 0 and s1_core.voucher_fen == 1000_00
    s2_s1 = edges[(world.ids["s2"], world.ids["s1"])]
    assert s2_s1.voucher_fen == 400_00 and s2_s1.vouchers == 1
    assert len(page.nodes) == 3
    # a bank sees the structure, not the amounts; a member its own edges' amounts only
    bank_page = queries.chain(world.ctx, viewer=world.user("bank"), chain=egg)
    assert {(e.source, e.target) for e in bank_page.edges} == set(edges)
    assert all(e.contract_fen is None for e in bank_page.edges)
    s2_page = queries.chain(world.ctx, viewer=world.user("s2"), chain=egg)
    seen = {(e.source, e.target): e.voucher_fen for e in s2_page.edges}
    assert seen[(world.ids["s2"], world.ids["s1"])] == 400_00 and seen[(world.ids["s1"], world.ids["core"])] is None
