"""The targets' dashboard from a small known ledger and banks' reports, on SQLite and PostgreSQL: each figure,
its parts, the drill-downs (every number's records sum to it), and what a new financing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key
from ledger_asserts import refuses
from sqlalchemy import func, select

from lianrong.adapters.db import programme_tables as pt
from lianrong.platform.context import SYSTEM
from lianrong.programme.targets import queries, report_queries
from lianrong.programme.targets.model import Target


def test_each_figure_counts_the_ledger_and_the_reports(known):
    w = known.world
    d = queries.dashboard(w.ctx, viewer=known.programme.user(), month="2026-11")
    fin = d.figure(Target.KEY_CHAIN_FINANCING)
    assert (fin.ledger, fin.reported) == (known.financed_fen, 5_000_00)  # the pig chain is no key chain
    assert fin.value == known.financed_fen + 5_000_00
    assert fin.target == w.ctx.policy.programme.targets.key_chain_financing_fen
    credit = d.figure(Target.YEARLY_CREDIT)
    assert (credit.ledger, credit.reported) == (w.credit_limit_fen, 3_000_00)
    products = d.figure(Target.PRODUCTS)
    assert (products.ledger, products.reported) == (1, 3)  # one voucher product at the bank; its largest report
    cores = d.figure(Target.CORE_ENTERPRISES)
    assert (cores.ledger, cores.reported, cores.value) == (1, 0, 1)
    assert [p.month for p in fin.trend][-1] == "2026-11" and len(fin.trend) == 12
    assert fin.trend[-1].value == fin.value and fin.trend[-2].value == 5_000_00  # October: the report only
    assert d.figure(Target.CORE_ENTERPRISES).trend[-2].value == 1  # October: the pig listing, revoked in November
    assert d.figure(Target.CORE_ENTERPRISES).trend[-3].value == 0


@pytest.mark.parametrize("office", ["district", "office-pig"])
@pytest.mark.parametrize("target", list(Target))
def test_every_number_is_the_sum_of_its_records(known, target, office):
    w = known.world
    known.programme.chain("pig")
    viewer = known.programme.user(office)
    fig = queries.dashboard(w.ctx, viewer=viewer, month="2026-11").figure(target)

    def total(**kw):
        return queries.records(w.ctx, viewer=viewer, target=target, month="2026-11", **kw).total

    assert total() == fig.value
    assert total(part="ledger") == fig.ledger and total(part="reported") == fig.reported
    for s in fig.by_chain:
        assert total(chain=s.id) == s.value, s
        assert total(chain=s.id, part="ledger") == s.ledger
    for s in fig.by_bank:
        assert total(bank=s.id) == s.value, s
    for s in fig.by_month:
        assert total(of_month=s.id) == s.value, s
    assert sum(s.value for s in fig.by_bank) == fig.value or target is Target.CORE_ENTERPRISES


def test_a_financing_changes_this_month_and_not_the_past_one(known):
    w = known.world
    viewer = known.programme.user()
    before = queries.dashboard(w.ctx, viewer=viewer, month="2026-11").figure(Target.KEY_CHAIN_FINANCING).value
    w.ctx.clock.day = dt.date(2026, 12, 2)
    root = w.issue(300_00)
    t = w.transfer(root, "s1", [("s2", 200_00)])
    f = w.finance([w.child(t, "s2")], "s2")
    assert queries.dashboard(w.ctx, viewer=viewer, month="2026-11").figure(Target.KEY_CHAIN_FINANCING).value == before
    dec = queries.dashboard(w.ctx, viewer=viewer, month="2026-12").figure(Target.KEY_CHAIN_FINANCING)
    assert dec.value == before + f.principal_fen
    assert dec.by_month[-1].id == "2026-12" and dec.by_month[-1].ledger == f.principal_fen


def test_a_chain_office_sees_its_chains_and_an_enterprise_or_a_bank_nothing(known):
    w = known.world
    pig = queries.dashboard(w.ctx, viewer=known.programme.user("office-pig"), month="2026-11")
    assert [c.id for c in pig.chains] == [known.pig]
    assert pig.figure(Target.KEY_CHAIN_FINANCING).value == 0  # its chain is no key chain
    assert pig.figure(Target.YEARLY_CREDIT).value == w.credit_limit_fen + 2_000_00
    refuses(
        w.ctx,
        "chain.not_found",
        queries.records,
        w.ctx,
        viewer=known.programme.user("office-pig"),
        target="key_chain_financing",
        chain=known.egg,
    )
    for org in ("s1", "bank"):
        refuses(w.ctx, "targets.not_found", queries.dashboard, w.ctx, viewer=w.user(org))
    refuses(w.ctx, "bank_report.not_found", report_queries.bank_reports, w.ctx, viewer=w.user("s1"))
    assert len(report_queries.bank_reports(w.ctx, viewer=w.user("bank"))) == 2
    assert [r.chain_id for r in report_queries.bank_reports(w.ctx, viewer=known.programme.user("office-pig"))] == [
        known.pig
    ]


def test_bad_months_and_targets_are_refused(known):
    w = known.world
    refuses(w.ctx, "targets.invalid_month", queries.dashboard, w.ctx, viewer=SYSTEM, month="2026-13")
    refuses(w.ctx, "targets.unknown", queries.records, w.ctx, viewer=SYSTEM, target="nothing")
    assert key()


def test_the_demo_reports_twelve_past_months_per_bank_and_chain(known):
    from lianrong.programme.targets import demo

    w = known.world
    with w.ctx.uow(readonly=True) as uow:  # every active chain (the World's own white-list chain included)
        chains = uow.conn.execute(
            select(func.count()).select_from(pt.chain).where(pt.chain.c.active.is_(True))
        ).scalar()
    assert demo.seed(w.ctx, today=dt.date(2026, 11, 26)) == chains * 12 - 1  # the bank's October egg report stands
    assert demo.seed(w.ctx, today=dt.date(2026, 11, 26)) == 0  # again: nothing new
    months = {r.month for r in report_queries.bank_reports(w.ctx, viewer=SYSTEM) if r.note.startswith("演示")}
    assert min(months) == "2025-11" and max(months) == "2026-10"


def test_a_member_of_two_key_chains_counts_once_in_the_total_and_once_in_each_chain(known):
    w = known.world
    known.programme.chain("milk", "奶业产业链")
    known.programme.member("milk", "s2")  # s2 is also in the egg chain: its financing belongs to both
    viewer = known.programme.user()
    fin = queries.dashboard(w.ctx, viewer=viewer, month="2026-11").figure(Target.KEY_CHAIN_FINANCING)
    assert fin.ledger == known.financed_fen  # once in the total
    milk = known.programme.chain("milk")
    by_chain = {s.id: s.ledger for s in fin.by_chain}
    assert by_chain[milk] > 0 and sum(by_chain.values()) > fin.ledger  # and once in each chain
    for s in fin.by_chain:
        assert (
            queries.records(w.ctx, viewer=viewer, target="key_chain_financing", month="2026-11", chain=s.id).total
            == s.value
        )
    assert sum(s.value for s in fin.by_bank) == fin.value
