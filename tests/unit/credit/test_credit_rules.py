"""Credit line rules (domain/credit.py): occupation never exceeds the line."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from lianrong.credit import errors as credit_errors
from lianrong.credit.model import CreditLineState, check_occupation, check_validity
from lianrong.kernel import errors

LINE = CreditLineState(
    id="crl_1", limit_fen=1000_00, occupied_fen=600_00, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)
)


def test_available_is_limit_minus_occupied():
    assert LINE.available_fen == 400_00


def test_occupation_up_to_the_limit_is_allowed():
    check_occupation(line=LINE, amount_fen=400_00)
    check_occupation(line=LINE, amount_fen=1)


def test_occupation_over_the_limit_is_refused_with_the_figures():
    with pytest.raises(credit_errors.CreditExceeded) as info:
        check_occupation(line=LINE, amount_fen=400_01)
    assert info.value.code == "credit.exceeded"
    assert info.value.details == {"limit": 1000_00, "occupied": 600_00, "requested": 400_01}
    assert "1,000.00" in info.value.message_zh and "400.01" in info.value.message_en  # shown in yuan


def test_a_full_line_refuses_even_one_fen():
    full = dataclasses.replace(LINE, occupied_fen=1000_00)
    assert full.available_fen == 0
    with pytest.raises(credit_errors.CreditExceeded):
        check_occupation(line=full, amount_fen=1)


def test_a_line_state_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LINE.occupied_fen = 0  # type: ignore[misc]


def test_a_validity_period_may_be_a_single_day_but_not_reversed():
    check_validity(valid_from=date(2026, 1, 1), valid_to=date(2026, 1, 1))
    with pytest.raises(errors.InvalidDate) as info:
        check_validity(valid_from=date(2026, 1, 2), valid_to=date(2026, 1, 1))
    assert info.value.code == "date.invalid"
