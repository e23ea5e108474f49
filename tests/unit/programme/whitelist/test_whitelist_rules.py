"""The white list's pure rules: transitions, reasons, maker–checker, the criteria, the issue rule, renewal dates."""

from __future__ import annotations

import datetime as dt

import pytest

from lianrong.kernel import errors
from lianrong.programme.whitelist import errors as wl_errors
from lianrong.programme.whitelist import model as m

A, S = m.EntryAction, m.EntryStatus


@pytest.mark.parametrize(
    ("before", "action", "after"),
    [
        (None, A.PROPOSE, S.PROPOSED),
        ("proposed", A.APPROVE, S.LISTED),
        ("proposed", A.REJECT, S.REJECTED),
        ("listed", A.RENEW, S.LISTED),
        ("listed", A.EXPIRE, S.EXPIRED),
        ("listed", A.REVOKE, S.REVOKED),
        ("rejected", A.PROPOSE, S.PROPOSED),
        ("expired", A.PROPOSE, S.PROPOSED),
        ("revoked", A.PROPOSE, S.PROPOSED),
    ],
)
def test_allowed_transitions(before, action, after):
    assert m.transition(before, action) == after


@pytest.mark.parametrize(
    ("before", "action"),
    [
        ("proposed", A.RENEW),
        ("proposed", A.REVOKE),
        ("listed", A.APPROVE),
        ("listed", A.PROPOSE),
        ("revoked", A.RENEW),
        ("expired", A.APPROVE),
        ("rejected", A.APPROVE),
        (None, A.APPROVE),
    ],
)
def test_refused_transitions(before, action):
    with pytest.raises(errors.InvalidState):
        m.transition(before, action)


def test_every_status_and_action_is_in_the_table_somewhere():
    assert {s for (_, _), s in m.TRANSITIONS.items()} == set(S)
    assert {a for (_, a) in m.TRANSITIONS} == set(A)


def test_reasons_and_maker_checker():
    with pytest.raises(wl_errors.ReasonRequired):
        m.check_reason(A.REVOKE, "  ")
    with pytest.raises(wl_errors.ReasonRequired):
        m.check_reason(A.REJECT, None)
    assert m.check_reason(A.APPROVE, None) == ""
    assert m.check_reason(A.REVOKE, " 逾期 ") == "逾期"
    with pytest.raises(wl_errors.SameUser):
        m.check_maker_checker(proposed_by="usr_1", decider="usr_1")
    m.check_maker_checker(proposed_by="usr_1", decider="usr_2")


GOOD = {"debt_ratio": 0.6, "compliant": True, "main_business": "鸡蛋加工"}


def test_criteria_met():
    m.check_criteria(m.criteria_from(GOOD))
    m.check_criteria(m.criteria_from({**GOOD, "debt_ratio": 0.70, "extra": [{"name": "纳税A级", "met": True}]}))


@pytest.mark.parametrize(
    "data",
    [
        {**GOOD, "debt_ratio": 0.71},
        {**GOOD, "debt_ratio": 0},
        {**GOOD, "compliant": False},
        {**GOOD, "main_business": " "},
        {**GOOD, "extra": [{"name": "纳税A级", "met": False}]},
    ],
)
def test_criteria_not_met(data):
    with pytest.raises(wl_errors.CriteriaNotMet) as info:
        m.check_criteria(m.criteria_from(data))
    assert info.value.code == "whitelist.criteria_not_met" and info.value.message_zh and info.value.message_en


@pytest.mark.parametrize("data", [{}, {"debt_ratio": "x", "compliant": True}, {**GOOD, "debt_ratio": True}])
def test_malformed_criteria(data):
    with pytest.raises(errors.ValidationFailed):
        m.criteria_from(data)


def test_the_issue_rule():
    m.check_may_issue(required=True, listed=True, core_name="峪口")
    m.check_may_issue(required=False, listed=False, core_name="峪口")
    with pytest.raises(wl_errors.NotListed) as info:
        m.check_may_issue(required=True, listed=False, core_name="峪口")
    err = info.value
    assert err.code == "whitelist.not_listed" and "峪口" in err.message_zh and "white list" in err.message_en


def test_renewal_dates_and_the_job_step():
    assert m.round_dates(2027, renewal_month=1, renewal_days=30) == (dt.date(2027, 1, 1), dt.date(2027, 1, 31))
    assert m.valid_until(dt.date(2026, 5, 20), renewal_month=1, renewal_days=30) == dt.date(2027, 1, 31)
    assert m.valid_until(dt.date(2026, 2, 1), renewal_month=3, renewal_days=10) == dt.date(2026, 3, 11)
    step = m.renewal_step
    assert step(today=dt.date(2027, 1, 2), renewal_month=1, round_year=2026, round_open=False, closes_on=None) == "open"
    assert (
        step(
            today=dt.date(2027, 1, 2), renewal_month=1, round_year=2027, round_open=True, closes_on=dt.date(2027, 2, 1)
        )
        == "nothing"
    )
    assert (
        step(
            today=dt.date(2027, 2, 1), renewal_month=1, round_year=2027, round_open=True, closes_on=dt.date(2027, 2, 1)
        )
        == "close"
    )
    assert (
        step(today=dt.date(2027, 5, 1), renewal_month=1, round_year=None, round_open=False, closes_on=None) == "nothing"
    )


def test_past_year_and_difference():
    assert m.past_year(dt.date(2026, 11, 26)) == (dt.date(2025, 11, 27), dt.date(2026, 11, 26))
    assert m.past_year(dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))
    assert m.difference(["a", "b"], ["b", "c"]) == (["c"], ["a"])
