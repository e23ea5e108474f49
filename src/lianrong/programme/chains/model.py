"""Chains and members as pure rules: roles, tiers, codes, who may see and change a chain, the graph's edges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lianrong.programme.chains import errors as chain_errors

#: the deepest tier a member may have (the table's check constraint)
MAX_TIER = 20

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class Role(StrEnum):
    """A member's role in its chain (``chain_member.role``)."""

    LEADER = "leader"  # 链主 / 核心企业
    SUPPLIER = "supplier"  # 供应商
    PRODUCER = "producer"  # 生产商
    DISTRIBUTOR = "distributor"  # 经销商
    BRAND = "brand"  # 品牌商
    LOGISTICS = "logistics"  # 物流 / 仓储


#: each role's names (Chinese, English), in the order chains show them
ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.LEADER: ("链主", "Chain leader"),
    Role.SUPPLIER: ("供应商", "Supplier"),
    Role.PRODUCER: ("生产商", "Producer"),
    Role.DISTRIBUTOR: ("经销商", "Distributor"),
    Role.BRAND: ("品牌商", "Brand"),
    Role.LOGISTICS: ("物流仓储", "Logistics"),
}

_ROLE_WORDS = {
    **{r.value: r for r in Role},
    **{zh: r for r, (zh, _) in ROLE_LABELS.items()},
    **{en.casefold(): r for r, (_, en) in ROLE_LABELS.items()},
    "核心企业": Role.LEADER,
    "链主企业": Role.LEADER,
    "物流": Role.LOGISTICS,
    "仓储": Role.LOGISTICS,
}


def parse_role(value: str) -> Role:
    """A role from its code, its Chinese or its English name (a spreadsheet's cell, a form's choice)."""
    role = _ROLE_WORDS.get(value.strip()) or _ROLE_WORDS.get(value.strip().casefold())
    if role is None:
        raise chain_errors.MemberRoleInvalid(value=value)
    return role


def check_member(*, role: str, tier: int) -> Role:
    """A member's role and tier: the chain leader is tier 0 and tier 0 is the leader's; others 1..MAX_TIER."""
    r = parse_role(role)
    if isinstance(tier, bool) or not isinstance(tier, int) or tier < 0 or tier > MAX_TIER:
        raise chain_errors.MemberTierInvalid(tier=tier, max_tier=MAX_TIER)
    if (r is Role.LEADER) != (tier == 0):
        raise chain_errors.LeaderTier(role=r.value, tier=tier)
    return r


def check_code(code: str) -> str:
    """A chain's code: a short stable identifier (``egg``, ``live_commerce``)."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise chain_errors.ChainCodeInvalid(value=code)
    return code


def check_name(name: str, *, max_length: int = 60) -> str:
    """A chain's name: not blank, at most ``max_length`` characters."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > max_length:
        raise chain_errors.ChainNameInvalid(value=name)
    return text


def check_left_on(*, joined_on: date, left_on: date) -> None:
    """A member leaves on or after the day it joined."""
    if left_on < joined_on:
        raise chain_errors.LeftBeforeJoined(joined_on=joined_on.isoformat(), left_on=left_on.isoformat())


def may_configure(kind: str) -> bool:
    """Whether an organisation of this kind creates and configures chains: the district office (and the system)."""
    return kind in ("system", "district")


def may_manage_members(*, kind: str, party_id: str, office_id: str | None) -> bool:
    """Whether an organisation adds, changes and removes a chain's members: the district, or the chain's office."""
    return kind in ("system", "district") or (
        kind == "chain_office" and office_id is not None and party_id == office_id
    )


def chain_visible(*, kind: str, party_id: str, office_id: str | None, active: bool, is_member: bool) -> bool:
    """Whether a chain is in an organisation's scope (the package's text says who sees what)."""
    if kind in ("system", "district"):
        return True
    if kind == "chain_office":
        return office_id is not None and party_id == office_id
    if kind == "bank":
        return active
    if kind == "enterprise":
        return active and is_member
    return False


def amounts_visible(*, kind: str, party_id: str, office_id: str | None, ends: tuple[str, str]) -> bool:
    """Whether a graph edge's amounts are shown: to the overseers of the chain, and to an enterprise on its own
    edges; a bank sees the structure only (trade between enterprises is not its business)."""
    if kind in ("system", "district") or (kind == "chain_office" and party_id == office_id):
        return True
    return kind == "enterprise" and party_id in ends


@dataclass(frozen=True)
class Flow:
    """One movement between two parties: a contract (the seller supplies the buyer) or a voucher part handed on
    (the receiver supplied the payer)."""

    supplier_id: str
    buyer_id: str
    amount_fen: int
    kind: str  # contract | voucher


@dataclass(frozen=True)
class EdgeSum:
    """The supply relation between two members, from supplier to buyer: amounts and counts by source."""

    source: str  # the supplier
    target: str  # the buyer
    contract_fen: int
    contracts: int
    voucher_fen: int
    vouchers: int


def supply_edges(flows: list[Flow], members: set[str]) -> list[EdgeSum]:
    """Sum the flows between two distinct members into edges (supplier → buyer), sorted by amount."""
    sums: dict[tuple[str, str], list[int]] = {}
    for f in flows:
        if f.supplier_id == f.buyer_id or f.supplier_id not in members or f.buyer_id not in members:
            continue
        s = sums.setdefault((f.supplier_id, f.buyer_id), [0, 0, 0, 0])
        if f.kind == "contract":
            s[0] += f.amount_fen
            s[1] += 1
        else:
            s[2] += f.amount_fen
            s[3] += 1
    edges = [EdgeSum(a, b, *v) for (a, b), v in sums.items()]
    return sorted(edges, key=lambda e: (-(e.contract_fen + e.voucher_fen), e.source, e.target))
