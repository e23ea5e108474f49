"""The chains' pure rules: roles and tiers, codes and names, who may see and change a chain, the graph's edges."""

from __future__ import annotations

import datetime as dt

import pytest

from lianrong.kernel.errors import LianRongError
from lianrong.programme.chains.model import (
    MAX_TIER,
    Flow,
    Role,
    amounts_visible,
    chain_visible,
    check_code,
    check_left_on,
    check_member,
    check_name,
    may_configure,
    may_manage_members,
    parse_role,
    supply_edges,
)


@pytest.mark.parametrize(
    ("text", "role"),
    [("leader", Role.LEADER), ("链主", Role.LEADER), ("核心企业", Role.LEADER), ("Supplier", Role.SUPPLIER),
     (" 经销商 ", Role.DISTRIBUTOR), ("仓储", Role.LOGISTICS), ("brand", Role.BRAND), ("生产商", Role.PRODUCER)],
)  # fmt: skip
def test_a_role_reads_from_its_code_or_either_name(text, role):
    assert parse_role(text) is role


def _code(fn, **kw) -> str:
    with pytest.raises(LianRongError) as info:
        fn(**kw)
    assert info.value.message_zh and info.value.message_en
    return info.value.code


def test_the_leader_is_tier_zero_and_tier_zero_the_leaders():
    assert check_member(role="leader", tier=0) is Role.LEADER
    assert check_member(role="supplier", tier=MAX_TIER) is Role.SUPPLIER
    assert _code(check_member, role="leader", tier=1) == "chain.leader_tier"
    assert _code(check_member, role="supplier", tier=0) == "chain.leader_tier"
    assert _code(check_member, role="supplier", tier=MAX_TIER + 1) == "chain.tier_invalid"
    assert _code(check_member, role="supplier", tier=True) == "chain.tier_invalid"
    assert _code(check_member, role="farmer", tier=1) == "chain.role_invalid"


def test_codes_names_and_dates():
    assert check_code("live_commerce") == "live_commerce"
    for bad in ("Egg", "1egg", "e", "egg-chain", "x" * 41):
        assert _code(check_code, code=bad) == "chain.code_invalid"
    assert check_name("  蛋鸡鸡蛋产业链 ") == "蛋鸡鸡蛋产业链"
    assert _code(check_name, name=" ") == "chain.name_invalid"
    check_left_on(joined_on=dt.date(2026, 1, 1), left_on=dt.date(2026, 1, 1))
    assert (
        _code(check_left_on, joined_on=dt.date(2026, 1, 2), left_on=dt.date(2026, 1, 1)) == "chain.left_before_joined"
    )


def test_who_configures_manages_and_sees_a_chain():
    assert may_configure("district") and may_configure("system")
    assert not any(may_configure(k) for k in ("chain_office", "bank", "enterprise"))
    assert may_manage_members(kind="district", party_id="d", office_id="o")
    assert may_manage_members(kind="chain_office", party_id="o", office_id="o")
    assert not may_manage_members(kind="chain_office", party_id="o2", office_id="o")
    assert not may_manage_members(kind="bank", party_id="o", office_id="o")

    def sees(kind, party="p", office="o", active=True, member=False):
        return chain_visible(kind=kind, party_id=party, office_id=office, active=active, is_member=member)

    assert sees("district", active=False) and sees("chain_office", party="o", active=False)
    assert not sees("chain_office", party="o2")
    assert sees("bank") and not sees("bank", active=False)
    assert (
        sees("enterprise", member=True) and not sees("enterprise") and not sees("enterprise", member=True, active=False)
    )
    assert not sees("guarantor")
    assert amounts_visible(kind="chain_office", party_id="o", office_id="o", ends=("a", "b"))
    assert not amounts_visible(kind="bank", party_id="k", office_id="o", ends=("a", "b"))
    assert amounts_visible(kind="enterprise", party_id="a", office_id="o", ends=("a", "b"))
    assert not amounts_visible(kind="enterprise", party_id="c", office_id="o", ends=("a", "b"))


def test_supply_edges_sum_flows_between_distinct_members():
    flows = [
        Flow("s1", "core", 100, "contract"),
        Flow("s1", "core", 50, "contract"),
        Flow("s1", "core", 70, "voucher"),
        Flow("s2", "s1", 500, "voucher"),
        Flow("s1", "s1", 10, "voucher"),  # a split kept by its holder: no edge
        Flow("x", "core", 10, "contract"),  # not a member
    ]
    edges = supply_edges(flows, {"s1", "s2", "core"})
    assert [(e.source, e.target) for e in edges] == [("s2", "s1"), ("s1", "core")]
    s1 = edges[1]
    assert (s1.contract_fen, s1.contracts, s1.voucher_fen, s1.vouchers) == (150, 2, 70, 1)
