"""Idempotency (engine point 10): a replay returns the first result and writes nothing new."""

from __future__ import annotations

import datetime as dt

from factories import key
from ledger_asserts import counts, prepare_args, refuses, snapshot

from lianrong.documents import attachments as attachments
from lianrong.financing import service as financing
from lianrong.parties import designations as designations
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import service as vouchers

CHECKLIST = {"contract": True, "invoices": True, "documents": True}


def replay_is_identical(world, call) -> dict:
    """Run ``call(k)`` twice with one key: the same dict back, and nothing written the second time."""
    k = key()
    first = call(k)
    before = snapshot(world.ctx)
    again = call(k)
    assert again == first
    assert snapshot(world.ctx) == before
    return first


def test_every_engine_step_replays_to_its_first_result(world):
    ctx = world.ctx
    inv = world.invoice(1000_00)
    v = replay_is_identical(
        world, lambda k: issuance.prepare(ctx, **prepare_args(world, 1000_00, invoice=inv), idempotency_key=k)
    )
    issued = replay_is_identical(
        world, lambda k: issuance.approve(ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=k)
    )
    moved = replay_is_identical(
        world,
        lambda k: vouchers.transfer(
            ctx,
            actor=world.user("s1"),
            fragment_id=issued.root_fragment_id,
            parts=[{"recipient": world.ids["s2"], "amount_fen": 400_00}],
            idempotency_key=k,
        ),
    )
    s2 = world.child(moved, "s2")
    f = replay_is_identical(
        world, lambda k: financing.apply(ctx, actor=world.user("s2"), fragment_ids=[s2], idempotency_key=k)
    )
    bank = world.user("bank", "approver")
    replay_is_identical(
        world,
        lambda k: financing.review(
            ctx,
            actor=bank,
            financing_id=f.id,
            approve=True,
            checklist=CHECKLIST,
            registration_no="ZDW-0000001",
            idempotency_key=k,
        ),
    )
    d = replay_is_identical(world, lambda k: financing.disburse(ctx, actor=bank, financing_id=f.id, idempotency_key=k))
    assert d.status == "disbursed"
    replay_is_identical(
        world,
        lambda k: attachments.upload(
            ctx, actor=world.user("core"), content=b"%PDF-1.4 x", filename="a.pdf", idempotency_key=k
        ),
    )
    replay_is_identical(
        world,
        lambda k: designations.set_lpr(
            ctx, actor=bank, bank=world.ids["bank"], effective_on=dt.date(2026, 11, 20), rate="2.95%", idempotency_key=k
        ),
    )


def test_a_replay_after_the_state_moved_on_still_returns_the_first_result(world):
    root = world.issue(1000_00)
    k = key()
    args = dict(actor=world.user("s1"), fragment_id=root, parts=[{"recipient": world.ids["s2"], "amount_fen": 400_00}])
    first = vouchers.transfer(world.ctx, **args, idempotency_key=k)
    # the root is spent now: a fresh request would be refused, the replay is answered from the record
    refuses(world.ctx, "fragment.not_active", vouchers.transfer, world.ctx, **args, idempotency_key=key())
    before = counts(world.ctx)
    assert vouchers.transfer(world.ctx, **args, idempotency_key=k) == first
    assert counts(world.ctx) == before


def test_the_same_key_with_another_body_is_refused(world):
    root = world.issue(1000_00)
    k = key()
    world_args = dict(actor=world.user("s1"), fragment_id=root)
    vouchers.transfer(
        world.ctx, **world_args, parts=[{"recipient": world.ids["s2"], "amount_fen": 400_00}], idempotency_key=k
    )
    err = refuses(
        world.ctx,
        "idempotency.conflict",
        vouchers.transfer,
        world.ctx,
        **world_args,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 400_01}],
        idempotency_key=k,
    )
    assert err.details == {"key": k}
    # another operation under a used key is another body too
    refuses(
        world.ctx,
        "idempotency.conflict",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        idempotency_key=k,
    )
    # and another user sending the same body under the key is not the same request
    refuses(
        world.ctx,
        "idempotency.conflict",
        vouchers.transfer,
        world.ctx,
        actor=world.user("s1", "approver"),
        fragment_id=root,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 400_00}],
        idempotency_key=k,
    )


def test_a_refused_request_does_not_use_up_its_key(world):
    root = world.issue(1000_00)
    k = key()
    refuses(
        world.ctx,
        "transfer.no_trade",
        vouchers.transfer,
        world.ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=[{"recipient": world.ids["s3"], "amount_fen": 100_00}],
        idempotency_key=k,
    )
    ok = vouchers.transfer(
        world.ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}],
        idempotency_key=k,
    )
    assert ok.spent_fragment_id == root


def test_a_mutating_call_needs_a_key(world):
    root = world.issue(1000_00)
    for missing in (None, "", "   "):
        refuses(
            world.ctx,
            "idempotency.key_missing",
            vouchers.transfer,
            world.ctx,
            actor=world.user("s1"),
            fragment_id=root,
            parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}],
            idempotency_key=missing,
        )
    refuses(
        world.ctx,
        "validation.failed",
        vouchers.transfer,
        world.ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}],
        idempotency_key="k" * 201,
    )
