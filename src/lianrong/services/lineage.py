"""Lineage (穿透): from any fragment back to the issuing trade, and the whole tree of a voucher."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select

from ..adapters.db import tables as t
from ..domain import errors
from .common import Result, get_or_raise, row_dict
from .context import Context
from .documents import trade_documents


def path_to_root(conn: Any, fragment_id: str) -> list[Any]:
    """The fragment and its ancestors, root first, in one recursive query."""
    f = t.fragment
    base = select(f.c.id, f.c.parent_id, f.c.holder_id, f.c.amount_fen, f.c.tier, f.c.status,
                  f.c.contract_id, f.c.voucher_id, f.c.created_at, literal(0).label("depth")) \
        .where(f.c.id == fragment_id).cte("up", recursive=True)
    step = select(f.c.id, f.c.parent_id, f.c.holder_id, f.c.amount_fen, f.c.tier, f.c.status,
                  f.c.contract_id, f.c.voucher_id, f.c.created_at, (base.c.depth + 1).label("depth")) \
        .join(base, f.c.id == base.c.parent_id)
    up = base.union_all(step)
    rows = conn.execute(select(up, t.party.c.name.label("holder_name"))
                        .join(t.party, t.party.c.id == up.c.holder_id).order_by(up.c.depth.desc())).all()
    return rows


def lineage(ctx: Context, *, fragment_id: str, with_documents: bool = True) -> Result:
    """Path from the root to a fragment: tiers, holders, and the trade documents behind each step."""
    if not isinstance(fragment_id, str) or not fragment_id:
        raise errors.NotFound("fragment", fragment_id)
    with ctx.uow(readonly=True) as uow:
        rows = path_to_root(uow.conn, fragment_id)
        if not rows:
            raise errors.NotFound("fragment", fragment_id)
        voucher = get_or_raise(uow, t.voucher, rows[0].voucher_id, "voucher")
        core = uow.conn.execute(select(t.party.c.name).where(t.party.c.id == voucher.core_id)).scalar()
        steps = []
        for r in rows:
            step = {k: v for k, v in row_dict(r).items() if k not in ("depth", "voucher_id")}
            if with_documents and r.contract_id:
                step["trade"] = trade_documents(uow, r.contract_id)
            steps.append(step)
        return {"voucher": {"id": voucher.id, "number": voucher.number, "core_id": voucher.core_id,
                            "core_name": core, "face_fen": voucher.face_fen, "issue_on": voucher.issue_on.isoformat(),
                            "maturity_on": voucher.maturity_on.isoformat(), "status": voucher.status},
                "path": steps}


def voucher_tree(ctx: Context, *, voucher_id: str) -> Result:
    """The whole fragment tree of a voucher, nested from the root."""
    with ctx.uow(readonly=True) as uow:
        voucher = get_or_raise(uow, t.voucher, voucher_id, "voucher")
        rows = uow.conn.execute(
            select(t.fragment, t.party.c.name.label("holder_name"))
            .join(t.party, t.party.c.id == t.fragment.c.holder_id)
            .where(t.fragment.c.voucher_id == voucher_id).order_by(t.fragment.c.created_at, t.fragment.c.id)).all()
        nodes: dict[str, dict[str, Any]] = {}
        root = None
        for r in rows:
            nodes[r.id] = {**row_dict(r, drop=("voucher_id", "core_id")), "children": []}
        for r in rows:
            if r.parent_id is None:
                root = nodes[r.id]
            else:
                nodes[r.parent_id]["children"].append(nodes[r.id])
        return {"voucher": row_dict(voucher, drop=("warnings",)), "root": root, "fragments": len(rows)}
