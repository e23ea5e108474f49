"""A credit line's state on a day: not yet valid, in force within its validity (both ends), expired after."""

from __future__ import annotations

import datetime as dt

from lianrong.credit.model import LineState, line_state

FROM, TO = dt.date(2027, 1, 1), dt.date(2027, 12, 31)


def test_a_line_is_in_force_from_its_first_to_its_last_day() -> None:
    for day in (FROM, dt.date(2027, 6, 30), TO):
        assert line_state(valid_from=FROM, valid_to=TO, on=day) is LineState.IN_FORCE


def test_a_line_before_its_first_day_is_future_and_after_its_last_expired() -> None:
    assert line_state(valid_from=FROM, valid_to=TO, on=FROM - dt.timedelta(days=1)) is LineState.FUTURE
    assert line_state(valid_from=FROM, valid_to=TO, on=TO + dt.timedelta(days=1)) is LineState.EXPIRED
