"""The split report (77号: split depth and unusual splitting are tracked and reported), on the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ledger_asserts import refuses

from lianrong.kernel.policy import WatchLimits
from lianrong.platform.context import SYSTEM
from lianrong.settlement import service as settlement
from lianrong.vouchers import splits

MATURITY = dt.date(2027, 3, 15)


def report(world, actor=SYSTEM, **kw):
    return splits.split_report(world.ctx, actor=actor, **kw)


def limits(world, **kw) -> None:
    """Set the deployment's thresholds (``LIANRONG_SPLIT_WATCH_*``) on this world's context."""
    world.ctx.policy = dataclasses.replace(world.ctx.policy, split_watch=WatchLimits(**kw))


def item(out, voucher_id):
    (found,) = [i for i in out.items if i.voucher_id == voucher_id]
    return found


def voucher_of(world, fragment):
    from lianrong.platform.context import SYSTEM
    from lianrong.vouchers import lineage

    return lineage.lineage(world.ctx, viewer=SYSTEM, fragment_id=fragment, with_documents=False).voucher.id


def test_each_voucher_is_measured_from_its_whole_tree(world):
    root = world.issue(1000_00)
    r1 = world.transfer(root, "s1", [("s2", 400_00)])
    r2 = world.transfer(world.child(r1, "s2"), "s2", [("s3", 150_00)])
    world.transfer(world.child(r2, "s3"), "s3", [("s4", 50_00)])
    vid = voucher_of(world, root)
    out = report(world)
    got = item(out, vid)
    assert (got.fragments, got.transfers, got.max_tier, got.depth, got.active_parts) == (7, 3, 4, 3, 4)
    assert got.allowed_tier == 20  # the World designates its core with max_tier=20
    assert got.smallest_active_fen == 50_00 and got.face_fen == 1000_00
    assert got.number and got.core_id == world.ids["core"] and got.core_name
    assert got.status == "active" and got.maturity_on == MATURITY
    assert got.findings == ()
    assert out.summary == splits.SplitSummary(vouchers=1, flagged=0, findings_by_code={})
    assert out.limits == splits.SplitLimits(tier_margin=1, max_fragments=100, daily_transfers=10)


def test_findings_follow_the_deployments_thresholds(world):
    root = world.issue(1000_00)
    cur = root
    for _ in range(3):  # s1 splits three times on one day
        cur = world.child(world.transfer(cur, "s1", [("s2", 10_00)]), "s1")
    vid = voucher_of(world, root)
    assert item(report(world), vid).findings == ()
    limits(world, tier_margin=18, max_fragments=6, daily_transfers=3)
    found = item(report(world), vid).findings
    assert [f["code"] for f in found] == ["depth_near_limit", "many_parts", "rapid_splitting"]
    burst = found[2]
    assert burst["holder_id"] == world.ids["s1"] and burst["on"] == "2026-11-26" and burst["transfers"] == 3
    assert found[1]["fragments"] == 7


def test_a_part_coming_back_to_an_earlier_holder_is_reported_as_a_round_trip(world):
    world.contract("s2", "s1")  # s2 also buys from s1: a trade in each direction
    root = world.issue(1000_00)
    r1 = world.transfer(root, "s1", [("s2", 400_00)])
    r2 = world.transfer(world.child(r1, "s2"), "s2", [("s1", 100_00)])
    back = [c.id for c in r2.children if c.holder_id == world.ids["s1"]][0]
    out = report(world, flagged_only=True)
    (got,) = out.items
    assert [(f["code"], f["fragment_id"], f["holder_id"]) for f in got.findings] == [
        ("round_trip", back, world.ids["s1"])
    ]
    assert out.summary.findings_by_code == {"round_trip": 1}


def test_flagged_only_paging_and_the_summary_cover_the_whole_selection(world):
    quiet = [world.issue(100_00) for _ in range(3)]
    busy = world.issue(1000_00)
    cur = busy
    for _ in range(2):
        cur = world.child(world.transfer(cur, "s1", [("s2", 10_00)]), "s1")
    limits(world, max_fragments=3)
    every = report(world)
    assert every.total == 4 and every.summary == splits.SplitSummary(
        vouchers=4, flagged=1, findings_by_code={"many_parts": 1}
    )
    flagged = report(world, flagged_only=True)
    assert [i.voucher_id for i in flagged.items] == [voucher_of(world, busy)]
    assert flagged.total == 1 and flagged.summary == every.summary
    first, second = report(world, limit=2), report(world, limit=2, offset=2)
    ids = [i.voucher_id for i in first.items + second.items]
    assert sorted(ids) == sorted(voucher_of(world, f) for f in [*quiet, busy])
    assert first.total == second.total == 4 and len(first.items) == 2


def test_settled_vouchers_are_included_only_when_asked(world):
    root = world.issue(1000_00)
    world.transfer(root, "s1", [("s2", 400_00)])
    vid = voucher_of(world, root)
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    assert report(world).items == ()
    got = item(report(world, include_closed=True), vid)
    assert got.status == "settled" and got.active_parts == 0 and got.smallest_active_fen is None
    assert got.fragments == 3 and got.transfers == 1


def test_filters_by_core_bank_and_voucher(world):
    root = world.issue(1000_00)
    vid = voucher_of(world, root)
    assert [i.voucher_id for i in report(world, core=world.ids["core"]).items] == [vid]
    assert [i.voucher_id for i in report(world, bank=world.ids["bank"]).items] == [vid]
    assert [i.voucher_id for i in report(world, voucher_id=vid).items] == [vid]
    assert report(world, core=world.ids["s1"]).items == ()  # an enterprise that issued nothing
    refuses(world.ctx, "voucher.not_found", report, world, voucher_id="vch_01NOSUCHVOUCHER000000000000")
    pending = world.prepare(100_00).id  # asked for by id: reported in any status
    (row,) = report(world, voucher_id=pending).items
    assert (row.status, row.fragments, row.transfers, row.findings) == ("pending", 0, 0, ())
    assert pending not in [i.voucher_id for i in report(world, include_closed=True).items]
    refuses(world.ctx, "enterprise.not_found", report, world, core="ent_01NOSUCHPARTY00000000000000")
    refuses(world.ctx, "party.wrong_kind", report, world, bank=world.ids["core"])
    refuses(world.ctx, "validation.failed", report, world, limit=0)
    refuses(world.ctx, "validation.failed", report, world, offset=-1)


def test_each_reader_sees_the_vouchers_it_issued_or_carries(world):
    root = world.issue(1000_00)
    world.transfer(root, "s1", [("s2", 400_00)])
    vid = voucher_of(world, root)
    for who in ("bank", "core"):
        assert [i.voucher_id for i in report(world, world.user(who)).items] == [vid], who
    # a supplier holds parts, not the tree: it issued nothing, so its report is empty
    for who in ("s1", "s2"):
        assert report(world, world.user(who)).items == (), who
