"""Credit repair end to end: apply → chain office endorses or returns → district review → the approver (not the
reviewer) removes the entry after its minimum listing period, lifting its restrictions; or refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key
from ledger_asserts import refuses
from programme_factories import Programme

from lianrong.kernel import errors
from lianrong.parties import restricting
from lianrong.platform.context import SYSTEM
from lianrong.programme.blacklist import queries, repair
from lianrong.programme.blacklist import service as blacklist


def _listed(world, prog, org="s2", severity="minor") -> str:
    e = blacklist.propose(
        world.ctx,
        actor=prog.user("district", "operator"),
        subject="enterprise",
        party=world.ids[org],
        source="financial",
        severity=severity,
        reason="金融失信",
        idempotency_key=key(),
    )
    blacklist.decide(
        world.ctx, actor=prog.user("district", "approver"), entry_id=e.id, approve=True, idempotency_key=key()
    )
    return e.id


def _in_force(ctx, entry_id):
    return [r for r in restricting.restrictions(ctx, viewer=SYSTEM, source=f"blacklist:{entry_id}") if not r.lifted]


@pytest.fixture
def prog(world):
    p = Programme(world)
    p.chain("egg")
    p.chain("pig", "生猪产业链")
    p.member("egg", "s2")
    return p


def test_a_repair_goes_from_application_to_removal_after_the_minimum_period(world, prog):
    entry_id = _listed(world, prog)
    s2 = world.user("s2")
    refuses(
        world.ctx,
        "blacklist_entry.not_found",
        repair.apply,
        world.ctx,
        actor=world.user("s3"),
        entry_id=entry_id,
        statement="x",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "blacklist.input_invalid",
        repair.apply,
        world.ctx,
        actor=s2,
        entry_id=entry_id,
        statement=" ",
        idempotency_key=key(),
    )
    r = repair.apply(world.ctx, actor=s2, entry_id=entry_id, statement="已全部履行还款义务", idempotency_key=key())
    assert r.status == "applied"
    refuses(
        world.ctx,
        "credit_repair.already_open",
        repair.apply,
        world.ctx,
        actor=s2,
        entry_id=entry_id,
        statement="again",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "credit_repair.not_found",
        repair.endorse,
        world.ctx,
        actor=prog.user("office-pig", "operator"),
        repair_id=r.id,
        endorse=True,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "credit_repair.state_invalid",
        repair.review,
        world.ctx,
        actor=prog.user("district", "operator"),
        repair_id=r.id,
        opinion="x",
        idempotency_key=key(),
    )
    assert (
        repair.endorse(
            world.ctx, actor=prog.user("office-egg", "operator"), repair_id=r.id, endorse=True, idempotency_key=key()
        ).status
        == "endorsed"
    )
    op, ap = prog.user("district", "operator"), prog.user("district", "approver")
    assert (
        repair.review(world.ctx, actor=op, repair_id=r.id, opinion="材料齐全，建议移出", idempotency_key=key()).status
        == "reviewed"
    )
    earliest = world.ctx.clock.today() + dt.timedelta(days=1)
    err = refuses(
        world.ctx,
        "credit_repair.minimum_period",
        repair.decide,
        world.ctx,
        actor=ap,
        repair_id=r.id,
        approve=True,
        idempotency_key=key(),
    )
    assert err.details["months"] == 3 and err.details["earliest"] > earliest.isoformat()
    assert _in_force(world.ctx, entry_id)
    world.ctx.clock.day = dt.date.fromisoformat(err.details["earliest"])
    done = repair.decide(world.ctx, actor=ap, repair_id=r.id, approve=True, idempotency_key=key())
    assert done.status == "approved"
    assert _in_force(world.ctx, entry_id) == []
    detail = queries.repair(world.ctx, viewer=s2, repair_id=r.id)
    assert [s.action for s in detail.steps] == ["apply", "endorse", "review", "approve"]
    assert detail.entry.status == "removed"
    entry = queries.entry(world.ctx, viewer=op, entry_id=entry_id)
    assert [s.action for s in entry.steps] == ["propose", "list", "remove"]


def test_the_reviewer_may_not_decide_and_a_refusal_needs_a_reason(world, prog):
    entry_id = _listed(world, prog)
    ap = prog.user("district", "approver")
    r = repair.apply(world.ctx, actor=world.user("s2"), entry_id=entry_id, statement="s", idempotency_key=key())
    repair.endorse(
        world.ctx, actor=prog.user("office-egg", "approver"), repair_id=r.id, endorse=True, idempotency_key=key()
    )
    repair.review(world.ctx, actor=ap, repair_id=r.id, opinion="审核", idempotency_key=key())  # the approver reviewed …
    refuses(
        world.ctx,
        "blacklist.same_user",
        repair.decide,
        world.ctx,
        actor=ap,
        repair_id=r.id,
        approve=False,
        reason="x",
        idempotency_key=key(),
    )
    from lianrong.parties import service as parties

    parties.add_user(
        world.ctx,
        party=world.ids["district"],
        username=f"district-approver2-{world.base}",
        display_name="审批2",
        role="approver",
        idempotency_key=key(),
    )
    ap2 = parties.actor_for(world.ctx, f"district-approver2-{world.base}")
    refuses(
        world.ctx,
        "blacklist.input_invalid",
        repair.decide,
        world.ctx,
        actor=ap2,
        repair_id=r.id,
        approve=False,
        idempotency_key=key(),
    )
    refused = repair.decide(
        world.ctx, actor=ap2, repair_id=r.id, approve=False, reason="未履行完毕", idempotency_key=key()
    )
    assert refused.status == "refused" and _in_force(world.ctx, entry_id)
    assert (
        repair.apply(
            world.ctx, actor=world.user("s2"), entry_id=entry_id, statement="再次申请", idempotency_key=key()
        ).status
        == "applied"
    )


def test_a_returned_application_ends_and_an_enterprise_in_no_chain_goes_straight_to_review(world, prog):
    entry_id = _listed(world, prog)
    r = repair.apply(world.ctx, actor=world.user("s2"), entry_id=entry_id, statement="s", idempotency_key=key())
    office = prog.user("office-egg", "operator")
    refuses(
        world.ctx,
        "blacklist.input_invalid",
        repair.endorse,
        world.ctx,
        actor=office,
        repair_id=r.id,
        endorse=False,
        idempotency_key=key(),
    )
    assert (
        repair.endorse(
            world.ctx, actor=office, repair_id=r.id, endorse=False, reason="材料不全", idempotency_key=key()
        ).status
        == "returned"
    )
    refuses(
        world.ctx,
        "credit_repair.state_invalid",
        repair.endorse,
        world.ctx,
        actor=office,
        repair_id=r.id,
        endorse=True,
        idempotency_key=key(),
    )
    lone = _listed(world, prog, "s3")
    r3 = repair.apply(world.ctx, actor=world.user("s3"), entry_id=lone, statement="s", idempotency_key=key())
    assert (
        repair.review(
            world.ctx,
            actor=prog.user("district", "operator"),
            repair_id=r3.id,
            opinion="无所属链办",
            idempotency_key=key(),
        ).status
        == "reviewed"
    )


def test_who_sees_which_repairs(world, prog):
    r = repair.apply(
        world.ctx, actor=world.user("s2"), entry_id=_listed(world, prog), statement="s", idempotency_key=key()
    )
    ids = lambda viewer: {x.id for x in queries.repairs(world.ctx, viewer=viewer)}  # noqa: E731
    assert ids(prog.user("district", "operator")) == {r.id}
    assert ids(prog.user("office-egg", "operator")) == {r.id}
    assert ids(prog.user("office-pig", "operator")) == set()
    assert ids(world.user("bank")) == set() and ids(world.user("s3")) == set()
    with pytest.raises(errors.NotFound):
        queries.repair(world.ctx, viewer=world.user("s3"), repair_id=r.id)
