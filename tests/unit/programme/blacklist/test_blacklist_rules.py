"""The black list's pure rules: the resident ID check, effects by severity, the minimum listing period, the
entry's and the repair's transitions, and its errors (bilingual, each a 4xx)."""

from __future__ import annotations

import datetime as dt
import inspect
import re

import pytest

from lianrong.api.errors import http_status
from lianrong.kernel.errors import LianRongError
from lianrong.kernel.policy import DEFAULT_BLACKLIST_EFFECTS, SEVERITIES, ProgrammePolicy
from lianrong.programme.blacklist import errors as bl_errors
from lianrong.programme.blacklist import model
from lianrong.programme.blacklist.model import EntryStatus, RepairStatus
from lianrong.programme.blacklist.service import check_entry_input
from lianrong.settings import Settings


@pytest.mark.parametrize("value", ["11010519491231002X", "11010519491231002x", " 11010519491231002X "])
def test_a_valid_resident_id_number_is_kept_upper_case(value):
    assert model.check_id_number(value) == "11010519491231002X"


@pytest.mark.parametrize(
    "value", ["", "110105194912310021", "11010519491331002X", "1101051949123100", "A1010519491231002X"]
)
def test_an_invalid_resident_id_number_is_refused_masked(value):
    with pytest.raises(bl_errors.IdNumberInvalid) as info:
        model.check_id_number(value)
    if len(value) >= 11:
        assert value[6:-4] not in info.value.message_en  # the birth date is not echoed back


def test_masking_keeps_the_region_and_the_last_four():
    assert model.mask_id_number("11010519491231002X") == "110105********002X"


def test_effects_follow_the_policy_table_by_severity():
    policy = ProgrammePolicy()
    for severity in SEVERITIES:
        assert model.effects_of(policy.blacklist_effects, severity) == policy.effects(severity)
    assert model.effects_of(DEFAULT_BLACKLIST_EFFECTS, "minor") == ("finance",)
    assert set(model.effects_of(DEFAULT_BLACKLIST_EFFECTS, "grave")) == {
        "onboard",
        "issue",
        "receive",
        "transfer",
        "finance",
    }
    custom = (("minor", ()), ("serious", ("transfer",)), ("grave", ("issue",)))
    assert model.effects_of(custom, "serious") == ("transfer",)
    with pytest.raises(bl_errors.EntryInput):
        model.effects_of(custom, "fatal")


def test_the_overdue_days_are_a_setting():
    assert Settings(environment="test").blacklist_overdue_days == 90
    assert Settings(environment="test", blacklist_overdue_days=30).blacklist_overdue_days == 30
    with pytest.raises(ValueError):
        Settings(environment="test", blacklist_overdue_days=0)


def test_the_minimum_period_counts_calendar_months_from_listing():
    assert model.min_until(dt.date(2026, 1, 31), 3) == dt.date(2026, 4, 30)
    assert model.min_until(dt.date(2026, 11, 26), 36) == dt.date(2029, 11, 26)
    model.check_removable(today=dt.date(2026, 4, 30), earliest=dt.date(2026, 4, 30), severity="minor", months=3)
    with pytest.raises(bl_errors.MinimumPeriod) as info:
        model.check_removable(today=dt.date(2026, 4, 29), earliest=dt.date(2026, 4, 30), severity="minor", months=3)
    assert info.value.code == "credit_repair.minimum_period" and "2026-04-30" in info.value.message_zh


def test_entry_transitions():
    assert model.next_entry_status(None, "propose") == EntryStatus.PROPOSED
    assert model.next_entry_status("proposed", "list") == EntryStatus.LISTED
    assert model.next_entry_status("proposed", "reject") == EntryStatus.REJECTED
    assert model.next_entry_status("listed", "remove") == EntryStatus.REMOVED
    for status, action in (("listed", "list"), ("removed", "remove"), ("rejected", "list"), ("proposed", "remove")):
        with pytest.raises(bl_errors.EntryState):
            model.next_entry_status(status, action)


def test_repair_transitions():
    path = [(None, "apply"), ("applied", "endorse"), ("endorsed", "review"), ("reviewed", "approve")]
    assert [model.next_repair_status(s, a) for s, a in path] == [
        RepairStatus.APPLIED,
        RepairStatus.ENDORSED,
        RepairStatus.REVIEWED,
        RepairStatus.APPROVED,
    ]
    assert model.next_repair_status("applied", "return") == RepairStatus.RETURNED
    assert model.next_repair_status("reviewed", "refuse") == RepairStatus.REFUSED
    with pytest.raises(bl_errors.RepairState):
        model.next_repair_status("applied", "review")  # the chain office endorses first …
    assert model.next_repair_status("applied", "review", endorsement_needed=False) == RepairStatus.REVIEWED  # … if any
    for status, action in (
        ("endorsed", "approve"),
        ("returned", "endorse"),
        ("approved", "refuse"),
        ("refused", "approve"),
    ):
        with pytest.raises(bl_errors.RepairState):
            model.next_repair_status(status, action)


def test_maker_checker():
    model.check_maker_checker(prepared_by="usr_a", decided_by="usr_b")
    model.check_maker_checker(prepared_by=None, decided_by="usr_b")
    with pytest.raises(bl_errors.SameUser):
        model.check_maker_checker(prepared_by="usr_a", decided_by="usr_a")


def test_overdue_beyond_is_strictly_more_than_the_days():
    assert not model.overdue_beyond(dt.date(2026, 1, 1), dt.date(2026, 4, 1), 90)
    assert model.overdue_beyond(dt.date(2026, 1, 1), dt.date(2026, 4, 2), 90)


def test_an_entry_names_its_subject():
    base = dict(
        source="court", severity="minor", reason="r", principal_name=None, principal_id_no=None, principal_role=None
    )
    with pytest.raises(bl_errors.EntryInput):
        check_entry_input(subject="enterprise", party=None, **base)
    with pytest.raises(bl_errors.EntryInput):
        check_entry_input(
            subject="principal",
            party="pty_x",
            **{**base, "principal_name": "张三", "principal_id_no": "11010519491231002X"},
        )
    with pytest.raises(bl_errors.EntryInput):
        check_entry_input(subject="enterprise", party="pty_x", **{**base, "source": "rumour"})
    with pytest.raises(bl_errors.EntryInput):
        check_entry_input(subject="enterprise", party="pty_x", **{**base, "reason": " "})
    ok = check_entry_input(
        subject="principal",
        party=None,
        **{
            **base,
            "principal_name": "张三",
            "principal_id_no": "11010519491231002x",
            "principal_role": "actual_controller",
        },
    )
    assert ok.principal_id_no == "11010519491231002X" and ok.party is None


_ERRORS = [
    c
    for c in vars(bl_errors).values()
    if inspect.isclass(c) and issubclass(c, LianRongError) and c is not LianRongError
]
_FIELD = re.compile(r"\{([a-z_]+)\}")


@pytest.mark.parametrize("cls", _ERRORS, ids=lambda c: c.__name__)
def test_errors_are_bilingual_coded_client_errors(cls):
    names = set(_FIELD.findall(cls.zh))
    assert names == set(_FIELD.findall(cls.en))
    err = cls(**{n: "x" for n in names})
    assert re.search(r"[\u4e00-\u9fff]", err.message_zh) and not re.search(r"[\u4e00-\u9fff]", err.message_en)
    assert err.code.startswith(("blacklist.", "credit_repair."))
    assert 400 <= http_status(err) < 500


def test_the_api_severities_are_the_policys():
    from typing import get_args

    from lianrong.programme.blacklist.schemas import Severity

    assert get_args(Severity) == SEVERITIES
