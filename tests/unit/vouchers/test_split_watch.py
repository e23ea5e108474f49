"""Split monitoring (domain/splitwatch.py): depth, size and unusual splitting of one voucher's tree."""

from __future__ import annotations

from datetime import date

from lianrong.vouchers.splitwatch import FINDINGS, Node, WatchLimits, watch

DAY = date(2026, 11, 26)
LIMITS = WatchLimits(tier_margin=1, max_fragments=100, daily_transfers=10)


class Tree:
    """Builds a fragment tree the way transfers do: the parent spent, children at the recipients' tiers."""

    def __init__(self, holder: str = "s1", amount: int = 1000_00) -> None:
        self.nodes: dict[str, Node] = {}
        self.root = self._add(None, holder, amount, 1, DAY)

    def _add(self, parent: str | None, holder: str, amount: int, tier: int, day: date) -> str:
        fid = f"frg_{len(self.nodes):04d}"
        self.nodes[fid] = Node(fid, parent, holder, amount, tier, "active", day)
        return fid

    def transfer(self, fid: str, to: str, amount: int, *, day: date = DAY) -> tuple[str, str | None]:
        """``fid`` spent: ``amount`` to ``to`` one tier up, the rest back to the sender; (part, remainder)."""
        p = self.nodes[fid]
        self.nodes[fid] = Node(p.id, p.parent_id, p.holder_id, p.amount_fen, p.tier, "spent", p.created_on)
        part = self._add(fid, to, amount, p.tier + 1, day)
        rest = self._add(fid, p.holder_id, p.amount_fen - amount, p.tier, day) if amount < p.amount_fen else None
        return part, rest

    def watch(self, allowed_tier: int | None = 10, limits: WatchLimits = LIMITS):
        return watch(self.nodes.values(), allowed_tier=allowed_tier, limits=limits)


def codes(w) -> list[str]:
    return [f["code"] for f in w.findings]


def test_an_unsplit_voucher_has_one_part_no_transfers_and_no_findings():
    w = Tree().watch()
    assert (w.fragments, w.transfers, w.max_tier, w.depth, w.active_parts, w.smallest_active_fen) == (
        1,
        0,
        1,
        0,
        1,
        1000_00,
    )
    assert w.findings == []


def test_an_empty_tree_is_measured_as_nothing():
    w = watch([], allowed_tier=10, limits=LIMITS)
    assert (w.fragments, w.transfers, w.depth, w.findings) == (0, 0, 0, [])


def test_depth_counts_transfers_on_the_longest_path_and_tier_the_deepest_supplier():
    t = Tree()
    part, rest = t.transfer(t.root, "s2", 400_00)
    t.transfer(rest, "s3", 100_00)  # the remainder stays at tier 1, one more edge down
    p3, _ = t.transfer(part, "s4", 50_00)
    t.transfer(p3, "s5", 10_00)
    w = t.watch()
    assert w.fragments == 9 and w.transfers == 4
    assert w.max_tier == 4  # s1 → s2 → s4 → s5
    assert w.depth == 3
    assert w.active_parts == 5 and w.smallest_active_fen == 10_00
    assert codes(w) == []


def test_depth_near_the_cores_maximum_is_reported_with_both_tiers():
    t = Tree()
    part, _ = t.transfer(t.root, "s2", 400_00)
    t.transfer(part, "s3", 100_00)  # tier 3
    assert codes(t.watch(allowed_tier=5)) == []
    w = t.watch(allowed_tier=4)
    assert codes(w) == ["depth_near_limit"]
    assert w.findings[0]["tier"] == 3 and w.findings[0]["allowed_tier"] == 4
    assert codes(t.watch(allowed_tier=None)) == []  # no designation: nothing to compare with


def test_many_parts_are_reported_above_the_limit_not_at_it():
    t = Tree()
    cur = t.root
    for _ in range(2):
        _, cur = t.transfer(cur, "s2", 1_00)
    assert t.watch().fragments == 5
    assert codes(t.watch(limits=WatchLimits(max_fragments=5))) == []
    w = t.watch(limits=WatchLimits(max_fragments=4))
    assert codes(w) == ["many_parts"] and w.findings[0]["fragments"] == 5 and w.findings[0]["limit"] == 4


def test_a_burst_of_splitting_by_one_holder_on_one_day_is_reported_per_holder_and_day():
    t = Tree()
    cur = t.root
    for _ in range(3):
        _, cur = t.transfer(cur, "s2", 1_00)
    for _ in range(2):
        _, cur = t.transfer(cur, "s2", 1_00, day=date(2026, 11, 27))
    limits = WatchLimits(daily_transfers=3)
    w = t.watch(limits=limits)
    assert codes(w) == ["rapid_splitting"]
    f = w.findings[0]
    assert (f["holder_id"], f["on"], f["transfers"], f["limit"]) == ("s1", "2026-11-26", 3, 3)
    assert codes(t.watch(limits=WatchLimits(daily_transfers=4))) == []


def test_a_part_flowing_back_to_an_earlier_holder_is_a_round_trip():
    t = Tree()
    part, _ = t.transfer(t.root, "s2", 400_00)
    back, _ = t.transfer(part, "s1", 100_00)  # s1 → s2 → s1
    w = t.watch()
    assert codes(w) == ["round_trip"]
    assert w.findings[0]["fragment_id"] == back and w.findings[0]["holder_id"] == "s1"


def test_a_remainder_back_to_its_sender_is_not_a_round_trip():
    t = Tree()
    _, rest = t.transfer(t.root, "s2", 400_00)
    _, rest = t.transfer(rest, "s3", 100_00)
    assert t.nodes[rest].holder_id == "s1"
    assert "round_trip" not in codes(t.watch())


def test_every_finding_has_a_chinese_and_an_english_message():
    t = Tree()
    part, _ = t.transfer(t.root, "s2", 400_00)
    t.transfer(part, "s1", 100_00)
    w = t.watch(allowed_tier=2, limits=WatchLimits(max_fragments=1, daily_transfers=1))
    assert set(codes(w)) == set(FINDINGS)
    for f in w.findings:
        assert (f["message_zh"], f["message_en"]) == FINDINGS[f["code"]]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f["message_zh"]) and f["message_en"].isascii()
