"""The application served by the HTTP load run (``bench/http_load.py``): uvicorn imports ``make_app`` in
each worker process (``--factory``), so the service context is built per process, as ``lianrong serve`` does.

Environment (set by ``http_load.py``): ``LIANRONG_BENCH_HTTP_URL`` (the database, already seeded and
migrated) and ``LIANRONG_BENCH_HTTP_RATE_LIMIT`` (requests per minute per user and process).
"""

from __future__ import annotations

import os
from typing import Any

from workers import TODAY


def make_app() -> Any:
    from lianrong import bootstrap
    from lianrong.api.app import create_app
    from lianrong.services.context import FixedClock
    from lianrong.settings import Settings

    settings = Settings(database_url=os.environ["LIANRONG_BENCH_HTTP_URL"], environment="test",
                        log_level="WARNING",
                        api_rate_limit_per_minute=int(os.environ.get("LIANRONG_BENCH_HTTP_RATE_LIMIT", "600")))
    ctx = bootstrap.build(settings=settings, clock=FixedClock(TODAY))
    return create_app(ctx)


def serve(host: str, port: int, workers: int) -> None:
    """``uvicorn --factory http_app:make_app --workers N``, with TCP_NODELAY on every connection.

    uvicorn's multi-process mode binds its socket as ``socket.socket(family)`` (protocol number 0), and
    asyncio sets TCP_NODELAY only on sockets whose ``proto`` is IPPROTO_TCP: the workers' connections then
    run with Nagle's algorithm, and as a response goes out in two writes (head, then body) a keep-alive
    client waits for its own delayed ACK, ~40 ms per request. (A single-process ``uvicorn.run``, as in
    ``lianrong serve``, binds through ``loop.create_server`` and is not affected.) The socket is re-made
    with ``proto=IPPROTO_TCP`` on the same descriptor before the workers start.
    """
    import socket

    import uvicorn
    from uvicorn.config import Config

    bind = Config.bind_socket

    def bind_socket(self: Config) -> socket.socket:
        sock = bind(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock

    Config.bind_socket = bind_socket  # type: ignore[method-assign]
    uvicorn.run("http_app:make_app", factory=True, host=host, port=port, workers=workers,
                app_dir=os.path.dirname(os.path.abspath(__file__)), access_log=False, log_level="warning",
                timeout_keep_alive=60)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=serve.__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    serve(a.host, a.port, a.workers)
