"""Settlement (engine point 7): pay every final holder at maturity, default, idempotent runs, batch files."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
from factories import key, uscc
from ledger_asserts import balance, occupied, prepare_args, refuses, row, rows, snapshot

from lianrong.adapters.db import tables as t
from lianrong.financing import service as financing
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.settlement import confirmations as confirmations
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit
from lianrong.vouchers import issuance as issuance

MATURITY = dt.date(2027, 3, 15)
pi = t.payment_instruction


def chain_with_a_financed_part(world) -> dict[str, str]:
    """1,000.00 to s1; s1 → s2 400; s2 → s3 150, which s3 finances: leaves s1 600, s2 250, bank 150."""
    root = world.issue(1000_00)
    r1 = world.transfer(root, "s1", [("s2", 400_00)])
    r2 = world.transfer(world.child(r1, "s2"), "s2", [("s3", 150_00)])
    s3 = world.child(r2, "s3")
    d = world.finance([s3], "s3")
    voucher_id = row(world.ctx, t.fragment, root).voucher_id
    return {
        "root": root,
        "s1": world.child(r1, "s1"),
        "s2": world.child(r2, "s2"),
        "s3": s3,
        "financing": d.id,
        "net": d.net_fen,
        "voucher": voucher_id,
    }


def test_at_maturity_the_core_pays_every_final_holder_and_the_bank_for_financed_parts(world):
    ids = chain_with_a_financed_part(world)
    core_before = balance(world.ctx, world.ids["core"])
    assert occupied(world.ctx, world.ids["core"]) == 150_00
    refuses(world.ctx, "settlement.future_date", settlement.settle, world.ctx, on=MATURITY)  # not yet: a future date
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert (summary.vouchers, summary.instructions, summary.confirmed, summary.overdue) == (1, 3, 3, ())
    paid = {
        (r.payee_id, r.amount_fen, r.fragment_id, r.status, r.value_on)
        for r in rows(world.ctx, pi, pi.c.kind == "settlement")
    }
    assert paid == {
        (world.ids["s1"], 600_00, ids["s1"], "confirmed", MATURITY),
        (world.ids["s2"], 250_00, ids["s2"], "confirmed", MATURITY),
        (world.ids["bank"], 150_00, ids["s3"], "confirmed", MATURITY),
    }
    for leaf in ("s1", "s2", "s3"):
        assert row(world.ctx, t.fragment, ids[leaf]).status == "settled"
    assert row(world.ctx, t.voucher, ids["voucher"]).status == "settled"
    assert row(world.ctx, t.financing, ids["financing"]).status == "repaid"
    assert occupied(world.ctx, world.ids["core"]) == 0
    assert balance(world.ctx, world.ids["core"]) == core_before - 1000_00
    assert balance(world.ctx, world.ids["s1"]) == 600_00
    assert balance(world.ctx, world.ids["s2"]) == 250_00
    assert balance(world.ctx, world.ids["s3"]) == ids["net"]
    assert balance(world.ctx, world.ids["bank"]) == 150_00
    assert audit.verify(world.ctx).ok


def test_settling_twice_changes_nothing(world):
    chain_with_a_financed_part(world)
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    before = snapshot(world.ctx)
    again = settlement.settle(world.ctx, on=MATURITY)
    assert (again.vouchers, again.instructions) == (0, 0)
    world.ctx.clock.day = MATURITY + dt.timedelta(days=3)
    settlement.settle(world.ctx, on=MATURITY + dt.timedelta(days=3))
    assert snapshot(world.ctx) == before


def test_a_voucher_not_yet_due_is_left_alone(world):
    world.issue(1000_00, maturity=dt.date(2027, 3, 16))
    world.ctx.clock.day = MATURITY
    before = snapshot(world.ctx)
    assert settlement.settle(world.ctx, on=MATURITY).vouchers == 0
    assert snapshot(world.ctx) == before


def test_a_core_without_funds_defaults_and_may_issue_no_more(make_world):
    world = make_world(core_funds_fen=1)
    ids = chain_with_a_financed_part(world)
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert summary.overdue == (ids["voucher"],) and summary.failed == 3
    assert row(world.ctx, t.voucher, ids["voucher"]).status == "overdue"
    for leaf in ("s1", "s2", "s3"):
        assert row(world.ctx, t.fragment, ids[leaf]).status == "overdue"
    assert row(world.ctx, t.financing, ids["financing"]).status == "overdue"
    assert row(world.ctx, t.party, world.ids["core"]).defaulted_on == MATURITY
    assert occupied(world.ctx, world.ids["core"]) == 150_00  # the unpaid financing keeps its credit
    assert balance(world.ctx, world.ids["core"]) == 1
    assert audit.verify(world.ctx).ok
    before = snapshot(world.ctx)
    settlement.settle(world.ctx, on=MATURITY)
    assert snapshot(world.ctx) == before
    refuses(
        world.ctx,
        "issue.issuer_defaulted",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 100_00, maturity=dt.date(2027, 6, 1)),
        idempotency_key=key(),
    )


def test_a_pending_financing_application_ends_at_maturity_and_the_holder_is_paid(world):
    root = world.issue(1000_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[root], idempotency_key=key())
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    assert row(world.ctx, t.financing, f.id).status == "rejected"
    assert row(world.ctx, t.fragment, root).status == "settled"
    assert balance(world.ctx, world.ids["s1"]) == 1000_00
    assert audit.verify(world.ctx).ok


def test_a_pending_application_over_two_vouchers_due_together_ends_once_and_both_holders_are_paid(world):
    a, b = world.issue(300_00), world.issue(33_00)
    f = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[a, b], idempotency_key=key())
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert (summary.vouchers, summary.instructions, summary.confirmed, summary.overdue) == (2, 2, 2, ())
    assert row(world.ctx, t.financing, f.id).status == "rejected"
    assert {row(world.ctx, t.fragment, x).status for x in (a, b)} == {"settled"}
    assert balance(world.ctx, world.ids["s1"]) == 333_00
    assert audit.verify(world.ctx).ok


def write_confirmations(path, instructions) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["指令编号 instruction_id", "状态 status", "银行流水号 reference", "金额（分） amount_fen"])
        for ins in instructions:
            w.writerow([ins.id, "成功", f"BK{ins.id[-10:]}", ins.amount_fen])


def test_batch_mode_leaves_instructions_pending_until_the_banks_confirmation_file(make_world, tmp_path):
    world = make_world(payments="batch")
    ids = chain_with_a_financed_part(world)
    disb = rows(world.ctx, pi, pi.c.kind == "disbursement")
    assert [d.status for d in disb] == ["pending"]
    assert balance(world.ctx, world.ids["s3"]) == 0  # nothing moves until the bank executes the file
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert (summary.instructions, summary.pending, summary.overdue) == (3, 3, ())
    assert row(world.ctx, t.voucher, ids["voucher"]).status == "active"
    pending = rows(world.ctx, pi, pi.c.status == "pending")
    assert len(pending) == 4

    csv_path, xlsx_path = tmp_path / "batch.csv", tmp_path / "batch.xlsx"
    assert confirmations.export_file(world.ctx, viewer=SYSTEM, path=csv_path) == 4
    assert confirmations.export_file(world.ctx, viewer=SYSTEM, path=xlsx_path) == 4
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert {r["指令编号 instruction_id"] for r in exported} == {p.id for p in pending}
    assert sum(int(r["金额（分） amount_fen"]) for r in exported) == sum(p.amount_fen for p in pending)
    sheet = openpyxl.load_workbook(xlsx_path, read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 5  # header + 4

    confirm = tmp_path / "confirm.csv"
    write_confirmations(confirm, pending)
    bank = world.user("bank", "approver")
    result = confirmations.import_confirmations(world.ctx, actor=bank, path=confirm, idempotency_key=key())
    assert (result.applied, result.confirmed) == (4, 4)
    assert row(world.ctx, t.voucher, ids["voucher"]).status == "settled"
    assert row(world.ctx, t.financing, ids["financing"]).status == "repaid"
    assert occupied(world.ctx, world.ids["core"]) == 0
    assert {r.reference for r in rows(world.ctx, pi, pi.c.kind == "settlement")} == {
        f"BK{p.id[-10:]}" for p in pending if p.kind == "settlement"
    }
    assert audit.verify(world.ctx).ok
    # importing the same file again changes nothing
    before = snapshot(world.ctx)
    again = confirmations.import_confirmations(world.ctx, actor=bank, path=confirm, idempotency_key=key())
    assert again.applied == 0
    after = snapshot(world.ctx)
    assert {k: v for k, v in after.items() if k != "idempotency"} == {
        k: v for k, v in before.items() if k != "idempotency"
    }


def test_a_confirmation_file_that_does_not_match_is_refused_whole(make_world, tmp_path):
    world = make_world(payments="batch")
    world.issue(1000_00)
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    pending = rows(world.ctx, pi, pi.c.status == "pending")
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction_id", "status", "reference", "amount_fen"])
        w.writerow([pending[0].id, "confirmed", "BK1", pending[0].amount_fen + 1])
        w.writerow(["pay_unknown", "confirmed", "BK2", 1])
    err = refuses(
        world.ctx,
        "payments.file_invalid",
        confirmations.import_confirmations,
        world.ctx,
        actor=world.user("bank", "approver"),
        path=bad,
        idempotency_key=key(),
    )
    # every row at fault, by its row in the file, column and value, in both languages
    assert [(p["row"], p["column"], p["value"]) for p in err.details["rows"]] == [
        (2, "amount_fen", str(pending[0].amount_fen + 1)),
        (3, "instruction_id", "pay_unknown"),
    ]
    assert all(p["message_zh"] and p["message_en"] for p in err.details["rows"])
    assert "row 2 amount_fen" in err.message_en and "第2行" in err.message_zh
    # another bank's instructions are unknown to it, exactly like ones that do not exist
    other = parties.register_party(
        world.ctx, kind="bank", uscc=uscc(world.base + 77), name=f"他行{world.base}", idempotency_key=key()
    ).id
    parties.add_user(
        world.ctx,
        party=other,
        username=f"other-bank-{world.base}",
        display_name="other bank",
        role="approver",
        idempotency_key=key(),
    )
    err = refuses(
        world.ctx,
        "payments.file_invalid",
        confirmations.import_confirmations,
        world.ctx,
        actor=parties.actor_for(world.ctx, f"other-bank-{world.base}"),
        path=_confirm_all(tmp_path, pending),
        idempotency_key=key(),
    )
    assert {p["column"] for p in err.details["rows"]} == {"instruction_id"}
    # an organisation that is no bank may not confirm at all: refused before the file is read
    refuses(
        world.ctx,
        "auth.forbidden",
        confirmations.import_confirmations,
        world.ctx,
        actor=world.user("core", "approver"),
        path=_confirm_all(tmp_path, pending),
        idempotency_key=key(),
    )


def test_an_uploaded_confirmation_file_is_read_by_its_name_and_applied_once(make_world):
    world = make_world(payments="batch")
    world.issue(1000_00)
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    pending = rows(world.ctx, pi, pi.c.status == "pending")
    body = "instruction_id,status,reference,amount_fen\n" + "".join(
        f"{p.id},confirmed,BK{p.id[-6:]},{p.amount_fen}\n" for p in pending
    )
    bank = world.user("bank", "operator")
    refuses(
        world.ctx,
        "payments.file_invalid",
        confirmations.import_confirmation_upload,
        world.ctx,
        actor=bank,
        content=body.encode(),
        filename="confirmations.txt",
        idempotency_key=key(),
    )
    done = confirmations.import_confirmation_upload(
        world.ctx, actor=bank, content=body.encode(), filename="回单.CSV", idempotency_key=key()
    )
    assert (done.applied, done.confirmed, done.unchanged) == (len(pending), len(pending), 0)
    again = confirmations.import_confirmation_upload(
        world.ctx, actor=bank, content=body.encode(), filename="回单.csv", idempotency_key=key()
    )
    assert (again.applied, again.unchanged) == (0, len(pending))


def _confirm_all(tmp_path, pending):
    path = tmp_path / "all.csv"
    write_confirmations(path, pending)
    return path


def test_batch_instructions_still_pending_after_maturity_make_the_voucher_overdue(make_world, tmp_path):
    world = make_world(payments="batch")
    root = world.issue(1000_00)
    vid = row(world.ctx, t.fragment, root).voucher_id
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    assert row(world.ctx, t.voucher, vid).status == "active"  # the file is out with the bank on the day
    world.ctx.clock.day = MATURITY + dt.timedelta(days=1)
    summary = settlement.settle(world.ctx, on=MATURITY + dt.timedelta(days=1))
    assert summary.overdue == (vid,)
    assert row(world.ctx, t.voucher, vid).status == "overdue"
    assert row(world.ctx, t.party, world.ids["core"]).defaulted_on == MATURITY
    # a late confirmation still settles the claim
    pending = rows(world.ctx, pi, pi.c.status == "pending")
    confirmations.import_confirmations(
        world.ctx, actor=world.user("bank", "approver"), path=_confirm_all(tmp_path, pending), idempotency_key=key()
    )
    assert row(world.ctx, t.voucher, vid).status == "settled"
    assert row(world.ctx, t.fragment, root).status == "settled"
    assert audit.verify(world.ctx).ok


def test_a_core_that_can_pay_only_part_settles_those_parts_and_defaults_on_the_rest(make_world):
    world = make_world(core_funds_fen=700_00)
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 400_00)])
    vid = row(world.ctx, t.fragment, root).voucher_id
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert summary.instructions == 2 and summary.confirmed + summary.failed == 2
    statuses = {row(world.ctx, t.fragment, world.child(r, n)).status for n in ("s1", "s2")}
    paid = balance(world.ctx, world.ids["s1"]) + balance(world.ctx, world.ids["s2"])
    assert paid in (400_00, 600_00) and statuses == {"settled", "overdue"}
    assert balance(world.ctx, world.ids["core"]) == 700_00 - paid
    assert row(world.ctx, t.voucher, vid).status == "overdue"
    assert row(world.ctx, t.party, world.ids["core"]).defaulted_on == MATURITY
    assert audit.verify(world.ctx).ok


def test_a_financing_over_two_vouchers_is_repaid_once_both_are_paid(world):
    a, b = world.issue(300_00), world.issue(200_00)
    d = world.finance([a, b], "s1")
    assert occupied(world.ctx, world.ids["core"]) == 500_00
    world.ctx.clock.day = MATURITY
    summary = settlement.settle(world.ctx, on=MATURITY)
    assert summary.vouchers == 2
    assert row(world.ctx, t.financing, d.id).status == "repaid"
    assert occupied(world.ctx, world.ids["core"]) == 0
    assert balance(world.ctx, world.ids["bank"]) == 500_00
    assert rows(world.ctx, pi, pi.c.kind == "surplus") == []  # financed at 100%: nothing to refund
    assert audit.verify(world.ctx).ok
