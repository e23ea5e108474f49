"""Bad input: every refusal has a stable code and zh + en messages, and writes nothing at all.

``refuses`` compares a full snapshot of every table before and after each call, so a refusal that
inserted, deleted or updated any row — an idempotency record included — fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from factories import key, uscc
from ledger_asserts import prepare_args, refuses, row

from lianrong.adapters.db import tables as t
from lianrong.credit import service as credit
from lianrong.documents import service as documents
from lianrong.financing import service as financing
from lianrong.kernel import errors
from lianrong.kernel.money import parse_yuan
from lianrong.parties import designations as designations
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.settlement import payments
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import queries as voucher_queries
from lianrong.vouchers import service as vouchers

MATURITY = dt.date(2027, 3, 15)
BAD_AMOUNTS = [
    (0, "amount.not_positive"),
    (-100, "amount.not_positive"),
    (Decimal("0.5"), "amount.fractional_fen"),  # half a fen
    (10**15 + 1, "amount.too_large"),
    (10**18, "amount.too_large"),
    (1.0, "amount.malformed"),  # a float never reaches the ledger
    (True, "amount.malformed"),
    ("100", "amount.malformed"),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0.001", "amount.fractional_fen"),
        ("0", "amount.not_positive"),
        ("-1", "amount.not_positive"),
        ("10000000000000.01", "amount.too_large"),
        ("1e5", "amount.malformed"),
        ("", "amount.malformed"),
    ],
)
def test_yuan_text_that_is_not_a_whole_fen_amount_never_parses(text, code):
    with pytest.raises(errors.LianRongError) as info:
        parse_yuan(text)
    assert info.value.code == code


def test_bad_amounts_are_refused_everywhere_and_write_nothing(world):
    ctx = world.ctx
    root = world.issue(1000_00)
    inv = world.invoice(1000_00)
    core, bank = world.user("core"), world.user("bank", "approver")
    calls = {
        "prepare": lambda a: issuance.prepare(
            ctx, **{**prepare_args(world, 1000_00, invoice=inv), "amount_fen": a}, idempotency_key=key()
        ),
        "allocation": lambda a: issuance.prepare(
            ctx,
            **{**prepare_args(world, 1000_00, invoice=inv), "invoices": [{"invoice_id": inv, "amount_fen": a}]},
            idempotency_key=key(),
        ),
        "transfer": lambda a: vouchers.transfer(
            ctx,
            actor=world.user("s1"),
            fragment_id=root,
            parts=[{"recipient": world.ids["s2"], "amount_fen": a}],
            idempotency_key=key(),
        ),
        "principal": lambda a: financing.apply(
            ctx, actor=world.user("s1"), fragment_ids=[root], principal_fen=a, idempotency_key=key()
        ),
        "contract": lambda a: documents.add_contract(
            ctx,
            actor=core,
            buyer=world.ids["core"],
            seller=world.ids["s1"],
            number=f"HT-BAD-{key()}",
            amount_fen=a,
            signed_on=dt.date(2026, 11, 1),
            due_on=dt.date(2027, 1, 1),
            non_cash_agreed=True,
            idempotency_key=key(),
        ),
        "invoice": lambda a: documents.add_invoice(
            ctx,
            actor=core,
            contract_id=world.contracts[("core", "s1")],
            number="26117000000012121212",
            amount_fen=a,
            issued_on=dt.date(2026, 11, 20),
            idempotency_key=key(),
        ),
        "credit line": lambda a: credit.grant_line(
            ctx,
            actor=bank,
            bank=world.ids["bank"],
            core=world.ids["core"],
            limit_fen=a,
            valid_from=dt.date(2030, 1, 1),
            valid_to=dt.date(2030, 12, 31),
            idempotency_key=key(),
        ),
        "fund": lambda a: payments.fund(ctx, party=world.ids["core"], amount_fen=a, idempotency_key=key()),
    }
    for name, call in calls.items():
        for amount, code in BAD_AMOUNTS:
            err = refuses(ctx, code, call, amount)
            assert err.code == code, (name, amount)
    # 0.001 yuan typed by an operator stops at parsing, before any service
    with pytest.raises(errors.AmountFractionalFen):
        calls["transfer"](parse_yuan("0.001"))


def test_unknown_ids_are_not_found_and_write_nothing(world):
    ctx = world.ctx
    root = world.issue(1000_00)
    bank = world.user("bank", "approver")
    refuses(
        ctx,
        "fragment.not_found",
        vouchers.transfer,
        ctx,
        actor=world.user("s1"),
        fragment_id="frg_nope",
        parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}],
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "enterprise.not_found",
        vouchers.transfer,
        ctx,
        actor=world.user("s1"),
        fragment_id=root,
        parts=[{"recipient": "ent_nope", "amount_fen": 100_00}],
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "voucher.not_found",
        issuance.approve,
        ctx,
        actor=world.user("core", "approver"),
        voucher_id="vch_nope",
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "fragment.not_found",
        financing.apply,
        ctx,
        actor=world.user("s1"),
        fragment_ids=[root, "frg_x"],
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "financing.not_found",
        financing.review,
        ctx,
        actor=bank,
        financing_id="fin_nope",
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        idempotency_key=key(),
    )
    refuses(
        ctx, "financing.not_found", financing.disburse, ctx, actor=bank, financing_id="fin_nope", idempotency_key=key()
    )
    refuses(
        ctx,
        "contract.not_found",
        documents.add_invoice,
        ctx,
        actor=world.user("core"),
        contract_id="ctr_nope",
        number="26117000000034343434",
        amount_fen=1,
        issued_on=dt.date(2026, 11, 20),
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "invoice.not_found",
        issuance.prepare,
        ctx,
        **prepare_args(world, 100_00, invoice="inv_nope"),
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "enterprise.not_found",
        issuance.prepare,
        ctx,
        **{**prepare_args(world, 100_00), "supplier": "91110000000000000X"},
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "bank.not_found",
        parties.onboard,
        ctx,
        actor=bank,
        bank="bnk_nope",
        party=world.ids["s1"],
        settlement_account=None,
        ebanking=False,
        certificate=None,
        idempotency_key=key(),
    )
    refuses(
        ctx,
        ("party.not_found", "enterprise.not_found"),
        payments.fund,
        ctx,
        party="ent_nope",
        amount_fen=1,
        idempotency_key=key(),
    )


def test_rule_breaking_requests_are_refused_with_their_codes_and_write_nothing(world):
    ctx = world.ctx
    s1, bank = world.user("s1"), world.user("bank", "approver")
    root = world.issue(1000_00)

    def move(fragment, sender, recipient, amount, **kw):
        return vouchers.transfer(
            ctx,
            actor=world.user(sender),
            fragment_id=fragment,
            parts=[{"recipient": world.ids[recipient], "amount_fen": amount}],
            idempotency_key=key(),
            **kw,
        )

    # a fragment spent twice, one request after the other
    r = world.transfer(root, "s1", [("s2", 400_00)])
    refuses(ctx, "fragment.not_active", move, root, "s1", "s2", 100_00)
    s2, rest = world.child(r, "s2"), world.child(r, "s1")
    # an invoice reused beyond its amount (一票多融)
    inv = world.invoice(1000_00)
    world.prepare(600_00, invoice=inv)
    refuses(
        ctx,
        "invoice.overallocated",
        issuance.prepare,
        ctx,
        **prepare_args(world, 400_01, invoice=inv),
        idempotency_key=key(),
    )
    # maturity in the past, today, or more than a year away
    for maturity, code in (
        (dt.date(2026, 1, 5), "issue.maturity_past"),
        (dt.date(2026, 11, 26), "issue.maturity_past"),
        (dt.date(2028, 1, 3), "issue.term_over_one_year"),
    ):
        refuses(
            ctx,
            code,
            issuance.prepare,
            ctx,
            **prepare_args(world, 100_00, invoice=inv, maturity=maturity, reason="r"),
            idempotency_key=key(),
        )
    # (the transfer's rules are tested once each at the rule function: tests/unit/test_transfer_rules.py)
    # financing more than the face (ratio > 100%)
    refuses(
        ctx,
        "financing.ratio_exceeded",
        financing.apply,
        ctx,
        actor=world.user("s2"),
        fragment_ids=[s2],
        principal_fen=400_01,
        idempotency_key=key(),
    )
    refuses(
        ctx,
        "validation.failed",
        financing.apply,
        ctx,
        actor=world.user("s2"),
        fragment_ids=[s2, s2],
        idempotency_key=key(),
    )
    refuses(
        ctx, "validation.failed", financing.apply, ctx, actor=world.user("s2"), fragment_ids=[], idempotency_key=key()
    )
    world.finance([s2], "s2")
    # approval by the same user that prepared
    parties.add_user(
        ctx,
        party=world.ids["core"],
        username=f"core-admin-{world.base}",
        display_name="admin",
        role="admin",
        idempotency_key=key(),
    )
    admin = parties.actor_for(ctx, f"core-admin-{world.base}")
    v = issuance.prepare(ctx, **prepare_args(world, 100_00, actor=admin), idempotency_key=key())
    refuses(ctx, "approval.same_user", issuance.approve, ctx, actor=admin, voucher_id=v.id, idempotency_key=key())
    # a replayed idempotency key with another body
    k = key()
    vouchers.transfer(
        ctx, actor=s1, fragment_id=rest, parts=[{"recipient": world.ids["s2"], "amount_fen": 100_00}], idempotency_key=k
    )
    refuses(
        ctx,
        "idempotency.conflict",
        vouchers.transfer,
        ctx,
        actor=s1,
        fragment_id=rest,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 200_00}],
        idempotency_key=k,
    )
    # after maturity nothing moves or finances
    leftover = voucher_queries.holdings(ctx, viewer=SYSTEM, party=world.ids["s1"], limit=None).items
    active = next(h.id for h in leftover if h.status == "active" and h.voucher_id == row_voucher(world, root))
    world.ctx.clock.day = MATURITY
    refuses(ctx, "fragment.matured", financing.apply, ctx, actor=s1, fragment_ids=[active], idempotency_key=key())
    # a financing term beyond what is left of the voucher, and beyond the bank's max term
    world.ctx.clock.day = dt.date(2026, 11, 26)
    designations.import_ledger(
        ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s1"], "max_term_days": 30}],
        idempotency_key=key(),
    )
    refuses(
        ctx, "financing.term_exceeded", financing.apply, ctx, actor=s1, fragment_ids=[active], idempotency_key=key()
    )


def row_voucher(world, fragment_id: str) -> str:
    return row(world.ctx, t.fragment, fragment_id).voucher_id


def test_an_invalid_uscc_or_invoice_number_is_refused_and_writes_nothing(world):
    refuses(
        world.ctx,
        "party.uscc_invalid",
        parties.register_party,
        world.ctx,
        kind="enterprise",
        uscc="91110117MA00000000",
        name="坏代码",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "validation.failed",
        parties.register_party,
        world.ctx,
        kind="pirate",
        uscc=uscc(world.base + 90),
        name="x",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "invoice.number_invalid",
        documents.add_invoice,
        world.ctx,
        actor=world.user("core"),
        contract_id=world.contracts[("core", "s1")],
        number="12345",
        amount_fen=1,
        issued_on=dt.date(2026, 11, 20),
        idempotency_key=key(),
    )
