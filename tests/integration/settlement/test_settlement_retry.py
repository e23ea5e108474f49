"""An overdue voucher can still be paid later by an explicit retry; the default stays on record."""

import datetime as dt

import pytest
from factories import World, key, make_context
from ledger_asserts import refuses

from lianrong.kernel.errors import InvalidState
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.settlement import confirmations as confirmations
from lianrong.settlement import payments
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit
from lianrong.vouchers import queries as voucher_queries


def test_retrying_an_overdue_voucher_after_funding_settles_it_and_keeps_the_default(db_url):
    w = World(make_context(db_url), core_funds_fen=1)
    root = w.issue(1_000_00, maturity=dt.date(2027, 3, 15))
    w.ctx.clock.day = dt.date(2027, 3, 15)
    result = settlement.settle(w.ctx, on=dt.date(2027, 3, 15))
    assert len(result.overdue) == 1
    voucher_id = result.overdue[0]
    bank = w.user("bank", "approver")
    again = confirmations.retry_failed(w.ctx, actor=bank, voucher_id=voucher_id, idempotency_key=key())
    assert (again.status, again.failed) == ("overdue", 1)

    payments.fund(w.ctx, party=w.ids["core"], amount_fen=1_000_00, idempotency_key=key())
    paid = confirmations.retry_failed(w.ctx, actor=bank, voucher_id=voucher_id, idempotency_key=key())
    assert (paid.status, paid.confirmed) == ("settled", 1)
    assert party_queries.party(w.ctx, viewer=SYSTEM, ref=w.ids["core"]).defaulted_on == dt.date(2027, 3, 15)
    holder = {b.party_id: b.balance_fen for b in payments.balances(w.ctx)}
    assert holder[w.ids["s1"]] == 1_000_00
    assert audit.verify(w.ctx).ok
    assert root


def test_a_voucher_that_is_not_overdue_cannot_be_retried(world):
    world.issue(1_000_00)
    active = voucher_queries.vouchers(world.ctx, viewer=SYSTEM).items[0]
    with pytest.raises(InvalidState):
        confirmations.retry_failed(
            world.ctx, actor=world.user("bank", "approver"), voucher_id=active.id, idempotency_key=key()
        )


def test_a_viewer_of_the_issuer_or_the_bank_retries_no_payment(world):
    world.issue(1_000_00)
    voucher = voucher_queries.vouchers(world.ctx, viewer=SYSTEM).items[0].id
    for org in ("core", "bank"):
        parties.add_user(
            world.ctx,
            party=world.ids[org],
            username=f"{org}-viewer-{world.base}",
            display_name="viewer",
            role="viewer",
            idempotency_key=key(),
        )
        refuses(
            world.ctx,
            "auth.forbidden",
            confirmations.retry_failed,
            world.ctx,
            actor=parties.actor_for(world.ctx, f"{org}-viewer-{world.base}"),
            voucher_id=voucher,
            idempotency_key=key(),
        )
