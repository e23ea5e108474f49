"""`lianrong calendar load` and `calendar list` (SQLite and PostgreSQL, in subprocesses)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from commands import LIANRONG, clean_env
from factories import key
from ledger_asserts import prepare_args, row, rows

from lianrong.adapters.db import tables as t
from lianrong.vouchers import issuance as issuance

SPRING = (
    "date,kind,name\n" + "".join(f"2027-02-{d:02d},holiday,春节\n" for d in range(6, 14)) + "2027-02-21,workday,春节\n"
)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LIANRONG, *args], check=False, capture_output=True, text=True, encoding="utf-8", env=clean_env(), timeout=60
    )


def test_calendar_load_upserts_reports_and_refuses_a_bad_file_whole(world, db_url, tmp_path: Path):
    early = issuance.prepare(
        world.ctx, **prepare_args(world, 1000_00, maturity=dt.date(2027, 2, 6)), idempotency_key=key()
    )
    schedule = tmp_path / "holidays-2027.csv"
    schedule.write_text(SPRING, encoding="utf-8")

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-02-06,休,春节\n2027-02-06,班,春节\n2027-02-07,maybe,春节\n", encoding="utf-8")
    refused = run("calendar", "load", str(bad), "--db", db_url)
    assert refused.returncode == 1 and refused.stderr.startswith("calendar.file_invalid: "), refused.stderr
    assert "'row': 3" in refused.stderr and "'row': 4" in refused.stderr and "Traceback" not in refused.stderr
    assert rows(world.ctx, t.calendar_override) == []

    first = run("calendar", "load", str(schedule), "--db", db_url)
    assert first.returncode == 0, first.stderr
    assert "9 days from 2027-02-06 to 2027-02-21: 9 new" in first.stdout, first.stdout
    line = next(x for x in first.stdout.splitlines() if early.id in x)
    assert "2027-02-06" in line and "2027-02-08" in line and "2027-02-15" in line, first.stdout
    assert row(world.ctx, t.voucher, early.id).maturity_on == dt.date(2027, 2, 8)

    again = json.loads(run("calendar", "load", str(schedule), "--db", db_url, "--json").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 9)
    assert [v["id"] for v in again["vouchers"]] == [early.id]

    listed = json.loads(run("calendar", "list", "--year", "2027", "--db", db_url, "--json").stdout)
    assert len(listed) == 9 and listed[-1] == {"day": "2027-02-21", "kind": "workday", "workday": True, "name": "春节"}
    shown = run("calendar", "list", "--db", db_url)
    assert shown.returncode == 0 and "2027-02-13" in shown.stdout and "holiday" in shown.stdout
