"""Racing OS processes on one ledger: the guarded consume holds without a global lock.

One race per database (PostgreSQL and a SQLite file in WAL mode) starts ``N_PROCESSES`` separate
Python processes (``race_worker.py``), each with its own engine and connections. They build their
context, wait at a barrier (a start file) and are released together. Each process then, with its own
idempotency keys:

1. *replay* — sends the very same transfer under the very same key as every other process;
2. *own* — transfers two fragments of its own, all sixteen being fragments of ONE voucher;
3. *shared* — tries to transfer EVERY one of the same 20 fragments (its own order and amount);
4. *finance* — tries to finance-apply the same 10 pairs of fragments (one from each of two vouchers,
   listed in either order, which must not deadlock; some processes apply for them one by one).

The race is run once per database (it costs eight interpreter start-ups) and each test below checks
one consequence of the architecture's concurrency rule — a fragment is consumed by a guarded update
inside the transaction that inserts its children:

* every shared fragment is spent, and every financed one frozen, by exactly one process; every other
  attempt is refused with a domain error (``fragment.not_active`` or ``conflict``), never a crash;
* processes spending *different* fragments of the *same* voucher all succeed and the voucher's
  operation log stays one unbroken hash chain;
* a replay returns the first result, even when the first request is still in flight;
* afterwards ``audit.verify`` finds all six invariants intact and every voucher's leaves sum to its face.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import TODAY, World, make_context
from sqlalchemy import create_engine, func, pool, select, text
from sqlalchemy.engine import make_url

from lianrong import bootstrap
from lianrong.adapters.db import tables as t
from lianrong.vouchers import audit

WORKER = Path(__file__).with_name("race_worker.py")
N_PROCESSES = 8
SUPPLIERS = ["s1", "s2", "s3", "s4"]
#: the refusals a losing racer may see: the fragment was consumed/frozen first, or a retried conflict
LOSING_CODES = {"fragment.not_active", "conflict"}
READY_TIMEOUT = 180  # seconds for every process to import and connect (a loaded CI box is slow)
RUN_TIMEOUT = 180
SHARED_AMOUNT = 100  # process i sends SHARED_AMOUNT + i fen of a shared fragment: the winner is recognisable


# --- set-up ----------------------------------------------------------------------------------------


def trading_world(url: str) -> World:
    """A World in which every supplier also buys from every other (any holder can pay any supplier)."""
    w = World(make_context(url))
    for buyer in SUPPLIERS:
        for seller in SUPPLIERS:
            if buyer != seller and (buyer, seller) not in w.contracts:
                w.contract(buyer, seller)
    return w


@dataclasses.dataclass(frozen=True)
class Leaf:
    id: str
    holder: str  # supplier name
    amount: int


def split_tree(w: World, face: int, rounds: int) -> list[Leaf]:
    """Issue a voucher to s1 and split it ``rounds`` times: each leaf gives a quarter to each other
    supplier and keeps the rest: ``4**rounds`` active leaves, the same holders in the same order every time."""
    names = {v: k for k, v in w.ids.items()}
    leaves = [Leaf(w.issue(face), "s1", face)]
    for _ in range(rounds):
        nxt = []
        for leaf in leaves:
            r = w.transfer(leaf.id, leaf.holder, [(o, leaf.amount // 4) for o in SUPPLIERS if o != leaf.holder])
            nxt += [Leaf(c.id, names[c.holder_id], c.amount_fen) for c in r.children]
        leaves = nxt
    return leaves


def actor(w: World, org: str) -> dict[str, str]:
    return dataclasses.asdict(w.user(org))


def another(holder: str, i: int) -> str:
    others = [s for s in SUPPLIERS if s != holder]
    return others[i % len(others)]


# --- running a race --------------------------------------------------------------------------------


def race(url: str, plans: list[list[dict[str, Any]]], where: Path) -> list[list[dict[str, Any]]]:
    """Run one process per plan, released together; every process's outcomes, in plan order."""
    where.mkdir(parents=True)
    start = where / "start"
    procs = []
    try:
        for i, ops in enumerate(plans):
            spec, out, ready = where / f"spec-{i}.json", where / f"out-{i}.json", where / f"ready-{i}"
            spec.write_text(
                json.dumps(
                    {
                        "url": url,
                        "today": TODAY.isoformat(),
                        "ops": ops,
                        "ready": str(ready),
                        "start": str(start),
                        "wait_seconds": READY_TIMEOUT + 30,
                    }
                )
            )
            log = (where / f"log-{i}.txt").open("w")
            p = subprocess.Popen(
                [sys.executable, str(WORKER), str(spec), str(out)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(os.environ),
                cwd=where,
            )
            procs.append((p, ready, out, log))
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(ready.exists() for _, ready, _, _ in procs):
            for i, (p, _, _, _) in enumerate(procs):
                assert p.poll() is None, f"process {i} exited before the start: {(where / f'log-{i}.txt').read_text()}"
            assert time.monotonic() < deadline, "the racing processes never all became ready"
            time.sleep(0.02)
        start.touch()  # the barrier opens: every process starts its operations now
        for i, (p, _, _, log) in enumerate(procs):
            code = p.wait(timeout=RUN_TIMEOUT)
            log.close()
            assert code == 0, f"process {i} failed ({code}): {(where / f'log-{i}.txt').read_text()}"
    finally:
        for p, _, _, log in procs:
            if p.poll() is None:
                p.kill()  # only the processes this race started
                p.wait()
            log.close()
    return [json.loads(out.read_text()) for _, _, out, _ in procs]


@dataclasses.dataclass
class Race:
    """A finished race: the world it ran on, what was planned and what each process got."""

    world: World
    shared: list[Leaf]
    own: list[Leaf]
    pairs: list[tuple[Leaf, Leaf]]
    replay_root: str
    seq_before: dict[str, int]
    results: list[list[dict[str, Any]]]

    def outcomes(self, scenario: str) -> list[tuple[int, dict[str, Any]]]:
        """(process, outcome) of every operation of one scenario."""
        return [(i, o) for i, outs in enumerate(self.results) for o in outs if o["op"]["scenario"] == scenario]

    def codes(self, scenario: str) -> Counter[str]:
        return Counter(o["code"] for _, o in self.outcomes(scenario) if not o["ok"] and "code" in o)


def plan_race(w: World) -> tuple[Race, list[list[dict[str, Any]]]]:
    shared = split_tree(w, 64_000_00, 2)[:10] + split_tree(w, 32_000_00, 2)[:10]
    own = split_tree(w, 256_000_00, 2)
    assert len(own) == 2 * N_PROCESSES
    a, b = split_tree(w, 64_000_00, 2), split_tree(w, 64_000_00, 2)  # same maturity, same holders leaf by leaf
    pairs = list(zip(a, b, strict=True))[:10]
    assert all(x.holder == y.holder for x, y in pairs)
    replay_root = w.issue(1_000_00)
    replay = {
        "scenario": "replay",
        "kind": "transfer",
        "fragment": replay_root,
        "actor": actor(w, "s1"),
        "key": "replay-1",
        "parts": [{"recipient": w.ids["s2"], "amount_fen": 400_00}],
    }
    with w.ctx.uow(readonly=True) as uow:
        seq_before = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.seq)).all())
    plans = []
    for i in range(N_PROCESSES):
        rnd = random.Random(i)
        mine = [
            {
                "scenario": "own",
                "kind": "transfer",
                "fragment": f.id,
                "actor": actor(w, f.holder),
                "key": f"own-{f.id}",
                "parts": [{"recipient": w.ids[another(f.holder, i + k)], "amount_fen": f.amount // (2 + k)}],
            }
            for k, f in enumerate(own[2 * i : 2 * i + 2])
        ]
        contested = [
            {
                "scenario": "shared",
                "kind": "transfer",
                "fragment": f.id,
                "actor": actor(w, f.holder),
                "key": f"shared-{i}-{f.id}",
                "parts": [{"recipient": w.ids[another(f.holder, i)], "amount_fen": SHARED_AMOUNT + i}],
            }
            for f in shared
        ]
        for j, (x, y) in enumerate(pairs):
            groups = [[x.id], [y.id]] if i % 3 == 2 else [[x.id, y.id] if i % 2 else [y.id, x.id]]
            contested += [
                {
                    "scenario": "finance",
                    "kind": "finance",
                    "fragments": g,
                    "actor": actor(w, x.holder),
                    "key": f"finance-{i}-{j}-{k}",
                }
                for k, g in enumerate(groups)
            ]
        plans.append([replay, *mine, *rnd.sample(contested, len(contested))])
    return Race(w, shared, own, pairs, replay_root, seq_before, []), plans


# --- one race per database, shared by the tests of this module ----------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def race_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh database for this module's race: a SQLite file (WAL), or a new PostgreSQL database made
    the way conftest's ``pg_url`` makes one (skipped without a server, failing under CI=true)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('race-sqlite') / 'race.db'}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    name = f"lr_test_{secrets.token_hex(6)}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool, connect_args={"connect_timeout": 5}
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def raced(race_url, tmp_path_factory) -> Iterator[Race]:
    w = trading_world(race_url)
    if w.ctx.engine.dialect.name == "sqlite":
        with w.ctx.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            conn.rollback()
    run, plans = plan_race(w)
    began = time.monotonic()
    run.results = race(race_url, plans, tmp_path_factory.mktemp("race") / "run")
    codes = {s: dict(run.codes(s)) for s in ("replay", "own", "shared", "finance")}
    print(
        f"\n{w.ctx.engine.dialect.name}: {N_PROCESSES} processes raced in {time.monotonic() - began:.1f} s; "
        f"refusals by scenario: {codes}"
    )
    yield run
    bootstrap.dispose(race_url)  # let the database be dropped


def fragment_rows(w: World) -> dict[str, Any]:
    with w.ctx.uow(readonly=True) as uow:
        return {r.id: r for r in uow.conn.execute(select(t.fragment))}


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_racing_process_crashes_and_losers_get_domain_refusals(raced):
    crashes = [
        (i, o["op"]["key"], o["crash"], o["traceback"])
        for i, outs in enumerate(raced.results)
        for o in outs
        if "crash" in o
    ]
    assert not crashes, "non-domain errors in racing processes:\n" + "\n".join(
        f"process {i}, {k}: {c}\n{tb}" for i, k, c, tb in crashes[:3]
    )
    for scenario in ("shared", "finance"):
        assert set(raced.codes(scenario)) <= LOSING_CODES, (scenario, raced.codes(scenario))


@pytest.mark.slow
def test_each_fragment_is_spent_by_exactly_one_of_the_racing_processes(raced):
    w = raced.world
    by_fragment: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for i, o in raced.outcomes("shared"):
        by_fragment[o["op"]["fragment"]].append((i, o))
    rows = fragment_rows(w)
    for f in raced.shared:
        attempts = by_fragment[f.id]
        assert len(attempts) == N_PROCESSES
        winners = [(i, o) for i, o in attempts if o["ok"]]
        assert len(winners) == 1, f"fragment {f.id} was spent by {len(winners)} processes: {winners}"
        losers = Counter(o.get("code") or o.get("crash") for _, o in attempts if not o["ok"])
        assert set(losers) <= LOSING_CODES, f"fragment {f.id}: unexpected refusals {losers}"
        i, won = winners[0]
        assert rows[f.id].status == "spent"
        children = {(r.id, r.holder_id, r.amount_fen) for r in rows.values() if r.parent_id == f.id}
        assert children == {(c["id"], c["holder_id"], c["amount_fen"]) for c in won["result"]["children"]}
        assert {(holder, amount) for _, holder, amount in children} == {
            (w.ids[another(f.holder, i)], SHARED_AMOUNT + i),
            (w.ids[f.holder], f.amount - SHARED_AMOUNT - i),
        }, "the ledger holds someone else's transfer"
    with w.ctx.uow(readonly=True) as uow:
        stored = set(
            uow.conn.execute(select(t.idempotency.c.key).where(t.idempotency.c.key.like("shared-%"))).scalars()
        )
    assert stored == {o["op"]["key"] for _, o in raced.outcomes("shared") if o["ok"]}, "a refusal left a key behind"


@pytest.mark.slow
def test_each_fragment_is_frozen_for_one_financing_only(raced):
    frozen_by: dict[str, str] = {}
    won = [o for _, o in raced.outcomes("finance") if o["ok"]]
    for o in won:
        for fid in o["op"]["fragments"]:
            assert fid not in frozen_by, f"fragment {fid} won by two financings"
            frozen_by[fid] = o["result"]["id"]
    assert set(frozen_by) == {f.id for pair in raced.pairs for f in pair}, "a fragment nobody won"
    rows = fragment_rows(raced.world)
    for fid, financing_id in frozen_by.items():
        assert (rows[fid].status, rows[fid].financing_id) == ("frozen", financing_id)
    with raced.world.ctx.uow(readonly=True) as uow:
        financings = set(uow.conn.execute(select(t.financing.c.id)).scalars())
        links = set(uow.conn.execute(select(t.financing_asset.c.asset_id, t.financing_asset.c.financing_id)))
    assert financings == {o["result"]["id"] for o in won}
    assert links == set(frozen_by.items())


@pytest.mark.slow
def test_processes_spending_different_fragments_of_one_voucher_all_succeed(raced):
    failed = [(o["op"]["fragment"], o.get("code") or o.get("crash")) for _, o in raced.outcomes("own") if not o["ok"]]
    assert not failed, f"transfers of distinct fragments of one voucher were refused: {failed}"
    rows = fragment_rows(raced.world)
    assert all(rows[f.id].status == "spent" for f in raced.own)
    vid = rows[raced.own[0].id].voucher_id
    with raced.world.ctx.uow(readonly=True) as uow:
        seq = uow.conn.execute(select(t.voucher.c.seq).where(t.voucher.c.id == vid)).scalar_one()
    assert seq == raced.seq_before[vid] + len(raced.own), "one chained operation per transfer"


@pytest.mark.slow
def test_a_replay_racing_the_first_request_returns_its_result(raced):
    """The same key and body from every process: the transfer happens once and all get its result."""
    outcomes = [o for _, o in raced.outcomes("replay")]
    rows = fragment_rows(raced.world)
    assert sum(1 for r in rows.values() if r.parent_id == raced.replay_root) == 2, "the transfer ran once"
    refused = Counter(o.get("code") or o.get("crash") for o in outcomes if not o["ok"])
    assert not refused, (
        f"{sum(refused.values())} of {N_PROCESSES} replays of one idempotency key were refused {dict(refused)} "
        "instead of returning the first result. services/common.py run_idempotent looks the key up before "
        "the body runs; a replay that started while the first request was in flight then waits on the "
        "voucher lock, finds the fragment spent and raises, and the key is never looked up again. A replay "
        "racing the first request must wait for it and return its result (e.g. claim the key first, or "
        "re-read the key when the body raises)."
    )
    assert len({json.dumps(o["result"], sort_keys=True) for o in outcomes}) == 1, "replays answered differently"


@pytest.mark.slow
def test_after_the_race_every_invariant_holds_and_every_chain_counts_each_success_once(raced):
    w = raced.world
    report = audit.verify(w.ctx)
    assert report.ok, report.violation  # includes invariant 6: every hash chain unbroken
    rows = fragment_rows(w)
    expected = Counter()
    for outs in raced.results:
        for o in outs:
            if o["ok"] and "fragment" in o["op"] and o["op"]["scenario"] != "replay":
                expected[rows[o["op"]["fragment"]].voucher_id] += 1
            elif o["ok"] and o["op"]["kind"] == "finance":
                expected.update({rows[fid].voucher_id for fid in o["op"]["fragments"]})
    expected[rows[raced.replay_root].voucher_id] += 1  # the replayed transfer ran once
    with w.ctx.uow(readonly=True) as uow:
        faces = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.face_fen)).all())
        seqs = dict(uow.conn.execute(select(t.voucher.c.id, t.voucher.c.seq)).all())
        n_ops = dict(
            uow.conn.execute(select(t.voucher_op.c.voucher_id, func.count()).group_by(t.voucher_op.c.voucher_id)).all()
        )
        leaves = dict(
            uow.conn.execute(
                select(t.fragment.c.voucher_id, func.sum(t.fragment.c.amount_fen))
                .where(t.fragment.c.status != "spent")
                .group_by(t.fragment.c.voucher_id)
            ).all()
        )
    assert {v: int(leaves[v]) for v in faces} == faces, "leaves no longer sum to the face"
    assert seqs == {v: raced.seq_before[v] + expected[v] for v in seqs}, "chain length ≠ successful operations"
    assert n_ops == seqs


def test_a_replay_waiting_behind_the_first_request_returns_its_result(world):
    """The deterministic form of the replay race: while the voucher is busy (its row locked on PostgreSQL,
    the write lock held on SQLite), a request and its retry under the same key both arrive; when the
    voucher frees up, both must get the one transfer's result."""
    import threading

    from lianrong.kernel.errors import LianRongError
    from lianrong.vouchers import service as vouchers

    w = world
    root = w.issue(1_000_00)
    with w.ctx.uow(readonly=True) as uow:
        vid = uow.conn.execute(select(t.fragment.c.voucher_id).where(t.fragment.c.id == root)).scalar_one()
    postgres = w.ctx.engine.dialect.name == "postgresql"
    blocker = w.ctx.engine.connect()
    hold = blocker.begin()  # BEGIN IMMEDIATE on SQLite: the write lock
    if postgres:
        blocker.execute(select(t.voucher.c.id).where(t.voucher.c.id == vid).with_for_update())
    outcomes: list[Any] = []

    def send() -> None:  # the same request under the same key: a client's retry of a slow call
        try:
            outcomes.append(
                vouchers.transfer(
                    w.ctx,
                    actor=w.user("s1"),
                    fragment_id=root,
                    parts=[{"recipient": w.ids["s2"], "amount_fen": 400_00}],
                    idempotency_key="retried-while-in-flight",
                )
            )
        except LianRongError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    try:
        for th in threads:
            th.start()
        if postgres:  # until both wait on the row lock, i.e. both are past their key look-up
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with w.ctx.engine.connect() as conn:
                    waiting = conn.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock'"
                        )
                    ).scalar()
                if waiting >= 2:
                    break
                time.sleep(0.05)
        else:  # both wait at BEGIN IMMEDIATE, before their key look-up: nothing to observe
            time.sleep(1.0)
    finally:
        hold.rollback()
        blocker.close()
        for th in threads:
            th.join(timeout=60)
    assert len(outcomes) == 2
    assert all(isinstance(o, vouchers.TransferResult) for o in outcomes), (
        f"a retry of an in-flight request under the same idempotency key got {outcomes[1] if isinstance(outcomes[0], vouchers.TransferResult) else outcomes[0]!r} "
        "instead of the first result (services/common.py run_idempotent: the key is looked up before the "
        "body waits for the voucher lock and not again when the body then refuses)"
    )
    assert outcomes[0] == outcomes[1]
    assert audit.verify(w.ctx).ok
