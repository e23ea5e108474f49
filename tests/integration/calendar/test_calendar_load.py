"""Loading the State Council's holiday schedule into ``calendar_override`` (SQLite and PostgreSQL).

All rows or none, idempotent, maturities already computed kept and the ones that would now roll
differently reported; a voucher prepared afterwards rolls with the official days, in any process.
"""

from __future__ import annotations

import datetime as dt

import pytest
from factories import key, make_context, uscc
from ledger_asserts import prepare_args, refuses, row, rows

from lianrong.adapters.db import tables as t
from lianrong.calendar import queries as calendar_queries
from lianrong.calendar import service as calendar
from lianrong.calendar.queries import CalendarDay
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import issuance as issuance

#: Spring Festival 2027 as a schedule might list it (a day off from Saturday 02-06 to Saturday 02-13, and
#: Sunday 02-21 a make-up workday), with a header, Chinese and English kinds mixed
SPRING = (
    "日期,类型,名称\n"
    + "".join(f"2027-02-{d:02d},休,春节\n" for d in range(6, 14))
    + "2027-02-21,班,春节\n2027-01-01,holiday,元旦\n"
)


def _district(world, role: str):
    if "district" not in world.ids:
        code = uscc(world.base * 10 + 7, prefix="1111011700")
        world.ids["district"] = parties.register_party(
            world.ctx, kind="district", uscc=code, name=f"区金融办{world.base}", idempotency_key=key()
        ).id
    name = f"district-{role}-{world.base}"
    if rows(world.ctx, t.app_user, t.app_user.c.username == name) == []:
        parties.add_user(
            world.ctx, party=world.ids["district"], username=name, display_name=name, role=role, idempotency_key=key()
        )
    return parties.actor_for(world.ctx, name)


def load(world, text: str, actor=None):
    return calendar.load(
        world.ctx, actor=actor or _district(world, "operator"), content=text.encode(), idempotency_key=key()
    )


def test_a_schedule_is_loaded_and_loading_it_again_changes_nothing(world):
    first = load(world, SPRING)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (10, 10, 0, 0)
    assert (first.first, first.last) == (dt.date(2027, 1, 1), dt.date(2027, 2, 21))
    days = {r.day: (r.workday, r.note) for r in rows(world.ctx, t.calendar_override)}
    assert days[dt.date(2027, 2, 6)] == (False, "春节") and days[dt.date(2027, 2, 21)] == (True, "春节")
    assert days[dt.date(2027, 1, 1)] == (False, "元旦") and len(days) == 10
    again = load(world, SPRING, actor=_district(world, "admin"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 10)
    assert {r.day: (r.workday, r.note) for r in rows(world.ctx, t.calendar_override)} == days
    # a corrected file updates what changed (an upsert)
    fixed = load(world, "2027-02-21,workday,春节（调休）\n2027-02-14,休,春节\n")
    assert (fixed.inserted, fixed.updated, fixed.unchanged) == (1, 1, 0)
    listed = calendar_queries.days(world.ctx, viewer=SYSTEM, year=2027)
    assert [d.day for d in listed] == sorted(d.day for d in listed) and len(listed) == 11
    assert listed[-1] == CalendarDay(day=dt.date(2027, 2, 21), kind="workday", workday=True, name="春节（调休）")
    assert calendar_queries.days(world.ctx, viewer=SYSTEM, year=2026) == []


def test_a_file_with_a_bad_row_is_refused_whole_with_the_rows_named(world):
    bad = (
        "date,kind,name\n2027-02-06,休,春节\n2027-02-30,休,春节\n2027-02-07,放假,春节\n"
        "2027-02-06,班,春节\n" + "2027-02-08,休," + "长" * 121 + "\n"
    )
    err = refuses(
        world.ctx,
        "calendar.file_invalid",
        calendar.load,
        world.ctx,
        actor=_district(world, "operator"),
        content=bad.encode(),
        idempotency_key=key(),
    )
    problems = [(p["row"], p["column"]) for p in err.details["rows"]]
    assert problems == [(3, "date"), (4, "kind"), (5, "date"), (6, "name")], err.details["rows"]
    assert "第2行" in err.details["rows"][2]["message_zh"] and "row 2" in err.details["rows"][2]["message_en"]
    assert err.details["problems"] == 4
    for text in ("", "date,kind,name\n", "2027-02-06\n", "when,what\n2027-02-06,休\n"):
        refuses(
            world.ctx,
            "calendar.file_invalid",
            calendar.load,
            world.ctx,
            actor=_district(world, "operator"),
            content=text.encode(),
            idempotency_key=key(),
        )
    refuses(
        world.ctx,
        "calendar.file_invalid",
        calendar.load,
        world.ctx,
        actor=_district(world, "operator"),
        content="2027-02-06,休,春节\n".encode("gbk"),
        idempotency_key=key(),
    )
    assert rows(world.ctx, t.calendar_override) == []


def test_only_the_district_office_loads_official_days(world):
    for actor in (world.user("bank", "approver"), world.user("core"), world.user("s1"), _district(world, "viewer")):
        refuses(
            world.ctx,
            "auth.forbidden",
            calendar.load,
            world.ctx,
            actor=actor,
            content=SPRING.encode(),
            idempotency_key=key(),
        )
    assert rows(world.ctx, t.calendar_override) == []


def test_computed_maturities_stay_and_the_ones_that_would_roll_differently_are_reported(world):
    # prepared on the weekends-only fallback: 2027-02-06 (a Saturday) rolled to Monday 2027-02-08
    early = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 2, 6)), idempotency_key=key()
    )
    later = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 3, 15)), idempotency_key=key()
    )
    assert early.maturity_on == dt.date(2027, 2, 8)
    other_process = make_context(world.ctx.engine.url.render_as_string(hide_password=False))
    result = load(world, SPRING)
    assert result.vouchers == (
        calendar.MaturityChange(
            id=early.id,
            number=early.number,
            status="pending",
            requested_maturity=dt.date(2027, 2, 6),
            maturity_on=dt.date(2027, 2, 8),
            would_be=dt.date(2027, 2, 15),
        ),
    )
    assert row(world.ctx, t.voucher, early.id).maturity_on == dt.date(2027, 2, 8)  # kept as it was
    assert row(world.ctx, t.voucher, later.id).maturity_on == dt.date(2027, 3, 15)
    assert [c.id for c in calendar.pending_changes(world.ctx)] == [early.id]
    # a voucher prepared now rolls past the official holiday, here and in a process started before the load
    for ctx in (world.ctx, other_process):
        v = issuance.prepare(ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 2, 6)), idempotency_key=key())
        assert v.maturity_on == dt.date(2027, 2, 15) and "maturity_rolled_to_working_day" in v.warnings
    # the second load reports the same voucher again (its maturity is still not where the calendar says)
    assert [c.id for c in load(world, SPRING).vouchers] == [early.id]


@pytest.mark.parametrize("kind", ["休", "holiday", "HOLIDAY", "班", "workday"])
def test_the_kind_is_chinese_or_english(world, kind):
    load(world, f"2030-10-0{1 + len(kind) % 7},{kind},test\n")
    (day,) = rows(world.ctx, t.calendar_override)
    assert day.workday is (kind.lower() in ("班", "workday"))
