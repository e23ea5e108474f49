"""Party restrictions as data: the district office records and lifts them; every path a party acts on reads them.

One restriction row bars one action (receive, transfer, issue, finance, onboard) at one bank or all; the
refusal is ``party.restricted`` naming the entry that caused it; lifting ends it and keeps it as history.
"""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key, uscc
from ledger_asserts import refuses, row, snapshot

from lianrong.adapters.db import tables as t
from lianrong.financing import service as financing
from lianrong.parties import restricting
from lianrong.parties import service as parties
from lianrong.parties.errors import PartyRestricted
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import issuance
from lianrong.vouchers import service as vouchers


def _id(result):
    return result.id if hasattr(result, "id") else result["id"]


def district(world):
    """The district office and its approver (the World has none of its own)."""
    office = _id(
        parties.register_party(
            world.ctx, kind="district", uscc=uscc(world.base + 90), name="区金融办", idempotency_key=key()
        )
    )
    parties.add_user(
        world.ctx,
        party=office,
        username=f"district-{world.base}",
        display_name="区金融办",
        role="approver",
        idempotency_key=key(),
    )
    return parties.actor_for(world.ctx, f"district-{world.base}")


def restrict(world, actor, org, action, **extra):
    return restricting.restrict(
        world.ctx,
        actor=actor,
        party_id=world.ids[org],
        action=action,
        kind=extra.pop("kind", "blacklist"),
        reason=extra.pop("reason", "失信被执行人"),
        idempotency_key=extra.pop("idempotency_key", key()),
        **extra,
    )


def test_a_restriction_refuses_receiving_naming_its_entry_until_lifted_and_stays_as_history(world):
    office = district(world)
    root = world.issue(1000_00)
    entry = restrict(world, office, "s2", "receive", source="blacklist:blk_0001")
    parts = [{"recipient": world.ids["s2"], "amount_fen": 100_00}]
    err = refuses(
        world.ctx,
        "party.restricted",
        vouchers.transfer,
        world.ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=parts,
        idempotency_key=key(),
    )
    assert (err.details["restriction"], err.details["source"]) == (entry.id, "blacklist:blk_0001")
    assert "blacklist:blk_0001" in err.message_zh and "blacklist:blk_0001" in err.message_en
    lifted = restricting.lift(
        world.ctx, actor=office, restriction_id=entry.id, reason="信用修复完成", idempotency_key=key()
    )
    assert lifted.lifted and lifted.lifted_by == office.user_id and lifted.lift_reason == "信用修复完成"
    assert lifted.valid_until == world.ctx.clock.today() - dt.timedelta(days=1)
    assert world.transfer(root, "s1", [("s2", 100_00)]).children
    assert [r.id for r in restricting.restrictions(world.ctx, viewer=office, party_id=world.ids["s2"])] == [entry.id]
    refuses(
        world.ctx,
        "validation.failed",
        restricting.lift,
        world.ctx,
        actor=office,
        restriction_id=entry.id,
        reason="again",
        idempotency_key=key(),
    )


def test_a_core_barred_from_issuing_may_neither_prepare_nor_approve_a_voucher(world):
    office = district(world)
    prepared = world.prepare(500_00)
    restrict(world, office, "core", "issue", kind="risk_freeze", reason="风险冻结")
    err = refuses(
        world.ctx,
        "party.restricted",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=prepared.id,
        idempotency_key=key(),
    )
    assert (err.details["action"], err.details["kind"]) == ("issue", "risk_freeze")
    with pytest.raises(PartyRestricted):  # (the World records the invoice first; the voucher is not prepared)
        world.prepare(500_00)


def test_a_restriction_at_another_bank_does_not_apply_at_this_one(world):
    office = district(world)
    other = _id(
        parties.register_party(world.ctx, kind="bank", uscc=uscc(world.base + 91), name="他行", idempotency_key=key())
    )
    restrict(world, office, "core", "issue", bank_id=other)
    assert world.issue(500_00)


def test_a_supplier_barred_from_financing_may_not_apply_nor_be_disbursed(world):
    office = district(world)
    a, b = world.issue(300_00), world.issue(200_00)
    applied = world.finance([a], "s1", disburse=False)
    financing.review(
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=_id(applied),
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        registration_no="ZDW-0000000001",
        idempotency_key=key(),
    )
    restrict(world, office, "s1", "finance")
    refuses(
        world.ctx,
        "party.restricted",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[b],
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "party.restricted",
        financing.disburse,
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=_id(applied),
        idempotency_key=key(),
    )


def test_a_party_barred_from_onboarding_gets_no_new_account_relationship_but_its_existing_one_may_change(world):
    office = district(world)
    newcomer = _id(
        parties.register_party(
            world.ctx, kind="enterprise", uscc=uscc(world.base + 92), name="新企业", idempotency_key=key()
        )
    )
    world.ids["newcomer"] = newcomer
    restrict(world, office, "newcomer", "onboard")
    restrict(world, office, "s3", "onboard")
    onboard = dict(
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        settlement_account="6222000011112222",
        ebanking=True,
        certificate="UKEY-X",
    )
    refuses(world.ctx, "party.restricted", parties.onboard, world.ctx, party=newcomer, idempotency_key=key(), **onboard)
    parties.onboard(world.ctx, party=world.ids["s3"], idempotency_key=key(), **onboard)


def test_only_the_district_office_records_restrictions_and_bad_input_writes_nothing(world):
    office = district(world)
    for actor in (world.user("bank", "approver"), world.user("core", "approver")):
        refuses(world.ctx, "auth.forbidden", restrict, world, actor, "s2", "receive")
    refuses(
        world.ctx,
        "party.not_found",
        restricting.restrict,
        world.ctx,
        actor=office,
        party_id="ent_nobody",
        action="receive",
        kind="blacklist",
        reason="x",
        idempotency_key=key(),
    )
    for bad in (
        {"action": "fly"},
        {"kind": "Black List"},
        {"reason": "  "},
        {"valid_from": dt.date(2027, 1, 10), "valid_until": dt.date(2027, 1, 9)},
    ):
        values = {"action": "receive", **bad}
        action = values.pop("action")
        refuses(world.ctx, "validation.failed", restrict, world, office, "s2", action, **values)


def test_an_organisation_sees_only_the_restrictions_on_itself_and_a_replay_returns_the_same_record(world):
    office = district(world)
    k = key()
    first = restrict(world, office, "s2", "receive", idempotency_key=k)
    before = snapshot(world.ctx)
    assert restrict(world, office, "s2", "receive", idempotency_key=k) == first
    assert snapshot(world.ctx) == before
    restrict(world, office, "s3", "finance")
    assert [r.id for r in restricting.restrictions(world.ctx, viewer=world.user("s2"))] == [first.id]
    assert restricting.restrictions(world.ctx, viewer=world.user("s4")) == []
    assert len(restricting.restrictions(world.ctx, viewer=office)) == 2
    assert len(restricting.restrictions(world.ctx, viewer=SYSTEM)) == 2
    assert row(world.ctx, t.party_restriction, first.id).created_by == office.user_id
