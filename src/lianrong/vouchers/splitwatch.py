"""Split monitoring: 银发〔2025〕77号 asks that split depth and unusual splitting be tracked and reported.

Pure: given a voucher's fragment tree, its depth and what in it looks unusual. The thresholds are
deployment settings (``WatchLimits``, from ``LIANRONG_SPLIT_WATCH_*``); what is unusual is a finding
with a stable code and a Chinese and English description, never a refusal — the rules that refuse
(minimum split amount, maximum tier) are enforced at transfer time (``domain.vouchers.plan_split``).

Findings:

- ``depth_near_limit``: the deepest tier is within ``tier_margin`` tiers of the core's maximum;
- ``many_parts``: the voucher has been split into more than ``max_fragments`` fragments;
- ``rapid_splitting``: one holder split fragments of the voucher ``daily_transfers`` times or more on one
  day (fragmenting a claim in bursts);
- ``round_trip``: a part came back to a party that held one of its ancestors through someone else
  (A → B → A): a trade chain running in a circle, a sign of fictitious trade (虚假贸易).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lianrong.kernel.policy import WatchLimits
from lianrong.vouchers.model import FragmentStatus


class Node(NamedTuple):
    """What the watch needs of a fragment (a tuple: a report builds hundreds of thousands)."""

    id: str
    parent_id: str | None
    holder_id: str
    amount_fen: int
    tier: int
    status: str
    created_on: dt.date


#: code → (Chinese, English) of each finding
FINDINGS = {
    "depth_near_limit": ("拆分层级接近上限", "split depth near the core enterprise's maximum tier"),
    "many_parts": ("拆分份数过多", "split into many parts"),
    "rapid_splitting": ("同一持有人单日频繁拆分", "one holder split it many times in one day"),
    "round_trip": ("份额流回曾经的持有人（循环流转）", "a part came back to an earlier holder (circular flow)"),
}


@dataclass
class Watch:
    """A voucher's splitting: size, depth and findings."""

    fragments: int = 0
    transfers: int = 0
    max_tier: int = 0
    depth: int = 0  # transfers on the longest path from the root
    active_parts: int = 0
    smallest_active_fen: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, code: str, **detail: Any) -> None:
        zh, en = FINDINGS[code]
        self.findings.append({"code": code, "message_zh": zh, "message_en": en, **detail})


def watch(nodes: Iterable[Node], *, allowed_tier: int | None, limits: WatchLimits) -> Watch:
    """Measure one voucher's fragment tree (every fragment of it, any status) and report what is unusual;
    ``allowed_tier`` is the core enterprise's maximum tier (None: no depth finding)."""
    by_id = {n.id: n for n in nodes}
    out = Watch(fragments=len(by_id))
    if not by_id:
        return out
    children: dict[str | None, list[Node]] = {}
    for n in by_id.values():
        children.setdefault(n.parent_id if n.parent_id in by_id else None, []).append(n)
    spends: Counter[tuple[str, dt.date]] = Counter()
    round_trips = []
    deepest = 0
    # top-down from the root(s): each fragment's depth and the holders above it (a remainder chain,
    # where the holder stays, shares its parent's set)
    stack: list[tuple[Node, int, frozenset[str]]] = [(n, 0, frozenset()) for n in children.get(None, ())]
    while stack:
        n, d, above = stack.pop()
        deepest = max(deepest, d)
        if n.status == FragmentStatus.ACTIVE:
            out.active_parts += 1
            if out.smallest_active_fen is None or n.amount_fen < out.smallest_active_fen:
                out.smallest_active_fen = n.amount_fen
        kids = children.get(n.id)
        if not kids:
            continue
        spends[(n.holder_id, kids[0].created_on)] += 1
        below = above if n.holder_id in above else above | {n.holder_id}
        for c in kids:
            if c.holder_id != n.holder_id and c.holder_id in below:
                round_trips.append(c)
            stack.append((c, d + 1, below))
    parents = {pid for pid in children if pid is not None}
    out.transfers = len(parents)
    out.max_tier = max(n.tier for n in by_id.values())
    out.depth = deepest
    if allowed_tier is not None and out.max_tier >= allowed_tier - limits.tier_margin:
        out.add("depth_near_limit", tier=out.max_tier, allowed_tier=allowed_tier)
    if out.fragments > limits.max_fragments:
        out.add("many_parts", fragments=out.fragments, limit=limits.max_fragments)
    for (holder, day), count in sorted(spends.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if count >= limits.daily_transfers:
            out.add(
                "rapid_splitting", holder_id=holder, on=day.isoformat(), transfers=count, limit=limits.daily_transfers
            )
    for n in sorted(round_trips, key=lambda x: x.id):
        out.add("round_trip", fragment_id=n.id, holder_id=n.holder_id)
    return out
