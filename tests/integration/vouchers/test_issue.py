"""Issue (engine point 4): maker–checker, invoice backing, 77号 terms, working-day maturity, defaults."""

from __future__ import annotations

import datetime as dt

from factories import key
from ledger_asserts import prepare_args, refuses, row, rows

from lianrong.adapters.db import tables as t
from lianrong.documents import service as documents
from lianrong.parties import service as parties
from lianrong.platform.context import Actor
from lianrong.settlement import service as settlement
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers.issuance import IssuedVoucher

MATURITY = dt.date(2027, 3, 15)


def approve(world, voucher_id: str, actor: Actor | None = None) -> IssuedVoucher:
    return issuance.approve(
        world.ctx, actor=actor or world.user("core", "approver"), voucher_id=voucher_id, idempotency_key=key()
    )


def test_a_prepared_voucher_is_issued_by_a_second_user_as_one_root_fragment(world):
    inv = world.invoice(1500_00)
    v = issuance.prepare(world.ctx, **prepare_args(world, 1000_00, invoice=inv), idempotency_key=key())
    assert v.status == "pending" and v.face_fen == 1000_00 and v.maturity_on == dt.date(2027, 3, 15)
    assert rows(world.ctx, t.fragment) == []
    assert row(world.ctx, t.invoice, inv).allocated_fen == 1000_00  # reserved at preparation
    r = approve(world, v.id)
    assert r.status == "active" and r.holder_id == world.ids["s1"]
    root = row(world.ctx, t.fragment, r.root_fragment_id)
    assert (root.parent_id, root.holder_id, root.amount_fen, root.tier, root.status) == (
        None,
        world.ids["s1"],
        1000_00,
        1,
        "active",
    )
    voucher = row(world.ctx, t.voucher, v.id)
    assert voucher.prepared_by != voucher.approved_by
    assert [o.op for o in rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == v.id)] == ["prepare", "issue"]


def test_the_preparer_cannot_approve_their_own_voucher(world):
    parties.add_user(
        world.ctx,
        party=world.ids["core"],
        username=f"core-admin-{world.base}",
        display_name="admin",
        role="admin",
        idempotency_key=key(),
    )
    admin = parties.actor_for(world.ctx, f"core-admin-{world.base}")
    v = issuance.prepare(world.ctx, **prepare_args(world, 1000_00, actor=admin), idempotency_key=key())
    refuses(
        world.ctx,
        "approval.same_user",
        issuance.approve,
        world.ctx,
        actor=admin,
        voucher_id=v.id,
        idempotency_key=key(),
    )
    # an operator may not approve at all, nor may the bank's approver; to another enterprise it does not exist
    refuses(
        world.ctx,
        "auth.forbidden",
        issuance.approve,
        world.ctx,
        actor=world.user("core"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        issuance.approve,
        world.ctx,
        actor=world.user("bank", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "voucher.not_found",
        issuance.approve,
        world.ctx,
        actor=world.user("s1", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    assert approve(world, v.id).status == "active"
    refuses(
        world.ctx,
        "state.invalid",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )


def test_the_amount_may_not_exceed_the_invoices_unallocated_amount(world):
    inv = world.invoice(1000_00)
    world.prepare(700_00, invoice=inv)
    refuses(
        world.ctx,
        "invoice.overallocated",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 300_01, invoice=inv),
        idempotency_key=key(),
    )
    other = world.invoice(100_00)
    args = prepare_args(world, 400_00, invoice=inv)
    args["invoices"] = [{"invoice_id": inv, "amount_fen": 300_00}, {"invoice_id": other, "amount_fen": 100_00}]
    assert issuance.prepare(world.ctx, **args, idempotency_key=key()).face_fen == 400_00
    assert row(world.ctx, t.invoice, inv).allocated_fen == 1000_00


def test_allocations_that_do_not_sum_to_the_amount_are_refused_with_the_difference_in_yuan(world):
    first, second = world.invoice(3000_00), world.invoice(3000_00)
    args = prepare_args(world, 2500_00, invoice=first)
    args["invoices"] = [{"invoice_id": first, "amount_fen": 1000_00}, {"invoice_id": second, "amount_fen": 1234_56}]
    err = refuses(world.ctx, "issue.allocation_mismatch", issuance.prepare, world.ctx, **args, idempotency_key=key())
    assert err.details == {"allocated": 2234_56, "amount": 2500_00, "difference": 265_44}
    assert "2,234.56" in err.message_en and "2,500.00" in err.message_en and "265.44" in err.message_en
    assert "2,234.56元" in err.message_zh and "265.44元" in err.message_zh
    # the same invoice listed twice counts once per listing, as it is reserved
    args["invoices"] = [{"invoice_id": first, "amount_fen": 1000_00}, {"invoice_id": first, "amount_fen": 1000_00}]
    refuses(world.ctx, "issue.allocation_mismatch", issuance.prepare, world.ctx, **args, idempotency_key=key())
    args["invoices"].append({"invoice_id": second, "amount_fen": 500_00})
    assert issuance.prepare(world.ctx, **args, idempotency_key=key()).face_fen == 2500_00
    assert (row(world.ctx, t.invoice, first).allocated_fen, row(world.ctx, t.invoice, second).allocated_fen) == (
        2000_00,
        500_00,
    )


def test_an_invoice_of_another_trade_cannot_back_the_voucher(world):
    foreign = documents.add_invoice(
        world.ctx,
        actor=world.user("s1"),
        contract_id=world.contracts[("s1", "s2")],
        number="26117000000055555555",
        amount_fen=500_00,
        issued_on=dt.date(2026, 11, 20),
        idempotency_key=key(),
    ).id
    # the core enterprise may not see the s1 → s2 trade: its invoice is not found, not "mismatched"
    refuses(
        world.ctx,
        "invoice.not_found",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 500_00, invoice=foreign),
        idempotency_key=key(),
    )
    # once a transfer under that trade shows it to the issuer, the invoice is refused for what it is
    world.transfer(world.issue(1_000_00), "s1", [("s2", 100_00)])
    refuses(
        world.ctx,
        "invoice.party_mismatch",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 500_00, invoice=foreign),
        idempotency_key=key(),
    )


def test_an_invoice_of_another_contract_between_the_same_parties_cannot_back_the_voucher(world):
    issuing = world.contracts[("core", "s1")]
    other = world.contract("core", "s1")
    world.contracts[("core", "s1")] = issuing
    inv = world.invoice(1000_00, contract=other)
    refuses(
        world.ctx,
        ("invoice.party_mismatch", "contract.mismatch"),
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00, invoice=inv),
        idempotency_key=key(),
    )


def test_a_rejected_voucher_frees_its_invoices(world):
    inv = world.invoice(1000_00)
    v = world.prepare(1000_00, invoice=inv)
    issuance.reject(
        world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, reason="wrong amount", idempotency_key=key()
    )
    assert row(world.ctx, t.invoice, inv).allocated_fen == 0
    assert row(world.ctx, t.voucher, v.id).status == "rejected"
    assert world.prepare(1000_00, invoice=inv).status == "pending"


def test_a_viewer_of_the_issuer_or_the_bank_rejects_no_voucher(world):
    v = world.prepare(1000_00)
    for org in ("core", "bank"):
        parties.add_user(
            world.ctx,
            party=world.ids[org],
            username=f"{org}-viewer-{world.base}",
            display_name="viewer",
            role="viewer",
            idempotency_key=key(),
        )
        viewer = parties.actor_for(world.ctx, f"{org}-viewer-{world.base}")
        refuses(
            world.ctx,
            "auth.forbidden",
            issuance.reject,
            world.ctx,
            actor=viewer,
            voucher_id=v.id,
            reason="not mine to reject",
            idempotency_key=key(),
        )
    assert row(world.ctx, t.voucher, v.id).status == "pending"


def test_a_term_over_one_year_is_refused(world):
    # issued 2026-11-26: 2027-11-26 (a Friday) is the last allowed maturity
    refuses(
        world.ctx,
        "issue.term_over_one_year",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00, maturity=dt.date(2027, 11, 29), reason="long cycle"),
        idempotency_key=key(),
    )
    ok = issuance.prepare(
        world.ctx,
        **prepare_args(world, 1000_00, maturity=dt.date(2027, 11, 26), reason="long cycle"),
        idempotency_key=key(),
    )
    assert ok.long_term is True


def test_the_over_one_year_refusal_says_the_maturity_rolled(world):
    # issued 2026-11-28: 2027-11-28 (a Sunday) is within a year but rolls to Monday 2027-11-29, 366 days
    world.ctx.clock.day = dt.date(2026, 11, 28)
    err = refuses(
        world.ctx,
        "issue.term_over_one_year",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00, maturity=dt.date(2027, 11, 28), reason="long cycle"),
        idempotency_key=key(),
    )
    assert err.details == {"days": 366, "issue": "2026-11-28", "maturity": "2027-11-29", "requested": "2027-11-28"}
    assert "约定到期日2027-11-28不是工作日，顺延至2027-11-29" in err.message_zh and "366天" in err.message_zh
    assert "requested maturity 2027-11-28 is not a working day and rolls to 2027-11-29" in err.message_en
    # a maturity that did not roll is named once
    plain = refuses(
        world.ctx,
        "issue.term_over_one_year",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00, maturity=dt.date(2027, 11, 29), reason="long cycle"),
        idempotency_key=key(),
    )
    assert "rolls" not in plain.message_en and "2027-11-29" in plain.message_en


def test_a_prepared_voucher_reports_the_requested_maturity_it_rolled_from(world):
    v = issuance.prepare(world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 2, 6)), idempotency_key=key())
    assert (v.requested_maturity, v.maturity_on) == (dt.date(2027, 2, 6), dt.date(2027, 2, 8))
    assert "maturity_rolled_to_working_day" in v.warnings


def test_a_maturity_in_the_past_or_today_is_refused(world):
    for maturity in (dt.date(2026, 11, 25), dt.date(2026, 11, 26)):
        refuses(
            world.ctx,
            "issue.maturity_past",
            issuance.prepare,
            world.ctx,
            **prepare_args(world, 1000_00, maturity=maturity),
            idempotency_key=key(),
        )


def test_a_term_over_six_months_needs_a_reason_and_the_banks_approval_first(world):
    long_maturity = dt.date(2027, 6, 15)
    refuses(
        world.ctx,
        "issue.long_term_reason_required",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00, maturity=long_maturity),
        idempotency_key=key(),
    )
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=long_maturity, reason="蛋鸡育成期长"), idempotency_key=key()
    )
    assert v.long_term is True
    refuses(
        world.ctx,
        "issue.long_term_bank_approval_required",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        issuance.bank_approve_term,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
    issuance.bank_approve_term(world.ctx, actor=world.user("bank", "approver"), voucher_id=v.id, idempotency_key=key())
    assert approve(world, v.id).status == "active"
    stored = row(world.ctx, t.voucher, v.id)
    assert stored.long_term_reason == "蛋鸡育成期长" and stored.bank_approved_by


def test_a_six_month_term_needs_neither_reason_nor_bank_approval(world):
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 5, 26)), idempotency_key=key()
    )
    assert v.long_term is False
    assert approve(world, v.id).status == "active"


def test_the_bank_approval_step_can_be_switched_off(make_world):
    world = make_world(long_term_requires_bank_approval=False)
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 6, 15), reason="r"), idempotency_key=key()
    )
    assert approve(world, v.id).status == "active"


def test_a_maturity_on_a_holiday_rolls_to_the_next_working_day(make_world):
    world = make_world(today=dt.date(2026, 6, 1))
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2026, 10, 1)), idempotency_key=key()
    )
    assert v.maturity_on == dt.date(2026, 10, 8)  # National Day holidays 10-01 … 10-07
    assert v.maturity_official is True
    assert "maturity_rolled_to_working_day" in v.warnings
    stored = row(world.ctx, t.voucher, v.id)
    assert (stored.requested_maturity, stored.maturity_on) == (dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    on_a_workday = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2026, 10, 9)), idempotency_key=key()
    )
    assert on_a_workday.maturity_on == dt.date(2026, 10, 9) and on_a_workday.warnings == ()


def test_a_2027_maturity_works_but_is_flagged_unofficial(world):
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 3, 13)), idempotency_key=key()
    )
    assert v.maturity_on == dt.date(2027, 3, 15)  # Saturday → Monday by the weekends-only fallback
    assert v.maturity_official is False
    assert {"maturity_calendar_unofficial", "maturity_rolled_to_working_day"} <= set(v.warnings)
    assert row(world.ctx, t.voucher, v.id).maturity_official is False
    assert approve(world, v.id).maturity_on == dt.date(2027, 3, 15)


def test_rolling_can_be_switched_off(make_world):
    world = make_world(today=dt.date(2026, 6, 1), roll_maturity=False)
    v = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2026, 10, 1)), idempotency_key=key()
    )
    assert v.maturity_on == dt.date(2026, 10, 1)


def test_a_maturity_after_the_contract_due_date_is_warned(world):
    world.contract("core", "s1", due=dt.date(2027, 1, 31))
    v = issuance.prepare(world.ctx, **prepare_args(world, 1000_00, maturity=MATURITY), idempotency_key=key())
    assert "maturity_after_contract_due" in v.warnings
    world.contract("core", "s1", due=dt.date(2027, 3, 15))
    v = issuance.prepare(world.ctx, **prepare_args(world, 1000_00, maturity=MATURITY), idempotency_key=key())
    assert "maturity_after_contract_due" not in v.warnings


def test_a_core_that_defaulted_at_an_earlier_maturity_cannot_issue(make_world):
    world = make_world(core_funds_fen=1)
    world.issue(1000_00, maturity=dt.date(2026, 12, 15))
    waiting = world.prepare(500_00, maturity=dt.date(2027, 3, 15))  # prepared before the default
    world.ctx.clock.day = dt.date(2026, 12, 15)
    settlement.settle(world.ctx, on=dt.date(2026, 12, 15))
    core = row(world.ctx, t.party, world.ids["core"])
    assert core.defaulted_on == dt.date(2026, 12, 15)
    err = refuses(
        world.ctx,
        "issue.issuer_defaulted",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00),
        idempotency_key=key(),
    )
    assert "2026-12-15" in err.message_zh and "2026-12-15" in err.message_en
    refuses(
        world.ctx,
        "issue.issuer_defaulted",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=waiting.id,
        idempotency_key=key(),
    )


def test_a_voucher_whose_maturity_passed_while_pending_cannot_be_issued(world):
    v = world.prepare(1000_00, maturity=dt.date(2026, 12, 15))
    world.ctx.clock.day = dt.date(2026, 12, 15)
    refuses(
        world.ctx,
        "issue.maturity_past",
        issuance.approve,
        world.ctx,
        actor=world.user("core", "approver"),
        voucher_id=v.id,
        idempotency_key=key(),
    )
