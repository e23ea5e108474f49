"""Parties and onboarding (engine point 1): USCC, onboarding, core designation, ledger, parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from factories import key, make_context, uscc
from ledger_asserts import refuses, rows, snapshot

from lianrong.adapters.db import tables as t
from lianrong.credit import service as credit
from lianrong.documents import service as documents
from lianrong.financing import service as financing
from lianrong.kernel import errors
from lianrong.parties import designations as designations
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import issuance as issuance


def new_enterprise(world, name: str) -> str:
    """A registered enterprise outside the World's chain (not onboarded, not in the ledger)."""
    n = world.base + 50 + len(world.ids)
    world.ids[name] = parties.register_party(
        world.ctx, kind="enterprise", uscc=uscc(n), name=f"企业{name}-{n}", idempotency_key=key()
    ).id
    return world.ids[name]


def test_a_party_is_registered_by_a_valid_uscc(world):
    code = uscc(9_000_001)
    spaced = f"{code[:6]} {code[6:12]}-{code[12:]}".lower()
    p = parties.register_party(
        world.ctx, kind="enterprise", uscc=spaced, name="  北京某禽业有限公司 ", idempotency_key=key()
    )
    assert p.uscc == code and p.name == "北京某禽业有限公司"
    assert party_queries.party(world.ctx, viewer=SYSTEM, ref=code).id == p.id
    refuses(
        world.ctx,
        "party.exists",
        parties.register_party,
        world.ctx,
        kind="enterprise",
        uscc=code,
        name="重复",
        idempotency_key=key(),
    )


def test_an_invalid_uscc_is_refused(world):
    good = uscc(9_000_002)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    for bad in (wrong_check, "123", "", good[:-1] + "I", good + "0"):
        refuses(
            world.ctx,
            "party.uscc_invalid",
            parties.register_party,
            world.ctx,
            kind="enterprise",
            uscc=bad,
            name="某公司",
            idempotency_key=key(),
        )


def test_onboarding_is_complete_only_with_account_ebanking_and_certificate(world):
    bank = world.user("bank", "approver")
    new_enterprise(world, "x")
    common = dict(actor=bank, bank=world.ids["bank"], party=world.ids["x"])
    assert not parties.onboard(
        world.ctx, **common, settlement_account=None, ebanking=True, certificate="UK", idempotency_key=key()
    ).complete
    assert not parties.onboard(
        world.ctx, **common, settlement_account="6222000011", ebanking=False, certificate="UK", idempotency_key=key()
    ).complete
    assert not parties.onboard(
        world.ctx, **common, settlement_account="6222000011", ebanking=True, certificate=" ", idempotency_key=key()
    ).complete
    assert parties.onboard(
        world.ctx, **common, settlement_account="6222000011", ebanking=True, certificate="UK", idempotency_key=key()
    ).complete
    refuses(
        world.ctx,
        "validation.failed",
        parties.onboard,
        world.ctx,
        **common,
        settlement_account="12ab",
        ebanking=True,
        certificate="UK",
        idempotency_key=key(),
    )


def test_only_the_bank_records_onboarding(world):
    refuses(
        world.ctx,
        "auth.forbidden",
        parties.onboard,
        world.ctx,
        actor=world.user("core", "approver"),
        bank=world.ids["bank"],
        party=world.ids["s1"],
        settlement_account=None,
        ebanking=False,
        certificate=None,
        idempotency_key=key(),
    )


def test_a_party_not_onboarded_cannot_receive_a_transfer(world):
    new_enterprise(world, "x")
    world.contract("s1", "x")
    parties.onboard(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        party=world.ids["x"],
        settlement_account="6222000011",
        ebanking=True,
        certificate=None,
        idempotency_key=key(),
    )
    root = world.issue(1000_00)
    err = refuses(world.ctx, "onboarding.incomplete", world.transfer, root, "s1", [("x", 400_00)])
    assert "企业x" in err.message_zh


def test_a_holder_whose_onboarding_lapsed_cannot_finance(world):
    root = world.issue(1000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    parties.onboard(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        party=world.ids["s2"],
        settlement_account="6222000022",
        ebanking=False,
        certificate="UK",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "onboarding.incomplete",
        financing.apply,
        world.ctx,
        actor=world.user("s2"),
        fragment_ids=[s2],
        idempotency_key=key(),
    )


def test_a_tier_one_supplier_must_be_onboarded_and_in_the_ledger(world):
    core = world.user("core")
    new_enterprise(world, "x")
    c = world.contract("core", "x")
    inv = world.invoice(1000_00, contract=c)
    prepare = dict(
        actor=core,
        bank=world.ids["bank"],
        supplier=world.ids["x"],
        contract_id=c,
        invoices=[{"invoice_id": inv, "amount_fen": 1000_00}],
        amount_fen=1000_00,
        maturity_on=world.ctx.clock.today().replace(year=2027, month=3, day=15),
    )
    refuses(world.ctx, "party.not_in_ledger", issuance.prepare, world.ctx, **prepare, idempotency_key=key())
    bank = world.user("bank", "approver")
    designations.import_ledger(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["x"]}],
        idempotency_key=key(),
    )
    refuses(world.ctx, "onboarding.incomplete", issuance.prepare, world.ctx, **prepare, idempotency_key=key())
    parties.onboard(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        party=world.ids["x"],
        settlement_account="6222000033",
        ebanking=True,
        certificate="UK",
        idempotency_key=key(),
    )
    assert issuance.prepare(world.ctx, **prepare, idempotency_key=key()).status == "pending"


def test_only_a_designated_core_enterprise_issues(world):
    new_enterprise(world, "core2")
    parties.add_user(
        world.ctx,
        party=world.ids["core2"],
        username=f"core2-operator-{world.base}",
        display_name="core2 op",
        role="operator",
        idempotency_key=key(),
    )
    c = world.contract("core2", "s1")
    inv = documents.add_invoice(
        world.ctx,
        actor=world.user("s1"),
        contract_id=c,
        number="26110000000000000999",
        amount_fen=1000_00,
        issued_on=world.ctx.clock.today(),
        idempotency_key=key(),
    ).id
    # an enterprise no bank designated is a supplier: it may not prepare vouchers at all
    refuses(
        world.ctx,
        "auth.forbidden",
        issuance.prepare,
        world.ctx,
        actor=world.user("core2"),
        bank=world.ids["bank"],
        supplier=world.ids["s1"],
        contract_id=c,
        invoices=[{"invoice_id": inv, "amount_fen": 1000_00}],
        amount_fen=1000_00,
        maturity_on=world.ctx.clock.today().replace(year=2027, month=3, day=15),
        idempotency_key=key(),
    )
    # nor may the bank keep a ledger or grant credit for it
    refuses(
        world.ctx,
        "party.not_core",
        designations.import_ledger,
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core2"],
        suppliers=[{"supplier": world.ids["s1"]}],
        idempotency_key=key(),
    )


def test_only_the_bank_designates_and_keeps_the_ledger(world):
    refuses(
        world.ctx,
        "auth.forbidden",
        designations.designate_core,
        world.ctx,
        actor=world.user("core", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        designations.import_ledger,
        world.ctx,
        actor=world.user("core", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s1"]}],
        idempotency_key=key(),
    )


def test_financing_parameters_are_set_per_core_and_overridden_per_supplier(world):
    bank = world.user("bank", "approver")
    root = world.issue(1000_00)
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    designations.designate_core(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        max_ratio="0.8",
        spread="0.01",
        idempotency_key=key(),
    )
    p = financing.preview(world.ctx, actor=world.user("s2"), fragment_ids=[s2])
    assert p.ratio == Decimal("0.8") and p.principal_fen == 320_00
    assert p.annual_rate == Decimal("0.04")  # LPR 3.00% + 1.00%
    designations.import_ledger(
        world.ctx,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s2"], "max_ratio": "0.9", "spread": "0.002"}],
        idempotency_key=key(),
    )
    p = financing.preview(world.ctx, actor=world.user("s2"), fragment_ids=[s2])
    assert p.ratio == Decimal("0.9") and p.principal_fen == 360_00
    assert p.annual_rate == Decimal("0.032")


def _designation(world, core: str = "core"):
    return rows(world.ctx, t.core_designation, t.core_designation.c.core_id == world.ids[core])[0]


def test_an_update_of_a_designation_keeps_the_parameters_not_given(world):
    bank = world.user("bank", "approver")
    before = _designation(world)  # the world designated it with min_split_fen=1 and max_tier=20
    assert (before.min_split_fen, before.max_tier) == (1, 20)
    r = designations.designate_core(
        world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"], max_ratio="0.8", idempotency_key=key()
    )
    after = _designation(world)
    assert (
        Decimal(after.max_ratio),
        after.max_term_days,
        after.min_split_fen,
        after.max_tier,
        Decimal(after.spread),
    ) == (Decimal("0.8"), before.max_term_days, 1, 20, Decimal(before.spread))
    assert after.designated_on == before.designated_on
    assert (r.max_ratio, r.min_split_fen, r.max_tier, r.designated_on) == (
        "0.8",
        1,
        20,
        before.designated_on,
    )
    designations.designate_core(
        world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"], spread="0.012", idempotency_key=key()
    )
    latest = _designation(world)
    assert (Decimal(latest.max_ratio), latest.min_split_fen, Decimal(latest.spread)) == (
        Decimal("0.8"),
        1,
        Decimal("0.012"),
    )


def test_a_first_designation_takes_the_deployment_defaults_for_the_parameters_not_given(world):
    new_enterprise(world, "core2")
    designations.designate_core(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core2"],
        max_tier=3,
        idempotency_key=key(),
    )
    d = _designation(world, "core2")
    defaults = designations.default_params(world.ctx)
    assert (Decimal(d.max_ratio), d.max_term_days, d.min_split_fen, d.max_tier, Decimal(d.spread)) == (
        defaults.max_ratio,
        defaults.max_term_days,
        defaults.min_split_fen,
        3,
        defaults.spread,
    )
    assert d.designated_on == world.ctx.clock.today()


def test_an_update_keeping_a_ratio_above_a_lowered_ceiling_is_refused(world):
    bank = world.user("bank", "approver")
    designations.designate_core(
        world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"], max_ratio="0.8", idempotency_key=key()
    )
    # the deployment lowers its ceiling below the designation's ratio
    lowered = make_context(world.ctx.engine.url.render_as_string(hide_password=False), max_financing_ratio="0.7")
    refuses(
        lowered,
        "params.invalid",
        designations.designate_core,
        lowered,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        spread="0.01",
        idempotency_key=key(),
    )
    designations.designate_core(
        lowered,
        actor=bank,
        bank=world.ids["bank"],
        core=world.ids["core"],
        max_ratio="0.7",
        spread="0.01",
        idempotency_key=key(),
    )
    assert (Decimal(_designation(world).max_ratio), Decimal(_designation(world).spread)) == (
        Decimal("0.7"),
        Decimal("0.01"),
    )
    lowered.engine.dispose()


OUT_OF_RANGE = [
    ({"max_ratio": "1.01"}, ("rate.invalid", "params.invalid")),  # over 100%
    ({"max_ratio": "0"}, ("params.invalid",)),
    ({"max_tier": 0}, ("params.invalid",)),
    ({"max_term_days": 0}, ("params.invalid",)),
    ({"min_split_fen": 0}, ("amount.not_positive",)),
    ({"spread": "0.6"}, ("params.invalid",)),
]


def test_financing_parameters_out_of_range_are_refused_per_core_and_per_supplier(world):
    bank = world.user("bank", "approver")
    before = snapshot(world.ctx)
    for override, codes in OUT_OF_RANGE:
        for call in (
            lambda o=override: designations.designate_core(
                world.ctx, actor=bank, bank=world.ids["bank"], core=world.ids["core"], **o, idempotency_key=key()
            ),
            lambda o=override: designations.import_ledger(
                world.ctx,
                actor=bank,
                bank=world.ids["bank"],
                core=world.ids["core"],
                suppliers=[{"supplier": world.ids["s1"], **o}],
                idempotency_key=key(),
            ),
        ):
            with pytest.raises(errors.LianRongError) as info:
                call()
            assert info.value.code in codes, (override, info.value.code)
    assert snapshot(world.ctx) == before


def test_no_ratio_above_the_deployment_ceiling(make_world):
    world = make_world(max_financing_ratio="0.8")
    refuses(
        world.ctx,
        "params.invalid",
        designations.designate_core,
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        max_ratio="0.9",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "params.invalid",
        designations.import_ledger,
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        suppliers=[{"supplier": world.ids["s1"], "max_ratio": "0.9"}],
        idempotency_key=key(),
    )


def test_a_bank_viewer_changes_nothing(world):
    """Viewer accounts read only, whichever entrypoint calls the service (the console and the CLI too)."""
    parties.add_user(
        world.ctx,
        party=world.ids["bank"],
        username=f"bank-viewer-{world.base}",
        display_name="viewer",
        role="viewer",
        idempotency_key=key(),
    )
    viewer = parties.actor_for(world.ctx, f"bank-viewer-{world.base}")
    ids = world.ids
    for call, kwargs in (
        (designations.designate_core, {"bank": ids["bank"], "core": ids["s1"]}),
        (designations.set_lpr, {"bank": ids["bank"], "effective_on": dt.date(2026, 12, 1), "rate": "3.10%"}),
        (
            parties.onboard,
            {
                "bank": ids["bank"],
                "party": ids["s2"],
                "settlement_account": "6222000099990000",
                "ebanking": True,
                "certificate": "UKEY-V",
            },
        ),
        (
            designations.import_ledger,
            {"bank": ids["bank"], "core": ids["core"], "suppliers": [{"supplier": ids["s2"]}]},
        ),
        (
            credit.grant_line,
            {
                "bank": ids["bank"],
                "core": ids["core"],
                "limit_fen": 10**8,
                "valid_from": dt.date(2031, 1, 1),
                "valid_to": dt.date(2031, 12, 31),
            },
        ),
    ):
        refuses(world.ctx, "auth.forbidden", call, world.ctx, actor=viewer, idempotency_key=key(), **kwargs)
