"""The split watch against a naive recomputation, on random fragment trees (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lianrong.vouchers.splitwatch import Node, WatchLimits, watch

HOLDERS = ["s1", "s2", "s3", "s4"]


@st.composite
def trees(draw) -> list[Node]:
    """A tree grown by transfers: each step spends an active fragment into 1–3 children."""
    nodes = [Node("f0", None, draw(st.sampled_from(HOLDERS)), 1000, 1, "active", date(2026, 11, 1))]
    for step in range(draw(st.integers(0, 25))):
        active = [i for i, n in enumerate(nodes) if n.status == "active"]
        if not active:
            break
        i = draw(st.sampled_from(active))
        p = nodes[i]
        nodes[i] = p._replace(status="spent")
        day = date(2026, 11, 1) + timedelta(days=draw(st.integers(0, 2)))
        for k in range(draw(st.integers(1, 3))):
            holder = draw(st.sampled_from(HOLDERS))
            nodes.append(
                Node(
                    f"f{step}_{k}",
                    p.id,
                    holder,
                    draw(st.integers(1, 100)),
                    p.tier + (holder != p.holder_id),
                    draw(st.sampled_from(["active", "active", "financed"])),
                    day,
                )
            )
    return nodes


def naive(nodes: list[Node]) -> dict:
    by_id = {n.id: n for n in nodes}

    def ancestors(n: Node) -> list[Node]:
        out = []
        while n.parent_id:
            n = by_id[n.parent_id]
            out.append(n)
        return out

    parents = {n.parent_id for n in nodes if n.parent_id}
    trips = sorted(
        n.id
        for n in nodes
        if n.parent_id
        and n.holder_id != by_id[n.parent_id].holder_id
        and n.holder_id in {a.holder_id for a in ancestors(n)}
    )
    active = [n.amount_fen for n in nodes if n.status == "active"]
    return {
        "fragments": len(nodes),
        "transfers": len(parents),
        "depth": max(len(ancestors(n)) for n in nodes),
        "max_tier": max(n.tier for n in nodes),
        "active_parts": len(active),
        "smallest": min(active) if active else None,
        "round_trips": trips,
    }


@settings(max_examples=300, deadline=None)
@given(trees(), st.integers(1, 4))
def test_watch_agrees_with_a_naive_recomputation(nodes, daily):
    w = watch(nodes, allowed_tier=None, limits=WatchLimits(max_fragments=10**6, daily_transfers=daily))
    want = naive(nodes)
    assert (w.fragments, w.transfers, w.depth, w.max_tier, w.active_parts, w.smallest_active_fen) == (
        want["fragments"],
        want["transfers"],
        want["depth"],
        want["max_tier"],
        want["active_parts"],
        want["smallest"],
    )
    assert [f["fragment_id"] for f in w.findings if f["code"] == "round_trip"] == want["round_trips"]
    bursts = {(f["holder_id"], f["on"]): f["transfers"] for f in w.findings if f["code"] == "rapid_splitting"}
    by_id = {n.id: n for n in nodes}
    counts: dict[tuple[str, str], int] = {}
    for pid in {n.parent_id for n in nodes if n.parent_id}:
        first_child = next(n for n in nodes if n.parent_id == pid)
        k = (by_id[pid].holder_id, first_child.created_on.isoformat())
        counts[k] = counts.get(k, 0) + 1
    assert bursts == {k: c for k, c in counts.items() if c >= daily}
