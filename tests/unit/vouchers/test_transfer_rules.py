"""Every transfer rule, once, at the one rule function (``lianrong.vouchers.rules.decide_transfer``).

Pure: a ``TransferFacts`` record in, the planned children or a coded refusal out. The paths (SQLite and
PostgreSQL, the API route, the ASGI hot path, the CLI) are shown to carry a refusal and a success unchanged
in ``tests/integration/test_transfer.py``, ``tests/api/test_hot_path.py`` and ``tests/e2e/test_cli.py``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lianrong.kernel import errors
from lianrong.parties.restrictions import (
    NOT_ONBOARDED,
    Action,
    Restriction,
    in_force,
    not_onboarded,
)
from lianrong.vouchers.model import FinancingParams
from lianrong.vouchers.rules import (
    FragmentFacts,
    PlannedChild,
    RecipientFacts,
    TransferFacts,
    VoucherFacts,
    decide_transfer,
)

TODAY = date(2026, 12, 3)
MATURITY = date(2027, 3, 15)
PARAMS = FinancingParams(
    max_ratio=Decimal("1"), max_term_days=366, min_split_fen=100, max_tier=4, spread=Decimal("0.005")
)


def recipient(party: str = "s2", amount: int = 400_00, **changes) -> RecipientFacts:
    base = RecipientFacts(
        ref=party,
        amount_fen=amount,
        party_id=party,
        name=f"企业{party}",
        kind="enterprise",
        trade_contract_id=f"ctr_{party}",
        any_contract=True,
    )
    return dataclasses.replace(base, **changes)


def facts(*recipients: RecipientFacts, **changes) -> TransferFacts:
    base = TransferFacts(
        fragment=FragmentFacts(
            id="frg_1", holder_id="s1", amount_fen=1000_00, tier=1, status="active", contract_id="ctr_core_s1"
        ),
        voucher=VoucherFacts(
            id="vch_1", core_id="core", bank_id="bank", bank_name="银行", status="active", maturity_on=MATURITY
        ),
        sender_id="s1",
        sender_name="企业s1",
        fragment_in_scope=True,
        params=PARAMS,
        recipients=recipients or (recipient(),),
        today=TODAY,
    )
    return dataclasses.replace(base, **changes)


def fragment(**changes) -> FragmentFacts:
    return dataclasses.replace(facts().fragment, **changes)


def voucher(**changes) -> VoucherFacts:
    return dataclasses.replace(facts().voucher, **changes)


def refused(f: TransferFacts) -> errors.LianRongError:
    with pytest.raises(errors.LianRongError) as info:
        decide_transfer(f)
    return info.value


def blacklist(party: str, action: str, **changes) -> Restriction:
    return dataclasses.replace(
        Restriction(party_id=party, action=action, kind="blacklist", reason="区黑名单"), **changes
    )


# --- what a transfer makes ------------------------------------------------------------------------------


def test_a_transfer_plans_the_recipients_parts_under_their_trades_and_the_remainder_under_the_fragments():
    plan = decide_transfer(facts(recipient("s2", 300_00), recipient("s3", 100_00)))
    assert plan == [
        PlannedChild("s2", 300_00, 2, "ctr_s2"),
        PlannedChild("s3", 100_00, 2, "ctr_s3"),
        PlannedChild("s1", 600_00, 1, "ctr_core_s1"),
    ]


def test_a_whole_transfer_leaves_no_remainder():
    assert decide_transfer(facts(recipient("s2", 1000_00))) == [PlannedChild("s2", 1000_00, 2, "ctr_s2")]


# --- the fragment and its voucher -------------------------------------------------------------------------


def test_a_fragment_outside_the_senders_scope_is_not_found_before_any_rule():
    err = refused(facts(recipient(kind="bank"), fragment_in_scope=False, voucher=voucher(status="settled")))
    assert err.code == "fragment.not_found"


def test_only_an_active_voucher_moves():
    err = refused(facts(voucher=voucher(status="pending")))
    assert (err.code, err.details["state"]) == ("state.invalid", "pending")


def test_a_voucher_whose_issuer_is_not_designated_a_core_enterprise_does_not_move():
    assert refused(facts(params=None)).code == "party.not_core"


def test_only_the_holder_moves_a_fragment():
    assert refused(facts(fragment=fragment(holder_id="s9"))).code == "fragment.not_holder"


@pytest.mark.parametrize("status", ["spent", "frozen", "financed", "settled", "overdue"])
def test_only_an_active_fragment_moves(status):
    err = refused(facts(fragment=fragment(status=status)))
    assert (err.code, err.details["state"]) == ("fragment.not_active", status)


@pytest.mark.parametrize("day", [MATURITY, MATURITY + timedelta(days=1)])
def test_nothing_moves_at_or_after_maturity(day):
    assert refused(facts(today=day)).code == "fragment.matured"
    assert decide_transfer(facts(today=MATURITY - timedelta(days=1)))


# --- the recipients ------------------------------------------------------------------------------------


def test_a_recipient_that_names_no_party_is_not_found():
    err = refused(facts(RecipientFacts(ref="ent_NOSUCH", amount_fen=100_00)))
    assert (err.code, err.details["id"]) == ("enterprise.not_found", "ent_NOSUCH")


def test_only_an_enterprise_receives():
    assert refused(facts(recipient("bank", kind="bank"))).code == "party.wrong_kind"


def test_no_transfer_to_oneself():
    assert refused(facts(recipient("s1"))).code == "transfer.to_self"


def test_no_transfer_back_to_the_issuer():
    assert refused(facts(recipient("core"))).code == "validation.failed"


def test_a_recipient_is_listed_once():
    assert refused(facts(recipient("s2", 100_00), recipient("s2", 200_00))).code == "validation.failed"


def test_a_transfer_names_at_least_one_recipient():
    err = refused(dataclasses.replace(facts(), recipients=()))
    assert err.code == "validation.failed"


def test_a_confirmed_non_cash_trade_contract_from_the_sender_carries_the_transfer():
    no_trade = recipient(trade_contract_id=None, any_contract=False)
    err = refused(facts(no_trade))
    assert (err.code, err.details) == ("transfer.no_trade", {"sender": "企业s1", "recipient": "企业s2"})


def test_a_trade_that_does_not_agree_to_non_cash_payment_cannot_carry_a_transfer():
    cash_only = recipient(trade_contract_id=None, any_contract=True)
    assert refused(facts(cash_only)).code == "contract.non_cash_not_agreed"


def test_a_contract_its_other_party_has_not_confirmed_cannot_carry_a_transfer():
    unconfirmed = recipient(trade_contract_id=None, any_contract=True, unconfirmed_contract="HT-001")
    err = refused(facts(unconfirmed))
    assert (err.code, err.details["contract"]) == ("contract.unconfirmed", "HT-001")


def test_a_recipient_must_be_onboarded_at_the_vouchers_bank():
    err = refused(facts(recipient(restrictions=(not_onboarded("s2", "bank"),))))
    assert (err.code, err.details) == ("onboarding.incomplete", {"party": "企业s2", "bank": "银行"})


# --- the split's arithmetic, the minimum split and the maximum tier -------------------------------------------


def test_the_parts_may_not_exceed_the_fragment():
    err = refused(facts(recipient("s2", 600_00), recipient("s3", 400_01)))
    assert (err.code, err.details) == ("transfer.sum_mismatch", {"total": 1000_01, "amount": 1000_00})


def test_a_part_and_a_remainder_are_each_at_least_the_minimum_split():
    assert refused(facts(recipient(amount=99))).details == {"amount": 99, "minimum": 100}
    assert refused(facts(recipient(amount=1000_00 - 99))).details == {"amount": 99, "minimum": 100}
    assert refused(facts(recipient(amount=99))).code == "transfer.below_minimum"


def test_a_part_is_a_positive_whole_number_of_fen():
    assert refused(facts(recipient(amount=0))).code == "amount.not_positive"


def test_a_voucher_travels_no_further_than_the_maximum_tier():
    err = refused(facts(fragment=fragment(tier=4)))
    assert (err.code, err.details) == ("transfer.tier_exceeded", {"tier": 5, "max_tier": 4})


# --- restrictions: one generic mechanism -----------------------------------------------------------------


def test_a_restricted_recipient_is_refused_naming_the_restriction():
    err = refused(facts(recipient(restrictions=(blacklist("s2", Action.RECEIVE, valid_until=date(2027, 1, 31)),))))
    assert err.code == "party.restricted"
    assert err.details == {
        "party": "企业s2",
        "action": "receive",
        "kind": "blacklist",
        "reason": "区黑名单",
        "until": "2027-01-31",
        "restriction": None,
        "source": None,
    }
    assert "区黑名单" in err.message_zh and "接收凭据" in err.message_zh and "2027-01-31" in err.message_en


def test_a_restricted_sender_may_not_transfer():
    err = refused(facts(sender_restrictions=(blacklist("s1", Action.TRANSFER, kind="risk_freeze"),)))
    assert (err.code, err.details["kind"], err.details["action"]) == ("party.restricted", "risk_freeze", "transfer")


def test_any_new_kind_of_block_is_refused_with_no_new_code():
    err = refused(facts(recipient(restrictions=(blacklist("s2", "receive", kind="court_order", reason="法院冻结"),))))
    assert (err.code, err.details["kind"]) == ("party.restricted", "court_order")


@pytest.mark.parametrize(
    "restriction",
    [
        blacklist("s2", Action.RECEIVE, bank_id="bank2"),  # at another bank
        blacklist("s2", Action.FINANCE),  # another action
        blacklist("s2", Action.RECEIVE, valid_from=TODAY + timedelta(days=1)),  # not yet
        blacklist("s2", Action.RECEIVE, valid_until=TODAY - timedelta(days=1)),  # over
    ],
    ids=["other bank", "other action", "not yet in force", "lapsed"],
)
def test_a_restriction_not_in_force_for_this_transfer_does_not_refuse(restriction):
    assert decide_transfer(
        facts(
            recipient(restrictions=(restriction,)),
            sender_restrictions=(dataclasses.replace(restriction, party_id="s1"),),
        )
    )


def test_a_restriction_is_in_force_from_its_first_to_its_last_day():
    r = blacklist("s2", Action.RECEIVE, bank_id="bank", valid_from=TODAY, valid_until=TODAY)
    assert in_force((r,), action="receive", bank_id="bank", today=TODAY) == [r]
    assert not_onboarded("s2", "bank").kind == NOT_ONBOARDED


# --- precedence ------------------------------------------------------------------------------------------


def test_the_voucher_is_checked_before_the_recipients_and_the_recipients_before_the_split():
    assert refused(facts(recipient(kind="bank"), voucher=voucher(status="pending"))).code == "state.invalid"
    assert refused(facts(recipient(kind="bank"), fragment=fragment(holder_id="s9"))).code == "party.wrong_kind"


def test_the_split_is_checked_before_the_trade_and_the_sender_before_the_recipients():
    no_trade = recipient(amount=99, trade_contract_id=None, any_contract=False)
    assert refused(facts(no_trade)).code == "transfer.below_minimum"
    restricted_sender = (blacklist("s1", Action.TRANSFER),)
    assert refused(facts(recipient("core"), sender_restrictions=restricted_sender)).code == "party.restricted"


def test_each_recipient_is_checked_in_turn_and_its_trade_before_its_onboarding():
    not_onboarded_s2 = recipient("s2", 100_00, restrictions=(not_onboarded("s2", "bank"),))
    no_trade_s3 = recipient("s3", 100_00, trade_contract_id=None, any_contract=False)
    assert refused(facts(not_onboarded_s2, no_trade_s3)).code == "onboarding.incomplete"
    both = recipient(
        "s2", 100_00, trade_contract_id=None, any_contract=False, restrictions=(not_onboarded("s2", "bank"),)
    )
    assert refused(facts(both)).code == "transfer.no_trade"
    onboarding_then_block = (not_onboarded("s2", "bank"), blacklist("s2", Action.RECEIVE))
    assert refused(facts(recipient(restrictions=onboarding_then_block))).code == "onboarding.incomplete"
