"""Split and transfer (engine point 5) through the service, on SQLite and PostgreSQL.

Each rule a transfer obeys is tested once, at the rule function (``tests/unit/test_transfer_rules.py``).
Here: what a transfer writes, the facts the loader reads for the rule, one refusal and one success arriving
unchanged, restrictions as rows, and the chain link every path writes."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key, lift, restrict, uscc
from ledger_asserts import refuses, row, rows

from lianrong.adapters.db import tables as t
from lianrong.financing import service as financing
from lianrong.kernel import errors
from lianrong.parties import designations as designations
from lianrong.parties import service as parties
from lianrong.vouchers import audit
from lianrong.vouchers import service as vouchers

MATURITY = dt.date(2027, 3, 15)


def transfer(world, fragment: str, sender: str, parts: list[tuple[str, int]]):
    return dict(
        actor=world.user(sender),
        fragment_id=fragment,
        parts=[{"recipient": world.ids[r], "amount_fen": a} for r, a in parts],
    )


def test_a_split_consumes_the_fragment_and_its_parts_sum_exactly(world):
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 333_33)])
    assert row(world.ctx, t.fragment, root).status == "spent"
    kids = {c.holder_id: c for c in r.children}
    assert kids[world.ids["s2"]].amount_fen == 333_33 and kids[world.ids["s2"]].tier == 2
    assert kids[world.ids["s1"]].amount_fen == 666_67 and kids[world.ids["s1"]].tier == 1  # remainder
    assert sum(c.amount_fen for c in r.children) == 1000_00
    for c in r.children:
        assert row(world.ctx, t.fragment, c.id).parent_id == root
    # tier after tier, each step backed by the trade between sender and recipient
    s2 = world.child(r, "s2")
    r2 = world.transfer(s2, "s2", [("s3", 100_00)])
    s3 = world.child(r2, "s3")
    r3 = world.transfer(s3, "s3", [("s4", 100_00)])  # the whole part: no remainder
    assert [c.holder_id for c in r3.children] == [world.ids["s4"]]
    s4 = row(world.ctx, t.fragment, r3.children[0].id)
    assert (s4.tier, s4.contract_id) == (4, world.contracts[("s3", "s4")])
    assert row(world.ctx, t.fragment, s3).contract_id == world.contracts[("s2", "s3")]
    assert audit.verify(world.ctx).ok


def test_one_transfer_may_pay_several_suppliers(world):
    world.contract("s1", "s3")
    root = world.issue(1000_00)
    r = world.transfer(root, "s1", [("s2", 200_00), ("s3", 300_00)])
    assert [(c.holder_id, c.amount_fen) for c in r.children] == [
        (world.ids["s2"], 200_00),
        (world.ids["s3"], 300_00),
        (world.ids["s1"], 500_00),
    ]
    refuses(
        world.ctx,
        "transfer.sum_mismatch",
        vouchers.transfer,
        world.ctx,
        **transfer(world, world.child(r, "s1"), "s1", [("s2", 300_00), ("s3", 200_01)]),
        idempotency_key=key(),
    )


# --- the facts loader: what the rule decides on, read from the database ------------------------------------


def facts_of(world, fragment: str, sender: str, parts: list[dict]):
    """What ``vouchers.transfer`` would decide on (the loader alone, in a read-only unit of work)."""
    with world.ctx.uow(readonly=True) as uow:
        return vouchers.load_transfer_facts(
            world.ctx, uow, actor=world.user(sender), fragment_id=fragment, parts=parts
        )[0]


def test_the_loader_reads_every_fact_the_transfer_rule_decides_on(world):
    bank = world.user("bank", "approver")
    designations.designate_core(
        world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"], max_tier=3, idempotency_key=key()
    )
    designations.import_ledger(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s1"], "min_split_fen": 100_00}],
        idempotency_key=key(),
    )
    x = parties.register_party(
        world.ctx, kind="enterprise", uscc=uscc(world.base + 77), name="未开户企业", idempotency_key=key()
    ).id
    world.ids["x"] = x
    world.contract("s1", "x", non_cash=False)
    root = world.issue(1000_00)
    f = facts_of(
        world,
        root,
        "s1",
        [
            {"recipient": world.ids["s2"], "amount_fen": 100_00, "contract_id": world.contracts[("s1", "s2")]},
            {"recipient": row(world.ctx, t.party, world.ids["s3"]).uscc.lower(), "amount_fen": 100_00},
            {"recipient": x, "amount_fen": 100_00},
            {"recipient": "ent_NOSUCH", "amount_fen": 100_00},
            {"recipient": world.ids["bank"], "amount_fen": 100_00},
        ],
    )
    assert (f.fragment.holder_id, f.fragment.amount_fen, f.fragment.tier, f.fragment.status) == (
        world.ids["s1"],
        1000_00,
        1,
        "active",
    )
    assert f.fragment.contract_id == world.contracts[("core", "s1")]
    assert (f.voucher.core_id, f.voucher.bank_id, f.voucher.status, f.voucher.maturity_on) == (
        world.ids["core"],
        world.ids["bank"],
        "active",
        MATURITY,
    )
    assert f.voucher.bank_name == row(world.ctx, t.party, world.ids["bank"]).name
    assert (f.sender_id, f.sender_name, f.fragment_in_scope) == (
        world.ids["s1"],
        row(world.ctx, t.party, world.ids["s1"]).name,
        True,
    )
    assert (f.params.max_tier, f.params.min_split_fen) == (3, 100_00)  # the designation, the ledger's override
    assert f.today == world.ctx.clock.today()
    s2, s3, xr, unknown, bank_r = f.recipients
    assert (s2.party_id, s2.kind, s2.trade_contract_id, s2.restrictions) == (
        world.ids["s2"],
        "enterprise",
        world.contracts[("s1", "s2")],
        (),
    )
    assert (s3.party_id, s3.trade_contract_id, s3.any_contract) == (world.ids["s3"], None, False)  # by USCC; no trade
    assert (xr.trade_contract_id, xr.any_contract, xr.unconfirmed_contract) == (None, True, None)  # cash only
    assert [r.kind for r in xr.restrictions] == [
        "onboarding.incomplete"
    ]  # onboarding reaches the rule as a restriction
    assert (unknown.party_id, unknown.ref) == (None, "ent_NOSUCH")
    assert bank_r.kind == "bank"
    # a fragment held by another: in the scope of its issuer, not of an unrelated supplier
    assert facts_of(world, root, "core", [{"recipient": world.ids["s2"], "amount_fen": 100_00}]).fragment_in_scope
    assert not facts_of(world, root, "s2", [{"recipient": world.ids["s3"], "amount_fen": 100_00}]).fragment_in_scope


# --- one path test per database: a refusal and a success arrive unchanged ------------------------------------


def test_a_refusal_of_the_rule_and_a_success_arrive_unchanged_through_the_service(world):
    from lianrong.vouchers import rules

    root = world.issue(1000_00)
    parts = [{"recipient": world.ids["s3"], "amount_fen": 100_00}]  # s1 does not buy from s3
    with pytest.raises(errors.LianRongError) as decided:
        rules.decide_transfer(facts_of(world, root, "s1", parts))
    err = refuses(
        world.ctx,
        "transfer.no_trade",
        vouchers.transfer,
        world.ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=parts,
        idempotency_key=key(),
    )
    assert err.to_dict() == decided.value.to_dict()
    planned = rules.decide_transfer(facts_of(world, root, "s1", [{"recipient": world.ids["s2"], "amount_fen": 100_00}]))
    done = world.transfer(root, "s1", [("s2", 100_00)])
    assert [(c.holder_id, c.amount_fen, c.tier) for c in done.children] == [
        (p.holder_id, p.amount_fen, p.tier) for p in planned
    ]
    assert [row(world.ctx, t.fragment, c.id).contract_id for c in done.children] == [p.contract_id for p in planned]


# --- restrictions: a row blocks, its removal unblocks, on every path ------------------------------------------


def test_a_restriction_row_refuses_a_transfer_to_or_from_the_party_until_it_is_removed(world):
    root = world.issue(1000_00)
    blocked = restrict(world, "s2", "receive")
    err = refuses(
        world.ctx,
        "party.restricted",
        vouchers.transfer,
        world.ctx,
        **transfer(world, root, "s1", [("s2", 100_00)]),
        idempotency_key=key(),
    )
    assert err.details == {
        "party": row(world.ctx, t.party, world.ids["s2"]).name,
        "action": "receive",
        "kind": "blacklist",
        "reason": "区黑名单",
        "until": None,
        "restriction": blocked,
        "source": None,
    }
    lift(world, blocked)
    s2 = world.child(world.transfer(root, "s1", [("s2", 100_00)]), "s2")
    frozen = restrict(
        world,
        "s2",
        "transfer",
        kind="risk_freeze",
        reason="风险冻结",
        bank_id=world.ids["bank"],
        valid_until=world.ctx.clock.today(),
    )
    err = refuses(
        world.ctx,
        "party.restricted",
        vouchers.transfer,
        world.ctx,
        **transfer(world, s2, "s2", [("s3", 50_00)]),
        idempotency_key=key(),
    )
    assert (err.details["kind"], err.details["action"]) == ("risk_freeze", "transfer")
    lift(world, frozen)
    restrict(world, "s2", "transfer", valid_until=world.ctx.clock.today() - dt.timedelta(days=1))  # lapsed
    assert world.transfer(s2, "s2", [("s3", 50_00)]).children
    assert audit.verify(world.ctx).ok


def viewer_of_s1(world):
    parties.add_user(
        world.ctx,
        party=world.ids["s1"],
        username=f"s1-viewer-{world.base}",
        display_name="viewer",
        role="viewer",
        idempotency_key=key(),
    )
    return parties.actor_for(world.ctx, f"s1-viewer-{world.base}")


def test_a_viewer_may_not_finance(world):
    viewer = viewer_of_s1(world)
    root = world.issue(1000_00)
    refuses(
        world.ctx,
        "auth.forbidden",
        financing.apply,
        world.ctx,
        actor=viewer,
        fragment_ids=[root],
        idempotency_key=key(),
    )


def test_a_viewer_may_not_transfer(world):
    viewer = viewer_of_s1(world)
    root = world.issue(1000_00)
    refuses(
        world.ctx,
        "auth.forbidden",
        vouchers.transfer,
        world.ctx,
        actor=viewer,
        fragment_id=root,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}],
        idempotency_key=key(),
    )


def _transfer_link_matches_chain_link(world, result, sender: str) -> None:
    """The voucher_op row a transfer wrote is the link ``chain_link`` computes from the operation."""
    from lianrong.platform.common import VoucherHead, chain_link

    ops = rows(world.ctx, t.voucher_op, t.voucher_op.c.voucher_id == result.voucher_id)
    last = max(ops, key=lambda o: o.seq)
    kids = [
        {
            "id": c.id,
            "holder": c.holder_id,
            "amount": c.amount_fen,
            "tier": c.tier,
            "contract": row(world.ctx, t.fragment, c.id).contract_id,
        }
        for c in result.children
    ]
    head = VoucherHead(
        result.voucher_id, last.core_id, "", "active", MATURITY, last.seq - 1, last.prev_hash, "sha256", None, 0
    )
    seq, text, h = chain_link(
        head,
        op="transfer",
        payload={"spent": result.spent_fragment_id, "children": kids},
        actor=world.user(sender),
        plain=True,
    )
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
    r3 = vouchers.transfer(
        world.ctx,
        actor=world.user("s2"),
        fragment_id=world.child(r1, "s2"),
        parts=[{"recipient": s3_uscc, "amount_fen": 300_00}],
        idempotency_key=key(),
    )
    assert [c is not None for c in calls] == ([True, True] if on_pg else [])
    assert [c.holder_id for c in r3.children] == [world.ids["s3"]]
    _transfer_link_matches_chain_link(world, r3, "s2")
    assert audit.verify(world.ctx).ok
