#!/usr/bin/env python3
"""HTTP load run: the API under uvicorn on loopback, over PostgreSQL, driven from a separate process.

    python bench/http_load.py [--quick] [--seconds S] [--concurrency C] [--workers W] [--service-seconds S]

Everything happens in one run on one fresh database (``lianrong_bench_http_<pid>``, dropped at the end):

1. Seed through the services (tests/factories.py ``World``: a bank, a core enterprise, suppliers s1 → s2),
   issue vouchers to s1, and API tokens (``accounts.issue_token``) for s1's and s2's operators.
2. ``service`` (before): 8 connections calling ``vouchers.transfer`` directly for S seconds from 2 processes,
   each on its own vouchers (``bench/workers.py``, as ``bench/run.py --only pg-transfer``): the service-layer
   reference.
3. Start W uvicorn workers on 127.0.0.1 (a free port, no access log) the way ``lianrong serve --workers W``
   does (``lianrong.entrypoints.api.serve``: a ``SO_REUSEPORT`` socket per worker, TCP_NODELAY), from ``bench/http_app.py``.
4. ``http-transfers``: C concurrent clients (asyncio, one keep-alive
   connection each, a minimal HTTP/1.1 client in one process) POST
   ``/api/v1/fragments/{id}/transfer`` for S seconds, each spending the latest remainder of its own
   vouchers (no lock contention between clients, like the service phase).
5. ``http-mixed``: the same clients, each request drawn from a fixed mix: 40% transfers, 15% financing
   applications (s2 finances a fragment it received; ``POST /api/v1/financings``), 15% holdings pages
   (``GET /api/v1/fragments?limit=20``), 15% voucher details (``GET /api/v1/vouchers/{id}``), 15% lineage of
   a tier-2 fragment (``GET /api/v1/fragments/{id}/lineage``).
6. ``service`` (after): the reference again; the reference is the mean of before and after.

Every POST carries ``Idempotency-Key`` and every request ``Authorization: Bearer``. The per-user rate limit
is raised for the run (``LIANRONG_BENCH_HTTP_RATE_LIMIT``, default 10^9 per minute): the default 600 per
minute per user and process would cap the client at a few dozen requests a second. Loops are bounded by time
and by a request budget per phase; everything stays on loopback.

Reported per phase and operation: requests, errors (non-2xx), requests/s, p50 and p99 latency (client side,
from sending the request to the full response), and the CPU time of the uvicorn processes and of the client
per request. Targets (the issue): ≥ 300 transfers/s with p99 < 100 ms, and HTTP transfers/s ÷ service
transfers/s (same run) ≥ 0.5. Results go to ``bench/results/http-latest.json``; one line
per run is appended to ``bench/results/runs.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "tests"))  # tests/factories.py: the World builder

import workers  # noqa: E402
from run import (  # noqa: E402
    PG_DRIVERS,
    Pg,
    Result,
    Row,
    append_run,
    log,
    pct,
    pg_admin_url,
    print_table,
    src_digest,
)

PREFIX = "/api/v1"
MIX = (("transfer", 40), ("finance", 15), ("holdings", 15), ("voucher", 15), ("lineage", 15))
TRANSFER_FEN = 10_000_00  # ¥10,000 to s2 per transfer: enough for s2 to finance it
SERVICE_WORKERS = 8  # connections, driven as bench/run.py's pg-transfer does (PG_DRIVERS processes)
SERVICE_VOUCHERS_PER_WORKER = 4


# --- the load generator (its own process) --------------------------------------------------------


def client_process(
    base_url: str,
    tokens: dict[str, str],
    ids: dict[str, str],
    slots: list[list[str]],
    vouchers_of: dict[str, str],
    phases: list[dict[str, Any]],
    messages: Any,
) -> None:
    """Run the phases one after another. On ``messages``: ("start", phase) and ("end", phase) around each
    measured window (the parent samples the server's CPU there), then ("done", results) or ("error", tb)."""
    try:
        out = asyncio.run(_client_main(base_url, tokens, ids, slots, vouchers_of, phases, messages))
        messages.put(("done", out))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        import traceback

        messages.put(("error", "".join(traceback.format_exception(exc))))


class Http:
    """A minimal HTTP/1.1 keep-alive client on one asyncio connection (loopback, JSON bodies): about a
    tenth of httpx's CPU per request, so the load generator takes little of the machine it measures."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
        reader = self.reader
        assert reader is not None
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in fields:
            payload = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            payload = b"".join(chunks)
        else:
            raise RuntimeError(f"response without a length: {lines[0]}")
        if fields.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = self.reader = None
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _client_main(
    base_url: str,
    tokens: dict[str, str],
    ids: dict[str, str],
    slots: list[list[str]],
    vouchers_of: dict[str, str],
    phases: list[dict[str, Any]],
    messages: Any,
) -> dict[str, Any]:
    host, port = base_url.removeprefix("http://").split(":")
    n = len(slots)
    conns = [Http(host, int(port)) for _ in range(n)]
    auth = {role: {"Authorization": f"Bearer {tok}"} for role, tok in tokens.items()}
    state = [
        {
            "slots": list(s),
            "vouchers": [vouchers_of[r] for r in s],
            "slot": 0,
            "received": [],
            "shallow": None,
            "key": 0,
        }
        for s in slots
    ]
    out: dict[str, Any] = {}

    async def request(i: int, op: str) -> tuple[str, int, float]:
        st = state[i]
        http = conns[i]
        st["key"] += 1
        idem = f"c{i}-{st['key']}-{time.time_ns()}"
        if op == "finance" and not st["received"]:
            op = "transfer"  # nothing received yet to finance
        if op == "lineage" and st["shallow"] is None:
            op = "transfer"  # no tier-2 fragment of its own yet
        t0 = time.perf_counter()
        if op == "transfer":
            k = st["slot"]
            st["slot"] = (k + 1) % len(st["slots"])
            status, body = await http.request(
                "POST",
                f"{PREFIX}/fragments/{st['slots'][k]}/transfer",
                {**auth["s1"], "Idempotency-Key": idem},
                {"parts": [{"recipient": ids["s2"], "amount_fen": TRANSFER_FEN}]},
            )
            if status == 200:
                children = json.loads(body)["children"]
                st["slots"][k] = children[-1]["id"]  # the remainder, back to s1
                st["received"].append(children[0]["id"])
                if st["shallow"] is None:
                    st["shallow"] = children[0]["id"]
        elif op == "finance":
            fid = st["received"].pop()
            status, _ = await http.request(
                "POST", f"{PREFIX}/financings", {**auth["s2"], "Idempotency-Key": idem}, {"fragment_ids": [fid]}
            )
        elif op == "holdings":
            status, _ = await http.request("GET", f"{PREFIX}/fragments?limit=20", auth["s1"])
        elif op == "voucher":
            status, _ = await http.request(
                "GET", f"{PREFIX}/vouchers/{st['vouchers'][st['key'] % len(st['vouchers'])]}", auth["s1"]
            )
        else:
            status, _ = await http.request("GET", f"{PREFIX}/fragments/{st['shallow']}/lineage", auth["s2"])
        return op, status, time.perf_counter() - t0

    async def worker(
        i: int, phase: dict[str, Any], deadline: float, budget: list[int], samples: list[tuple[str, int, float]]
    ) -> None:
        rng = random.Random(1000 * i + len(phase["name"]))
        ops = [op for op, w in phase["mix"] for _ in range(w)]
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            samples.append(await request(i, rng.choice(ops)))

    for phase in phases:
        # warm-up (not counted): connections, statement caches, one transfer per slot
        for i in range(n):
            for _ in range(len(state[i]["slots"])):
                await request(i, "transfer")
        messages.put(("start", phase["name"]))
        c0, t0 = time.process_time(), time.perf_counter()
        deadline = t0 + phase["seconds"]
        budget = [phase["max_requests"]]
        samples: list[tuple[str, int, float]] = []
        await asyncio.gather(*(worker(i, phase, deadline, budget, samples) for i in range(n)))
        elapsed = time.perf_counter() - t0
        messages.put(("end", phase["name"]))
        out[phase["name"]] = {
            "elapsed": elapsed,
            "client_cpu": time.process_time() - c0,
            "samples": samples,
            "budget_left": budget[0],
        }
    for c in conns:
        await c.close()
    return out


# --- helpers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each direct child of a process (a worker) with its own live
    descendants, and of the process itself under its own pid."""
    hz = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / hz

    def subtree(root: int) -> float:
        total, todo = 0.0, [root]
        while todo:
            p = todo.pop()
            total += stats.get(p, 0.0)
            todo += children.get(p, [])
        return total

    out = {pid: stats.get(pid, 0.0)}
    out.update({child: subtree(child) for child in children.get(pid, [])})
    return out


def service_phase(url: str, roots: list[str], actor: Any, recipient: str, seconds: float, tag: str) -> dict[str, Any]:
    """``vouchers.transfer`` on SERVICE_WORKERS connections from PG_DRIVERS processes for ``seconds``, the
    shape of bench/run.py's pg-transfer (bench/workers.py)."""
    return workers.run_transfer_workers(
        url,
        roots,
        actor,
        recipient,
        processes=PG_DRIVERS,
        threads=SERVICE_WORKERS // PG_DRIVERS,
        seconds=seconds,
        key_prefix=f"{tag}-w",
    )


def summarize(name: str, data: dict[str, Any], per_process_cpu: dict[int, float]) -> dict[str, Any]:
    server_cpu = sum(per_process_cpu.values())
    samples = data["samples"]
    elapsed = data["elapsed"]
    ops: dict[str, Any] = {}
    for op in sorted({s[0] for s in samples}):
        lat = [s[2] * 1000 for s in samples if s[0] == op]
        bad = sum(1 for s in samples if s[0] == op and not 200 <= s[1] < 300)
        ops[op] = {
            "requests": len(lat),
            "errors": bad,
            "per_s": len(lat) / elapsed,
            "p50_ms": pct(lat, 0.5),
            "p99_ms": pct(lat, 0.99),
            "max_ms": max(lat),
        }
    lat = [s[2] * 1000 for s in samples]
    statuses: dict[str, int] = {}
    for s in samples:
        statuses[str(s[1])] = statuses.get(str(s[1]), 0) + 1
    return {
        "phase": name,
        "seconds": round(elapsed, 2),
        "requests": len(samples),
        "per_s": len(samples) / elapsed,
        "p50_ms": pct(lat, 0.5) if lat else None,
        "p99_ms": pct(lat, 0.99) if lat else None,
        "statuses": statuses,
        "ops": ops,
        "server_cpu_ms_per_request": 1000 * server_cpu / max(len(samples), 1),
        # the workers' shares (the supervisor and helper processes use none)
        "server_cpu_share_per_process": [
            round(c / server_cpu, 2)
            for c in sorted(per_process_cpu.values(), reverse=True)
            if server_cpu and c / server_cpu >= 0.005
        ],
        "client_cpu_ms_per_request": 1000 * data["client_cpu"] / max(len(samples), 1),
        "budget_exhausted": data["budget_left"] <= 0,
    }


def _uvicorn_stack() -> str:
    """What uvicorn's "auto" picks here: httptools and uvloop when installed, else h11 and asyncio."""
    from importlib.util import find_spec

    return f"{'httptools' if find_spec('httptools') else 'h11'}, {'uvloop' if find_spec('uvloop') else 'asyncio'}"


def print_phase(s: dict[str, Any]) -> None:
    print(
        f"\n### {s['phase']}: {s['requests']:,} requests in {s['seconds']:.1f} s = {s['per_s']:,.0f} req/s, "
        f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms; statuses {s['statuses']}"
    )
    print(
        f"uvicorn CPU {s['server_cpu_ms_per_request']:.2f} ms/request (share per process "
        f"{s['server_cpu_share_per_process']}), client CPU {s['client_cpu_ms_per_request']:.2f} ms/request"
        + ("; REQUEST BUDGET EXHAUSTED" if s["budget_exhausted"] else "")
    )
    print("| operation | requests | errors | req/s | p50 ms | p99 ms | max ms |")
    print("|-----------|---------:|-------:|------:|-------:|-------:|-------:|")
    for op, o in s["ops"].items():
        print(
            f"| {op} | {o['requests']:,} | {o['errors']} | {o['per_s']:,.0f} | {o['p50_ms']:.1f} | "
            f"{o['p99_ms']:.1f} | {o['max_ms']:.1f} |"
        )


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 s phases")
    ap.add_argument("--seconds", type=float, default=None, help="length of each HTTP phase (default 15, quick 5)")
    ap.add_argument("--service-seconds", type=float, default=None, help="length of each service phase")
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients (default 8)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2: the cores)")
    ap.add_argument("--slots", type=int, default=4, help="vouchers per HTTP client (default 4)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="request budget per HTTP phase")
    ap.add_argument("--rate-limit", type=int, default=10**9, help="API rate limit per user per minute for the run")
    args = ap.parse_args(argv)
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    service_seconds = args.service_seconds or seconds
    command = "python bench/http_load.py" + ("".join(" " + shlex.quote(a) for a in (argv or sys.argv[1:])))
    started = dt.datetime.now(dt.UTC)

    from factories import World, make_context

    from lianrong.accounts import service as accounts

    pg = Pg(pg_admin_url())
    reason = pg.available()
    if reason:
        print(f"PostgreSQL unavailable ({reason}): nothing measured")
        return 1
    db = f"lianrong_bench_http_{os.getpid()}"
    server: subprocess.Popen | None = None
    try:
        url = pg.create(db)
        log(f"seeding {db}")
        w = World(make_context(url), n_suppliers=2)
        n_http = args.concurrency * args.slots
        n_service = SERVICE_WORKERS * SERVICE_VOUCHERS_PER_WORKER
        http_roots = [w.issue(10**10) for _ in range(n_http)]
        service_roots = [[w.issue(10**10) for _ in range(n_service)] for _ in range(2)]
        with w.ctx.uow(readonly=True) as uow:
            vouchers_of = dict(
                uow.conn.exec_driver_sql("SELECT id, voucher_id FROM fragment WHERE parent_id IS NULL").all()
            )
        tokens = {
            org: accounts.issue_token(w.ctx, username=f"{org}-operator-{w.base}", name="http load").token
            for org in ("s1", "s2")
        }
        actor, recipient = w.user("s1"), w.ids["s2"]
        w.ctx.engine.dispose()
        log(f"{n_http} vouchers for {args.concurrency} HTTP clients, {2 * n_service} for the service phases")

        pg.checkpoint()
        log(
            f"service phase (before): {SERVICE_WORKERS} connections from {PG_DRIVERS} processes x {service_seconds:.0f} s"
        )
        before = service_phase(url, service_roots[0], actor, recipient, service_seconds, "before")
        log(f"service before: {before['per_s']:,.0f} transfers/s")

        port = free_port()
        env = dict(os.environ, LIANRONG_BENCH_HTTP_URL=url, LIANRONG_BENCH_HTTP_RATE_LIMIT=str(args.rate_limit))
        # W workers as `lianrong serve --workers W` runs them (see http_app.serve)
        cmd = [
            sys.executable,
            str(BENCH / "http_app.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        server = subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base_url}{PREFIX}/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start (exit {server.poll()})")
            time.sleep(0.3)
        time.sleep(2.0)  # every worker process up, not only the first to answer
        log(f"uvicorn up on {base_url} ({args.workers} workers)")

        phases = [
            {
                "name": "http-transfers",
                "seconds": seconds,
                "max_requests": args.max_requests,
                "mix": (("transfer", 1),),
            },
            {"name": "http-mixed", "seconds": seconds, "max_requests": args.max_requests, "mix": MIX},
        ]
        slots = [http_roots[i :: args.concurrency] for i in range(args.concurrency)]
        spawn = mp.get_context("spawn")
        messages = spawn.Queue()
        pg.checkpoint()
        client = spawn.Process(
            target=client_process, args=(base_url, tokens, w.ids, slots, vouchers_of, phases, messages)
        )
        client.start()
        server_cpu: dict[str, float] = {}
        while True:
            kind, value = messages.get(timeout=seconds + 600)
            if kind == "start":
                cpu_at_start = tree_cpu(server.pid)
            elif kind == "end":
                at_end = tree_cpu(server.pid)
                # per worker process (the supervisor's own share is under its pid), over the phase
                server_cpu[value] = {p: at_end[p] - cpu_at_start.get(p, 0.0) for p in at_end}
                log(f"{value} done")
            elif kind == "error":
                raise RuntimeError("load generator failed:\n" + value)
            else:
                got = value
                break
        client.join(timeout=60)
        log("HTTP phases done")
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server = None

        log(
            f"service phase (after): {SERVICE_WORKERS} connections from {PG_DRIVERS} processes x {service_seconds:.0f} s"
        )
        after = service_phase(url, service_roots[1], actor, recipient, service_seconds, "after")
        log(f"service after: {after['per_s']:,.0f} transfers/s")

        summaries = [summarize(p["name"], got[p["name"]], server_cpu[p["name"]]) for p in phases]
        service = (before["per_s"] + after["per_s"]) / 2
        xfer = summaries[0]["ops"]["transfer"]
        mixed_xfer = summaries[1]["ops"].get("transfer", {"per_s": 0.0, "p99_ms": None})
        ratio = xfer["per_s"] / service
        verdicts = {
            "transfers_per_s_ge_300": xfer["per_s"] >= 300,
            "transfer_p99_lt_100ms": xfer["p99_ms"] < 100,
            "ratio_ge_0_5": ratio >= 0.5,
        }

        print(
            f"\n# LianRong HTTP load — {started:%Y-%m-%d %H:%M} UTC — {os.cpu_count()} cores — src {src_digest()}\n"
            f"`{command}`\nuvicorn {args.workers} workers ({_uvicorn_stack()}), {args.concurrency} concurrent clients "
            f"(asyncio, one process), PostgreSQL {pg.version()}; load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"\nservice layer ({SERVICE_WORKERS} connections from {PG_DRIVERS} processes x vouchers.transfer): before {before['per_s']:,.0f}, "
            f"after {after['per_s']:,.0f} transfers/s, reference {service:,.0f}/s "
            f"(client CPU {before['client_cpu_ms']:.2f} / {after['client_cpu_ms']:.2f} ms per transfer)"
        )
        for s in summaries:
            print_phase(s)
        table = Result(
            "http",
            "HTTP load",
            rows=[
                Row(
                    "HTTP transfers/s (transfers only)",
                    xfer["per_s"],
                    None,
                    "",
                    "≥ 300",
                    verdicts["transfers_per_s_ge_300"],
                ),
                Row(
                    "HTTP transfer p99 (transfers only)",
                    xfer["p99_ms"],
                    None,
                    "ms",
                    "< 100 ms",
                    verdicts["transfer_p99_lt_100ms"],
                ),
                Row("HTTP ÷ service transfers/s", xfer["per_s"], service, "", "≥ 0.5", verdicts["ratio_ge_0_5"], ratio),
                Row("mixed: requests/s", summaries[1]["per_s"], None, "", "(info)", None),
                Row("mixed: transfers/s", mixed_xfer["per_s"], None, "", "(info)", None),
                Row("mixed: transfer p99", mixed_xfer["p99_ms"], None, "ms", "(info)", None),
                Row(
                    "mixed: server CPU per request",
                    summaries[1]["server_cpu_ms_per_request"],
                    None,
                    "ms",
                    "(info)",
                    None,
                ),
            ],
        )
        print_table(table)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = {
            "date": started.isoformat(timespec="seconds"),
            "command": command,
            "src_sha256_16": src_digest(),
            "machine": {
                "cores": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "postgresql": pg.version(),
            },
            "config": {
                "seconds": seconds,
                "service_seconds": service_seconds,
                "concurrency": args.concurrency,
                "workers": args.workers,
                "slots": args.slots,
                "rate_limit": args.rate_limit,
                "mix": MIX,
            },
            "service": {"before": before, "after": after, "reference_per_s": service},
            "phases": summaries,
            "ratio": ratio,
            "verdicts": verdicts,
            "load_average_end": os.getloadavg(),
        }
        (RESULTS / "http-latest.json").write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str))
        log(f"wrote {(RESULTS / 'http-latest.json').relative_to(REPO)}")
        append_run(
            "http_load.py",
            {"mode": "quick" if args.quick else "full", **out["config"]},
            {"cores": os.cpu_count(), "load_average_end": out["load_average_end"]},
            [table],
        )
        return 0
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        pg.drop(db)


if __name__ == "__main__":
    sys.exit(main())
