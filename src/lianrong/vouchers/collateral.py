"""Voucher fragments as collateral of a financing (the ``voucher`` kind of ``financing.collateral``).

A fragment offered for financing is ``frozen`` (reserved for the application; ``fragment.financing_id`` names
it), ``active`` again on a rejection or expiry, and ``financed`` with the bank as its holder on disbursement,
so the settlement at maturity pays the bank like any final holder. Each step is an operation on the
voucher's hash chain. Vouchers are locked in id order, so concurrent cases never deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.financing.collateral import Asset
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import append_op, lock_voucher
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v


class VoucherCollateral:
    """Fragments of vouchers; an asset's id is the fragment's id."""

    kind = "voucher"

    def _load(self, uow: UnitOfWork, fragment_ids: Sequence[str], actor: Actor) -> tuple[list[Any], dict[str, Any]]:
        if not isinstance(fragment_ids, list) or not fragment_ids:
            raise errors.ValidationFailed(reason="no fragments / 未选择凭据份额")
        if len(set(fragment_ids)) != len(fragment_ids):
            raise errors.ValidationFailed(reason="a fragment is listed twice / 凭据份额重复")
        voucher_ids = set()
        for fid in fragment_ids:
            vid = (
                uow.conn.execute(select(t.fragment.c.voucher_id).where(t.fragment.c.id == fid)).scalar()
                if isinstance(fid, str)
                else None
            )
            if vid is None:
                raise errors.NotFound("fragment", fid)
            if actor.role != "system":
                scope.check_fragment(uow, actor, fid)
            voucher_ids.add(vid)
        vouchers = {vid: lock_voucher(uow, vid) for vid in sorted(voucher_ids)}
        frags = [uow.conn.execute(select(t.fragment).where(t.fragment.c.id == fid)).one() for fid in fragment_ids]
        return frags, vouchers

    def load(self, uow: UnitOfWork, asset_ids: Sequence[str], *, actor: Actor) -> list[Asset]:
        frags, vouchers = self._load(uow, asset_ids, actor)
        return [
            Asset(
                kind=self.kind,
                id=f.id,
                holder_id=f.holder_id,
                core_id=vouchers[f.voucher_id].core_id,
                face_fen=f.amount_fen,
                maturity_on=vouchers[f.voucher_id].maturity_on,
                bank_id=vouchers[f.voucher_id].bank_id,
            )
            for f in frags
        ]

    def _state(self, uow: UnitOfWork, assets: Sequence[Asset]) -> tuple[list[Any], dict[str, Any]]:
        """The fragments (as read now) and their vouchers (locked by ``load``, read again for the chain head)."""
        frags = [uow.conn.execute(select(t.fragment).where(t.fragment.c.id == a.id)).one() for a in assets]
        vouchers = {vid: lock_voucher(uow, vid) for vid in sorted({f.voucher_id for f in frags})}
        return frags, vouchers

    def check_eligible(self, ctx: Context, uow: UnitOfWork, assets: Sequence[Asset], *, applicant_id: str) -> None:
        frags, vouchers = self._state(uow, assets)
        for f in frags:
            vo = vouchers[f.voucher_id]
            if vo.status != "active":
                raise errors.InvalidState(entity="voucher", state=vo.status, action="finance")
            v.check_can_move(
                fragment=v.FragmentState(f.id, f.holder_id, f.amount_fen, f.tier, f.status),
                actor_party=applicant_id,
                today=ctx.clock.today(),
                maturity=vo.maturity_on,
                action="finance",
            )

    def _append(
        self,
        ctx: Context,
        uow: UnitOfWork,
        frags: Sequence[Any],
        vouchers: Mapping[str, Any],
        *,
        op: str,
        actor: Actor,
        payload: Mapping[str, Any],
        with_fragments: bool,
    ) -> None:
        for vid, vo in vouchers.items():
            body = dict(payload)
            if with_fragments:
                body["fragments"] = [f.id for f in frags if f.voucher_id == vid]
            append_op(ctx, uow, voucher=vo, op=op, actor=actor, payload=body)

    def reserve(
        self,
        ctx: Context,
        uow: UnitOfWork,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Actor,
        details: Mapping[str, Any],
    ) -> None:
        frags, vouchers = self._state(uow, assets)
        for f in frags:
            res = uow.conn.execute(
                update(t.fragment)
                .where(t.fragment.c.id == f.id, t.fragment.c.status == v.ACTIVE)
                .values(status=v.FROZEN, financing_id=financing_id)
            )
            if res.rowcount != 1:
                raise vouchers_errors.FragmentNotActive(fragment=f.id, state="spent")
        self._append(
            ctx,
            uow,
            frags,
            vouchers,
            op="finance_apply",
            actor=actor,
            with_fragments=True,
            payload={"financing": financing_id, **details},
        )

    def record(
        self,
        ctx: Context,
        uow: UnitOfWork,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Actor,
        op: str,
        details: Mapping[str, Any],
    ) -> None:
        frags, vouchers = self._state(uow, assets)
        self._append(
            ctx,
            uow,
            frags,
            vouchers,
            op=op,
            actor=actor,
            with_fragments=False,
            payload={"financing": financing_id, **details},
        )

    def release(
        self,
        ctx: Context,
        uow: UnitOfWork,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Actor,
        op: str,
        details: Mapping[str, Any],
    ) -> None:
        frags, vouchers = self._state(uow, assets)
        for f in frags:
            uow.conn.execute(
                update(t.fragment)
                .where(t.fragment.c.id == f.id, t.fragment.c.status == v.FROZEN)
                .values(status=v.ACTIVE, financing_id=None)
            )
        self._append(
            ctx,
            uow,
            frags,
            vouchers,
            op=op,
            actor=actor,
            with_fragments=False,
            payload={"financing": financing_id, **details},
        )

    def check_assignable(self, ctx: Context, uow: UnitOfWork, assets: Sequence[Asset], *, today: dt.date) -> None:
        _, vouchers = self._state(uow, assets)
        for vo in vouchers.values():
            if vo.status != "active" or today >= vo.maturity_on:
                raise vouchers_errors.Matured(maturity=vo.maturity_on.isoformat(), action="disburse")

    def assign(
        self,
        ctx: Context,
        uow: UnitOfWork,
        assets: Sequence[Asset],
        *,
        financing_id: str,
        actor: Actor,
        bank_id: str,
        details: Mapping[str, Any],
    ) -> None:
        frags, vouchers = self._state(uow, assets)
        for fr in frags:
            res = uow.conn.execute(
                update(t.fragment)
                .where(t.fragment.c.id == fr.id, t.fragment.c.status == v.FROZEN)
                .values(status=v.FINANCED, holder_id=bank_id)
            )
            if res.rowcount != 1:
                raise vouchers_errors.FragmentNotActive(fragment=fr.id, state=fr.status)
        self._append(
            ctx,
            uow,
            frags,
            vouchers,
            op="finance_disburse",
            actor=actor,
            with_fragments=True,
            payload={"financing": financing_id, "new_holder": bank_id, **details},
        )

    def contracts(self, uow: UnitOfWork, asset_ids: Sequence[str]) -> list[str]:
        """Each voucher's issuing trade, then the trades that moved the fragments to their holders."""
        frs = uow.conn.execute(
            select(t.fragment.c.voucher_id, t.fragment.c.contract_id).where(t.fragment.c.id.in_(list(asset_ids)))
        ).all()
        issue = [
            uow.conn.execute(select(t.voucher.c.contract_id).where(t.voucher.c.id == vid)).scalar()
            for vid in sorted({r.voucher_id for r in frs})
        ]
        moved = sorted({r.contract_id for r in frs if r.contract_id})
        return [c for c in dict.fromkeys(issue + moved) if c]
