from factories import World  # noqa: F401

from lianrong.vouchers import audit


def test_world_builds_and_an_issued_voucher_keeps_every_invariant(world):
    root = world.issue(1_000_00)
    r = world.transfer(root, "s1", [("s2", 400_00)])
    world.finance([world.child(r, "s2")], "s2")
    assert audit.verify(world.ctx).ok
