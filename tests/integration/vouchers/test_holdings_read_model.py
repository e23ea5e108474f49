"""Holdings are read through one read model (``vouchers.queries.holdings``) by the API, the console and the
command line; the console's book adds the parts its organisation financed, which the bank holds."""

from __future__ import annotations

from lianrong.platform.context import SYSTEM
from lianrong.vouchers import queries
from lianrong.vouchers.model import FragmentStatus, VoucherStatus


def test_a_holder_sees_its_parts_with_what_it_may_do_with_them(world):
    root = world.issue(1000_00)
    page = queries.holdings(world.ctx, viewer=world.user("s1"))
    (part,) = [h for h in page.items if h.id == root]
    assert page.total == len(page.items) >= 1
    assert (part.status, part.voucher_status, part.holder_id) == (
        FragmentStatus.ACTIVE,
        VoucherStatus.ACTIVE,
        world.ids["s1"],
    )
    assert part.can_move and not part.bank_holds and part.issuer == world.ids["core"] and part.issuer_name
    assert part.days_left == (part.maturity_on - world.ctx.clock.today()).days


def test_the_system_viewer_and_the_holder_read_the_same_holdings(world):
    world.issue(1000_00)
    mine = queries.holdings(world.ctx, viewer=world.user("s1"), limit=None).items
    everything = queries.holdings(world.ctx, viewer=SYSTEM, party=world.ids["s1"], limit=None).items
    assert [h.id for h in mine] == [h.id for h in everything]
    # the system's copy of a part is not movable by the system: it holds nothing
    assert all(h.can_move for h in mine) and not any(h.can_move for h in everything)


def test_another_enterprise_sees_none_of_a_holders_parts(world):
    world.issue(1000_00)
    assert queries.holdings(world.ctx, viewer=world.user("s4"), party=world.ids["s1"]).items == ()


def test_the_consoles_book_adds_the_financed_parts_the_bank_now_holds(world):
    root = world.issue(1000_00)
    world.finance([root], "s1")
    s1 = world.user("s1")
    assert root not in {h.id for h in queries.holdings(world.ctx, viewer=s1, include_closed=True, limit=None).items}
    (financed,) = [h for h in queries.my_holdings(world.ctx, viewer=s1) if h.id == root]
    assert financed.bank_holds and financed.holder_id == world.ids["bank"]
    assert financed.status == FragmentStatus.FINANCED and financed.financing_status == "disbursed"
    assert not financed.can_move
