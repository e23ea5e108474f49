#!/usr/bin/env python3
"""The programme's targets dashboard and monthly report over a large ledger, held against a raw probe.

    python bench/programme.py [--quick] [--no-pg] [--runs N]

Builds (and caches in ``bench/.cache/``) the lineage ledger of ``bench/ledger.py`` — 1,000,000 fragments
(20,000 with ``--quick``) — plus, written straight into the schema with ``executemany``: six chains (three key
chains) with every supplier and core enterprise a member of one (a few have left), 100,000 financings (2,000
with ``--quick``) disbursed over the past 23 months in mixed states, credit lines, white-list entries with
their events and two years of banks' monthly reports. Then, on SQLite and on PostgreSQL (copied with COPY):

- ``dashboard``: ``programme.targets.queries.dashboard`` for the district office (the four targets with their
  trend, projection and drill-downs: every aggregate), p50/p99 over ``--runs`` calls. Target: < 300 ms.
- ``probe``: the one raw statement a dashboard cannot do without (the key-chain financing total: a sum over
  the financings with the membership test), through the raw driver, p50; the ratio dashboard / probe says
  what the whole dashboard costs in units of its single biggest query.
- ``monthly``: the monthly report's data and workbook (``monthly.report`` + ``workbook_bytes``), p50; and one
  PDF for information.

PostgreSQL: ``LIANRONG_BENCH_PG_URL`` (else ``LIANRONG_TEST_PG_URL``, else ``postgresql://postgres@127.0.0.1:5432/test``)
names the server; the bench creates and drops its own database ``lianrong_bench_programme_*``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
sys.path.insert(0, str(BENCH))

import ledger  # noqa: E402
import workers  # noqa: E402

DATA = "p2"  # bump when the programme rows (or the indexes they are read by) change
TODAY = dt.date(2026, 11, 26)
PROGRAMME_TABLES = (
    "chain",
    "chain_member",
    "financing",
    "credit_line",
    "whitelist_entry",
    "whitelist_event",
    "bank_report",
)
PROBE_SQL = (
    "select coalesce(sum(f.principal_fen), 0) from financing f where f.status in ('disbursed', 'repaid', 'overdue') "
    "and f.financing_on <= {p} and exists (select 1 from chain_member m join chain c on c.id = m.chain_id "
    "where m.party_id = f.applicant_id and c.key_chain and m.joined_on <= f.financing_on "
    "and (m.left_on is null or m.left_on > f.financing_on))"
)


def log(msg: str) -> None:
    print(f"[programme] {msg}", flush=True)


def _cols(c: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in c.execute(f"pragma table_info({table})")]


def _insert(c: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    cols = list(rows[0])
    c.executemany(
        f"insert into {table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        [tuple(r[k] for k in cols) for r in rows],
    )
    return len(rows)


def add_programme(path: Path, *, financings: int, seed: int = 20261203) -> dict[str, Any]:
    """The programme's rows over the lineage ledger at ``path``."""
    rng = random.Random(seed)
    ids = ledger.Ids(rng, start_ms=int(dt.datetime(2026, 6, 1).timestamp() * 1000))
    now = ledger.ts(dt.datetime(2026, 11, 26, 1, 0))
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma synchronous=off")
    c.execute("begin")
    bank = c.execute("select id from party where kind = 'bank'").fetchone()[0]
    cores = [
        r[0] for r in c.execute("select id from party where kind = 'enterprise' and name like '核心%' order by id")
    ]
    suppliers = [
        r[0] for r in c.execute("select id from party where kind = 'enterprise' and name like '供应商%' order by id")
    ]
    chains = [
        {
            "id": f"chn_bench{i}",
            "code": f"bench{i}",
            "name": f"产业链{i}",
            "name_en": f"chain {i}",
            "office_id": None,
            "key_chain": int(i < 3),
            "description": "",
            "position": i,
            "active": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(6)
    ]
    _insert(c, "chain", chains)
    members = []
    for n, party in enumerate(cores + suppliers):
        left = "2026-06-30" if n % 50 == 49 else None
        members.append(
            {
                "chain_id": chains[n % 6]["id"],
                "party_id": party,
                "role": "leader" if party in cores else "supplier",
                "tier": 0 if party in cores else 1 + n % 3,
                "joined_on": "2024-12-01",
                "left_on": left,
                "note": "",
                "created_by": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(c, "chain_member", members)
    rows = []
    first = dt.date(2025, 1, 1)
    span = (TODAY - first).days
    for _ in range(financings):
        on = first + dt.timedelta(days=rng.randrange(span))
        status = rng.choices(["disbursed", "repaid", "overdue", "rejected", "applied"], [50, 35, 3, 7, 5])[0]
        principal = rng.randint(10_000_00, 5_000_000_00)
        rows.append(
            {
                "id": ids.new("fin"),
                "core_id": rng.choice(cores),
                "bank_id": bank,
                "applicant_id": rng.choice(suppliers),
                "status": status,
                "face_fen": principal,
                "principal_fen": principal,
                "annual_rate": "0.0350",
                "lpr": "0.0300",
                "spread": "0.0050",
                "applied_on": on.isoformat(),
                "financing_on": on.isoformat() if status not in ("rejected", "applied") else None,
                "maturity_on": (on + dt.timedelta(days=180)).isoformat(),
                "days": 180,
                "interest_fen": principal // 60,
                "net_fen": principal - principal // 60,
                "checklist": "{}",
                "registration_no": None,
                "registered_at": None,
                "applied_by": "usr_bench",
                "reviewed_by": None,
                "disbursed_by": None,
                "credit_line_id": None,
                "occupied_fen": 0,
                "created_at": now,
            }
        )
        if len(rows) >= 20_000:
            _insert(c, "financing", rows)
            rows = []
    _insert(c, "financing", rows)
    lines, entries, events, reports = [], [], [], []
    for year in (2025, 2026):
        for core in cores:
            lines.append(
                {
                    "id": ids.new("crl"),
                    "bank_id": bank,
                    "core_id": core,
                    "limit_fen": rng.randint(10**9, 10**11),
                    "occupied_fen": 0,
                    "valid_from": f"{year}-0{rng.randint(1, 9)}-01",
                    "valid_to": f"{year}-12-31",
                    "created_at": ledger.ts(dt.datetime(year, 1, 1, 1, 0)),
                }
            )
    for n, core in enumerate(cores):
        entry = ids.new("wle")
        chain = chains[n % 6]["id"]
        entries.append(
            {
                "id": entry,
                "core_id": core,
                "chain_id": chain,
                "status": "listed",
                "version": 2,
                "listed_on": f"2026-{1 + n % 10:02d}-15",
                "valid_until": "2026-12-31",
                "proposed_by": None,
                "updated_at": now,
            }
        )
        for v, (action, status) in enumerate((("propose", "proposed"), ("approve", "listed")), start=1):
            events.append(
                {
                    "id": ids.new("wlv"),
                    "entry_id": entry,
                    "version": v,
                    "action": action,
                    "status": status,
                    "criteria": "{}",
                    "reason": "",
                    "actor_id": None,
                    "at": ledger.ts(dt.datetime(2026, 1 + n % 10, 14 + v, 2, 0)),
                }
            )
    for month in [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-10"]:
        for ch in chains:
            reports.append(
                {
                    "id": ids.new("bkr"),
                    "bank_id": bank,
                    "month": month,
                    "chain_id": ch["id"],
                    "credit_granted_fen": rng.randint(10**8, 10**10),
                    "financing_fen": rng.randint(10**8, 10**10),
                    "products": rng.randint(1, 4),
                    "note": "",
                    "submitted_by": None,
                    "submitted_at": now,
                }
            )
    counts = {
        t: _insert(c, t, rows)
        for t, rows in (
            ("credit_line", lines),
            ("whitelist_entry", entries),
            ("whitelist_event", events),
            ("bank_report", reports),
        )
    }
    c.execute("commit")
    c.execute("analyze")
    c.close()
    return {"financings": financings, "chains": len(chains), "members": len(members), **counts}


def _padded_insert(c: sqlite3.Connection, table: str, rows: Any) -> int:
    """``ledger._insert`` with rows padded with NULLs to the table's width: the lineage ledger's contract rows
    predate the columns added since (``recorded_by``, ``confirmed_at``), which may be NULL."""
    rows = list(rows)
    width = len(_cols(c, table))
    return _LEDGER_INSERT(c, table, [tuple(r) + (None,) * (width - len(r)) for r in rows])


_LEDGER_INSERT = ledger._insert


def build(path: Path, *, fragments: int, financings: int) -> dict[str, Any]:
    ledger._insert = _padded_insert
    meta = ledger.build_lineage_ledger(path, fragments=fragments)
    meta.pop("targets", None)
    meta["programme"] = add_programme(path, financings=financings)
    return meta


def copy_programme(sqlite_path: Path, url: str) -> None:
    """The lineage ledger's tables (``ledger.copy_to_postgres``) and the programme's, with COPY."""
    import psycopg
    from sqlalchemy.engine import make_url

    ledger.copy_to_postgres(sqlite_path, url)
    u = make_url(url)
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database
    ) as pg:
        with pg.cursor() as cur:
            for table in PROGRAMME_TABLES:
                cols = _cols(src, table)
                booleans = {"key_chain", "active"} & set(cols)
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in src.execute(f"select {', '.join(cols)} from {table}"):
                        cp.write_row(
                            [bool(v) if k in booleans and v is not None else v for k, v in zip(cols, row, strict=True)]
                        )
        pg.commit()
        pg.autocommit = True
        pg.execute("ANALYZE")
    src.close()


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm: statement caches, the first connection
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def measure(label: str, ctx: Any, probe: Callable[[], Any], runs: int) -> dict[str, Any]:
    from lianrong.platform.context import SYSTEM
    from lianrong.programme.targets import monthly, pdf, queries

    dash = timed(lambda: queries.dashboard(ctx, viewer=SYSTEM, month="2026-11"), runs)
    raw = timed(probe, runs)
    report = timed(
        lambda: monthly.workbook_bytes(monthly.report(ctx, viewer=SYSTEM, month="2026-11")), max(3, runs // 5)
    )
    t0 = time.perf_counter()
    pdf.pdf_bytes(monthly.report(ctx, viewer=SYSTEM, month="2026-11"))
    pdf_ms = (time.perf_counter() - t0) * 1000
    out = {
        "dashboard_p50_ms": round(statistics.median(dash), 1),
        "dashboard_p99_ms": round(pct(dash, 0.99), 1),
        "probe_p50_ms": round(statistics.median(raw), 2),
        "ratio_dashboard_to_probe": round(statistics.median(dash) / max(statistics.median(raw), 1e-6), 1),
        "monthly_xlsx_p50_ms": round(statistics.median(report), 1),
        "monthly_pdf_ms": round(pdf_ms, 1),
        "target_dashboard_ms": 300,
        "ok": pct(dash, 0.99) < 300,
    }
    log(f"{label}: " + ", ".join(f"{k}={v}" for k, v in out.items()))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 fragments and 2,000 financings")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--runs", type=int, default=None)
    args = ap.parse_args(argv)
    fragments, financings = (20_000, 2_000) if args.quick else (1_000_000, 100_000)
    runs = args.runs or (10 if args.quick else 30)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"programme-{ledger.DATA_VERSION}{DATA}-{ledger.schema_head()}-{fragments}-{financings}.db"
    meta = ledger.cached(path, lambda p: build(p, fragments=fragments, financings=financings), log)
    results: dict[str, Any] = {
        "ledger": {k: meta.get(k) for k in ("fragments", "vouchers", "programme", "build_seconds")}
    }
    ctx = workers.context(f"sqlite:///{path}", today=TODAY)
    raw = sqlite3.connect(path)
    sql = PROBE_SQL.format(p="?")
    results["sqlite"] = measure("sqlite", ctx, lambda: raw.execute(sql, ("2026-11-30",)).fetchone(), runs)
    raw.close()
    ctx.engine.dispose()
    if not args.no_pg:
        import psycopg
        from run import Pg, pg_admin_url

        pg = Pg(pg_admin_url())
        problem = pg.available()
        if problem:
            log(f"PostgreSQL not available ({problem}); skipped")
        else:
            db = f"lianrong_bench_programme_{os.getpid()}"
            try:
                url = pg.create(db)
                pctx = workers.context(url, today=TODAY)  # migrates the new database
                t0 = time.perf_counter()
                copy_programme(path, url)
                log(f"copied to PostgreSQL in {time.perf_counter() - t0:.1f} s")
                u = pg.admin
                conn = psycopg.connect(
                    host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=db, autocommit=True
                )
                psql = PROBE_SQL.format(p="%s")
                results["postgres"] = measure(
                    "postgres", pctx, lambda: conn.execute(psql, (dt.date(2026, 11, 30),)).fetchone(), runs
                )
                conn.close()
                pctx.engine.dispose()
            finally:
                pg.drop(db)
    out = BENCH / "results" / "programme.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
