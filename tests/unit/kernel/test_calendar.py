from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianrong.adapters.holidays import ChineseCalendarSource, WeekendsOnlySource
from lianrong.kernel.calendar import (
    BusinessDay,
    HolidaySource,
    add_months,
    days_between,
    roll_forward,
)
from lianrong.kernel.errors import InvalidDate, ValidationFailed

CN = ChineseCalendarSource()

# chinesecalendar 1.11 has no 2027 schedule; a later release will, and then these cases prove nothing
no_2027_data = pytest.mark.skipif(
    CN.is_workday(date(2027, 6, 1)) is not None, reason="installed chinesecalendar already covers 2027"
)


# --- the chinesecalendar source ------------------------------------------------------------------


def test_sources_satisfy_the_holiday_source_protocol():
    assert isinstance(CN, HolidaySource)
    assert isinstance(WeekendsOnlySource(), HolidaySource)


def test_package_knows_2026_holidays_and_make_up_workdays():
    assert CN.is_workday(date(2026, 10, 1)) is False  # National Day
    assert CN.is_workday(date(2026, 10, 10)) is True  # Saturday make-up workday (调休)
    assert CN.is_workday(date(2026, 1, 4)) is True  # Sunday make-up workday
    assert CN.is_workday(date(2026, 10, 11)) is False  # ordinary Sunday
    assert CN.is_workday(date(2026, 10, 9)) is True  # ordinary Friday


@no_2027_data
def test_a_year_without_official_data_answers_none_instead_of_crashing():
    assert CN.is_workday(date(2027, 3, 15)) is None
    assert CN.is_workday(date(2099, 3, 16)) is None
    assert CN.is_workday(date(2003, 3, 14)) is None  # before the package's data starts


@no_2027_data
def test_operator_overrides_win_over_the_package():
    source = ChineseCalendarSource(
        overrides={date(2026, 10, 8): False, date(2026, 10, 11): True, date(2027, 1, 1): False}
    )
    assert source.is_workday(date(2026, 10, 8)) is False
    assert source.is_workday(date(2026, 10, 11)) is True
    assert source.is_workday(date(2027, 1, 1)) is False
    assert source.is_workday(date(2027, 1, 4)) is None


def test_overrides_are_copied_and_read_only():
    given_days = {date(2026, 10, 8): False}
    source = ChineseCalendarSource(overrides=given_days)
    given_days[date(2026, 10, 8)] = True
    assert source.is_workday(date(2026, 10, 8)) is False
    with pytest.raises(TypeError):
        source.overrides[date(2026, 10, 9)] = False  # type: ignore[index]


def test_overrides_refuse_datetimes_and_non_bool_flags():
    with pytest.raises(InvalidDate):
        ChineseCalendarSource(overrides={datetime(2027, 1, 1): False})  # type: ignore[dict-item]
    with pytest.raises(ValidationFailed):
        ChineseCalendarSource(overrides={date(2027, 1, 1): 0})  # type: ignore[dict-item]


def test_weekends_only_source_knows_nothing_but_its_overrides():
    assert WeekendsOnlySource().is_workday(date(2026, 10, 1)) is None
    assert WeekendsOnlySource(overrides={date(2026, 10, 1): False}).is_workday(date(2026, 10, 1)) is False


# --- roll_forward --------------------------------------------------------------------------------


def test_a_workday_stays_put_and_is_official():
    assert roll_forward(date(2026, 9, 30), source=CN) == BusinessDay(day=date(2026, 9, 30), rolled=False, official=True)


def test_national_day_rolls_to_the_first_workday_after_the_golden_week():
    # 2026: 1–7 October off, Thursday 8 October is the first workday
    assert roll_forward(date(2026, 10, 1), source=CN) == BusinessDay(day=date(2026, 10, 8), rolled=True, official=True)


def test_a_saturday_make_up_workday_stays():
    assert roll_forward(date(2026, 10, 10), source=CN) == BusinessDay(
        day=date(2026, 10, 10), rolled=False, official=True
    )


def test_spring_festival_rolls_over_nine_days_of_holiday():
    # 2026: 15–23 February off (Saturday 14th is a make-up workday)
    assert roll_forward(date(2026, 2, 15), source=CN).day == date(2026, 2, 24)
    assert roll_forward(date(2026, 2, 14), source=CN).day == date(2026, 2, 14)


def test_an_ordinary_weekend_rolls_to_monday():
    assert roll_forward(date(2026, 10, 17), source=CN) == BusinessDay(
        day=date(2026, 10, 19), rolled=True, official=True
    )


@no_2027_data
def test_a_date_without_official_data_does_not_crash_and_is_marked_unofficial():
    # 2027-01-01 is a Friday; without the 2027 schedule it can only be guessed a workday
    assert roll_forward(date(2027, 1, 1), source=CN) == BusinessDay(day=date(2027, 1, 1), rolled=False, official=False)
    # Saturday 2 January 2027 -> Monday 4 January by the weekends-only rule
    assert roll_forward(date(2027, 1, 2), source=CN) == BusinessDay(day=date(2027, 1, 4), rolled=True, official=False)


@no_2027_data
def test_rolling_out_of_official_data_marks_the_result_unofficial():
    source = ChineseCalendarSource(overrides={date(2026, 12, 31): False})
    assert roll_forward(date(2026, 12, 31), source=source) == BusinessDay(
        day=date(2027, 1, 1), rolled=True, official=False
    )


def test_loaded_overrides_make_a_future_year_official():
    schedule_2027 = {date(2027, 1, 1): False, date(2027, 1, 2): False, date(2027, 1, 3): False, date(2027, 1, 4): True}
    source = ChineseCalendarSource(overrides=schedule_2027)
    assert roll_forward(date(2027, 1, 1), source=source) == BusinessDay(
        day=date(2027, 1, 4), rolled=True, official=True
    )


def test_a_far_future_date_falls_back_to_weekends_and_is_unofficial():
    # 2099-01-03 is a Saturday
    assert roll_forward(date(2099, 1, 3), source=CN) == BusinessDay(day=date(2099, 1, 5), rolled=True, official=False)
    assert roll_forward(date(2099, 1, 1), source=CN).official is False


def test_weekends_only_source_rolls_weekends_unofficially():
    assert roll_forward(date(2026, 10, 1), source=WeekendsOnlySource()) == BusinessDay(
        day=date(2026, 10, 1), rolled=False, official=False
    )
    assert roll_forward(date(2026, 10, 3), source=WeekendsOnlySource()).day == date(2026, 10, 5)


def test_a_source_with_no_workdays_is_refused_not_looped_forever():
    class NeverWorks:
        def is_workday(self, day: date) -> bool | None:
            return False

    with pytest.raises(InvalidDate):
        roll_forward(date(2026, 1, 1), source=NeverWorks())


@pytest.mark.parametrize("value", [datetime(2026, 10, 1, 9, 0), "2026-10-01", None])
def test_roll_forward_refuses_things_that_are_not_dates(value):
    with pytest.raises(InvalidDate):
        roll_forward(value, source=CN)  # type: ignore[arg-type]


@given(st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31)))
def test_rolled_day_is_a_workday_on_or_after_the_request_within_two_weeks(day):
    result = roll_forward(day, source=CN)
    assert day <= result.day <= day + timedelta(days=14)
    assert result.rolled == (result.day != day)
    answer = CN.is_workday(result.day)
    assert answer is True or (answer is None and result.day.weekday() < 5)
    # every day skipped was a non-workday
    skipped = day
    while skipped < result.day:
        assert CN.is_workday(skipped) in (False, None)
        skipped += timedelta(days=1)
    examined = [day + timedelta(days=n) for n in range((result.day - day).days + 1)]
    assert result.official == all(CN.is_workday(d) is not None for d in examined)


def test_business_day_is_immutable():
    with pytest.raises(FrozenInstanceError):
        roll_forward(date(2026, 9, 30), source=CN).day = date(2026, 10, 1)  # type: ignore[misc]


# --- add_months and days_between -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(2026, 5, 20), 12, date(2027, 5, 20)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
        (date(2026, 1, 10), 0, date(2026, 1, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_add_months_refuses_leaving_the_calendar_and_bad_input():
    with pytest.raises(InvalidDate):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(InvalidDate):
        add_months(date(2026, 1, 1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidDate):
        add_months(datetime(2026, 1, 1), 1)


@given(st.dates(max_value=date(9000, 1, 1)), st.integers(0, 120))
def test_add_months_lands_in_the_right_month_never_past_the_same_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def test_days_between_counts_calendar_days():
    assert days_between(date(2026, 1, 1), date(2026, 12, 31)) == 364
    assert days_between(date(2028, 1, 1), date(2029, 1, 1)) == 366
    assert days_between(date(2026, 3, 1), date(2026, 2, 1)) == -28
    assert days_between(date(2026, 3, 1), date(2026, 3, 1)) == 0


def test_days_between_refuses_datetimes():
    with pytest.raises(InvalidDate):
        days_between(datetime(2026, 1, 1), date(2026, 2, 1))
