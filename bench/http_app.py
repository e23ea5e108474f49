"""The application served by the HTTP load run (``bench/http_load.py``): each worker process calls
``make_app``, so the service context is built per process, as ``lianrong serve --workers N`` does.

Environment (set by ``http_load.py``): ``LIANRONG_BENCH_HTTP_URL`` (the database, already seeded and
migrated) and ``LIANRONG_BENCH_HTTP_RATE_LIMIT`` (requests per minute per user and process).
"""

from __future__ import annotations

import os
from typing import Any

from workers import TODAY


def make_app() -> Any:
    from lianrong import bootstrap
    from lianrong.entrypoints.api.app import create_app
    from lianrong.platform.context import FixedClock
    from lianrong.settings import Settings

    settings = Settings(
        database_url=os.environ["LIANRONG_BENCH_HTTP_URL"],
        environment="test",
        log_level="WARNING",
        api_rate_limit_per_minute=int(os.environ.get("LIANRONG_BENCH_HTTP_RATE_LIMIT", "600")),
    )
    ctx = bootstrap.build(settings=settings, clock=FixedClock(TODAY))
    return create_app(ctx)


def serve(host: str, port: int, workers: int) -> None:
    """``lianrong serve --workers N`` as the application does it (``lianrong.entrypoints.api.serve``): each worker its
    own ``SO_REUSEPORT`` socket, so the kernel spreads the load generator's keep-alive connections over
    the workers, and TCP_NODELAY on every connection."""
    from lianrong.entrypoints.api.serve import serve as run

    raise SystemExit(
        run(
            make_app,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=60,
        )
    )


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=serve.__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    serve(a.host, a.port, a.workers)
