#!/usr/bin/env python3
"""LianRong benchmarks, each held against a "physical limit" measured on the same machine in the same run.

    python bench/run.py [--quick] [--only NAME[,NAME...]] [--profile] [--no-pg]

NAME is one of:

- ``sqlite-transfer``: ``vouchers.transfer`` on SQLite (WAL, synchronous=FULL, one writer), each transfer
  spending the latest remainder, against the raw-sqlite3 probe ``sqlite_limit.py`` (FULL, 1 per commit).
  Target: ratio ≥ 0.5. For information, in the same rounds: the probe's transaction at our page count
  (``paged_probe``: as many WAL pages per commit as a transfer of ours writes), which splits the gap into
  the pages' cost and everything else.
- ``pg-transfer``: 8 connections running ``vouchers.transfer`` on their own vouchers, driven by 2 processes
  of 4 threads as pgbench ``-c 8 -j 2`` drives its 8 from 2 threads, against the pgbench probe
  (``pg_setup.sql`` + ``pg_transfer.sql``) for the same duration. Target: ratio ≥ 0.5. Then, for
  information, the same from 8 single-connection processes, 8 coroutines awaiting
  ``vouchers.transfer_async`` (the API's hot path) on 2 processes' event loops, and the whole machine's
  CPU per transfer on both sides (``/proc/stat``).
- ``lineage``: ``lineage(..., with_documents=False)`` and ``path_to_root`` of depth-20 fragments among
  ≥ 1,000,000 fragments (100,000 with ``--quick``), on SQLite and PostgreSQL, against the same recursive
  query run raw. Target: median < 5 ms.
- ``settlement``: ``settlement.settle`` of 1,000 vouchers × 100 leaves due on one date (100 × 100 with
  ``--quick``, target scaled), against a raw-sqlite3 floor doing the same writes. Target: < 30 s per
  100,000 leaves.
- ``split-report``: ``splits.split_report`` (77号 split monitoring) over every active voucher of the lineage
  ledger, against the raw fetch of the same rows. Information (no target).

The probes are read from the shared folder beside the repository (``../shared/bench``); set
``LIANRONG_SHARED_DIR`` to another shared folder (or straight to its ``bench`` folder) to override.
PostgreSQL: ``LIANRONG_BENCH_PG_URL`` (else ``LIANRONG_TEST_PG_URL``, else
``postgresql://postgres@127.0.0.1:5432/test``) names the server and the maintenance database; the bench
creates and drops its own databases ``lianrong_bench_*``. Built ledgers are cached in ``bench/.cache/``
(keyed by data version, schema revision and size); results go to ``bench/results/latest.json``, and one
line per run is appended to ``bench/results/runs.jsonl``.
``--profile`` adds a separate pyinstrument pass per benchmark (after the measured one, so figures stay
clean) and writes ``bench/results/profile-NAME.txt``.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results"
#: the committed log: one JSON line per run of run.py or http_load.py (bench/README.md)
RUNS_LOG = RESULTS / "runs.jsonl"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests"))  # tests/factories.py: the World builder

import ledger  # noqa: E402
import workers  # noqa: E402

NAMES = ("sqlite-transfer", "pg-transfer", "lineage", "settlement", "split-report")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: processes driving the PostgreSQL transfer connections, as ``pgbench -j 2`` drives the probe's 8
PG_DRIVERS = 2
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# --- configuration -------------------------------------------------------------------------------


@dataclass
class Config:
    quick: bool
    profile: bool
    pg: bool
    transfers: int  # SQLite transfers timed (the probe runs the same number)
    rounds: int  # interleaved probe/service rounds
    warmup: int
    pg_seconds: int  # per interleaved round (the headline) and per information run
    pg_rounds: int  # interleaved pgbench / service rounds of the headline
    pg_clients: int
    pg_vouchers_per_worker: int
    lineage_fragments: int
    lineage_samples: int
    lineage_reps: int
    settle_vouchers: int
    settle_leaves: int


def config(quick: bool, profile: bool, pg: bool) -> Config:
    if quick:
        return Config(
            quick,
            profile,
            pg,
            transfers=1000,
            rounds=4,
            warmup=50,
            pg_seconds=5,
            pg_rounds=2,
            pg_clients=8,
            pg_vouchers_per_worker=8,
            lineage_fragments=100_000,
            lineage_samples=100,
            lineage_reps=3,
            settle_vouchers=100,
            settle_leaves=100,
        )
    return Config(
        quick,
        profile,
        pg,
        transfers=3000,
        rounds=6,
        warmup=50,
        pg_seconds=5,
        pg_rounds=4,
        pg_clients=8,
        pg_vouchers_per_worker=8,
        lineage_fragments=1_000_000,
        lineage_samples=200,
        lineage_reps=5,
        settle_vouchers=1000,
        settle_leaves=100,
    )


def shared_bench_dir() -> Path:
    """The probes' folder: $LIANRONG_SHARED_DIR[/bench], else ../shared/bench beside the repository."""
    env = os.environ.get("LIANRONG_SHARED_DIR")
    candidates = [Path(env) / "bench", Path(env)] if env else [REPO.parent / "shared" / "bench"]
    for c in candidates:
        if (c / "sqlite_limit.py").is_file():
            return c
    raise SystemExit(
        f"probe folder not found (looked in {', '.join(map(str, candidates))}); "
        "set LIANRONG_SHARED_DIR to the shared folder"
    )


def pg_admin_url() -> str:
    return os.environ.get("LIANRONG_BENCH_PG_URL") or os.environ.get("LIANRONG_TEST_PG_URL") or DEFAULT_PG_URL


# --- results -------------------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    ours: float | None
    limit: float | None
    unit: str
    target: str
    passed: bool | None  # None: informational
    ratio: float | None = None


@dataclass
class Result:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None


def verdict(row: Row) -> str | None:
    return None if row.passed is None else ("PASS" if row.passed else "MISS")


def fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    if unit == "ms":
        return f"{x:.2f} ms"
    if unit == "s":
        return f"{x:.1f} s"
    if unit == "pages":
        return f"{x:.1f}"
    return f"{x:,.0f}" + (f" {unit}" if unit else "")


def print_table(res: Result) -> None:
    print(f"\n## {res.title}")
    if res.skipped:
        print(f"SKIPPED: {res.skipped}")
        return
    head = ("measure", "ours", "limit", "ratio", "target", "result")
    lines = []
    for r in res.rows:
        lines.append(
            (
                r.measure,
                fmt(r.ours, r.unit),
                fmt(r.limit, r.unit),
                "—" if r.ratio is None else f"{r.ratio:.3f}",
                r.target,
                verdict(r) or "—",
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print(
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=False))
            )
            + " |"
        )
    for k, v in res.details.items():
        if k.startswith("_"):
            continue
        print(f"  {k}: {v}")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class StatementCounter:
    """Counts the statements SQLite executes (sqlite3 trace callback: BEGIN and COMMIT included), so
    statements sent straight to the driver are seen too. Connections opened before it are dropped."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.n = 0
        self._event = event
        self.active = engine.dialect.name == "sqlite"
        if self.active:
            engine.dispose()
            event.listen(engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_trace_callback(self._trace)

    def _trace(self, _sql: str) -> None:
        self.n += 1

    def close(self) -> None:
        if self.active:
            self._event.remove(self.engine, "connect", self._on_connect)
            self.engine.dispose()


def profiled(name: str, fn: Callable[[], Any]) -> Path | None:
    """Run ``fn`` under pyinstrument and write the text report to results/profile-NAME.txt."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        log("pyinstrument not installed (pip install pyinstrument): no profile")
        return None
    p = Profiler(interval=0.0005)
    p.start()
    try:
        fn()
    finally:
        p.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-{name}.txt"
    out.write_text(p.output_text(unicode=False, color=False, show_all=False))
    log(f"profile written to {out.relative_to(REPO)}")
    return out


# --- probes --------------------------------------------------------------------------------------


def load_sqlite_probe(path: Path, workdir: Path) -> Callable[[str, int, int], float]:
    """The probe's own ``run(sync, per_commit, n)``, taken from its source without running its module
    code (which runs every case at import); its temporary databases go under ``workdir``."""
    tree = ast.parse(path.read_text(), str(path))
    keep = [
        n
        for n in tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom)) or (isinstance(n, ast.FunctionDef) and n.name == "run")
    ]
    if not any(isinstance(n, ast.FunctionDef) for n in keep):
        raise RuntimeError(f"{path} has no run() function")
    ns: dict[str, Any] = {"__name__": "sqlite_limit_probe"}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec"), ns)

    class _Tmp:  # the probe calls tempfile.mkdtemp(); keep its files where we clean up
        @staticmethod
        def mkdtemp(*_a: Any, **_k: Any) -> str:
            return tempfile.mkdtemp(dir=workdir, prefix="probe-")

    ns["tempfile"] = _Tmp
    return ns["run"]


def wal_frames(path: Path) -> int:
    """The frames in a SQLite WAL file (its header is 32 bytes, each frame 24 bytes and a page)."""
    wal = Path(str(path) + "-wal")
    if not wal.exists():
        return 0
    with wal.open("rb") as f:
        head = f.read(32)
    page_size = int.from_bytes(head[8:12], "big")
    return (wal.stat().st_size - 32) // (24 + page_size) if page_size else 0


def paged_probe(workdir: Path, extra: int, n: int, *, count_frames: bool = False) -> float:
    """The probe's transaction (``sqlite_limit.py``: guarded UPDATE, 2 INSERTs, 1 log INSERT, FULL, WAL)
    plus one row into each of ``extra`` tables with an index on a random text key, so that each commit
    writes about ``2 + 2 × extra`` WAL pages: the write of the probe at the page count of ours, with no
    application around it either. Returns transfers/s, or WAL frames per transfer (``count_frames``:
    automatic checkpoints off, so every frame stays in the WAL)."""
    d = tempfile.mkdtemp(dir=workdir, prefix="paged-")
    path = Path(d) / "p.db"
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=FULL")
    if count_frames:
        c.execute("pragma wal_autocheckpoint=0")
    c.execute(
        "create table frag(id integer primary key, parent int, holder int, amount int not null "
        "check(amount>0), status int not null)"
    )
    c.execute("create table log(id integer primary key, op text, frag int, prev_hash blob)")
    for k in range(extra):
        c.execute(f"create table x{k}(id integer primary key, key text not null, v text)")
        c.execute(f"create index x{k}_key on x{k}(key)")
    c.execute("insert into frag values(1,null,1,?,0)", (10**12,))
    extra_sql = [f"insert into x{k}(key, v) values(?, 'x')" for k in range(extra)]
    rnd = secrets.token_hex
    cur, nid = 1, 2
    c.execute("pragma wal_checkpoint(TRUNCATE)")
    t = time.perf_counter()
    for i in range(n):
        c.execute("begin immediate")
        r = c.execute("update frag set status=1 where id=? and status=0", (cur,))
        assert r.rowcount == 1
        c.execute("insert into frag values(?,?,?,?,0)", (nid, cur, 2, 1))
        c.execute("insert into frag values(?,?,?,?,0)", (nid + 1, cur, 1, 10**12 - i - 1))
        c.execute("insert into log(op, frag, prev_hash) values('split', ?, x'00')", (cur,))
        for sql in extra_sql:
            c.execute(sql, (rnd(8),))
        c.execute("commit")
        cur, nid = nid + 1, nid + 2
    dt = time.perf_counter() - t
    frames = wal_frames(path) / n
    c.close()
    shutil.rmtree(d, ignore_errors=True)
    return frames if count_frames else n / dt


# --- PostgreSQL helpers --------------------------------------------------------------------------


class Pg:
    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin = make_url(workers_normalize(admin_url))

    def url(self, db: str) -> str:
        return self.admin.set(database=db).render_as_string(hide_password=False)

    def _exec(self, sql: str) -> None:
        import psycopg

        u = self.admin
        with psycopg.connect(
            host=u.host,
            port=u.port or 5432,
            user=u.username,
            password=u.password,
            dbname=u.database,
            autocommit=True,
            connect_timeout=5,
        ) as c:
            c.execute(sql)

    def available(self) -> str | None:
        try:
            self._exec("select 1")
        except Exception as exc:  # noqa: BLE001
            return f"{exc.__class__.__name__}: {exc}".strip()
        return None

    def version(self) -> str:
        import psycopg

        u = self.admin
        with psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database, connect_timeout=5
        ) as c:
            return c.execute("show server_version").fetchone()[0]

    def create(self, db: str) -> str:
        self._exec(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self._exec(f'CREATE DATABASE "{db}"')
        return self.url(db)

    def drop(self, db: str) -> None:
        try:
            self._exec(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001
            log(f"could not drop {db}: {exc}")

    def checkpoint(self) -> None:
        try:
            self._exec("CHECKPOINT")
        except Exception as exc:  # noqa: BLE001 - needs superuser; only evens out the runs
            log(f"CHECKPOINT failed ({exc}); continuing")

    def cli_env(self) -> tuple[list[str], dict[str, str]]:
        u = self.admin
        args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432)]
        if u.username:
            args += ["-U", u.username]
        env = dict(os.environ)
        if u.password:
            env["PGPASSWORD"] = u.password
        return args, env


def workers_normalize(url: str) -> str:
    from lianrong.adapters.db.engine import normalize_url

    return normalize_url(url)


# --- 1. SQLite transfer --------------------------------------------------------------------------


def _world(url: str) -> Any:
    from factories import World, make_context

    return World(make_context(url, sqlite_synchronous="FULL"), n_suppliers=2)


def our_frames_per_transfer(tmp: Path, n: int = 200) -> float:
    """WAL frames (pages written) per ``vouchers.transfer`` in the shape below, counted with automatic
    checkpoints off on a ledger of its own."""
    from sqlalchemy import event

    from lianrong.vouchers import service as vouchers

    path = tmp / "frames.db"
    w = _world(f"sqlite:///{path}")
    w.ctx.engine.dispose()

    @event.listens_for(w.ctx.engine, "connect")
    def _no_checkpoints(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("pragma wal_autocheckpoint=0")

    actor, recipient, cur = w.user("s1"), w.ids["s2"], [w.issue(10**12)]

    def one(k: int) -> None:
        r = vouchers.transfer(
            w.ctx,
            actor=actor,
            fragment_id=cur[0],
            parts=[{"recipient": recipient, "amount_fen": 1}],
            idempotency_key=f"frames-{k}",
        )
        cur[0] = r.children[-1].id

    for k in range(20):
        one(k)
    before = wal_frames(path)
    for k in range(20, 20 + n):
        one(k)
    frames = (wal_frames(path) - before) / n
    w.ctx.engine.dispose()
    return frames


def bench_sqlite_transfer(cfg: Config, probes: Path, tmp: Path) -> Result:
    """Probe and service interleaved in rounds (the machine may be shared: background fsync and CPU load
    then hit both sides alike); each side does ``cfg.transfers`` transfers in all."""
    from lianrong.vouchers import service as vouchers

    n, rounds = cfg.transfers, cfg.rounds
    chunk = n // rounds
    res = Result(
        "sqlite-transfer",
        f"1. SQLite split-transfer: synchronous=FULL, WAL, 1 writer, {chunk * rounds:,} "
        f"transfers each side in {rounds} interleaved rounds, each transfer spending "
        "the latest remainder",
    )
    probe_path = probes / "sqlite_limit.py"
    probe = load_sqlite_probe(probe_path, tmp)

    url = f"sqlite:///{tmp / 'transfer.db'}"
    w = _world(url)
    ctx = w.ctx
    with ctx.engine.connect() as c:
        sync = c.exec_driver_sql("pragma synchronous").scalar()
        journal = c.exec_driver_sql("pragma journal_mode").scalar()
    if sync != 2 or journal != "wal":
        raise RuntimeError(f"expected synchronous=FULL (2) and WAL, got {sync} / {journal}")
    actor = w.user("s1")
    recipient = w.ids["s2"]
    root = w.issue(10**12)
    cur = [root]
    seq = [0]

    def one() -> None:
        seq[0] += 1
        r = vouchers.transfer(
            ctx,
            actor=actor,
            fragment_id=cur[0],
            parts=[{"recipient": recipient, "amount_fen": 1}],
            idempotency_key=f"bench-{seq[0]}",
        )
        cur[0] = r.children[-1].id

    counter = StatementCounter(ctx.engine)
    for _ in range(cfg.warmup):
        one()
    counter.close()
    stmts = counter.n / cfg.warmup
    probe("FULL", 1, 100)  # warm the probe's path too
    # the probe at our page count: as many WAL pages per commit as a transfer of ours writes
    our_frames = our_frames_per_transfer(tmp)
    probe_frames = paged_probe(tmp, 0, 200, count_frames=True)
    extra = max(0, round((our_frames - probe_frames) / 2))
    paged_frames = paged_probe(tmp, extra, 200, count_frames=True)
    log(
        f"WAL frames per transfer: ours {our_frames:.1f}, probe {probe_frames:.1f}, "
        f"probe + {extra} indexed tables {paged_frames:.1f}"
    )

    t_probe = t_ours = t_paged = c_probe = c_ours = 0.0
    per_round = []
    for r in range(rounds):
        order = ("probe", "paged", "ours") if r % 2 == 0 else ("ours", "paged", "probe")
        rp = ro = 0.0
        for side in order:
            c = time.process_time()
            if side == "probe":
                rp = chunk / probe("FULL", 1, chunk)  # run() times its own loop only
                c_probe += time.process_time() - c  # CPU includes its tiny setup
            elif side == "paged":
                t_paged += chunk / paged_probe(tmp, extra, chunk)
            else:
                t = time.perf_counter()
                for _ in range(chunk):
                    one()
                ro = time.perf_counter() - t
                c_ours += time.process_time() - c
        t_probe += rp
        t_ours += ro
        per_round.append((round(chunk / ro), round(chunk / rp)))
        log(f"round {r + 1}/{rounds}: ours {chunk / ro:,.0f}/s, probe {chunk / rp:,.0f}/s")
    ours = chunk * rounds / t_ours
    limit = chunk * rounds / t_probe
    ratio = ours / limit
    log(f"service: {ours:,.0f} transfers/s, probe {limit:,.0f}/s ({stmts:.1f} statements per transfer)")
    res.rows.append(Row("transfers/s", ours, limit, "", "ratio ≥ 0.5", ratio >= 0.5, ratio))
    cpu_ours, cpu_probe = 1000 * c_ours / (chunk * rounds), 1000 * c_probe / (chunk * rounds)
    # CPU per transfer is what a busy disk cannot hide: with slow fsyncs both sides wait alike
    res.rows.append(Row("CPU ms per transfer", cpu_ours, cpu_probe, "ms", "(info)", None, cpu_probe / cpu_ours))
    paged = chunk * rounds / t_paged
    # how much of the gap is the pages a transfer of ours writes, and how much is everything else
    res.rows.append(
        Row(
            f"transfers/s, probe at our page count (+{extra} indexed tables)",
            paged,
            limit,
            "",
            "(info)",
            None,
            paged / limit,
        )
    )
    res.rows.append(
        Row("transfers/s, ours vs the probe at our page count", ours, paged, "", "(info)", None, ours / paged)
    )
    res.rows.append(
        Row(
            "WAL pages written per transfer",
            our_frames,
            probe_frames,
            "pages",
            "(info)",
            None,
            probe_frames / our_frames if our_frames else None,
        )
    )
    res.details.update(
        {
            "probe": f"{probe_path.name}: run('FULL', 1, {chunk}) per round (its own function, same n in all)",
            "rounds_ours_vs_probe_per_s": per_round,
            "median_round_ratio": round(statistics.median(o / p for o, p in per_round), 3),
            "statements_per_transfer": round(stmts, 1),
            "probe_statements_per_transfer": 6,  # begin, update, 2 inserts, log insert, commit
            "ms_per_transfer_ours": round(1000 / ours, 3),
            "ms_per_transfer_limit": round(1000 / limit, 3),
            "warmup_transfers": cfg.warmup,
            "paged_probe": f"the probe's transaction + 1 row into each of {extra} tables indexed on a random text key "
            f"({paged_frames:.1f} WAL pages per commit; ours {our_frames:.1f}, the probe's {probe_frames:.1f}; "
            "counted with automatic checkpoints off)",
        }
    )
    if cfg.profile:
        profiled("sqlite-transfer", lambda: [one() for _ in range(min(n, 1000))])
    ctx.engine.dispose()
    return res


# --- 2. PostgreSQL transfer ----------------------------------------------------------------------


def run_pgbench(pg: Pg, probes: Path, db: str, seconds: int, clients: int) -> tuple[float, str, float | None]:
    """pgbench on the probe: (tps, the command as shown, the machine's CPU ms per transaction)."""
    args, env = pg.cli_env()
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, "-f", str(probes / "pg_setup.sql"), db],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    cmd = [
        "pgbench",
        "-n",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-f",
        str(probes / "pg_transfer.sql"),
        *args,
        db,
    ]
    pg.checkpoint()
    busy0 = workers.machine_busy_seconds()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    busy1 = workers.machine_busy_seconds()
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout) or re.search(
        r"tps = ([\d.]+)", out.stdout
    )
    if not m:
        raise RuntimeError(f"cannot parse pgbench output:\n{out.stdout}")
    shown = " ".join(shlex.quote(c) for c in cmd[:8]) + " -f pg_transfer.sql " + db
    n = re.search(r"number of transactions actually processed: (\d+)", out.stdout)
    cpu = None if busy0 is None or busy1 is None or not n else 1000 * (busy1 - busy0) / max(int(n.group(1)), 1)
    return float(m.group(1)), shown, cpu


def bench_pg_transfer(cfg: Config, probes: Path, pg: Pg) -> Result:
    secs, rounds, clients = cfg.pg_seconds, cfg.pg_rounds, cfg.pg_clients
    res = Result(
        "pg-transfer",
        f"2. PostgreSQL split-transfer: {clients} clients, {rounds} interleaved rounds of {secs} s each side",
    )
    if not shutil.which("pgbench") or not shutil.which("psql"):
        res.skipped = "psql/pgbench not on PATH"
        return res
    tag = os.getpid()
    probe_db, our_db = f"lianrong_bench_probe_{tag}", f"lianrong_bench_xfer_{tag}"
    try:
        pg.create(probe_db)
        url = pg.create(our_db)
        w = _world(url)
        n_roots = clients * cfg.pg_vouchers_per_worker
        # within the contract's amount; a fresh set per round and per information run
        sets = [[w.issue(10**10) for _ in range(n_roots)] for _ in range(rounds + 2)]
        actor, recipient = w.user("s1"), w.ids["s2"]
        w.ctx.engine.dispose()
        # the same 8 connections, driven as pgbench -c 8 -j 2 drives its own: 2 processes of 4 threads
        drivers = max(1, min(PG_DRIVERS, clients))
        log(f"{len(sets) * n_roots} vouchers issued; {clients} connections from {drivers} processes")
        probe_tps, probe_cpu_ms, runs, cmd = [], [], [], ""
        for r in range(rounds):  # probe first on even rounds, ours first on odd ones
            for side in ("probe", "ours") if r % 2 == 0 else ("ours", "probe"):
                if side == "probe":
                    tps, cmd, cpu = run_pgbench(pg, probes, probe_db, secs, clients)
                    probe_tps.append(tps)
                    probe_cpu_ms.append(cpu)
                    log(f"round {r + 1}/{rounds}: pgbench {tps:,.0f} tps")
                else:
                    one_run = workers.run_transfer_workers(
                        url,
                        sets[r],
                        actor,
                        recipient,
                        processes=drivers,
                        threads=clients // drivers,
                        seconds=secs,
                        before_start=pg.checkpoint,
                        key_prefix=f"pgt{r}-",
                    )
                    runs.append(one_run)
                    log(
                        f"round {r + 1}/{rounds}: service {one_run['per_s']:,.0f} transfers/s "
                        f"({one_run['transfers']} transfers, {one_run['errors']} errors)"
                    )
        total, errors = sum(x["transfers"] for x in runs), sum(x["errors"] for x in runs)
        ours = total / sum(x["seconds"] for x in runs)
        info_secs = secs * max(1, rounds // 2)
        log(f"{clients} single-connection processes, {info_secs} s")
        solo = workers.run_transfer_workers(
            url,
            sets[rounds],
            actor,
            recipient,
            processes=clients,
            seconds=info_secs,
            before_start=pg.checkpoint,
            key_prefix="pgs",
        )
        log(
            f"service ({clients} processes): {solo['per_s']:,.0f} transfers/s ({solo['transfers']} transfers, "
            f"{solo['errors']} errors)"
        )
        log(f"{clients} asynchronous connections from {drivers} processes (vouchers.transfer_async), {info_secs} s")
        aio_run = workers.run_transfer_workers(
            url,
            sets[rounds + 1],
            actor,
            recipient,
            processes=drivers,
            threads=clients // drivers,
            seconds=info_secs,
            before_start=pg.checkpoint,
            key_prefix="pga",
            asynchronous=True,
        )
        log(
            f"service, asynchronous ({drivers} processes): {aio_run['per_s']:,.0f} transfers/s "
            f"({aio_run['transfers']} transfers, {aio_run['errors']} errors, {aio_run['handed_to_threads']} "
            "handed to the threaded path)"
        )
        run = {
            "machine_cpu_ms": None
            if any(x["machine_cpu_ms"] is None for x in runs)
            else sum(x["machine_cpu_ms"] * x["transfers"] for x in runs) / max(total, 1),
            "client_cpu_ms": sum(x["client_cpu_ms"] * x["transfers"] for x in runs) / max(total, 1),
            "per_worker": [x["per_worker"] for x in runs],
        }
        if cfg.profile:  # a separate single-process pass, so the measured figures stay clean
            from lianrong.vouchers import service as vouchers

            pctx = workers.context(url)
            cur = [w.issue(10**10)]  # a fresh voucher: the workers' ones were spent

            def one(k: int) -> None:
                r = vouchers.transfer(
                    pctx,
                    actor=actor,
                    fragment_id=cur[0],
                    parts=[{"recipient": recipient, "amount_fen": 1}],
                    idempotency_key=f"prof-{k}",
                )
                cur[0] = r.children[-1].id

            for k in range(20):
                one(k)
            profiled("pg-transfer", lambda: [one(k) for k in range(20, 520)])
            pctx.engine.dispose()
        pg.drop(our_db)
        limit = sum(probe_tps) / len(probe_tps)  # rounds of equal length: the mean rate
        ratio = ours / limit
        res.rows.append(
            Row(
                f"transfers/s ({clients} connections, {drivers} processes)",
                ours,
                limit,
                "",
                "ratio ≥ 0.5",
                ratio >= 0.5,
                ratio,
            )
        )
        res.rows.append(
            Row(
                f"transfers/s ({clients} processes, 1 connection each)",
                solo["per_s"],
                limit,
                "",
                "(info)",
                None,
                solo["per_s"] / limit,
            )
        )
        res.rows.append(
            Row(
                f"transfers/s ({clients} async connections, {drivers} processes: transfer_async)",
                aio_run["per_s"],
                limit,
                "",
                "(info)",
                None,
                aio_run["per_s"] / limit,
            )
        )
        probe_cpu = None if any(c is None for c in probe_cpu_ms) else sum(probe_cpu_ms) / len(probe_cpu_ms)
        if run["machine_cpu_ms"] is not None and probe_cpu is not None:
            # on 2 cores with 8 clients both sides are CPU-bound: this ratio is about the throughput ratio
            res.rows.append(
                Row(
                    f"machine CPU ms per transfer ({drivers} processes; all processes, server included)",
                    run["machine_cpu_ms"],
                    probe_cpu,
                    "ms",
                    "(info)",
                    None,
                    probe_cpu / run["machine_cpu_ms"],
                )
            )
        res.rows.append(
            Row(f"client CPU ms per transfer ({drivers} processes)", run["client_cpu_ms"], None, "ms", "(info)", None)
        )
        res.rows.append(
            Row(
                f"client CPU ms per transfer ({drivers} processes, async)",
                aio_run["client_cpu_ms"],
                None,
                "ms",
                "(info)",
                None,
            )
        )
        res.rows.append(
            Row(f"client CPU ms per transfer ({clients} processes)", solo["client_cpu_ms"], None, "ms", "(info)", None)
        )
        res.details.update(
            {
                "probe": cmd + f"  (after psql -f pg_setup.sql; {rounds} rounds interleaved with ours, probe first on "
                "even rounds; limit = mean)",
                "probe_rounds_tps": [round(x) for x in probe_tps],
                "ours_rounds_per_s": [round(x["per_s"]) for x in runs],
                "ours": f"{clients} connections x vouchers.transfer from {drivers} spawned processes of "
                f"{clients // drivers} threads (as pgbench -j {drivers}), {rounds} rounds; then {clients} spawned "
                f"single-connection processes ({info_secs} s); {cfg.pg_vouchers_per_worker} own vouchers per "
                "connection, a fresh set per run (round robin, no voucher shared; 1 warm-up transfer per voucher "
                "not counted)",
                "transfers": total,
                "errors": errors + solo["errors"] + aio_run["errors"],
                "per_process": run["per_worker"],
                "transfers_single_connection_processes": solo["transfers"],
                "per_process_single_connection": solo["per_worker"],
                "ours_async": f"{clients} coroutines x vouchers.transfer_async (the API's hot path) on {drivers} spawned "
                f"processes' event loops, {clients // drivers} asynchronous connections each; a None result "
                "goes to vouchers.transfer in a thread (counted)",
                "transfers_async": aio_run["transfers"],
                "async_handed_to_threads": aio_run["handed_to_threads"],
            }
        )
    finally:
        pg.drop(probe_db)
        pg.drop(our_db)
    return res


# --- 3. Lineage ----------------------------------------------------------------------------------

RAW_PATH_SQL = """
WITH RECURSIVE up(id, parent_id, holder_id, amount_fen, tier, status, contract_id, voucher_id, created_at, depth) AS (
  SELECT id, parent_id, holder_id, amount_fen, tier, status, contract_id, voucher_id, created_at, 0
  FROM fragment WHERE id = {p}
  UNION ALL
  SELECT f.id, f.parent_id, f.holder_id, f.amount_fen, f.tier, f.status, f.contract_id, f.voucher_id,
         f.created_at, up.depth + 1
  FROM fragment f JOIN up ON f.id = up.parent_id)
SELECT up.*, party.name AS holder_name FROM up JOIN party ON party.id = up.holder_id ORDER BY up.depth DESC
"""


def _time_lineage(
    ctx: Any, targets: list[str], reps: int, raw_call: Callable[[str], int], expect_len: int
) -> dict[str, Any]:
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import lineage as lin

    # warm-up and correctness: every target really is at the wanted depth
    counter = StatementCounter(ctx.engine)
    for fid in targets:
        r = lin.lineage(ctx, viewer=SYSTEM, fragment_id=fid, with_documents=False)
        if len(r.path) != expect_len:
            raise RuntimeError(f"{fid}: path of {len(r.path)} rows, expected {expect_len}")
    counter.close()
    stmts = counter.n / len(targets) if counter.active else None
    t_lin, t_path, t_raw, c_lin, c_path = [], [], [], [], []
    cpu = time.process_time
    for _ in range(reps):  # the three interleaved per fragment, so background load hits them alike
        with ctx.uow(readonly=True) as uow:
            for fid in targets:
                c, t = cpu(), time.perf_counter()
                lin.lineage(ctx, viewer=SYSTEM, fragment_id=fid, with_documents=False)
                t_lin.append((time.perf_counter() - t) * 1000)
                c_lin.append((cpu() - c) * 1000)
                c, t = cpu(), time.perf_counter()
                rows = lin.path_to_root(uow.conn, fid)
                t_path.append((time.perf_counter() - t) * 1000)
                c_path.append((cpu() - c) * 1000)
                t = time.perf_counter()
                n = raw_call(fid)
                t_raw.append((time.perf_counter() - t) * 1000)
                assert len(rows) == expect_len and n == expect_len
    return {
        "lineage": t_lin,
        "path": t_path,
        "raw": t_raw,
        "statements_per_lineage": stmts,
        "cpu_lineage": c_lin,
        "cpu_path": c_path,
    }


def _lineage_rows(res: Result, label: str, t: dict[str, Any]) -> None:
    raw_med = statistics.median(t["raw"])
    for key, name in (("lineage", "lineage() median"), ("path", "path_to_root median")):
        med = statistics.median(t[key])
        res.rows.append(Row(f"{label} {name}", med, raw_med, "ms", "< 5 ms", med < 5.0, raw_med / med))
        res.rows.append(
            Row(
                f"{label} {name.split()[0]} p95",
                pct(t[key], 0.95),
                pct(t["raw"], 0.95),
                "ms",
                "(info)",
                None,
                pct(t["raw"], 0.95) / pct(t[key], 0.95),
            )
        )
        # this process's CPU per call: what load on a shared machine cannot inflate (on PostgreSQL the
        # server's share is not in it)
        res.rows.append(
            Row(f"{label} {name.split()[0]} CPU median", statistics.median(t["cpu_" + key]), None, "ms", "(info)", None)
        )


def bench_lineage(cfg: Config, pg: Pg | None, tmp: Path) -> Result:
    from lianrong.platform.context import SYSTEM

    n = cfg.lineage_fragments
    res = Result(
        "lineage",
        f"3. Lineage of depth-20 fragments among {n:,}+ fragments "
        "(with_documents=False; limit = the same recursive SQL, raw driver)",
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lineage-{ledger.DATA_VERSION}-{ledger.schema_head()}-{n}.db"
    meta = ledger.cached(path, lambda p: ledger.build_lineage_ledger(p, fragments=n), log)
    targets_all = meta["targets"]
    step = max(1, len(targets_all) // cfg.lineage_samples)
    targets = targets_all[::step][: cfg.lineage_samples]
    expect = meta["target_depth"] + 1
    res.details.update(
        {
            "ledger": {k: meta[k] for k in ("fragments", "vouchers", "parties", "build_seconds")},
            "cache": str(path.relative_to(REPO)),
            "targets": len(targets),
            "samples_per_figure": len(targets) * cfg.lineage_reps,
        }
    )

    ctx = workers.context(f"sqlite:///{path}")
    raw = sqlite3.connect(path)
    sql = RAW_PATH_SQL.format(p="?")
    t = _time_lineage(ctx, targets, cfg.lineage_reps, lambda fid: len(raw.execute(sql, (fid,)).fetchall()), expect)
    raw.close()
    _lineage_rows(res, "SQLite", t)
    res.details["sqlite_statements_per_lineage"] = round(t["statements_per_lineage"], 1)
    log(
        f"sqlite lineage median {statistics.median(t['lineage']):.2f} ms, "
        f"path_to_root {statistics.median(t['path']):.2f} ms, raw {statistics.median(t['raw']):.2f} ms"
    )
    if cfg.profile:
        from lianrong.vouchers import lineage as lin

        profiled(
            "lineage-sqlite",
            lambda: [
                lin.lineage(ctx, viewer=SYSTEM, fragment_id=f, with_documents=False) for _ in range(5) for f in targets
            ],
        )
    ctx.engine.dispose()

    if pg is not None:
        import psycopg

        db = f"lianrong_bench_lineage_{os.getpid()}"
        try:
            url = pg.create(db)
            pctx = workers.context(url)
            tl = time.perf_counter()
            ledger.copy_to_postgres(path, url)
            load_s = time.perf_counter() - tl
            log(f"copied ledger to PostgreSQL in {load_s:.1f} s")
            u = pg.admin
            conn = psycopg.connect(
                host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=db, autocommit=True
            )
            psql = RAW_PATH_SQL.format(p="%s")
            t = _time_lineage(
                pctx, targets, cfg.lineage_reps, lambda fid: len(conn.execute(psql, (fid,)).fetchall()), expect
            )
            conn.close()
            _lineage_rows(res, "PostgreSQL", t)
            res.details["pg_copy_seconds"] = round(load_s, 1)
            log(
                f"pg lineage median {statistics.median(t['lineage']):.2f} ms, "
                f"path_to_root {statistics.median(t['path']):.2f} ms, raw {statistics.median(t['raw']):.2f} ms"
            )
            if cfg.profile:
                from lianrong.vouchers import lineage as lin

                profiled(
                    "lineage-pg",
                    lambda: [
                        lin.lineage(pctx, viewer=SYSTEM, fragment_id=f, with_documents=False)
                        for _ in range(5)
                        for f in targets
                    ],
                )
            pctx.engine.dispose()
        finally:
            pg.drop(db)
    return res


# --- 5. Split report ------------------------------------------------------------------------------


def bench_split_report(cfg: Config) -> Result:
    """``splits.split_report`` over every active voucher of the lineage ledger (built or cached as for
    ``lineage``), against the raw sqlite3 fetch of the same rows (the floor of any report over them)."""
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import splits

    n = cfg.lineage_fragments
    res = Result(
        "split-report",
        f"5. Split report (77号) over every active voucher of the {n:,}-fragment "
        "lineage ledger (SQLite; limit = the raw fetch of the same rows)",
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lineage-{ledger.DATA_VERSION}-{ledger.schema_head()}-{n}.db"
    ledger.cached(path, lambda p: ledger.build_lineage_ledger(p, fragments=n), log)
    ctx = workers.context(f"sqlite:///{path}")
    raw = sqlite3.connect(path)
    floor_sql = (
        "SELECT f.voucher_id, f.id, f.parent_id, f.holder_id, f.amount_fen, f.tier, f.status, f.created_at "
        "FROM fragment f JOIN voucher v ON v.id = f.voucher_id WHERE v.status = 'active'"
    )
    ours, floor, rows = [], [], 0
    for _ in range(3):  # interleaved; the best of three each (a warm cache on both sides)
        t = time.perf_counter()
        rows = len(raw.execute(floor_sql).fetchall())
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = splits.split_report(ctx, actor=SYSTEM, limit=10)
        ours.append(time.perf_counter() - t)
    raw.close()
    ctx.engine.dispose()
    best, limit = min(ours), min(floor)
    log(f"split report {best:.2f} s over {rows:,} fragments, raw fetch {limit:.2f} s")
    res.rows.append(Row("seconds", best, limit, "s", "(info)", None, limit / best))
    res.details.update(
        {
            "vouchers": report.summary.vouchers,
            "fragments": rows,
            "flagged": report.summary.flagged,
            "findings_by_code": dict(report.summary.findings_by_code),
            "runs_seconds": [round(x, 2) for x in ours],
            "floor_runs_seconds": [round(x, 2) for x in floor],
        }
    )
    return res


# --- 4. Settlement -------------------------------------------------------------------------------

DUE = dt.date(2027, 3, 15)


def raw_settlement_floor(path: Path) -> float:
    """The writes a settlement must make, with raw sqlite3 (FULL, WAL), one transaction per voucher:
    read the leaves and accounts, insert an instruction per leaf, move simulated balances, confirm the
    instructions, settle the leaves and the voucher, append two log rows. Returns seconds."""
    from lianrong.kernel.ids import new_id

    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=FULL")
    c.execute("pragma foreign_keys=on")
    now = ledger.ts(dt.datetime.combine(DUE, dt.time(9, 0)))
    t = time.perf_counter()
    vids = [
        r[0]
        for r in c.execute(
            "select id from voucher where maturity_on <= ? and status in ('active','overdue') order by maturity_on, id",
            (DUE.isoformat(),),
        )
    ]
    for vid in vids:
        c.execute("begin immediate")
        core, bank, seq, head = c.execute(
            "select core_id, bank_id, seq, head_hash from voucher where id=?", (vid,)
        ).fetchone()
        leaves = c.execute(
            "select id, holder_id, amount_fen from fragment where voucher_id=? and status in "
            "('active','financed','overdue') order by id",
            (vid,),
        ).fetchall()
        accounts = dict(c.execute("select party_id, settlement_account from onboarding where bank_id=?", (bank,)))
        ins = [
            (
                new_id("pay"),
                core,
                "settlement",
                vid,
                fid,
                None,
                core,
                holder,
                accounts.get(holder),
                bank,
                amount,
                DUE.isoformat(),
                "pending",
                None,
                None,
                now,
                None,
            )
            for fid, holder, amount in leaves
        ]
        c.executemany("insert into payment_instruction values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ins)
        total = sum(r[2] for r in leaves)
        c.execute("update sim_account set balance_fen = balance_fen - ? where party_id = ?", (total, core))
        paid: dict[str, int] = {}
        for _, holder, amount in leaves:
            paid[holder] = paid.get(holder, 0) + amount
        c.executemany(
            "insert into sim_account values (?, ?) on conflict(party_id) do update set "
            "balance_fen = balance_fen + excluded.balance_fen",
            list(paid.items()),
        )
        c.executemany(
            "update payment_instruction set status='confirmed', reference=?, confirmed_at=? "
            "where id=? and status='pending'",
            [(f"SIM-{r[0][-12:]}", now, r[0]) for r in ins],
        )
        c.executemany("update fragment set status='settled' where id=?", [(r[0],) for r in leaves])
        c.execute(
            "update voucher set status='settled', seq=?, head_hash=? where id=? and seq=?", (seq + 2, head, vid, seq)
        )
        c.executemany(
            "insert into voucher_op values (?,?,?,?,?,?,?,?,?)",
            [
                (vid, seq + 1, core, "settle_instruct", "{}", head, head, "system", now),
                (vid, seq + 2, core, "settle", "{}", head, head, "system", now),
            ],
        )
        c.execute("commit")
    dt_s = time.perf_counter() - t
    c.close()
    return dt_s


def bench_settlement(cfg: Config, tmp: Path) -> Result:
    from lianrong.settlement import service as settlement

    nv, nl = cfg.settle_vouchers, cfg.settle_leaves
    leaves = nv * nl
    target_s = 30.0 * leaves / 100_000
    res = Result(
        "settlement",
        f"4. Settlement of {leaves:,} due leaves ({nv:,} vouchers x {nl} leaves, one date, "
        "SQLite synchronous=FULL, simulated bank)",
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    src = CACHE / f"settle-{ledger.DATA_VERSION}-{ledger.schema_head()}-{nv}x{nl}.db"
    meta = ledger.cached(src, lambda p: ledger.build_settlement_ledger(p, vouchers=nv, leaves=nl, due=DUE), log)

    db = tmp / "settle.db"
    shutil.copyfile(src, db)
    ctx = workers.context(f"sqlite:///{db}", today=DUE)
    counter = StatementCounter(ctx.engine)
    t = time.perf_counter()
    summary = settlement.settle(ctx, on=DUE)
    ours = time.perf_counter() - t
    counter.close()
    log(f"settle: {ours:.1f} s, {summary.instructions} instructions, {counter.n / nv:.0f} statements/voucher")
    with ctx.engine.connect() as c:
        settled = c.exec_driver_sql("select count(*) from fragment where status='settled'").scalar()
        vsettled = c.exec_driver_sql("select count(*) from voucher where status='settled'").scalar()
    ctx.engine.dispose()
    ok = (
        summary.vouchers == nv
        and summary.instructions == leaves
        and summary.confirmed == leaves
        and not summary.errors
        and settled == leaves
        and vsettled == nv
    )
    if not ok:
        raise RuntimeError(f"settlement incomplete: {summary} settled leaves={settled} vouchers={vsettled}")

    floor_db = tmp / "settle-floor.db"
    shutil.copyfile(src, floor_db)
    floor = raw_settlement_floor(floor_db)
    log(f"raw floor: {floor:.1f} s")
    res.rows.append(Row("seconds", ours, floor, "s", f"< {target_s:.0f} s", ours < target_s, floor / ours))
    res.rows.append(Row("leaves/s", leaves / ours, leaves / floor, "", "(info)", None, floor / ours))
    res.details.update(
        {
            "ledger": {k: meta[k] for k in ("vouchers", "leaves", "fragments", "build_seconds")},
            "statements_per_voucher": round(counter.n / nv, 1),
            "limit_is": "raw sqlite3 doing the same writes, 1 transaction per voucher (ratio = limit / ours)",
            "target_note": "30 s per 100,000 leaves" + (" (scaled for --quick)" if cfg.quick else ""),
        }
    )
    if cfg.profile:  # on the 100 x 100 ledger: the same per-voucher path, a tenth of the time
        psrc = CACHE / f"settle-{ledger.DATA_VERSION}-{ledger.schema_head()}-100x{nl}.db"
        ledger.cached(psrc, lambda p: ledger.build_settlement_ledger(p, vouchers=100, leaves=nl, due=DUE), log)
        pdb = tmp / "settle-profile.db"
        shutil.copyfile(psrc, pdb)
        pctx = workers.context(f"sqlite:///{pdb}", today=DUE)
        profiled("settlement", lambda: settlement.settle(pctx, on=DUE))
        pctx.engine.dispose()
    return res


# --- main ----------------------------------------------------------------------------------------


def src_digest() -> str:
    """A digest of the package sources measured (the tree may change between runs)."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted((REPO / "src").rglob("*.py")):
        h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def git_commit() -> str | None:
    """HEAD, with ``+dirty`` when tracked files other than bench/results differ from it (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("+dirty" if dirty else "")) or None


def append_run(
    script: str, args: dict[str, Any], host: dict[str, Any], results: list[Result], path: Path = RUNS_LOG
) -> dict[str, Any]:
    """Append one run to the committed log (one JSON object per line), from the rows the tables print."""
    record = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "script": script,
        "args": args,
        "commit": git_commit(),
        "src": src_digest(),
        "host": host,
        "benchmarks": {
            r.name: {
                "skipped": r.skipped,
                "rows": [
                    {
                        "measure": row.measure,
                        "ours": row.ours,
                        "limit": row.limit,
                        "unit": row.unit,
                        "ratio": row.ratio,
                        "target": row.target,
                        "result": verdict(row),
                    }
                    for row in r.rows
                ],
            }
            for r in results
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    return record


def machine(pg: Pg | None) -> dict[str, Any]:
    import sqlalchemy

    info = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
    }
    if pg is not None:
        with contextlib.suppress(Exception):
            info["postgresql"] = pg.version()
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes (100k-fragment lineage, 10k-leaf settlement)")
    ap.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(NAMES))
    ap.add_argument("--profile", action="store_true", help="extra pyinstrument pass per benchmark")
    ap.add_argument("--no-pg", action="store_true", help="skip everything PostgreSQL")
    args = ap.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(NAMES)
    unknown = [s for s in only if s not in NAMES]
    if unknown:
        ap.error(f"unknown benchmark {unknown}; choose from {', '.join(NAMES)}")

    cfg = config(args.quick, args.profile, not args.no_pg)
    probes = shared_bench_dir()
    pg: Pg | None = None
    pg_reason = "--no-pg"
    if cfg.pg:
        pg = Pg(pg_admin_url())
        pg_reason = pg.available() or ""
        if pg_reason:
            log(f"PostgreSQL unavailable ({pg_reason}): PostgreSQL parts skipped")
            pg = None
    command = "python bench/run.py" + (
        " " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])) if (argv or sys.argv[1:]) else ""
    )
    started = dt.datetime.now(dt.UTC)
    log(f"{command}: {', '.join(only)}; probes from {probes}")
    results: list[Result] = []
    tmp = Path(tempfile.mkdtemp(prefix="lianrong-bench-"))
    try:
        for name in only:
            load_before = os.getloadavg()[0]
            log(f"--- {name} (load average {load_before:.1f} on {os.cpu_count()} cores)")
            if load_before > (os.cpu_count() or 1):
                log("warning: the machine is busy; absolute figures will be low, ratios are interleaved")
            try:
                if name == "sqlite-transfer":
                    results.append(bench_sqlite_transfer(cfg, probes, tmp))
                elif name == "pg-transfer":
                    if pg is None:
                        results.append(Result(name, "2. PostgreSQL split-transfer", skipped=pg_reason))
                    else:
                        results.append(bench_pg_transfer(cfg, probes, pg))
                elif name == "lineage":
                    results.append(bench_lineage(cfg, pg, tmp))
                elif name == "settlement":
                    results.append(bench_settlement(cfg, tmp))
                elif name == "split-report":
                    results.append(bench_split_report(cfg))
            except Exception as exc:  # noqa: BLE001 - one broken benchmark never hides the others
                import traceback

                traceback.print_exc()
                results.append(Result(name, name, skipped=f"ERROR {exc.__class__.__name__}: {exc}"))
            results[-1].details["load_average_1m_before_after"] = (round(load_before, 1), round(os.getloadavg()[0], 1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"\n# LianRong benchmarks — {started:%Y-%m-%d %H:%M} UTC — {'quick' if cfg.quick else 'full'} — "
        f"{os.cpu_count()} cores — src {src_digest()}\n`{command}`"
    )
    for r in results:
        print_table(r)
    misses = sorted({r.name for r in results for row in r.rows if row.passed is False})
    broken = [r.name for r in results if r.skipped]
    print(
        "\n"
        + ("MISSED: " + ", ".join(misses) if misses else "No target missed.")
        + (" NOT MEASURED: " + ", ".join(broken) if broken else "")
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {
        "date": started.isoformat(timespec="seconds"),
        "command": command,
        "mode": "quick" if cfg.quick else "full",
        "machine": machine(pg),
        "src_sha256_16": src_digest(),
        "probes": os.path.relpath(probes, REPO),
        "seconds": round(time.perf_counter() - T0, 1),
        "results": {
            r.name: {
                "title": r.title,
                "skipped": r.skipped,
                "details": r.details,
                "rows": [row.__dict__ for row in r.rows],
            }
            for r in results
        },
    }
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str))
    log(f"wrote {(RESULTS / 'latest.json').relative_to(REPO)}")
    append_run(
        "run.py",
        {"mode": out["mode"], "only": only, "profile": args.profile, "no_pg": args.no_pg},
        {
            "cores": os.cpu_count(),
            "load_average_1m": {r.name: r.details.get("load_average_1m_before_after") for r in results},
        },
        results,
    )
    log(f"appended to {RUNS_LOG.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
