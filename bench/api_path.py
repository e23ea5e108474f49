#!/usr/bin/env python3
"""Server time of the API's ordinary path, in process: ``GET /api/v1/auth/me`` with a bearer token and the
ordinary reads (holdings page, voucher detail, lineage of a tier-2 fragment, financing detail), on the demo.

    python bench/api_path.py [--requests N] [--rounds R] [--db URL]

The demo (``lianrong demo``) is seeded into a fresh SQLite file (or ``--db``: a database the demo was
seeded into), tokens are issued for two of its suppliers' operators, and the application that
``lianrong serve`` serves (API and console) is called directly as an ASGI app on one event loop, one
request at a time: the time from handing it the request to its last response message is the request's
server time (the HTTP server's parsing and the network are not in it; the thread hand-offs are). Each
request's CPU time is the process's (every thread's) over it.

The limit, measured in the same run and interleaved with the rest: a bare ASGI app answering ``/auth/me``'s
JSON body with the same headers (``probe``): what a request costs with no framework, no authentication and
no database at all. Rounds alternate the order of the operations, so a busy host hits all alike.

Prints per operation: p50 and p99 of server time, CPU per request, and p50 ÷ the probe's p50.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

PREFIX = "/api/v1"


def _seed(url: str | None, tmp: Path) -> tuple[Any, dict[str, str]]:
    from lianrong import bootstrap
    from lianrong.entrypoints.demo import seed
    from lianrong.settings import Settings

    url = url or f"sqlite:///{tmp / 'demo.db'}"
    settings = Settings(
        database_url=url, environment="development", log_level="WARNING", api_rate_limit_per_minute=10**9
    )
    ctx = bootstrap.build(settings=settings)
    ids = seed(ctx)["ids"]
    return ctx, ids


def _token(ctx: Any, username: str) -> str:
    from lianrong.accounts import service as accounts

    return accounts.issue_token(ctx, username=username, name=f"bench {time.time_ns()}").token


def _scope(path: str, token: str | None, query: str = "") -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def _probe_app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def _call(app: Any, scope: dict) -> tuple[int, bytes]:
    status, chunks = 0, []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(dict(scope, headers=list(scope["headers"]), state={}), receive, send)
    return status, b"".join(chunks)


async def _measure(app: Any, scope: dict, n: int, wall: list[float], cpu: list[float]) -> None:
    clock, cpu_clock = time.perf_counter, time.process_time
    for _ in range(n):
        c0, t0 = cpu_clock(), clock()
        await _call(app, scope)
        t1, c1 = clock(), cpu_clock()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def _main(args: argparse.Namespace) -> int:
    from lianrong.entrypoints.api.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ctx, ids = _seed(args.db, Path(tmp))
        print(f"demo seeded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        carton, agri = _token(ctx, "carton_op"), _token(ctx, "agri_op")
        app = create_app(ctx)
        ops: dict[str, dict] = {
            "auth/me": _scope(f"{PREFIX}/auth/me", carton),
            "holdings": _scope(f"{PREFIX}/fragments", carton, "limit=20"),
            "voucher": _scope(f"{PREFIX}/vouchers/{ids['voucher:V3']}", carton),
            "lineage": _scope(f"{PREFIX}/fragments/{ids['frag:V1-agri']}/lineage", agri),
            "financing": _scope(f"{PREFIX}/financings/{ids['financing:V3-carton']}", carton),
        }
        # every operation answers 200 (or the figures mean nothing)
        for name, scope in ops.items():
            status, body = await _call(app, scope)
            if status != 200:
                print(f"{name}: HTTP {status} {body[:300]!r}", file=sys.stderr)
                return 1
        if args.profile:
            return await _profile(app, ops[args.profile], args.requests)
        _, me_body = await _call(app, ops["auth/me"])
        apps = {"probe": (_probe_app(me_body), ops["auth/me"]), **{k: (app, s) for k, s in ops.items()}}
        wall: dict[str, list[float]] = {k: [] for k in apps}
        cpu: dict[str, list[float]] = {k: [] for k in apps}
        for a, scope in apps.values():  # warm-up, not counted
            await _measure(a, scope, 100, [], [])
        gc.collect()
        names = list(apps)
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else reversed(names):
                a, scope = apps[name]
                await _measure(a, scope, args.requests, wall[name], cpu[name])
        probe = statistics.median(wall["probe"])
        print(
            f"{'operation':<10} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8} {'p50 ÷ probe':>11}   "
            f"({args.rounds} rounds × {args.requests} requests, in process, {_db_kind(ctx)})"
        )
        for name in names:
            p50 = statistics.median(wall[name])
            print(
                f"{name:<10} {p50 * 1e3:8.3f} {_pct(wall[name], 0.99) * 1e3:8.3f} "
                f"{statistics.fmean(cpu[name]) * 1e3:8.3f} {p50 / probe:11.1f}"
            )
        ctx.engine.dispose()
    return 0


async def _profile(app: Any, scope: dict, n: int) -> int:
    import cProfile
    import pstats

    from lianrong.api import routing

    async def inline(fn: Any, *args: Any, **kwargs: Any) -> Any:  # the endpoint in this thread, so it is seen
        return fn(*args, **kwargs)

    routing.run_in_threadpool = inline
    await _measure(app, scope, 100, [], [])
    prof = cProfile.Profile()
    prof.enable()
    await _measure(app, scope, n, [], [])
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
    return 0


def _db_kind(ctx: Any) -> str:
    return ctx.engine.dialect.name


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=300, help="requests per operation and round")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument(
        "--db", default=None, help="a database the demo is (or will be) seeded into; default: a fresh SQLite file"
    )
    ap.add_argument(
        "--profile",
        default=None,
        metavar="OP",
        help="profile OP (cProfile, sorted by cumulative time) instead of timing",
    )
    args = ap.parse_args()
    os.environ.setdefault("LIANRONG_LOG_LEVEL", "WARNING")
    sys.exit(asyncio.run(_main(args)))
