"""Split and transfer (engine point 5): exact parts, trade and onboarding of recipients, limits."""

from __future__ import annotations

import datetime as dt

from factories import key, uscc
from ledger_asserts import refuses, row, rows

from lianrong.adapters.db import tables as t
from lianrong.financing import service as financing
from lianrong.parties import service as parties
from lianrong.vouchers import audit
from lianrong.vouchers import service as vouchers

MATURITY = dt.date(2027, 3, 15)


def transfer(world, fragment: str, sender: str, parts: list[tuple[str, int]]):
    return dict(actor=world.user(sender), fragment_id=fragment,
                parts=[{"recipient": world.ids[r], "amount_fen": a} for r, a in parts])


def test_a_split_consumes_the_fragment_and_its_parts_sum_exactly(world):
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 333_33)])
    assert row(world.ctx, t.fragment, root).status == "spent"
    kids = {c["holder_id"]: c for c in r["children"]}
    assert kids[world.ids["s2"]]["amount_fen"] == 333_33 and kids[world.ids["s2"]]["tier"] == 2
    assert kids[world.ids["s1"]]["amount_fen"] == 666_67 and kids[world.ids["s1"]]["tier"] == 1  # remainder
    assert sum(c["amount_fen"] for c in r["children"]) == 1000_00
    for c in r["children"]:
        assert row(world.ctx, t.fragment, c["id"]).parent_id == root
    # tier after tier, each step backed by the trade between sender and recipient
    s2 = world.child(r, "s2")
    r2 = world.transfer(s2, "s2", [("s3", 100_00)])
    s3 = world.child(r2, "s3")
    r3 = world.transfer(s3, "s3", [("s4", 100_00)])  # the whole part: no remainder
    assert [c["holder_id"] for c in r3["children"]] == [world.ids["s4"]]
    s4 = row(world.ctx, t.fragment, r3["children"][0]["id"])
    assert (s4.tier, s4.contract_id) == (4, world.contracts[("s3", "s4")])
    assert row(world.ctx, t.fragment, s3).contract_id == world.contracts[("s2", "s3")]
    assert audit.verify(world.ctx)["ok"]


def test_one_transfer_may_pay_several_suppliers(world):
    world.contract("s1", "s3")
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 200_00), ("s3", 300_00)])
    assert [(c["holder_id"], c["amount_fen"]) for c in r["children"]] == [
        (world.ids["s2"], 200_00), (world.ids["s3"], 300_00), (world.ids["s1"], 500_00)]
    refuses(world.ctx, "transfer.sum_mismatch", vouchers.transfer, world.ctx,
            **transfer(world, world.child(r, "s1"), "s1", [("s2", 300_00), ("s3", 200_01)]), idempotency_key=key())


def test_a_recipient_needs_a_trade_with_the_sender(world):
    root = world.issue(1000_00)
    # s1 buys from s2, not from s3; and s2 does not buy from s1
    err = refuses(world.ctx, "transfer.no_trade", vouchers.transfer, world.ctx,
                  **transfer(world, root, "s1", [("s3", 100_00)]), idempotency_key=key())
    assert "企业s3" in err.message_zh
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    refuses(world.ctx, "transfer.no_trade", vouchers.transfer, world.ctx,
            **transfer(world, s2, "s2", [("s1", 100_00)]), idempotency_key=key())
    # a named contract must be one between them
    args = transfer(world, s2, "s2", [("s3", 100_00)])
    args["parts"][0]["contract_id"] = world.contracts[("s1", "s2")]
    refuses(world.ctx, "transfer.no_trade", vouchers.transfer, world.ctx, **args, idempotency_key=key())
    args["parts"][0]["contract_id"] = world.contracts[("s2", "s3")]
    assert vouchers.transfer(world.ctx, **args, idempotency_key=key())["spent_fragment_id"] == s2


def test_a_recipient_must_be_onboarded_at_the_vouchers_bank(world):
    x = parties.register_party(world.ctx, kind="enterprise", uscc=uscc(world.base + 77), name="未开户企业",
                               idempotency_key=key())["id"]
    world.ids["x"] = x
    world.contract("s1", "x")
    root = world.issue(1000_00)
    refuses(world.ctx, "onboarding.incomplete", vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("x", 100_00)]), idempotency_key=key())
    parties.onboard(world.ctx, actor=world.user("bank", "approver"), bank=world.ids["bank"], party=x,
                    settlement_account="6222000099", ebanking=True, certificate="UK-X", idempotency_key=key())
    assert world.transfer(root, "s1", [("x", 100_00)])["children"][0]["holder_id"] == x


def test_a_trade_that_does_not_agree_to_non_cash_payment_cannot_carry_a_transfer(world):
    """保障中小企业款项支付条例: a voucher pays only a contract that agreed to non-cash payment."""
    x = parties.register_party(world.ctx, kind="enterprise", uscc=uscc(world.base + 78), name="现金交易企业",
                               idempotency_key=key())["id"]
    world.ids["x"] = x
    parties.onboard(world.ctx, actor=world.user("bank", "approver"), bank=world.ids["bank"], party=x,
                    settlement_account="6222000098", ebanking=True, certificate="UK-X", idempotency_key=key())
    world.contract("s1", "x", non_cash=False)
    root = world.issue(1000_00)
    refuses(world.ctx, "contract.non_cash_not_agreed", vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("x", 100_00)]), idempotency_key=key())


def test_parts_and_remainders_respect_the_minimum_split(world):
    bank = world.user("bank", "approver")
    parties.import_ledger(world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"],
                          suppliers=[{"supplier": world.ids["s1"], "min_split_fen": 100_00}], idempotency_key=key())
    root = world.issue(1000_00)
    refuses(world.ctx, "transfer.below_minimum", vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("s2", 99_99)]), idempotency_key=key())
    refuses(world.ctx, "transfer.below_minimum", vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("s2", 900_01)]), idempotency_key=key())  # leaves 99.99
    assert len(world.transfer(root, "s1", [("s2", 900_00)])["children"]) == 2


def test_a_voucher_travels_no_further_than_the_maximum_tier(world):
    parties.designate_core(world.ctx, actor=world.user("bank", "approver"), bank=world.ids["bank"],
                           core=world.ids["core"], max_tier=3, idempotency_key=key())
    root = world.issue(1000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 500_00)]), "s2")
    s3 = world.child(world.transfer(s2, "s2", [("s3", 200_00)]), "s3")
    assert row(world.ctx, t.fragment, s3).tier == 3
    err = refuses(world.ctx, "transfer.tier_exceeded", vouchers.transfer, world.ctx,
                  **transfer(world, s3, "s3", [("s4", 100_00)]), idempotency_key=key())
    assert err.details == {"tier": 4, "max_tier": 3}


def test_no_transfer_to_oneself_or_back_to_the_issuer(world):
    root = world.issue(1000_00)
    refuses(world.ctx, "transfer.to_self", vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("s1", 100_00)]), idempotency_key=key())
    world.contract("s1", "core")  # even with a trade the other way round, the issuer cannot hold its own voucher
    refuses(world.ctx, ("transfer.to_self", "validation.failed"), vouchers.transfer, world.ctx,
            **transfer(world, root, "s1", [("core", 100_00)]), idempotency_key=key())


def test_only_the_holder_moves_a_fragment(world):
    root = world.issue(1000_00)
    # a party that may see the part (its issuer) is told it does not hold it; anyone else that it does not exist
    refuses(world.ctx, "fragment.not_holder", vouchers.transfer, world.ctx,
            **transfer(world, root, "core", [("s3", 100_00)]), idempotency_key=key())
    refuses(world.ctx, "fragment.not_found", vouchers.transfer, world.ctx,
            **transfer(world, root, "s2", [("s3", 100_00)]), idempotency_key=key())


def test_nothing_moves_at_or_after_maturity(world):
    root = world.issue(1000_00)
    for day in (MATURITY, MATURITY + dt.timedelta(days=1)):
        world.ctx.clock.day = day
        refuses(world.ctx, "fragment.matured", vouchers.transfer, world.ctx,
                **transfer(world, root, "s1", [("s2", 100_00)]), idempotency_key=key())
    world.ctx.clock.day = MATURITY - dt.timedelta(days=1)
    assert world.transfer(root, "s1", [("s2", 100_00)])


def test_a_fragment_spent_once_cannot_be_spent_again(world):
    root = world.issue(1000_00)
    world.transfer(root, "s1", [("s2", 100_00)])
    err = refuses(world.ctx, "fragment.not_active", vouchers.transfer, world.ctx,
                  **transfer(world, root, "s1", [("s2", 100_00)]), idempotency_key=key())
    assert err.details["state"] == "spent"


def test_a_frozen_or_financed_fragment_cannot_move(world):
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 400_00)])
    s2, s1 = world.child(r, "s2"), world.child(r, "s1")
    financing.apply(world.ctx, actor=world.user("s2"), fragment_ids=[s2], idempotency_key=key())
    assert row(world.ctx, t.fragment, s2).status == "frozen"
    err = refuses(world.ctx, "fragment.not_active", vouchers.transfer, world.ctx,
                  **transfer(world, s2, "s2", [("s3", 100_00)]), idempotency_key=key())
    assert err.details["state"] == "frozen"
    world.finance([s1], "s1")
    assert row(world.ctx, t.fragment, s1).holder_id == world.ids["bank"]
    # the former holder no longer holds it; the bank holds it but it is financed (Civil Code 445/768)
    refuses(world.ctx, "fragment.not_holder", vouchers.transfer, world.ctx,
            **transfer(world, s1, "s1", [("s2", 100_00)]), idempotency_key=key())
    bank_op = world.user("bank")
    err = refuses(world.ctx, "fragment.not_active", vouchers.transfer, world.ctx, actor=bank_op, fragment_id=s1,
                  parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}], idempotency_key=key())
    assert err.details["state"] == "financed"
    assert rows(world.ctx, t.fragment, t.fragment.c.parent_id == s1) == []


def viewer_of_s1(world):
    parties.add_user(world.ctx, party=world.ids["s1"], username=f"s1-viewer-{world.base}", display_name="viewer",
                     role="viewer", idempotency_key=key())
    return parties.actor_for(world.ctx, f"s1-viewer-{world.base}")


def test_a_viewer_may_not_finance(world):
    viewer = viewer_of_s1(world)
    root = world.issue(1000_00)
    refuses(world.ctx, "auth.forbidden", financing.apply, world.ctx, actor=viewer, fragment_ids=[root],
            idempotency_key=key())


def test_a_viewer_may_not_transfer(world):
    viewer = viewer_of_s1(world)
    root = world.issue(1000_00)
    refuses(world.ctx, "auth.forbidden", vouchers.transfer, world.ctx, actor=viewer, fragment_id=root,
            parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}], idempotency_key=key())


def _transfer_link_matches_chain_link(world, result, sender: str) -> None:
    """The voucher_op row a transfer wrote is the link ``chain_link`` computes from the operation."""
    from lianrong.platform.common import VoucherHead, chain_link

    ops = rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == result["voucher_id"])
    last = max(ops, key=lambda o: o.seq)
    kids = [{"id": c["id"], "holder": c["holder_id"], "amount": c["amount_fen"], "tier": c["tier"],
             "contract": row(world.ctx, t.fragment, c["id"]).contract_id} for c in result["children"]]
    head = VoucherHead(result["voucher_id"], last.core_id, "", "active", MATURITY, last.seq - 1, last.prev_hash,
                       "sha256", None, 0)
    seq, text, h = chain_link(head, op="transfer", payload={"spent": result["spent_fragment_id"], "children": kids},
                              actor=world.user(sender), plain=True)
    assert (last.seq, last.op, last.payload, last.hash) == (seq, "transfer", text, h)


def test_every_transfer_path_writes_the_canonical_chain_link(world, monkeypatch):
    """PostgreSQL does a transfer that passes every rule in one server-side call (``lianrong_transfer``);
    SQLite, and PostgreSQL when that call declines, take the general path: both write the same link."""
    world.contract("s1", "s3")
    root = world.issue(1000_00)
    calls = []
    real = vouchers._transfer_in_database

    def spy(*args, **kwargs):
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(vouchers, "_transfer_in_database", spy)
    r1 = world.transfer(root, "s1", [("s2", 300_00), ("s3", 100_00)])
    on_pg = world.ctx.engine.dialect.name == "postgresql"
    assert [c is not None for c in calls] == ([True] if on_pg else [])
    _transfer_link_matches_chain_link(world, r1, "s1")
    # the general path on the same voucher (on PostgreSQL: as when the server-side call declines)
    monkeypatch.setattr(vouchers, "_transfer_in_database", lambda *a, **k: None)
    r2 = world.transfer(world.child(r1, "s1"), "s1", [("s2", 50_00)])
    _transfer_link_matches_chain_link(world, r2, "s1")
    # and a whole-part transfer (no remainder), the recipient named by its USCC, through the call again
    monkeypatch.setattr(vouchers, "_transfer_in_database", spy)
    s3_uscc = row(world.ctx, t.party, world.ids["s3"]).uscc
    r3 = vouchers.transfer(world.ctx, actor=world.user("s2"), fragment_id=world.child(r1, "s2"),
                           parts=[{"recipient": s3_uscc, "amount_fen": 300_00}], idempotency_key=key())
    assert [c is not None for c in calls] == ([True, True] if on_pg else [])
    assert [c["holder_id"] for c in r3["children"]] == [world.ids["s3"]]
    _transfer_link_matches_chain_link(world, r3, "s2")
    assert audit.verify(world.ctx)["ok"]
