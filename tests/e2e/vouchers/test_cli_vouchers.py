"""`lianrong voucher prepare` and `voucher reject` as an operator sees them (SQLite and PostgreSQL, subprocesses)."""

from __future__ import annotations

import json
import subprocess

from commands import LIANRONG, clean_env
from factories import TODAY, World
from ledger_asserts import row, snapshot

from lianrong.adapters.db import tables as t


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LIANRONG, *args], check=False, capture_output=True, text=True, encoding="utf-8", env=clean_env(), timeout=60
    )


def prepare(world: World, db_url: str, maturity: str, *extra: str) -> subprocess.CompletedProcess:
    return run(
        "voucher",
        "prepare",
        world.ids["bank"],
        world.ids["s1"],
        world.contracts[("core", "s1")],
        "--amount",
        "1000",
        "--maturity",
        maturity,
        "--invoice",
        world.invoice(1000_00),
        "--as",
        f"core-operator-{world.base}",
        "--today",
        TODAY.isoformat(),
        *extra,
        "--db",
        db_url,
    )


def test_voucher_prepare_prints_its_warnings(world, db_url):
    p = prepare(world, db_url, "2027-02-06")  # a Saturday, in a year without official holiday data
    assert p.returncode == 0, p.stderr
    assert "2027-02-08" in p.stdout  # the maturity in the table
    rolled = next(line for line in p.stdout.splitlines() if "maturity_rolled_to_working_day" in line)
    assert "2027-02-06" in rolled and "2027-02-08" in rolled and "顺延" in rolled and "rolls to" in rolled, p.stdout
    assert any("maturity_calendar_unofficial" in line and "官方" in line for line in p.stdout.splitlines()), p.stdout


def test_the_over_one_year_refusal_names_the_requested_and_the_rolled_date(world, db_url):
    # issued 2026-11-28: 2027-11-28 (a Sunday) is within a year, but it rolls to Monday 2027-11-29
    p = run(
        "voucher",
        "prepare",
        world.ids["bank"],
        world.ids["s1"],
        world.contracts[("core", "s1")],
        "--amount",
        "1000",
        "--maturity",
        "2027-11-28",
        "--invoice",
        world.invoice(1000_00),
        "--reason",
        "long cycle",
        "--as",
        f"core-operator-{world.base}",
        "--today",
        "2026-11-28",
        "--db",
        db_url,
    )
    assert p.returncode == 1, p.stdout
    zh, en = p.stderr.strip().splitlines()[:2]
    assert zh.startswith("issue.term_over_one_year: ") and "2027-11-28" in zh and "顺延至2027-11-29" in zh, zh
    assert "2027-11-28 is not a working day and rolls to 2027-11-29" in en and "366 days" in en, en


def test_voucher_reject_takes_its_reason_as_an_option(world, db_url):
    p = prepare(world, db_url, "2027-03-15", "--json")
    assert p.returncode == 0, p.stderr
    voucher_id = json.loads(p.stdout)["id"]
    approver = f"core-approver-{world.base}"
    before = snapshot(world.ctx)
    positional = run("voucher", "reject", voucher_id, "wrong amount", "--as", approver, "--db", db_url)
    assert positional.returncode == 2 and "Usage:" in positional.stderr, positional.stderr  # a usage error
    missing = run("voucher", "reject", voucher_id, "--as", approver, "--db", db_url)
    assert missing.returncode == 2 and "--reason" in missing.stderr, missing.stderr
    assert snapshot(world.ctx) == before
    done = run("voucher", "reject", voucher_id, "--reason", "wrong amount", "--as", approver, "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert row(world.ctx, t.voucher, voucher_id).status == "rejected"
