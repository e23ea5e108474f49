"""Lineage, 穿透 (engine point 8): from any part back to the issuing trade, and the whole tree."""

from __future__ import annotations

from ledger_asserts import refuses

from lianrong.platform.context import SYSTEM
from lianrong.vouchers import lineage


def build(world) -> dict:
    root = world.issue(1000_00)
    r1 = world.transfer(root, "s1", [("s2", 400_00)])
    r2 = world.transfer(world.child(r1, "s2"), "s2", [("s3", 150_00)])
    r3 = world.transfer(world.child(r2, "s3"), "s3", [("s4", 50_00)])
    return {"root": root, "r1": r1, "r2": r2, "r3": r3, "s4": world.child(r3, "s4")}


def test_the_path_runs_from_the_root_to_the_fragment_with_tiers_holders_and_trades(world):
    b = build(world)
    out = lineage.lineage(world.ctx, viewer=SYSTEM, fragment_id=b["s4"])
    assert out.voucher.face_fen == 1000_00 and out.voucher.core_id == world.ids["core"]
    path = out.path
    assert [s.id for s in path] == [b["root"], world.child(b["r1"], "s2"), world.child(b["r2"], "s3"), b["s4"]]
    assert [s.tier for s in path] == [1, 2, 3, 4]
    assert [s.holder_id for s in path] == [world.ids[n] for n in ("s1", "s2", "s3", "s4")]
    assert [s.amount_fen for s in path] == [1000_00, 400_00, 150_00, 50_00]
    assert [s.status for s in path] == ["spent", "spent", "spent", "active"]
    assert all(s.holder_name for s in path)
    # each step carries the trade that moved it: core→s1 (with its invoice), then s1→s2, s2→s3, s3→s4
    trades = [(s.trade.contract.buyer_id, s.trade.contract.seller_id) for s in path]
    assert trades == [
        (world.ids[a], world.ids[b_]) for a, b_ in (("core", "s1"), ("s1", "s2"), ("s2", "s3"), ("s3", "s4"))
    ]
    assert path[0].trade.invoices[0].amount_fen == 1000_00
    assert [s.parent_id for s in path] == [None] + [s.id for s in path[:-1]]


def test_the_path_of_a_remainder_stays_at_the_senders_tier(world):
    b = build(world)
    s1_rest = world.child(b["r1"], "s1")
    path = lineage.lineage(world.ctx, viewer=SYSTEM, fragment_id=s1_rest, with_documents=False).path
    assert [(s.tier, s.holder_id, s.amount_fen) for s in path] == [
        (1, world.ids["s1"], 1000_00),
        (1, world.ids["s1"], 600_00),
    ]
    assert path[0].trade is None


def test_the_voucher_tree_holds_every_fragment_and_its_leaves_sum_to_the_face(world):
    b = build(world)
    vid = lineage.lineage(world.ctx, viewer=SYSTEM, fragment_id=b["root"]).voucher.id
    tree = lineage.voucher_tree(world.ctx, viewer=SYSTEM, voucher_id=vid)
    assert tree.fragments == 7 and tree.depth == 3
    assert tree.root == b["root"]
    nodes = tree.nodes
    assert len(nodes) == 7 and nodes[0].id == b["root"] and nodes[0].depth == 0
    children = {n.id: [c for c in nodes if c.parent_id == n.id] for n in nodes}
    for n in nodes:
        if children[n.id]:
            assert sum(c.amount_fen for c in children[n.id]) == n.amount_fen
            assert all(c.depth == n.depth + 1 for c in children[n.id])
    assert sum(n.amount_fen for n in nodes if not children[n.id]) == 1000_00
    assert {n.holder_name for n in nodes if not children[n.id]} >= {f"企业s4-{world.base}"}
    position = {n.id: i for i, n in enumerate(nodes)}  # depth-first: a parent before its children
    assert all(position[n.parent_id] < position[n.id] for n in nodes[1:])


def test_lineage_of_an_unknown_fragment_is_not_found(world):
    refuses(world.ctx, "fragment.not_found", lineage.lineage, world.ctx, viewer=SYSTEM, fragment_id="frg_nope")
    refuses(world.ctx, "voucher.not_found", lineage.voucher_tree, world.ctx, viewer=SYSTEM, voucher_id="vch_nope")
