"""Bulk-built ledgers for the benchmarks: parties, contracts, vouchers and fragment trees.

Rows are written straight into a migrated LianRong schema with raw ``sqlite3`` ``executemany`` (and
copied to PostgreSQL with ``COPY``): building a million fragments through the services would take
hours. Values are stored exactly as SQLAlchemy stores them on SQLite (ISO dates, ``YYYY-MM-DD
HH:MM:SS.ffffff`` timestamps, 0/1 booleans, JSON text), so the services read them back unchanged.

Two shapes:

- :func:`build_lineage_ledger`: many vouchers, each a tree grown by random transfers (a recipient
  child one tier up plus a remainder back to the sender); every ``DEEP_EVERY``-th voucher first grows a
  spine of 20 transfers, so its last two fragments sit 20 edges below the root (the lineage targets).
- :func:`build_settlement_ledger`: ``vouchers`` vouchers of ``leaves`` leaves each, all maturing on one
  date, leaves held by onboarded suppliers, cores funded in the simulated bank.

Both are deterministic (seeded) and cached under ``bench/.cache/`` keyed by :data:`DATA_VERSION`, the
schema revision and the size.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

#: bump when the generated data changes shape; part of every cache key
DATA_VERSION = "d1"
MAX_TIER = 20
SPINE = 20  # transfers in a deep voucher's spine: its last fragments have depth 20
DEEP_EVERY = 25  # every 25th voucher of the lineage ledger is deep

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Ids:
    """Ids in LianRong's format (prefix, 10 time characters, 16 random), seeded and time-ordered."""

    def __init__(self, rng: random.Random, start_ms: int) -> None:
        self.rng = rng
        self.ms = start_ms

    @staticmethod
    def _b32(value: int, length: int) -> str:
        out = []
        for _ in range(length):
            out.append(_ALPHABET[value & 31])
            value >>= 5
        return "".join(reversed(out))

    def new(self, prefix: str) -> str:
        self.ms += 1
        return f"{prefix}_{self._b32(self.ms, 10)}{self._b32(self.rng.getrandbits(80), 16)}"


def ts(d: dt.datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite DateTime stores it."""
    return d.strftime("%Y-%m-%d %H:%M:%S.%f")


def _schema(path: Path) -> None:
    """Create a migrated, empty LianRong database at ``path`` through the package's own migrations."""
    from lianrong.adapters.db import migrate

    migrate.upgrade(f"sqlite:///{path}")


def schema_head() -> str:
    from lianrong.adapters.db import migrate

    return migrate.head()


def _open_bulk(path: Path) -> sqlite3.Connection:
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=off")
    c.execute("pragma foreign_keys=off")
    c.execute("pragma cache_size=-262144")
    return c


def _finish(c: sqlite3.Connection) -> None:
    problems = c.execute("pragma foreign_key_check").fetchmany(5)
    if problems:
        raise RuntimeError(f"bulk ledger has foreign-key violations: {problems}")
    c.execute("pragma wal_checkpoint(truncate)")
    c.close()


def _insert(c: sqlite3.Connection, table: str, rows: Iterable[tuple]) -> int:
    rows = list(rows)
    if rows:
        marks = ",".join("?" * len(rows[0]))
        c.executemany(f"insert into {table} values ({marks})", rows)
    return len(rows)


# --- parties and documents -----------------------------------------------------------------------


def _parties(ids: Ids, *, cores: int, suppliers: int, now: dt.datetime) -> dict[str, Any]:
    from lianrong.kernel.identifiers import make_uscc

    bank = ids.new("bnk")
    rows = [(bank, "bank", make_uscc("91110000MA0000001"), "基准测试银行", None, None, ts(now))]
    core_ids, supplier_ids = [], []
    for i in range(cores):
        pid = ids.new("ent")
        core_ids.append(pid)
        rows.append((pid, "enterprise", make_uscc(f"91310000MB{i:07d}"), f"核心企业{i:03d}", None, None, ts(now)))
    for i in range(suppliers):
        pid = ids.new("ent")
        supplier_ids.append(pid)
        rows.append((pid, "enterprise", make_uscc(f"91440300MC{i:07d}"), f"供应商{i:05d}", None, None, ts(now)))
    return {"bank": bank, "cores": core_ids, "suppliers": supplier_ids, "rows": rows}


def _onboarding(p: dict[str, Any], now: dt.datetime) -> list[tuple]:
    return [
        (p["bank"], pid, f"6222{n:015d}", 1, f"UKEY-{n:06d}", ts(now))
        for n, pid in enumerate(p["cores"] + p["suppliers"])
    ]


def _designations(p: dict[str, Any], today: dt.date, now: dt.datetime) -> list[tuple]:
    return [(p["bank"], core, today.isoformat(), "1", 366, 1, MAX_TIER, "0.0050", ts(now)) for core in p["cores"]]


def _ledger(p: dict[str, Any], rng: random.Random, now: dt.datetime) -> list[tuple]:
    rows = []
    for core in p["cores"]:
        for s in rng.sample(p["suppliers"], min(len(p["suppliers"]), 50)):
            rows.append((p["bank"], core, s, None, None, None, None, None, ts(now)))
    return rows


def _contracts(
    ids: Ids, p: dict[str, Any], rng: random.Random, n: int, today: dt.date, now: dt.datetime
) -> list[tuple]:
    rows = []
    buyers = p["cores"] + p["suppliers"]
    for i in range(n):
        buyer = rng.choice(buyers)
        seller = rng.choice(p["suppliers"])
        while seller == buyer:
            seller = rng.choice(p["suppliers"])
        rows.append(
            (
                ids.new("ctr"),
                f"HT-B{i:07d}",
                buyer,
                seller,
                10**13,
                (today - dt.timedelta(days=rng.randint(10, 300))).isoformat(),
                (today + dt.timedelta(days=400)).isoformat(),
                1,
                ts(now),
                buyer,  # recorded by the buyer
                ts(now),  # and confirmed by the seller (a transfer needs a confirmed trade)
            )
        )
    return rows


# --- fragment trees ------------------------------------------------------------------------------


def _grow_tree(
    ids: Ids,
    rng: random.Random,
    *,
    voucher_id: str,
    core_id: str,
    root_holder: str,
    contract_id: str,
    face: int,
    splits: int,
    spine: int,
    suppliers: list[str],
    contracts: list[str],
    created: dt.datetime,
    leaf_status: str,
) -> tuple[list[tuple], list[str]]:
    """One voucher's fragment rows (parents before children) and the ids at the spine's end."""
    # node: [id, parent, holder, amount, tier, status, contract, depth]
    nodes: list[list[Any]] = [[ids.new("frg"), None, root_holder, face, 1, leaf_status, contract_id, 0]]
    leaves = [0]  # indices of unsplit nodes

    def split(i: int, to_recipient_share: float | None = None) -> tuple[int, int]:
        parent = nodes[i]
        amount = parent[3]
        give = max(1, min(amount - 1, int(amount * (to_recipient_share or rng.uniform(0.05, 0.6)))))
        recipient = rng.choice(suppliers)
        while recipient == parent[2]:
            recipient = rng.choice(suppliers)
        parent[5] = "spent"
        a = len(nodes)
        nodes.append(
            [
                ids.new("frg"),
                parent[0],
                recipient,
                give,
                parent[4] + 1,
                leaf_status,
                rng.choice(contracts),
                parent[7] + 1,
            ]
        )
        nodes.append(
            [ids.new("frg"), parent[0], parent[2], amount - give, parent[4], leaf_status, parent[6], parent[7] + 1]
        )
        return a, a + 1

    targets: list[str] = []
    if spine:
        cur = 0
        for step in range(spine):
            leaves.remove(cur)
            rec, rem = split(cur, 0.5)
            leaves += [rec, rem]
            # climb the supply chain; one step keeps the remainder so tier stays within MAX_TIER
            cur = rem if nodes[cur][4] + 1 > MAX_TIER or step == spine // 2 else rec
        targets = [nodes[-2][0], nodes[-1][0]]
    for _ in range(splits):
        for _attempt in range(8):
            i = rng.choice(leaves)
            if nodes[i][3] >= 2 and nodes[i][4] < MAX_TIER:
                break
        else:
            continue
        leaves.remove(i)
        leaves += list(split(i))
    rows = []
    for k, n in enumerate(nodes):
        rows.append(
            (n[0], voucher_id, core_id, n[1], n[2], n[3], n[4], n[5], n[6], None, ts(created + dt.timedelta(minutes=k)))
        )
    return rows, targets


def _voucher_row(
    vid: str,
    number: str,
    *,
    core: str,
    bank: str,
    supplier: str,
    contract: str,
    face: int,
    issue_on: dt.date,
    maturity: dt.date,
    status: str,
    seq: int,
    rng: random.Random,
    now: dt.datetime,
) -> tuple:
    return (
        vid,
        number,
        core,
        bank,
        supplier,
        contract,
        face,
        issue_on.isoformat(),
        maturity.isoformat(),
        maturity.isoformat(),
        1,
        status,
        None,
        None,
        "usr_BENCHPREPARER",
        "usr_BENCHAPPROVER",
        None,
        "[]",
        seq,
        f"{rng.getrandbits(256):064x}",
        "sha256",
        ts(now),
    )


def _atomic_build(final: Path, build: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """Build into a temporary file, then move it (and its metadata) into place."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + f".building-{os.getpid()}")
    for extra in ("", "-wal", "-shm"):
        Path(str(tmp) + extra).unlink(missing_ok=True)
    t0 = time.perf_counter()
    _schema(tmp)
    meta = build(tmp)
    meta["build_seconds"] = round(time.perf_counter() - t0, 1)
    for extra in ("-wal", "-shm"):
        Path(str(tmp) + extra).unlink(missing_ok=True)
    os.replace(tmp, final)
    final.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return meta


def cached(path: Path, build: Callable[[Path], dict[str, Any]], log: Callable[[str], None]) -> dict[str, Any]:
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        log(f"using cached {path.name}")
        return json.loads(meta_path.read_text())
    log(f"building {path.name} (cached for later runs)")
    meta = _atomic_build(path, build)
    log(f"built {path.name} in {meta['build_seconds']} s")
    return meta


# --- the two ledgers -----------------------------------------------------------------------------


def build_lineage_ledger(path: Path, *, fragments: int, seed: int = 20261126) -> dict[str, Any]:
    """Vouchers with random transfer trees until ``fragments`` fragments exist; returns metadata."""
    rng = random.Random(seed)
    today = dt.date(2026, 11, 26)
    now = dt.datetime(2026, 11, 26, 9, 0)
    ids = Ids(rng, start_ms=int(dt.datetime(2026, 1, 1).timestamp() * 1000))
    c = _open_bulk(path)
    c.execute("begin")
    p = _parties(ids, cores=20, suppliers=2000, now=now)
    _insert(c, "party", p["rows"])
    _insert(c, "onboarding", _onboarding(p, now))
    _insert(c, "core_designation", _designations(p, today, now))
    _insert(c, "supplier_ledger", _ledger(p, rng, now))
    contract_rows = _contracts(ids, p, rng, 5000, today, now)
    _insert(c, "contract", contract_rows)
    contracts = [r[0] for r in contract_rows]
    n_frag = n_vouch = 0
    targets: list[str] = []
    depth_max = 0
    batch: list[tuple] = []
    vbatch: list[tuple] = []
    while n_frag < fragments:
        vid = ids.new("vch")
        core = p["cores"][n_vouch % len(p["cores"])]
        supplier = rng.choice(p["suppliers"])
        issue_on = today - dt.timedelta(days=rng.randint(0, 330))
        maturity = issue_on + dt.timedelta(days=rng.randint(60, 360))
        settled = maturity < today
        deep = n_vouch % DEEP_EVERY == DEEP_EVERY - 1
        splits = rng.randint(10, 90) if not deep else rng.randint(0, 40)
        splits = min(splits, max(0, (fragments - n_frag - 1) // 2 - (SPINE if deep else 0)))
        contract = rng.choice(contracts)
        face = rng.randint(10**9, 10**11)
        created = dt.datetime.combine(issue_on, dt.time(9, 0))
        rows, tgt = _grow_tree(
            ids,
            rng,
            voucher_id=vid,
            core_id=core,
            root_holder=supplier,
            contract_id=contract,
            face=face,
            splits=splits,
            spine=SPINE if deep else 0,
            suppliers=p["suppliers"],
            contracts=contracts,
            created=created,
            leaf_status="settled" if settled else "active",
        )
        vbatch.append(
            _voucher_row(
                vid,
                f"LRB{n_vouch:012d}",
                core=core,
                bank=p["bank"],
                supplier=supplier,
                contract=contract,
                face=face,
                issue_on=issue_on,
                maturity=maturity,
                status="settled" if settled else "active",
                seq=2 + (len(rows) - 1) // 2,
                rng=rng,
                now=now,
            )
        )
        batch += rows
        targets += tgt
        n_frag += len(rows)
        n_vouch += 1
        if len(batch) > 50_000:
            _insert(c, "voucher", vbatch)
            _insert(c, "fragment", batch)
            batch, vbatch = [], []
    _insert(c, "voucher", vbatch)
    _insert(c, "fragment", batch)
    c.execute("commit")
    depth_max = max(depth_max, SPINE if targets else 0)
    _finish(c)
    return {
        "kind": "lineage",
        "version": DATA_VERSION,
        "fragments": n_frag,
        "vouchers": n_vouch,
        "parties": len(p["rows"]),
        "targets": targets,
        "target_depth": SPINE,
        "seed": seed,
    }


def build_settlement_ledger(
    path: Path, *, vouchers: int, leaves: int, due: dt.date, seed: int = 20270315
) -> dict[str, Any]:
    """``vouchers`` active vouchers due on ``due``, each with ``leaves`` active leaves."""
    rng = random.Random(seed)
    issue_on = due - dt.timedelta(days=180)
    now = dt.datetime.combine(issue_on, dt.time(9, 0))
    ids = Ids(rng, start_ms=int(dt.datetime.combine(issue_on, dt.time()).timestamp() * 1000))
    c = _open_bulk(path)
    c.execute("begin")
    p = _parties(ids, cores=10, suppliers=1000, now=now)
    _insert(c, "party", p["rows"])
    _insert(c, "onboarding", _onboarding(p, now))
    _insert(c, "core_designation", _designations(p, issue_on, now))
    _insert(c, "supplier_ledger", _ledger(p, rng, now))
    contract_rows = _contracts(ids, p, rng, 3000, issue_on, now)
    _insert(c, "contract", contract_rows)
    contracts = [r[0] for r in contract_rows]
    _insert(c, "sim_account", [(core, 10**16) for core in p["cores"]])
    n_frag = 0
    total_leaves = 0
    vrows, frows = [], []
    for n in range(vouchers):
        vid = ids.new("vch")
        core = p["cores"][n % len(p["cores"])]
        supplier = rng.choice(p["suppliers"])
        contract = rng.choice(contracts)
        face = rng.randint(10**8, 10**10)
        rows, _ = _grow_tree(
            ids,
            rng,
            voucher_id=vid,
            core_id=core,
            root_holder=supplier,
            contract_id=contract,
            face=face,
            splits=leaves - 1,
            spine=0,
            suppliers=p["suppliers"],
            contracts=contracts,
            created=now,
            leaf_status="active",
        )
        n_leaves = sum(1 for r in rows if r[7] == "active")
        if n_leaves != leaves:
            raise RuntimeError(f"voucher {n}: {n_leaves} leaves, wanted {leaves}")
        total_leaves += n_leaves
        vrows.append(
            _voucher_row(
                vid,
                f"LRS{n:012d}",
                core=core,
                bank=p["bank"],
                supplier=supplier,
                contract=contract,
                face=face,
                issue_on=issue_on,
                maturity=due,
                status="active",
                seq=2 + (len(rows) - 1) // 2,
                rng=rng,
                now=now,
            )
        )
        frows += rows
        n_frag += len(rows)
    _insert(c, "voucher", vrows)
    _insert(c, "fragment", frows)
    c.execute("commit")
    _finish(c)
    return {
        "kind": "settlement",
        "version": DATA_VERSION,
        "vouchers": vouchers,
        "leaves": total_leaves,
        "fragments": n_frag,
        "due": due.isoformat(),
        "seed": seed,
    }


# --- PostgreSQL copy -----------------------------------------------------------------------------

#: tables the bench ledgers fill, parents before children
LEDGER_TABLES = (
    "party",
    "onboarding",
    "core_designation",
    "supplier_ledger",
    "contract",
    "sim_account",
    "voucher",
    "fragment",
)


def _rows(c: sqlite3.Connection, table: str) -> Iterator[tuple]:
    cur = c.execute(f"select * from {table} order by rowid")
    while True:
        chunk = cur.fetchmany(10_000)
        if not chunk:
            return
        yield from chunk


def copy_to_postgres(sqlite_path: Path, pg_url: str) -> dict[str, int]:
    """Copy a bench ledger from SQLite into a migrated PostgreSQL database with COPY, then ANALYZE."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    src = sqlite3.connect(sqlite_path)
    counts = {}
    with psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database
    ) as pg:
        with pg.cursor() as cur:
            for table in LEDGER_TABLES:
                cols = [r[1] for r in src.execute(f"pragma table_info({table})")]
                n = 0
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in _rows(src, table):
                        cp.write_row(row)
                        n += 1
                counts[table] = n
        pg.commit()
        pg.autocommit = True
        pg.execute("ANALYZE")
    src.close()
    return counts
