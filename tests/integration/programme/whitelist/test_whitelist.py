"""The white list end to end on both databases: propose → review (maker–checker) → publish → pushes to every bank
→ acknowledge; the renewal round with figures from a small known ledger; expiry; revocation; history; and the
issue rule (a core not listed is refused, allowed once listed, vouchers issued before a revocation unaffected)."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key
from ledger_asserts import prepare_args, refuses
from programme_factories import Programme
from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.programme.whitelist import queries, renewal
from lianrong.programme.whitelist import service as wl
from lianrong.vouchers import issuance

CRITERIA = {"debt_ratio": 0.55, "compliant": True, "main_business": "蛋鸡养殖与鸡蛋销售", "evidence": "2025年审计报告"}


def _second_bank(world) -> str:
    return parties.register_party(
        world.ctx,
        kind="bank",
        uscc=__import__("factories").uscc(world.base + 60),
        name=f"二行{world.base}",
        idempotency_key=key(),
    ).id


def _listed_entry(world) -> str:
    return f"wle_core{world.base:08d}"


def _propose(world, prog, org="s1", chain="egg", actor=None):
    chain_id = prog.chain(chain)
    return wl.propose(
        world.ctx,
        actor=actor or prog.user("office-egg", "operator"),
        core=world.ids[org],
        chain=chain_id,
        criteria=CRITERIA,
        idempotency_key=key(),
    )


def test_propose_review_publish_push_acknowledge(world):
    prog = Programme(world)
    bank2 = _second_bank(world)
    proposed = _propose(world, prog)
    assert proposed.status == "proposed" and proposed.version == 1
    # the district operator prepares, the approver decides; the proposer may not decide (maker–checker)
    refuses(
        world.ctx,
        "auth.forbidden",
        wl.review,
        world.ctx,
        actor=prog.user("district", "operator"),
        entry_id=proposed.id,
        approve=True,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        wl.review,
        world.ctx,
        actor=prog.user("office-egg", "approver"),
        entry_id=proposed.id,
        approve=True,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "whitelist.reason_required",
        wl.review,
        world.ctx,
        actor=prog.user("district", "approver"),
        entry_id=proposed.id,
        approve=False,
        idempotency_key=key(),
    )
    published = wl.review(
        world.ctx, actor=prog.user("district", "approver"), entry_id=proposed.id, approve=True, idempotency_key=key()
    )
    assert published.status == "listed" and published.version == 2
    assert published.listed_on == world.ctx.clock.today()
    assert published.valid_until == dt.date(2027, 1, 31)  # the close of the next round (January, 30 days)
    # one push to every bank
    with world.ctx.uow(readonly=True) as uow:
        banks = set(uow.conn.execute(select(t.party.c.id).where(t.party.c.kind == "bank")).scalars())
        pushed = uow.conn.execute(select(pt.whitelist_push).where(pt.whitelist_push.c.id.in_(published.pushes))).all()
    assert {p.bank_id for p in pushed} == banks and {world.ids["bank"], bank2} <= banks
    assert all(p.added == [proposed.id] and p.removed == [] and p.kind == "publish" for p in pushed)
    # the bank sees it in its pushes and acknowledges (who, when); another bank's push is not found to it
    mine = [p for p in queries.pushes(world.ctx, viewer=world.user("bank"), pending=True) if proposed.id in p.added]
    (push,) = mine
    other = next(p.id for p in pushed if p.bank_id == bank2)
    refuses(
        world.ctx,
        "whitelist_push.not_found",
        wl.acknowledge,
        world.ctx,
        actor=world.user("bank"),
        push_id=other,
        idempotency_key=key(),
    )
    ack = wl.acknowledge(world.ctx, actor=world.user("bank"), push_id=push.id, idempotency_key=key())
    assert ack.acknowledged_by == world.user("bank").user_id and ack.acknowledged_at == world.ctx.clock.now()
    refuses(
        world.ctx,
        "whitelist.already_acknowledged",
        wl.acknowledge,
        world.ctx,
        actor=world.user("bank"),
        push_id=push.id,
        idempotency_key=key(),
    )
    assert not [p for p in queries.pushes(world.ctx, viewer=world.user("bank"), pending=True) if p.id == push.id]
    # read models: the bank sees listed entries; the chain office its chain's; the enterprise its own
    assert proposed.id in {e.id for e in queries.entries(world.ctx, viewer=world.user("bank"))}
    assert {e.id for e in queries.entries(world.ctx, viewer=prog.user("office-egg", "operator"))} == {proposed.id}
    assert {e.id for e in queries.entries(world.ctx, viewer=world.user("s1"))} == {proposed.id}
    assert queries.entries(world.ctx, viewer=world.user("s2")) == []
    refuses(
        world.ctx, "whitelist_entry.not_found", queries.entry, world.ctx, viewer=world.user("s2"), entry_id=proposed.id
    )


def test_same_user_may_not_propose_and_decide(world):
    prog = Programme(world)
    proposed = _propose(world, prog, actor=prog.user("district", "approver"))
    refuses(
        world.ctx,
        "whitelist.same_user",
        wl.review,
        world.ctx,
        actor=prog.user("district", "approver"),
        entry_id=proposed.id,
        approve=True,
        idempotency_key=key(),
    )


def test_criteria_and_chain_scope(world):
    prog = Programme(world)
    prog.chain("pig", "生猪产业链")
    bad = dict(CRITERIA, debt_ratio=0.85)
    chain = prog.chain("egg")
    refuses(
        world.ctx,
        "whitelist.criteria_not_met",
        wl.propose,
        world.ctx,
        actor=prog.user("office-egg", "operator"),
        core=world.ids["s1"],
        chain=chain,
        criteria=bad,
        idempotency_key=key(),
    )
    extra = dict(CRITERIA, extra=[{"name": "纳税信用A级", "met": False, "evidence": ""}])
    refuses(
        world.ctx,
        "whitelist.criteria_not_met",
        wl.propose,
        world.ctx,
        actor=prog.user("office-egg", "operator"),
        core=world.ids["s1"],
        chain=chain,
        criteria=extra,
        idempotency_key=key(),
    )
    # a chain office proposes on its own chains only: another's is not found; a bank may not propose at all
    refuses(
        world.ctx,
        "chain.not_found",
        wl.propose,
        world.ctx,
        actor=prog.user("office-pig", "operator"),
        core=world.ids["s1"],
        chain=chain,
        criteria=CRITERIA,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        wl.propose,
        world.ctx,
        actor=world.user("bank"),
        core=world.ids["s1"],
        chain=chain,
        criteria=CRITERIA,
        idempotency_key=key(),
    )


def test_issue_refused_when_not_listed_allowed_once_listed_and_existing_vouchers_unaffected(world):
    prog = Programme(world)
    root = world.issue(1000_00)  # the World's core is listed
    revoked = wl.revoke(
        world.ctx,
        actor=prog.user("district", "approver"),
        entry_id=_listed_entry(world),
        reason="违规经营",
        idempotency_key=key(),
    )
    assert revoked.status == "revoked" and revoked.pushes
    refuses(
        world.ctx,
        "whitelist.reason_required",
        wl.revoke,
        world.ctx,
        actor=prog.user("district", "approver"),
        entry_id=_listed_entry(world),
        reason=" ",
        idempotency_key=key(),
    )
    err = refuses(
        world.ctx,
        "whitelist.not_listed",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 500_00),
        idempotency_key=key(),
    )
    assert "白名单" in err.message_zh and "white list" in err.message_en
    # the voucher issued before the revocation stays valid and moves on
    world.transfer(root, "s1", [("s2", 400_00)])
    # a voucher prepared while listed is refused at approval after a revocation
    # listed again (another chain) → issuing is allowed
    entry = _propose(world, prog, org="core")
    wl.review(
        world.ctx, actor=prog.user("district", "approver"), entry_id=entry.id, approve=True, idempotency_key=key()
    )
    assert world.issue(300_00)


def test_approval_checks_the_list_too(world):
    prog = Programme(world)
    v = world.prepare(200_00)
    wl.revoke(
        world.ctx,
        actor=prog.user("district", "approver"),
        entry_id=_listed_entry(world),
        reason="撤销",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "whitelist.not_listed",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )


def test_switch_off_issues_without_the_list(make_world):
    w = make_world(whitelist_required_for_issue=False)
    prog = Programme(w)
    wl.revoke(
        w.ctx, actor=prog.user("district", "approver"), entry_id=_listed_entry(w), reason="撤销", idempotency_key=key()
    )
    assert w.issue(100_00)


def test_renewal_round_figures_renew_revoke_expire_and_history(world):
    prog = Programme(world)
    ctx, district = world.ctx, prog.user("district", "approver")
    # a small known ledger: two vouchers (1,000 + 500 yuan) to s1, a part handed on to s2, one financing
    r1 = world.issue(1000_00)
    world.issue(500_00)
    res = world.transfer(r1, "s1", [("s2", 300_00)])
    world.finance([world.child(res, "s2")], "s2", principal_fen=200_00)
    # two more entries: s1 listed (to be renewed), s2 listed (to be left undecided: expires)
    e1 = _propose(world, prog, org="s1")
    wl.review(ctx, actor=district, entry_id=e1.id, approve=True, idempotency_key=key())
    e2 = _propose(world, prog, org="s2")
    wl.review(ctx, actor=district, entry_id=e2.id, approve=True, idempotency_key=key())
    opened = renewal.open_round(ctx, actor=SYSTEM, idempotency_key=key())
    assert opened.cards == 3 and opened.status == "open"
    refuses(ctx, "whitelist.round_exists", renewal.open_round, ctx, actor=district, idempotency_key=key())
    detail = queries.round_detail(ctx, viewer=district, round_id=opened.id)
    card = next(c for c in detail.cards if c.entry_id == _listed_entry(world))
    f = card.figures
    assert f["vouchers_issued"] == 2 and f["confirmed_fen"] == 1500_00
    assert f["suppliers_served"] == 2  # s1 and s2 (the bank holding a financed part is no SME)
    assert f["financings"] == 1 and f["financing_fen"] == 200_00
    assert f["overdue_vouchers"] == 0 and f["overdue_days"] == 0
    assert next(c for c in detail.cards if c.entry_id == e1.id).figures["vouchers_issued"] == 0
    # the core renewed, s1 revoked with a reason, s2 undecided
    renewed = renewal.decide(
        ctx, actor=district, round_id=opened.id, entry_id=_listed_entry(world), renew=True, idempotency_key=key()
    )
    assert renewed.status == "listed" and renewed.valid_until == dt.date(2027, 1, 31)
    refuses(
        ctx,
        "whitelist.reason_required",
        renewal.decide,
        ctx,
        actor=district,
        round_id=opened.id,
        entry_id=e1.id,
        renew=False,
        idempotency_key=key(),
    )
    renewal.decide(
        ctx,
        actor=district,
        round_id=opened.id,
        entry_id=e1.id,
        renew=False,
        reason="不再满足条件",
        idempotency_key=key(),
    )
    closed = renewal.close_round(ctx, actor=district, round_id=opened.id, idempotency_key=key())
    assert closed.expired == (e2.id,)
    assert set(closed.removed) == {e1.id, e2.id} and closed.added == ()
    with ctx.uow(readonly=True) as uow:
        pushed = uow.conn.execute(select(pt.whitelist_push).where(pt.whitelist_push.c.round_id == opened.id)).all()
    assert pushed and all(p.kind == "round" and sorted(p.removed) == sorted([e1.id, e2.id]) for p in pushed)
    statuses = {e.id: e.status for e in queries.entries(ctx, viewer=district)}
    assert statuses[_listed_entry(world)] == "listed" and statuses[e1.id] == "revoked" and statuses[e2.id] == "expired"
    refuses(
        ctx,
        "whitelist.round_closed",
        renewal.close_round,
        ctx,
        actor=district,
        round_id=opened.id,
        idempotency_key=key(),
    )
    # history is never lost: every version of s2's entry, in order
    page = queries.entry(ctx, viewer=district, entry_id=e2.id)
    assert [(v.version, v.action, v.status) for v in page.versions] == [
        (1, "propose", "proposed"),
        (2, "approve", "listed"),
        (3, "expire", "expired"),
    ]
    assert page.versions[0].criteria["debt_ratio"] == 0.55 and page.cards[0].decision is None
    # proposed again after expiry: a new version of the same entry, history kept
    again = _propose(world, prog, org="s2")
    assert again.id == e2.id and again.version == 4


def test_renewal_job_opens_in_the_month_and_closes_after_the_days(make_world):
    w = make_world(today=dt.date(2027, 1, 4))
    clock = w.ctx.clock
    assert renewal.renewal_job(w.ctx)["step"] == "open"
    assert renewal.renewal_job(w.ctx)["step"] == "nothing"  # opened this year already
    clock.day = dt.date(2027, 2, 3)
    done = renewal.renewal_job(w.ctx)
    assert done["step"] == "close" and done["expired"] == 1  # the World's core was not renewed
    refuses(w.ctx, "whitelist.not_listed", issuance.prepare, w.ctx, **prepare_args(w, 500_00), idempotency_key=key())
    clock.day = dt.date(2027, 3, 1)
    assert renewal.renewal_job(w.ctx)["step"] == "nothing"


@pytest.mark.parametrize("status", ["listed", "proposed"])
def test_entries_filter_by_status(world, status):
    prog = Programme(world)
    _propose(world, prog)
    got = queries.entries(world.ctx, viewer=prog.user("district", "operator"), status=status)
    assert got and all(e.status == status for e in got)


def test_the_scheduled_job_is_listed_and_runs(make_world):
    from lianrong.entrypoints.jobs import JOBS

    w = make_world(today=dt.date(2027, 1, 5))
    first = JOBS["whitelist-renewal"](w.ctx)
    assert first["step"] == "open" and first["cards"] == 1
    assert JOBS["whitelist-renewal"](w.ctx) == {"step": "nothing"}
