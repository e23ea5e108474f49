"""The overview read service: the engine's counts and amounts by month, for overseers only."""

from __future__ import annotations

import pytest

from lianrong.kernel import errors
from lianrong.parties import service as parties
from lianrong.reporting import overview


def test_figures_of_the_demo(console):
    fig = overview.figures(console.ctx, actor=parties.actor_for(console.ctx, "district"))
    assert fig.counts == overview.EngineCounts(chains=2, cores=2, suppliers=10, banks=1)
    assert fig.totals.issued == overview.CountAmount(count=4, amount_fen=1_950_000_00)
    assert fig.totals.financed == overview.CountAmount(count=2, amount_fen=610_000_00)
    assert fig.totals.settled == overview.CountAmount(count=1, amount_fen=1_000_000_00)
    assert fig.totals.overdue == overview.CountAmount(count=1, amount_fen=150_000_00)
    assert fig.pending_vouchers == 1
    assert fig.months == ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    assert fig.series.issued.amount_fen == (1_000_000_00, 150_000_00, 0, 500_000_00, 0, 300_000_00)
    assert sum(fig.series.settled.count) == 1


def test_only_overseers_see_the_figures(console):
    with pytest.raises(errors.Forbidden):
        overview.figures(console.ctx, actor=parties.actor_for(console.ctx, "icbc_op"))


def test_overview_page_draws_charts(login):
    html = login("chain").get("/overview").text
    assert 'data-testid="chart-amounts"' in html and 'data-testid="chart-counts"' in html
    assert "1,950,000.00" in html
