"""The business date: no settlement before maturity, and simulating the future only on purpose.

A settlement date after the clock's business date is refused by the settlement use case itself, so
every path (API, console, CLI, jobs) refuses it; the future is simulated only by the explicit setting
``LIANRONG_SIMULATED_TODAY``, which a production deployment refuses to start with.
"""

from __future__ import annotations

import datetime as dt

import pytest
from factories import TODAY
from ledger_asserts import refuses, row

from lianrong import bootstrap
from lianrong.adapters.db import tables as t
from lianrong.entrypoints import jobs
from lianrong.kernel import errors
from lianrong.platform.context import FixedClock, SystemClock, back_dated
from lianrong.settings import Settings
from lianrong.settlement import errors as settlement_errors
from lianrong.settlement import service as settlement

MATURITY = dt.date(2027, 3, 15)


def test_a_settlement_date_after_today_is_refused(world):
    root = world.issue(1000_00, maturity=MATURITY)
    voucher_id = row(world.ctx, t.fragment, root).voucher_id
    err = refuses(world.ctx, "settlement.future_date", settlement.settle, world.ctx, on=MATURITY)
    assert err.details == {"date": "2027-03-15", "today": TODAY.isoformat()}
    assert "2027-03-15" in err.message_zh and "2027-03-15" in err.message_en
    # the scheduled job and an actor's run go through the same rule
    tomorrow = TODAY + dt.timedelta(days=1)
    refuses(world.ctx, "settlement.future_date", jobs.maturity_settlement, world.ctx, on=tomorrow)
    refuses(
        world.ctx,
        "settlement.future_date",
        settlement.settle,
        world.ctx,
        on=MATURITY,
        actor=world.user("bank", "approver"),
    )
    assert row(world.ctx, t.voucher, voucher_id).status == "active"
    # today is allowed (nothing is due), and so is the maturity date once the clock is there
    assert settlement.settle(world.ctx, on=TODAY).vouchers == 0
    world.ctx.clock.day = MATURITY
    assert settlement.settle(world.ctx, on=MATURITY).vouchers == 1
    assert row(world.ctx, t.voucher, voucher_id).status == "settled"


def test_the_settlement_date_defaults_to_today_and_never_passes_it(world):
    assert settlement.settlement_date(world.ctx) == TODAY
    assert settlement.settlement_date(world.ctx, TODAY - dt.timedelta(days=30)) == TODAY - dt.timedelta(days=30)
    with pytest.raises(settlement_errors.SettlementFutureDate):
        settlement.settlement_date(world.ctx, TODAY + dt.timedelta(days=1))


def test_a_back_dated_clock_cannot_be_put_in_the_future():
    clock = FixedClock(TODAY)
    assert back_dated(clock, TODAY - dt.timedelta(days=3)).today() == TODAY - dt.timedelta(days=3)
    assert back_dated(clock, TODAY).today() == TODAY
    with pytest.raises(errors.BusinessDateAhead) as info:
        back_dated(clock, TODAY + dt.timedelta(days=1))
    assert info.value.code == "clock.future_date"


def test_the_simulated_business_date_is_an_explicit_setting(db_url):
    ctx = bootstrap.build(settings=Settings(database_url=db_url, environment="test", simulated_today=MATURITY))
    assert ctx.clock.today() == MATURITY
    real = bootstrap.build(settings=Settings(database_url=db_url, environment="test"))
    assert isinstance(real.clock, SystemClock)


def test_production_refuses_to_start_with_a_simulated_business_date(db_url):
    settings = Settings(
        database_url=db_url, environment="production", secret_key="a-real-secret-" * 3, simulated_today=MATURITY
    )
    with pytest.raises(errors.SimulatedClockInProduction) as info:
        bootstrap.build(settings=settings)
    assert info.value.code == "config.simulated_clock"
    assert "LIANRONG_SIMULATED_TODAY=2027-03-15" in info.value.message_en
    with pytest.raises(errors.SimulatedClockInProduction):  # a clock handed in does not bypass the refusal
        bootstrap.build(settings=settings, clock=FixedClock(TODAY))
    # without it, production starts
    bootstrap.build(settings=Settings(database_url=db_url, environment="production", secret_key="a-real-secret-" * 3))


def test_a_world_settles_at_maturity_under_a_simulated_date(world, db_url):
    root = world.issue(500_00, maturity=MATURITY)
    simulated = bootstrap.build(settings=Settings(database_url=db_url, environment="test", simulated_today=MATURITY))
    assert settlement.settle(simulated, on=MATURITY).vouchers == 1
    assert row(world.ctx, t.voucher, row(world.ctx, t.fragment, root).voucher_id).status == "settled"
