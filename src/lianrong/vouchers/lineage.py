"""Lineage (穿透): from any fragment back to the issuing trade, and the whole tree of a voucher."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.raw import Raw
from lianrong.documents.trades import TradeDocuments, trade_documents_of
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import get_or_raise
from lianrong.platform.context import Actor, Context
from lianrong.vouchers.model import FragmentStatus, VoucherStatus
from lianrong.vouchers.records import Voucher, voucher_values


class PathStep(NamedTuple):
    """One fragment on the way from the root to the fragment asked for."""

    id: str
    parent_id: str | None
    holder_id: str
    amount_fen: int
    tier: int
    status: str
    contract_id: str | None
    voucher_id: str
    created_at: dt.datetime
    depth: int
    holder_name: str


# one fixed recursive statement (see adapters/db/raw.py): lineage is read far more than it is written
_PATH_SQL = (
    "WITH RECURSIVE up(id, parent_id, holder_id, amount_fen, tier, status, contract_id, voucher_id, "
    "created_at, depth) AS ("
    "SELECT id, parent_id, holder_id, amount_fen, tier, status, contract_id, voucher_id, created_at, 0 "
    "FROM fragment WHERE id = :f "
    "UNION ALL "
    "SELECT f.id, f.parent_id, f.holder_id, f.amount_fen, f.tier, f.status, f.contract_id, f.voucher_id, "
    "f.created_at, up.depth + 1 FROM fragment f JOIN up ON f.id = up.parent_id) "
    "SELECT up.id, up.parent_id, up.holder_id, up.amount_fen, up.tier, up.status, up.contract_id, up.voucher_id, "
    "up.created_at, up.depth, p.name FROM up JOIN party p ON p.id = up.holder_id ORDER BY up.depth DESC"
)


def path_to_root(conn: Any, fragment_id: str) -> list[PathStep]:
    """The fragment and its ancestors, root first, in one recursive query."""
    raw = Raw(conn)
    return [PathStep(*r[:8], raw.timestamp(r[8]), *r[9:]) for r in raw.all(_PATH_SQL, {"f": fragment_id})]


@dataclass(frozen=True, slots=True)
class LineageVoucher:
    """The voucher a lineage belongs to, with its issuer's name."""

    id: str
    number: str
    core_id: str
    core_name: str
    face_fen: int
    issue_on: dt.date
    maturity_on: dt.date
    status: VoucherStatus


@dataclass(frozen=True, slots=True)
class LineageStep:
    """One part on the way from the root: its holder and the trade that moved it there (``trade``, the
    documents feature's record, when asked for and the step names a contract)."""

    id: str
    parent_id: str | None
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    contract_id: str | None
    created_at: dt.datetime
    trade: TradeDocuments | None = None


@dataclass(frozen=True, slots=True)
class Lineage:
    """The path from the root to a fragment, root first."""

    voucher: LineageVoucher
    path: tuple[LineageStep, ...]


@dataclass(frozen=True, slots=True)
class TreeNode:
    """One part of a voucher's tree, with its depth below the root (the root: 0)."""

    id: str
    parent_id: str | None
    holder_id: str
    holder_name: str
    amount_fen: int
    tier: int
    status: FragmentStatus
    contract_id: str | None
    financing_id: str | None
    created_at: dt.datetime
    depth: int


@dataclass(frozen=True, slots=True)
class VoucherTree:
    """A voucher's whole tree, flat: ``nodes`` depth-first from the root; ``depth`` the deepest node's."""

    voucher: Voucher
    root: str | None
    fragments: int
    depth: int
    nodes: tuple[TreeNode, ...]


def _step(r: PathStep, trade: TradeDocuments | None) -> LineageStep:
    return LineageStep(
        id=r.id,
        parent_id=r.parent_id,
        holder_id=r.holder_id,
        holder_name=r.holder_name,
        amount_fen=r.amount_fen,
        tier=r.tier,
        status=FragmentStatus(r.status),
        contract_id=r.contract_id,
        created_at=r.created_at,
        trade=trade,
    )


def lineage(ctx: Context, *, viewer: Actor, fragment_id: str, with_documents: bool = True) -> Lineage:
    """Path from the root to a fragment the viewer may see (``scope.check_fragment``; otherwise not found):
    tiers, holders, and the trade documents behind each step."""
    if not isinstance(fragment_id, str) or not fragment_id:
        raise errors.NotFound("fragment", fragment_id)
    with ctx.uow(autocommit=True) as uow:
        if scope.fragment_filter(uow, viewer) is not None:  # who sees every fragment needs no look-up: a
            scope.check_fragment(uow, viewer, fragment_id)  # missing one has no path (not found below)
        rows = path_to_root(uow.conn, fragment_id)
        if not rows:
            raise errors.NotFound("fragment", fragment_id)
        raw = Raw(uow.conn)
        v = raw.one(
            "SELECT v.id, v.number, v.core_id, p.name, v.face_fen, v.issue_on, v.maturity_on, v.status "
            "FROM voucher v JOIN party p ON p.id = v.core_id WHERE v.id = :v",
            {"v": rows[0].voucher_id},
        )
        steps = []
        # every contract behind the path at once (a remainder's is behind several steps)
        trades = trade_documents_of(uow, [r.contract_id for r in rows if r.contract_id]) if with_documents else {}
        for r in rows:
            trade = None
            if with_documents and r.contract_id:
                trade = trades[r.contract_id]
            steps.append(_step(r, trade))
        assert v is not None  # a fragment's voucher
        voucher = LineageVoucher(
            id=v[0],
            number=v[1],
            core_id=v[2],
            core_name=v[3],
            face_fen=v[4],
            issue_on=raw.date(v[5]),
            maturity_on=raw.date(v[6]),
            status=VoucherStatus(v[7]),
        )
        return Lineage(voucher=voucher, path=tuple(steps))


def voucher_tree(ctx: Context, *, viewer: Actor, voucher_id: str) -> VoucherTree:
    """The whole fragment tree of a voucher (its issuer, bank and the overseers only), flat: ``nodes`` in
    depth-first order from the root (a part before its children, siblings oldest first), each with its
    ``depth`` (the root 0) and ``parent_id``; ``depth`` is the deepest node's.

    Flat, and walked with an explicit stack: every partial transfer nests the sender's remainder one level
    deeper, so a voucher can be thousands of levels deep, beyond any recursion (Python's, a template's, a
    JSON reader's)."""
    with ctx.uow(readonly=True) as uow:
        scope.check_voucher(uow, viewer, voucher_id, whole_tree=True)
        voucher = get_or_raise(uow, t.voucher, voucher_id, "voucher")
        rows = uow.conn.execute(
            select(t.fragment, t.party.c.name.label("holder_name"))
            .join(t.party, t.party.c.id == t.fragment.c.holder_id)
            .where(t.fragment.c.voucher_id == voucher_id)
            .order_by(t.fragment.c.created_at, t.fragment.c.id)
        ).all()
        children: dict[str | None, list[Any]] = {}
        for r in rows:
            children.setdefault(r.parent_id, []).append(r)
        nodes: list[TreeNode] = []
        stack = [(r, 0) for r in reversed(children.get(None, []))]
        while stack:
            r, depth = stack.pop()
            nodes.append(
                TreeNode(
                    id=r.id,
                    parent_id=r.parent_id,
                    holder_id=r.holder_id,
                    holder_name=r.holder_name,
                    amount_fen=r.amount_fen,
                    tier=r.tier,
                    status=FragmentStatus(r.status),
                    contract_id=r.contract_id,
                    financing_id=r.financing_id,
                    created_at=r.created_at,
                    depth=depth,
                )
            )
            stack.extend((c, depth + 1) for c in reversed(children.get(r.id, ())))
        return VoucherTree(
            voucher=Voucher(**voucher_values(voucher)),
            root=nodes[0].id if nodes else None,
            fragments=len(rows),
            depth=max((n.depth for n in nodes), default=0),
            nodes=tuple(nodes),
        )
