"""The read models behind the vouchers' console pages are typed records (``vouchers.page_queries``)."""

from __future__ import annotations

import datetime as dt

from lianrong.financing.model import FinancingStatus
from lianrong.settlement import service as settlement
from lianrong.settlement.model import PaymentKind, PaymentStatus
from lianrong.vouchers import page_queries as pq
from lianrong.vouchers.model import FragmentStatus

MATURITY = dt.date(2027, 3, 15)


def test_a_financed_part_its_children_and_the_settled_vouchers_pages(world):
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 400_00)])
    s2, kept = world.child(r, "s2"), world.child(r, "s1")
    world.finance([s2], "s2")

    financed = pq.fragment_detail(world.ctx, actor=world.user("s2"), fragment_id=s2)
    assert financed.financing is not None and financed.financing.status == FinancingStatus.DISBURSED
    assert financed.fragment.status == FragmentStatus.FINANCED and not financed.can_move
    assert financed.voucher.bank_name and financed.voucher.maturity_on == MATURITY
    spent = pq.fragment_detail(world.ctx, actor=world.user("s1"), fragment_id=root)
    assert sorted(c.amount_fen for c in spent.children) == [400_00, 600_00] and spent.financing is None

    (recipient,) = pq.transfer_recipients(world.ctx, actor=world.user("s1"), fragment_id=kept)
    assert recipient.id == world.ids["s2"] and recipient.onboarded and recipient.contracts
    (month,) = pq.payables(world.ctx, actor=world.user("core"))
    assert (month.month, month.count, month.issued_fen, month.pending_fen) == ("2027-03", 1, 1000_00, 0)
    assert [v.id for v in month.vouchers] == [r.voucher_id]
    options = pq.issue_options(world.ctx, actor=world.user("core"))
    assert [b.id for b in options.banks] == [world.ids["bank"]]

    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    page = pq.voucher_detail(world.ctx, viewer=world.user("core"), voucher_id=r.voucher_id)
    assert {(i.kind, i.status) for i in page.instructions} == {(PaymentKind.SETTLEMENT, PaymentStatus.CONFIRMED)}
    assert page.fragments == 3 and [o.seq for o in page.ops] == sorted(o.seq for o in page.ops)
    (row,) = pq.maturity_board(world.ctx, actor=world.user("core"))
    assert row.id == r.voucher_id and row.due and row.leaves == 2
    assert row.confirmed_fen == 1000_00 and row.pending_fen == row.failed_fen == 0
