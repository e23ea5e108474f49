"""Financing (engine point 6): ratio, term, LPR + spread, prepaid interest, review, registration, disbursement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from factories import key
from ledger_asserts import balance, refuses, row, rows

from lianrong.adapters.db import tables as t
from lianrong.financing import service as financing
from lianrong.parties import designations as designations
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit

MATURITY = dt.date(2027, 3, 15)  # 109 days after 2026-11-26
CHECKLIST = {"contract": True, "invoices": True, "documents": True}


def review(world, financing_id: str, **kw) -> financing.FinancingReview:
    return financing.review(
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=financing_id,
        approve=True,
        idempotency_key=key(),
        **{"checklist": CHECKLIST, **kw},
    )


def test_interest_is_prepaid_at_lpr_plus_spread_and_the_supplier_receives_the_net(world):
    root = world.issue(1_000_000_00)  # one million yuan
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    # 3.00% LPR + 0.50% spread; 100,000,000 × 0.035 × 109 / 360 = 1,059,722.22 → 1,059,722 fen
    assert (f.principal_fen, f.annual_rate, f.days) == (100_000_000, Decimal("0.0350"), 109)
    assert (f.interest_fen, f.net_fen) == (1_059_722, 98_940_278)
    review(world, f.id, registration_no="ZDW-20261126-000001")
    d = financing.disburse(world.ctx, actor=world.user("bank", "approver"), financing_id=f.id, idempotency_key=key())
    assert (d.interest_fen, d.net_fen, d.days, d.financing_on) == (1_059_722, 98_940_278, 109, dt.date(2026, 11, 26))
    assert balance(world.ctx, world.ids["s1"]) == 98_940_278


def test_an_exact_half_fen_of_interest_rounds_up(world):
    root = world.issue(10_000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 1080_00)]), "s2")
    d = world.finance([s2], "s2")
    # 108,000 × 0.035 × 109 / 360 = 1,144.5 → 1,145; net 106,855
    assert (d.interest_fen, d.net_fen) == (1_145, 106_855)


def test_the_lpr_in_force_on_the_financing_date_is_used(world):
    bank = world.user("bank", "approver")
    designations.set_lpr(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        effective_on=dt.date(2026, 11, 20),
        rate="2.90%",
        idempotency_key=key(),
    )
    designations.set_lpr(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        effective_on=dt.date(2026, 12, 1),
        rate="5%",
        idempotency_key=key(),
    )
    root = world.issue(1_000_000_00)
    p = financing.preview(world.ctx, actor=world.user("s1"), fragment_ids=[root])
    # 2.90% + 0.50% = 3.40%; 100,000,000 × 0.034 × 109 / 360 = 1,029,444.44 → 1,029,444
    assert (p.lpr, p.annual_rate, p.interest_fen) == (Decimal("0.029"), Decimal("0.0340"), 1_029_444)
    assert p.net_fen == 100_000_000 - 1_029_444


def test_disbursing_later_reprices_from_the_disbursement_date(world):
    root = world.issue(360_000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    review(world, f.id, registration_no="ZDW-20261126-000002")
    world.ctx.clock.day = dt.date(2027, 3, 5)  # 10 days before maturity
    d = financing.disburse(world.ctx, actor=world.user("bank", "approver"), financing_id=f.id, idempotency_key=key())
    # 36,000,000 × 0.035 × 10 / 360 = 35,000 exactly
    assert (d.days, d.interest_fen, d.net_fen) == (10, 35_000, 35_965_000)
    assert row(world.ctx, t.financing, f.id).financing_on == dt.date(2027, 3, 5)


def test_up_to_the_whole_part_may_be_financed_but_no_more(world):
    root = world.issue(1000_00)
    refuses(
        world.ctx,
        "financing.ratio_exceeded",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        principal_fen=1000_01,
        idempotency_key=key(),
    )
    f = financing.apply(
        world.ctx, actor=world.user("s1"), fragment_ids=[root], principal_fen=1000_00, idempotency_key=key()
    )
    assert f.principal_fen == 1000_00


def test_a_supplier_ratio_below_100_percent_caps_the_principal_and_the_surplus_returns_at_settlement(world):
    designations.import_ledger(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s2"], "max_ratio": "0.9"}],
        idempotency_key=key(),
    )
    root = world.issue(10_000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 1000_00)]), "s2")
    refuses(
        world.ctx,
        "financing.ratio_exceeded",
        financing.apply,
        world.ctx,
        actor=world.user("s2"),
        fragment_ids=[s2],
        principal_fen=900_01,
        idempotency_key=key(),
    )
    d = world.finance([s2], "s2")  # the default principal is the ceiling: 90% of 1,000.00
    # 90,000 × 0.035 × 109 / 360 = 953.75 → 954; net 89,046
    assert (d.principal_fen, d.interest_fen, d.net_fen) == (900_00, 954, 89_046)
    assert balance(world.ctx, world.ids["s2"]) == 89_046
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    fin = row(world.ctx, t.financing, d.id)
    assert fin.status == "repaid"
    surplus = rows(world.ctx, t.payment_instruction, t.payment_instruction.c.kind == "surplus")
    assert [(s.payer_id, s.payee_id, s.amount_fen, s.status) for s in surplus] == [
        (world.ids["bank"], world.ids["s2"], 100_00, "confirmed")
    ]
    assert balance(world.ctx, world.ids["s2"]) == 89_046 + 100_00
    assert balance(world.ctx, world.ids["bank"]) == 1000_00  # the core paid the bank the whole part
    assert audit.verify(world.ctx).ok


def test_the_term_may_not_exceed_the_max_term_nor_run_past_maturity(world):
    designations.import_ledger(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s1"], "max_term_days": 108}],
        idempotency_key=key(),
    )
    root = world.issue(1000_00)
    err = refuses(
        world.ctx,
        "financing.term_exceeded",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        idempotency_key=key(),
    )
    assert err.details == {"days": 109, "max_days": 108}
    world.ctx.clock.day = dt.date(2026, 11, 27)  # 108 days left: now it fits
    assert financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key()).days == 108


def test_no_financing_at_or_after_maturity(world):
    root = world.issue(1000_00)
    world.ctx.clock.day = MATURITY
    refuses(
        world.ctx,
        "fragment.matured",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        idempotency_key=key(),
    )


def test_the_review_checklist_is_required_before_approval(world):
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    err = refuses(
        world.ctx,
        "financing.checklist_incomplete",
        financing.review,
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=f.id,
        approve=True,
        checklist={"contract": True, "invoices": True},
        idempotency_key=key(),
    )
    assert err.details["missing"] == "documents"
    refuses(
        world.ctx,
        "state.invalid",
        financing.disburse,
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=f.id,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        financing.review,
        world.ctx,
        actor=world.user("core", "approver"),
        financing_id=f.id,
        approve=True,
        checklist=CHECKLIST,
        idempotency_key=key(),
    )
    assert review(world, f.id).status == "approved"
    assert row(world.ctx, t.financing, f.id).checklist == CHECKLIST


def test_a_rejected_application_unfreezes_the_fragment(world):
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    assert row(world.ctx, t.fragment, root).status == "frozen"
    financing.review(
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=f.id,
        approve=False,
        reason="贸易背景存疑",
        idempotency_key=key(),
    )
    assert row(world.ctx, t.fragment, root).status == "active"
    assert row(world.ctx, t.financing, f.id).status == "rejected"


def test_a_registration_number_is_required_before_disbursement(world):
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    review(world, f.id)
    bank = world.user("bank", "approver")
    refuses(
        world.ctx,
        "financing.registration_required",
        financing.disburse,
        world.ctx,
        actor=bank,
        financing_id=f.id,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "validation.failed",
        financing.register,
        world.ctx,
        actor=bank,
        financing_id=f.id,
        registration_no="123",
        idempotency_key=key(),
    )
    at = dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.UTC)
    financing.register(
        world.ctx,
        actor=bank,
        financing_id=f.id,
        registration_no="04567890000123456789",
        registered_at=at,
        idempotency_key=key(),
    )
    stored = row(world.ctx, t.financing, f.id)
    assert stored.registration_no == "04567890000123456789"
    assert stored.registered_at.replace(tzinfo=stored.registered_at.tzinfo or dt.UTC) == at
    d = financing.disburse(world.ctx, actor=bank, financing_id=f.id, idempotency_key=key())
    assert d.status == "disbursed"


def test_registration_can_be_switched_off(make_world):
    world = make_world(registration_required=False)
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    review(world, f.id)
    assert (
        financing.disburse(
            world.ctx, actor=world.user("bank", "approver"), financing_id=f.id, idempotency_key=key()
        ).status
        == "disbursed"
    )


def test_disbursement_makes_a_payment_instruction_and_the_part_becomes_the_banks(world):
    root = world.issue(1000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    d = world.finance([s2], "s2")
    ins = row(world.ctx, t.payment_instruction, d.instruction_id)
    assert (ins.kind, ins.payer_id, ins.payee_id, ins.amount_fen, ins.status, ins.financing_id) == (
        "disbursement",
        world.ids["bank"],
        world.ids["s2"],
        d.net_fen,
        "confirmed",
        d.id,
    )
    assert ins.payee_account  # the supplier's settlement account at the bank
    frag = row(world.ctx, t.fragment, s2)
    assert (frag.holder_id, frag.status, frag.financing_id) == (world.ids["bank"], "financed", d.id)
    fin = row(world.ctx, t.financing, d.id)
    assert (fin.status, fin.applicant_id, fin.disbursed_by) == (
        "disbursed",
        world.ids["s2"],
        world.user("bank", "approver").user_id,
    )
    assert balance(world.ctx, world.ids["s2"]) == d.net_fen
    ops = [o.op for o in rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == frag.voucher_id)]
    assert ops[-3:] == ["finance_apply", "finance_approve", "finance_disburse"]
    assert audit.verify(world.ctx).ok


def test_several_parts_of_one_core_and_maturity_finance_together(world):
    a = world.issue(300_00)
    b = world.issue(200_00)
    d = world.finance([a, b], "s1")
    assert d.principal_fen == 500_00
    other = world.issue(100_00, maturity=dt.date(2027, 3, 16))
    refuses(
        world.ctx,
        "financing.mixed_core",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[other, world.issue(100_00)],
        idempotency_key=key(),
    )


def test_only_the_holder_applies_and_only_once(world):
    root = world.issue(1000_00)
    refuses(
        world.ctx,
        "fragment.not_holder",
        financing.apply,
        world.ctx,
        actor=world.user("core"),
        fragment_ids=[root],
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "fragment.not_found",
        financing.apply,
        world.ctx,
        actor=world.user("s2"),
        fragment_ids=[root],
        idempotency_key=key(),
    )  # no part of s2's: as if it did not exist
    financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    refuses(
        world.ctx,
        "fragment.not_active",
        financing.apply,
        world.ctx,
        actor=world.user("s1"),
        fragment_ids=[root],
        idempotency_key=key(),
    )


def test_an_approved_financing_cannot_be_disbursed_at_maturity(world):
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    review(world, f.id, registration_no="ZDW-20261126-000003")
    world.ctx.clock.day = MATURITY
    refuses(
        world.ctx,
        "fragment.matured",
        financing.disburse,
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=f.id,
        idempotency_key=key(),
    )
