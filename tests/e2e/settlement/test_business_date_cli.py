"""`lianrong settle`, `job` and `--today` on the real business date (SQLite and PostgreSQL, in subprocesses).

The CLI's business date is today in Beijing, or ``LIANRONG_SIMULATED_TODAY`` on a test deployment; a
settlement date or a back-dated ``--today`` after it is refused with a coded, bilingual line and nothing
is written; production refuses to start with a simulated date.
"""

from __future__ import annotations

import datetime as dt
import subprocess

from commands import LIANRONG, clean_env
from factories import World, make_context
from ledger_asserts import row, snapshot

from lianrong.adapters.db import tables as t
from lianrong.platform.context import SystemClock


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LIANRONG, *args],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env or clean_env(),
        timeout=60,
    )


def refused(p: subprocess.CompletedProcess, code: str) -> None:
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and lines and lines[0].startswith(f"{code}: "), (p.returncode, p.stdout, p.stderr)
    assert len(lines) == 2 and "Traceback" not in p.stderr, p.stderr  # the code and Chinese, then English


def _world_with_a_voucher_due_after_today(db_url: str) -> tuple[World, str]:
    """A voucher maturing after the real business date (and after the world's own clock)."""
    maturity = max(SystemClock().today() + dt.timedelta(days=40), dt.date(2027, 3, 15))
    world = World(make_context(db_url, today=maturity - dt.timedelta(days=90)))
    root = world.issue(1000_00, maturity=maturity)
    return world, row(world.ctx, t.fragment, root).voucher_id


def test_the_cli_refuses_to_settle_a_date_after_today(db_url):
    world, voucher_id = _world_with_a_voucher_due_after_today(db_url)
    maturity = row(world.ctx, t.voucher, voucher_id).maturity_on
    before = snapshot(world.ctx)
    refused(run("settle", "--date", maturity.isoformat(), "--db", db_url), "settlement.future_date")
    refused(run("job", "maturity-settlement", "--date", maturity.isoformat(), "--db", db_url), "settlement.future_date")
    refused(run("settle", "--today", maturity.isoformat(), "--db", db_url), "clock.future_date")
    assert snapshot(world.ctx) == before
    assert row(world.ctx, t.voucher, voucher_id).status == "active"


def test_a_back_dated_run_cannot_be_put_after_today(db_url):
    world, voucher_id = _world_with_a_voucher_due_after_today(db_url)
    with world.ctx.uow(readonly=True) as uow:
        frag = uow.conn.execute(t.fragment.select().where(t.fragment.c.voucher_id == voucher_id)).one()
    before = snapshot(world.ctx)
    future = (SystemClock().today() + dt.timedelta(days=2)).isoformat()
    refused(
        run(
            "transfer",
            frag.id,
            "--to",
            f"{world.ids['s2']}:100",
            "--as",
            f"s1-operator-{world.base}",
            "--today",
            future,
            "--db",
            db_url,
        ),
        "clock.future_date",
    )
    refused(
        run("finance", "preview", frag.id, "--as", f"s1-operator-{world.base}", "--today", future, "--db", db_url),
        "clock.future_date",
    )
    assert snapshot(world.ctx) == before


def test_a_simulated_business_date_settles_at_maturity(db_url):
    world, voucher_id = _world_with_a_voucher_due_after_today(db_url)
    maturity = row(world.ctx, t.voucher, voucher_id).maturity_on
    env = clean_env(LIANRONG_SIMULATED_TODAY=maturity.isoformat())
    early = run("settle", "--date", (maturity + dt.timedelta(days=1)).isoformat(), "--db", db_url, env=env)
    refused(early, "settlement.future_date")
    done = run("settle", "--date", maturity.isoformat(), "--db", db_url, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert row(world.ctx, t.voucher, voucher_id).status == "settled"


def test_production_refuses_to_start_with_a_simulated_business_date(db_url):
    env = clean_env(
        LIANRONG_ENVIRONMENT="production",
        LIANRONG_SECRET_KEY="a-real-secret-" * 3,
        LIANRONG_SIMULATED_TODAY="2027-03-15",
    )
    for args in (("voucher", "list"), ("serve", "--port", "0")):
        p = run(*args, "--db", db_url, env=env)
        refused(p, "config.simulated_clock")
        assert "LIANRONG_SIMULATED_TODAY=2027-03-15" in p.stderr
