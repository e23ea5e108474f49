"""Demo data for the targets: every bank's monthly reports for the past twelve months on every active chain, with
figures that grow over the year (deterministic: the same data for the same day)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt
from lianrong.adapters.db import tables as t
from lianrong.platform.context import SYSTEM, Context
from lianrong.programme.targets import service
from lianrong.programme.targets.model import month_of, shift_month, window


def _spread(*parts: str) -> int:
    """A stable number 0–999 from the parts (the demo's figures vary but never change between runs)."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:6], 16) % 1000


def seed(ctx: Context, *, today: dt.date) -> int:
    """Submit the reports not made yet (as the system, for each bank); returns how many were recorded."""
    with ctx.uow(readonly=True) as uow:
        banks = (
            uow.conn.execute(select(t.party.c.id).where(t.party.c.kind == "bank").order_by(t.party.c.id))
            .scalars()
            .all()
        )
        chains = uow.conn.execute(
            select(pt.chain.c.id, pt.chain.c.key_chain).where(pt.chain.c.active.is_(True)).order_by(pt.chain.c.position)
        ).all()
        br = pt.bank_report.c
        done = {(r.bank_id, r.chain_id, r.month) for r in uow.conn.execute(select(br.bank_id, br.chain_id, br.month))}
    months = window(shift_month(month_of(today), -1), 12)
    count = 0
    for b in banks:
        for c in chains:
            for i, month in enumerate(months, start=1):
                if (b, c.id, month) in done:  # a bank's own report stands; a second seed adds nothing
                    continue
                k = _spread(b, c.id, month)
                scale = 3 if c.key_chain else 1
                service.submit_report(
                    ctx,
                    actor=SYSTEM,
                    bank=b,
                    month=month,
                    chain=c.id,
                    credit_granted_fen=(2_000_000 + k * 10_000) * scale * 100 * i // 6,  # ¥2–12 m a month, growing
                    financing_fen=(1_000_000 + k * 5_000) * scale * 100 * i // 6,
                    products=1 + (k % 3) + (1 if i > 6 else 0),
                    note="演示数据 demo",
                    idempotency_key=f"demo-bkr-{b}-{c.id}-{month}",
                )
                count += 1
    return count
