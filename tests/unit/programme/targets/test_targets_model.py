"""The targets' pure rules: months and their ranges, the straight-line projection, a report's checks."""

from __future__ import annotations

import datetime as dt

import pytest

from lianrong.kernel.errors import LianRongError
from lianrong.programme.targets import model


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    ],
)
def test_a_month_starts_and_ends(month, start, end):
    assert (model.month_start(month), model.month_end(month)) == (start, end)


def test_month_ranges():
    assert model.shift_month("2026-01", -1) == "2025-12" and model.shift_month("2026-12", 1) == "2027-01"
    assert model.window("2026-03", 4) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert model.months_between("2026-05", "2026-04") == []
    assert model.year_months("2026-03") == ["2026-01", "2026-02", "2026-03"]
    assert model.parse_month(" 2026-7 ".strip().replace("-7", "-07")) == "2026-07"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-11", "2026/11", "", "1999-01"])
def test_a_bad_month_is_refused(bad):
    with pytest.raises(LianRongError) as e:
        model.parse_month(bad)
    assert e.value.code == "targets.invalid_month"


def test_the_projection_continues_the_average_monthly_change():
    points = [("2026-01", 100), ("2026-02", 150), ("2026-03", 300)]  # 100 a month on average
    p = model.project(points, target=1500, deadline=dt.date(2026, 12, 31))
    assert p.monthly_rate == 100 and p.months_left == 9 and p.projected == 1200 and not p.on_track
    assert model.project(points, target=1200, deadline=dt.date(2026, 12, 31)).on_track


def test_a_projection_of_one_point_or_a_past_deadline_is_flat():
    assert model.project([("2026-11", 7)], target=10, deadline=dt.date(2027, 12, 31)).projected == 7
    assert model.project([("2026-01", 1), ("2026-11", 9)], target=5, deadline=dt.date(2025, 1, 1)).projected == 9
    assert model.project([], target=5, deadline=dt.date(2027, 1, 1)).projected == 0


def test_a_report_month_may_not_be_in_the_future_and_its_figures_are_whole_and_not_negative():
    today = dt.date(2026, 11, 26)
    assert model.check_report_month("2026-11", today=today) == "2026-11"
    with pytest.raises(LianRongError) as e:
        model.check_report_month("2026-12", today=today)
    assert e.value.code == "targets.future_month"
    model.check_report_figures(credit_granted_fen=0, financing_fen=1, products=0)
    for kw in ({"credit_granted_fen": -1}, {"financing_fen": 1.5}, {"products": 1001}, {"products": True}):
        args = {"credit_granted_fen": 0, "financing_fen": 0, "products": 0, **kw}
        with pytest.raises(LianRongError) as e:
            model.check_report_figures(**args)
        assert e.value.code == "targets.bad_figure"


def test_progress():
    assert model.progress(25, 50) == 0.5 and model.progress(1, 0) == 0.0
