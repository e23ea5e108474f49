"""Credit lines (engine point 3): occupied at financing (default) or issuance, released at settlement."""

from __future__ import annotations

import datetime as dt

from factories import key
from ledger_asserts import occupied, refuses, row
from sqlalchemy import update

from lianrong.adapters.db import tables as t
from lianrong.credit import service as credit
from lianrong.financing import service as financing
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit
from lianrong.vouchers import issuance as issuance

MATURITY = dt.date(2027, 3, 15)


def test_by_default_credit_is_occupied_at_disbursement_and_released_at_settlement(world):
    core = world.ids["core"]
    root = world.issue(1000_00)
    assert occupied(world.ctx, core) == 0  # issuing occupies nothing
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    f = world.finance([s2], "s2", disburse=False)
    assert occupied(world.ctx, core) == 0  # nor does applying
    bank = world.user("bank", "approver")
    financing.review(
        world.ctx,
        actor=bank,
        financing_id=f.id,
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        registration_no="ZDW-2026-0001",
        idempotency_key=key(),
    )
    assert occupied(world.ctx, core) == 0
    financing.disburse(world.ctx, actor=bank, financing_id=f.id, idempotency_key=key())
    assert occupied(world.ctx, core) == 400_00  # the principal
    assert row(world.ctx, t.financing, f.id).occupied_fen == 400_00
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    assert occupied(world.ctx, core) == 0
    assert audit.verify(world.ctx).ok


def test_with_issuance_occupation_the_face_is_occupied_at_issue_and_released_at_settlement(make_world):
    world = make_world(credit_occupation="issuance")
    core = world.ids["core"]
    v = world.prepare(1000_00)
    assert occupied(world.ctx, core) == 0  # a pending voucher occupies nothing
    root = issuance.approve(
        world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=key()
    ).root_fragment_id
    assert occupied(world.ctx, core) == 1000_00
    assert row(world.ctx, t.voucher, v.id).credit_line_id
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    world.finance([s2], "s2")
    assert occupied(world.ctx, core) == 1000_00  # financing does not occupy again
    assert audit.verify(world.ctx).ok
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    assert occupied(world.ctx, core) == 0
    assert audit.verify(world.ctx).ok


def test_a_financing_over_the_line_is_refused(make_world):
    world = make_world(credit_limit_fen=1000_00)
    a = world.issue(600_00)
    b = world.issue(600_00)
    world.finance([a], "s1")
    assert occupied(world.ctx, world.ids["core"]) == 600_00
    f = world.finance([b], "s1", disburse=False)
    bank = world.user("bank", "approver")
    financing.review(
        world.ctx,
        actor=bank,
        financing_id=f.id,
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        registration_no="ZDW-2026-0002",
        idempotency_key=key(),
    )
    err = refuses(
        world.ctx,
        "credit.exceeded",
        financing.disburse,
        world.ctx,
        actor=bank,
        financing_id=f.id,
        idempotency_key=key(),
    )
    assert err.details == {"limit": 1000_00, "occupied": 600_00, "requested": 600_00}
    assert row(world.ctx, t.financing, f.id).status == "approved"
    # a smaller financing still fits exactly up to the limit
    c = world.issue(400_00)
    world.finance([c], "s1")
    assert occupied(world.ctx, world.ids["core"]) == 1000_00
    assert audit.verify(world.ctx).ok


def test_an_issue_over_the_line_is_refused_with_issuance_occupation(make_world):
    world = make_world(credit_occupation="issuance", credit_limit_fen=1000_00)
    world.issue(700_00)
    v = world.prepare(300_01)
    refuses(
        world.ctx,
        "credit.exceeded",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    world.issue(300_00)
    assert occupied(world.ctx, world.ids["core"]) == 1000_00


def test_lines_do_not_overlap_and_a_core_without_a_line_cannot_have_financing(world):
    bank = world.user("bank", "approver")
    refuses(
        world.ctx,
        "credit_line.exists",
        credit.grant_line,
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        limit_fen=1,
        valid_from=dt.date(2028, 6, 1),
        valid_to=dt.date(2029, 6, 1),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "date.invalid",
        credit.grant_line,
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        limit_fen=1,
        valid_from=dt.date(2030, 6, 1),
        valid_to=dt.date(2030, 5, 1),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        credit.grant_line,
        world.ctx,
        actor=world.user("core", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        limit_fen=1,
        valid_from=dt.date(2030, 6, 1),
        valid_to=dt.date(2030, 7, 1),
        idempotency_key=key(),
    )
    root = world.issue(1000_00, maturity=dt.date(2027, 3, 15))
    with world.ctx.uow() as uow:  # the line lapses: move its end before today
        uow.conn.execute(update(t.credit_line).values(valid_to=dt.date(2026, 11, 25)))
        uow.commit()
    refuses(
        world.ctx,
        "credit.no_line",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        idempotency_key=key(),
    )
