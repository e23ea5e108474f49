"""Serving the application with uvicorn: one process, or several worker processes on one port.

With ``workers > 1`` every worker binds **its own** listening socket to the port with ``SO_REUSEPORT``
(Linux), and the kernel spreads new connections over the workers. uvicorn's own multi-process mode
binds one socket in the supervisor and lets the workers race to accept from it: a burst of keep-alive
connections (a proxy's upstream pool, a load test) then often lands on one worker, which serves them
all from one core while the others idle — measured in ``bench/http_load.py``: 8 connections, one worker
busy, one idle. Where ``SO_REUSEPORT`` is not available the workers share one socket, as uvicorn's do.

Sockets are made with ``proto=IPPROTO_TCP``: asyncio turns on TCP_NODELAY only for such sockets (a
socket made as ``socket.socket(family)`` has proto 0, and its responses, written head then body, wait
for the client's delayed ACK, ~40 ms a request on a keep-alive connection).

Each worker builds its own application (``make_app(*args)``, a module-level function, so that it can be
named to a spawned process): database engines and connection pools are never shared between processes.
The supervisor stops every worker when it is interrupted or terminated, or when one worker exits.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from lianrong.kernel.errors import CannotListen

#: uvicorn's default listen backlog
BACKLOG = 2048


def listening_socket(host: str, port: int, *, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    """A bound TCP socket, listening unless ``listen=False`` (``SO_REUSEPORT`` when asked), inheritable;
    ``CannotListen`` when the address is taken or not permitted."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise CannotListen(host=host, port=port, reason=exc.strerror or str(exc)) from None
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def can_reuse_port() -> bool:
    """True where several sockets may listen on one port and the kernel balances between them (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def run_uvicorn(
    app: Any, sock: socket.socket, *, log_level: str = "info", access_log: bool = True, timeout_keep_alive: int = 5
) -> None:
    """Serve ``app`` with uvicorn on an already listening socket until interrupted."""
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=access_log, timeout_keep_alive=timeout_keep_alive)
    uvicorn.Server(config).run(sockets=[sock])


def _worker(
    make_app: Callable[..., Any],
    args: tuple,
    host: str,
    port: int,
    shared: socket.socket | None,
    options: dict[str, Any],
) -> None:
    sock = shared if shared is not None else listening_socket(host, port, reuse_port=True)
    run_uvicorn(make_app(*args), sock, **options)


def http_app(database_url: str | None = None) -> Any:
    """The API and console around a context for the configured (or given) database (one per process): the
    ``make_app`` of ``lianrong serve``. FastAPI is imported here, in the worker, not by the supervisor."""
    from lianrong import bootstrap
    from lianrong.entrypoints.api.app import create_app

    return create_app(bootstrap.build(database_url=database_url))


def serve(
    make_app: Callable[..., Any],
    args: tuple = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = True,
    timeout_keep_alive: int = 5,
) -> int:
    """Serve ``make_app(*args)`` on ``host:port`` in one process, or in ``workers`` processes; the exit code."""
    options = {"log_level": log_level, "access_log": access_log, "timeout_keep_alive": timeout_keep_alive}
    if workers <= 1:
        run_uvicorn(make_app(*args), listening_socket(host, port), **options)
        return 0
    spawn = multiprocessing.get_context("spawn")
    reuse = can_reuse_port()
    # the supervisor binds first, so a port in use fails here, once. SO_REUSEPORT would let a second
    # server join this one's port silently, so it first binds without it (and lets go); then its socket
    # holds the port for the workers (it never listens, so the kernel hands it no connection). Without
    # SO_REUSEPORT it is the one listening socket the workers share.
    if reuse:
        listening_socket(host, port, listen=False).close()
    guard = listening_socket(host, port, reuse_port=reuse, listen=not reuse)
    shared = None if reuse else guard
    procs = [
        spawn.Process(target=_worker, args=(make_app, args, host, port, shared, options), daemon=False)
        for _ in range(workers)
    ]
    requested = False  # a stop asked for by SIGINT/SIGTERM, not a worker that died

    def terminate() -> None:
        for p in procs:
            if p.is_alive():
                p.terminate()

    def on_signal(*_: Any) -> None:
        nonlocal requested
        requested = True
        terminate()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for p in procs:
            p.start()
        from multiprocessing.connection import wait

        wait([p.sentinel for p in procs])  # the first worker to exit ends the service
        terminate()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        guard.close()
    if requested:
        return 0
    # a worker ended on its own (it failed to bind, to build its application, or crashed): report its code
    died = [p.exitcode for p in procs if p.exitcode not in (None, 0, -signal.SIGTERM)]
    return next((c for c in died if c > 0), 1)
