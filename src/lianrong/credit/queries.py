"""Read models of credit lines (the viewer is required)."""

from __future__ import annotations

from lianrong.parties.queries import bank_cores
from lianrong.platform.common import Result
from lianrong.platform.context import Actor, Context
from lianrong.platform.lookups import as_date


def bank_lines(ctx: Context, *, actor: Actor) -> list[Result]:
    """The bank's credit lines, newest period first, with the core's name, occupation and whether in force."""
    today = ctx.clock.today()
    out = []
    for c in bank_cores(ctx, actor=actor):
        for line in c["lines"]:
            valid_from, valid_to = as_date(line["valid_from"]), as_date(line["valid_to"])
            state = "in_force" if line["in_force"] else ("future" if valid_from > today else "expired")  # type: ignore[operator]
            out.append({**line, "core_name": c["short_name"] or c["name"], "state": state,
                        "valid_from": valid_from, "valid_to": valid_to})
    return sorted(out, key=lambda r: (r["valid_from"], r["core_name"]), reverse=True)
