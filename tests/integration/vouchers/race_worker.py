"""One racing OS process for ``test_race.py`` (run as a script, not collected by pytest).

``python race_worker.py SPEC.json OUT.json``: builds its own service context on the spec's database,
warms a connection, touches its *ready* file, waits for the shared *start* file (the barrier), then
runs its operations one after another and writes one outcome per operation to ``OUT.json``:
``{"ok": true, "result": …}``, ``{"ok": false, "code": …}`` for a refusal (a ``LianRongError``), or
``{"ok": false, "crash": …, "traceback": …}`` for anything else. It exits 0 unless it could not run.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import traceback
from pathlib import Path


def main(spec_path: str, out_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    from sqlalchemy import text

    from lianrong import bootstrap
    from lianrong.financing import service as financing
    from lianrong.kernel.errors import LianRongError
    from lianrong.platform.context import Actor, FixedClock
    from lianrong.platform.results import record
    from lianrong.settings import Settings
    from lianrong.vouchers import service as vouchers

    ctx = bootstrap.build(
        settings=Settings(database_url=spec["url"], environment="test"),
        clock=FixedClock(dt.date.fromisoformat(spec["today"])),
        migrate_schema=False,
    )
    with ctx.engine.connect() as conn:  # open the pooled connection before the start
        conn.execute(text("SELECT 1"))
        conn.rollback()

    Path(spec["ready"]).touch()
    start, deadline = Path(spec["start"]), time.monotonic() + spec.get("wait_seconds", 120)
    while not start.exists():
        if time.monotonic() > deadline:
            print("no start signal", file=sys.stderr)
            return 3
        time.sleep(0.001)

    outcomes = []
    for op in spec["ops"]:
        actor = Actor(**op["actor"])
        began = time.perf_counter()
        try:
            if op["kind"] == "transfer":
                result = vouchers.transfer(
                    ctx, actor=actor, fragment_id=op["fragment"], parts=op["parts"], idempotency_key=op["key"]
                )
            elif op["kind"] == "finance":
                result = record(
                    financing.apply(ctx, actor=actor, fragment_ids=op["fragments"], idempotency_key=op["key"])
                )
            else:
                raise ValueError(f"unknown operation {op['kind']!r}")
            outcome = {"ok": True, "result": record(result)}  # a typed result as its JSON form
        except LianRongError as exc:
            outcome = {"ok": False, "code": exc.code, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            outcome = {"ok": False, "crash": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        outcomes.append({"op": op, "seconds": round(time.perf_counter() - began, 4), **outcome})
    Path(out_path).write_text(json.dumps(outcomes, default=str))
    ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
