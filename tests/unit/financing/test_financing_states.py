"""The financing's states and their transition table, and the registry of collateral kinds."""

from __future__ import annotations

import itertools

import pytest

from lianrong.financing import collateral as coll
from lianrong.financing.model import (
    REGISTRABLE,
    TRANSITIONS,
    FinancingStatus,
    check_registrable,
    next_status,
)
from lianrong.kernel import errors

S = FinancingStatus

#: the table as a picture: (from, event) -> to
EXPECTED = {
    (S.APPLIED, "approve"): S.APPROVED,
    (S.APPLIED, "reject"): S.REJECTED,
    (S.APPLIED, "expire"): S.REJECTED,
    (S.APPROVED, "expire"): S.REJECTED,
    (S.APPROVED, "disburse"): S.DISBURSED,
    (S.DISBURSED, "fail"): S.FAILED,
    (S.DISBURSED, "default"): S.OVERDUE,
    (S.DISBURSED, "repay"): S.REPAID,
    (S.OVERDUE, "repay"): S.REPAID,
}


def test_the_statuses_are_the_stored_strings():
    assert [s.value for s in S] == ["applied", "approved", "rejected", "disbursed", "repaid", "overdue", "failed"]
    assert S.APPLIED == "applied" and f"{S.DISBURSED}" == "disbursed"


@pytest.mark.parametrize(("state", "event"), list(itertools.product(list(S), TRANSITIONS)))
def test_each_event_leads_where_the_table_says_and_is_refused_elsewhere(state, event):
    if (state, event) in EXPECTED:
        assert next_status(state, event) == EXPECTED[(state, event)]
    else:
        with pytest.raises(errors.InvalidState) as refused:
            next_status(state, event)
        assert refused.value.code == "state.invalid"
        assert refused.value.details == {"entity": "financing", "state": str(state), "action": event}


def test_a_refusal_names_the_use_case_when_asked():
    with pytest.raises(errors.InvalidState) as refused:
        next_status("disbursed", "approve", action="review")
    assert refused.value.details["action"] == "review"


def test_rejected_failed_and_repaid_are_final():
    for final in (S.REJECTED, S.FAILED, S.REPAID):
        assert all(final not in sources for sources, _ in TRANSITIONS.values())


def test_a_registration_is_recorded_only_before_disbursement():
    assert {S.APPLIED, S.APPROVED} == REGISTRABLE
    check_registrable("applied")
    with pytest.raises(errors.InvalidState):
        check_registrable("disbursed")


def test_vouchers_are_the_collateral_kind_shipped_and_implement_the_protocol():
    assert "voucher" in coll.kinds()
    voucher = coll.collateral("voucher")
    assert isinstance(voucher, coll.Collateral) and voucher.kind == "voucher"
    assert coll.collateral("voucher") is voucher  # one instance per kind


def test_an_unknown_kind_is_refused_as_invalid_input():
    with pytest.raises(errors.ValidationFailed):
        coll.collateral("livestock")


class _Receivables:
    """A stand-in for a later kind: every method of the protocol, doing nothing."""

    kind = "receivable_test"

    def load(self, uow, asset_ids, *, actor):
        return []

    def check_eligible(self, ctx, uow, assets, *, applicant_id):
        return None

    def reserve(self, ctx, uow, assets, *, financing_id, actor, details):
        return None

    def record(self, ctx, uow, assets, *, financing_id, actor, op, details):
        return None

    def release(self, ctx, uow, assets, *, financing_id, actor, op, details):
        return None

    def check_assignable(self, ctx, uow, assets, *, today):
        return None

    def assign(self, ctx, uow, assets, *, financing_id, actor, bank_id, details):
        return None

    def contracts(self, uow, asset_ids):
        return []


def test_a_new_kind_registers_and_is_found_by_its_name():
    impl = _Receivables()
    coll.register(impl)
    try:
        assert coll.collateral("receivable_test") is impl and "receivable_test" in coll.kinds()
    finally:
        coll._registry.pop("receivable_test")


def test_what_does_not_implement_the_protocol_is_not_registered():
    class Half:
        kind = "half"

        def load(self, uow, asset_ids, *, actor):
            return []

    with pytest.raises(TypeError):
        coll.register(Half())  # type: ignore[arg-type]
