"""Worker processes of the PostgreSQL transfer benchmark (a module of its own so ``spawn`` can import it)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from typing import Any

TODAY = dt.date(2026, 11, 26)


def context(url: str, *, synchronous: str = "FULL", today: dt.date = TODAY) -> Any:
    """A service context on ``url`` (migrated if needed) with a fixed business date."""
    from lianrong import bootstrap
    from lianrong.platform.context import FixedClock
    from lianrong.settings import Settings

    settings = Settings(database_url=url, environment="test", sqlite_synchronous=synchronous)
    return bootstrap.build(settings=settings, clock=FixedClock(today))


def transfer_worker(
    index: int,
    url: str,
    roots: list[str],
    actor: Any,
    recipient: str,
    ready: Any,
    start: Any,
    duration: float,
    results: Any,
    key_prefix: str = "pgw",
    threads: int = 1,
    asynchronous: bool = False,
) -> None:
    """Transfer 1 fen from the latest remainder of each of this worker's vouchers, round robin, for
    ``duration`` seconds after ``start`` is set, on ``threads`` threads (each its own connection and its own
    share of the vouchers); put (index, transfers, seconds, errors, CPU seconds, traceback)."""
    import threading

    from lianrong.vouchers import service as vouchers

    if asynchronous:
        _async_transfer_worker(
            index, url, roots, actor, recipient, ready, start, duration, results, key_prefix, threads
        )
        return
    try:
        ctx = context(url)
        shares = [list(roots[t::threads]) for t in range(threads)]
        counts = [[0, 0] for _ in range(threads)]  # transfers, errors
        failures: list[BaseException] = []

        def one(current: list[str], slot: int, key: str) -> None:
            r = vouchers.transfer(
                ctx,
                actor=actor,
                fragment_id=current[slot],
                parts=[{"recipient": recipient, "amount_fen": 1}],
                idempotency_key=key,
            )
            current[slot] = r.children[-1].id  # the remainder, back to the sender

        for t, current in enumerate(shares):  # warm-up: statement caches, pool connections
            for slot in range(len(current)):
                one(current, slot, f"{key_prefix}{index}-{t}-w{slot}")

        def loop(t: int, deadline: float) -> None:
            current, count = shares[t], counts[t]
            slot = n = 0
            try:
                while time.perf_counter() < deadline:
                    n += 1
                    try:
                        one(current, slot, f"{key_prefix}{index}-{t}-{n}")
                        count[0] += 1
                    except Exception:  # noqa: BLE001 - counted and reported, the run goes on
                        count[1] += 1
                    slot = (slot + 1) % len(current)
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

        ready.wait()
        start.wait()
        c0 = time.process_time()
        t0 = time.perf_counter()
        deadline = t0 + duration
        if threads == 1:
            loop(0, deadline)
        else:
            pool = [threading.Thread(target=loop, args=(t, deadline)) for t in range(threads)]
            for th in pool:
                th.start()
            for th in pool:
                th.join()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        ctx.engine.dispose()
        if failures:
            raise failures[0]
        results.put((index, sum(c[0] for c in counts), elapsed, sum(c[1] for c in counts), cpu, None))
    except Exception as exc:  # noqa: BLE001
        import traceback

        with contextlib.suppress(Exception):
            ready.abort()
        results.put((index, 0, 0.0, 0, 0.0, "".join(traceback.format_exception(exc))))


def _async_transfer_worker(
    index: int,
    url: str,
    roots: list[str],
    actor: Any,
    recipient: str,
    ready: Any,
    start: Any,
    duration: float,
    results: Any,
    key_prefix: str,
    tasks: int,
) -> None:
    """``transfer_worker`` on PostgreSQL as the API's hot path calls the service: ``tasks`` coroutines on one
    event loop, each awaiting ``vouchers.transfer_async`` on its own asynchronous connection
    (``adapters/db/aio.py``), and ``vouchers.transfer`` in a thread whenever that returns None."""
    import asyncio

    from lianrong.adapters.db.aio import AsyncPg
    from lianrong.vouchers import service as vouchers

    try:
        ctx = context(url)
        db = AsyncPg(url, size=tasks)
        shares = [list(roots[t::tasks]) for t in range(tasks)]
        counts = [[0, 0, 0] for _ in range(tasks)]  # transfers, errors, handed to the threaded service

        async def one(current: list[str], slot: int, key: str, count: list[int] | None = None) -> None:
            parts = [{"recipient": recipient, "amount_fen": 1}]
            r = await vouchers.transfer_async(
                ctx, db, actor=actor, fragment_id=current[slot], parts=parts, idempotency_key=key
            )
            if r is None:
                if count is not None:
                    count[2] += 1
                r = await asyncio.to_thread(  # the JSON form, as the hot path's fallback takes it
                    vouchers.transfer_plain,
                    ctx,
                    actor=actor,
                    fragment_id=current[slot],
                    parts=parts,
                    idempotency_key=key,
                )
            current[slot] = r["children"][-1]["id"]

        async def loop(t: int, deadline: float) -> None:
            current, count = shares[t], counts[t]
            slot = n = 0
            while time.perf_counter() < deadline:
                n += 1
                try:
                    await one(current, slot, f"{key_prefix}{index}-{t}-{n}", count)
                    count[0] += 1
                except Exception:  # noqa: BLE001 - counted and reported, the run goes on
                    count[1] += 1
                slot = (slot + 1) % len(current)

        async def warm_up() -> None:
            for t, current in enumerate(shares):
                for slot in range(len(current)):
                    await one(current, slot, f"{key_prefix}{index}-{t}-w{slot}")

        async def measured() -> tuple[float, float]:
            c0, t0 = time.process_time(), time.perf_counter()
            await asyncio.gather(*(loop(t, t0 + duration) for t in range(tasks)))
            return time.perf_counter() - t0, time.process_time() - c0

        loop_ = asyncio.new_event_loop()
        loop_.run_until_complete(warm_up())
        ready.wait()
        start.wait()
        elapsed, cpu = loop_.run_until_complete(measured())
        db.close()
        loop_.close()
        ctx.engine.dispose()
        results.put(
            (index, sum(c[0] for c in counts), elapsed, sum(c[1] for c in counts), cpu, None, sum(c[2] for c in counts))
        )
    except Exception as exc:  # noqa: BLE001
        import traceback

        with contextlib.suppress(Exception):
            ready.abort()
        results.put((index, 0, 0.0, 0, 0.0, "".join(traceback.format_exception(exc)), 0))


def run_transfer_workers(
    url: str,
    roots: list[str],
    actor: Any,
    recipient: str,
    *,
    processes: int,
    seconds: float,
    key_prefix: str = "pgw",
    before_start: Any = None,
    threads: int = 1,
    asynchronous: bool = False,
) -> dict[str, Any]:
    """Run ``transfer_worker`` in ``processes`` spawned processes (``threads`` connections each, or with
    ``asynchronous`` as many coroutines on one event loop) over their share of ``roots``, started together
    (``before_start`` runs once all are ready); returns the totals."""
    import multiprocessing as mp

    spawn = mp.get_context("spawn")
    ready = spawn.Barrier(processes + 1)
    start = spawn.Event()
    results = spawn.Queue()
    procs = []
    for i in range(processes):
        p = spawn.Process(
            target=transfer_worker,
            args=(
                i,
                url,
                roots[i::processes],
                actor,
                recipient,
                ready,
                start,
                float(seconds),
                results,
                key_prefix,
                threads,
                asynchronous,
            ),
        )
        p.start()
        procs.append(p)
    try:
        ready.wait(timeout=300)
    except Exception:  # noqa: BLE001 - a worker failed during setup; its traceback is queued
        start.set()
    if before_start is not None:
        before_start()
    start.set()
    busy0 = machine_busy_seconds()
    time.sleep(seconds)
    busy1 = machine_busy_seconds()
    got = [results.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    failures = [g[5] for g in got if g[5]]
    if failures:
        raise RuntimeError("transfer worker failed:\n" + failures[0])
    total = sum(g[1] for g in got)
    elapsed = max(g[2] for g in got)
    return {
        "transfers": total,
        "seconds": elapsed,
        "per_s": total / elapsed,
        "errors": sum(g[3] for g in got),
        "client_cpu_ms": 1000 * sum(g[4] for g in got) / max(total, 1),
        "per_worker": [g[1] for g in sorted(got)],
        "handed_to_threads": sum(g[6] for g in got if len(g) > 6),
        "machine_cpu_ms": None if busy0 is None or busy1 is None else 1000 * (busy1 - busy0) / max(total, 1),
    }


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy (all cores: user, nice, system, irq, softirq; not idle,
    I/O wait or steal) since boot, from ``/proc/stat``; None where there is none."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
