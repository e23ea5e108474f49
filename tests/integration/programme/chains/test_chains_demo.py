"""The chains' demo seed on top of the demo: 15 chains with offices, a few hundred members, the demo's own
enterprises in the egg chain under its existing office; running it twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_context
from sqlalchemy import func, select

from lianrong import bootstrap
from lianrong.adapters.db import programme_tables as pt
from lianrong.entrypoints.demo import seed as demo_seed
from lianrong.platform.context import SYSTEM
from lianrong.programme.chains import demo, queries


@pytest.mark.slow
def test_the_demo_seeds_fifteen_chains_with_offices_and_members(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    ctx = make_context(url, sqlite_synchronous="NORMAL")
    ids = demo_seed(ctx)["ids"]  # the demo seeds the chains itself, on its first day (2026-05-20)
    first = demo.seed(ctx, today=dt.date(2026, 5, 20))
    assert demo.seed(ctx, today=dt.date(2026, 5, 20)) == first
    listed = queries.chains(ctx, viewer=SYSTEM)
    assert len(listed) == 15 and all(c.office_id for c in listed) and len({c.office_id for c in listed}) == 15
    assert 250 <= first["members"] <= 400 and all(c.leaders >= 1 for c in listed)
    egg = next(c for c in listed if c.code == "egg")
    assert egg.office_id == ids["chain_office"]
    page = queries.chain(ctx, viewer=SYSTEM, chain="egg")
    roles = {m.party_id: (m.role, m.tier) for m in page.members}
    assert roles[ids["core"]] == ("leader", 0) and roles[ids["cold"]] == ("logistics", 1)
    assert any(e.voucher_fen for e in page.edges) and any(e.contract_fen for e in page.edges)
    with ctx.uow(readonly=True) as uow:
        m = pt.chain_member.c
        assert uow.conn.execute(select(func.count()).select_from(pt.chain_member)).scalar() == first["members"]
        assert uow.conn.execute(select(func.count()).where(m.left_on.is_not(None))).scalar() == 0
    assert [x.code for x in queries.members_of(ctx, viewer=SYSTEM, party=ids["feed"])] == ["egg"]
    bootstrap.dispose(url)
