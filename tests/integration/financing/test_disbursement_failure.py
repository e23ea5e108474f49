"""A bank that cannot pay the net proceeds: the financing fails and the parts go back to the applicant."""

from factories import key

from lianrong.credit import queries as credit_queries
from lianrong.financing import model as fin
from lianrong.financing import queries as financing_queries
from lianrong.platform.context import SYSTEM
from lianrong.settlement import confirmations as confirmations
from lianrong.settlement.confirmation_files import Confirmation
from lianrong.vouchers import audit
from lianrong.vouchers import queries as voucher_queries


def test_a_failed_disbursement_returns_the_parts_and_the_credit(make_world):
    w = make_world(payments="batch")
    root = w.issue(1_000_00)
    moved = w.transfer(root, "s1", [("s2", 400_00)])
    part = w.child(moved, "s2")
    disbursed = w.finance([part], "s2")
    assert disbursed.instruction_status == "pending"
    assert credit_queries.lines(w.ctx, viewer=SYSTEM)[0].occupied_fen == 400_00

    bank = w.user("bank", "approver")
    confirmations.record_confirmations(
        w.ctx,
        actor=bank,
        idempotency_key=key(),
        confirmations=[
            Confirmation(
                instruction_id=disbursed.instruction_id,
                status="failed",
                reference=None,
                amount_fen=disbursed.net_fen,
                confirmed_at=None,
                failure_reason="账户冻结 account frozen",
            )
        ],
    )

    assert (
        financing_queries.financing_detail(w.ctx, actor=SYSTEM, financing_id=disbursed.id).financing["status"]
        == fin.FAILED
    )
    held = {h.id: h for h in voucher_queries.holdings(w.ctx, viewer=SYSTEM, party=w.ids["s2"], limit=None).items}
    assert held[part].status == "active"
    assert credit_queries.lines(w.ctx, viewer=SYSTEM)[0].occupied_fen == 0
    assert audit.verify(w.ctx).ok
    # the supplier can move or finance its part again
    w.transfer(part, "s2", [("s3", 100_00)])
    assert audit.verify(w.ctx).ok
