"""Payment instructions: create, hand to the payments adapter, and apply the bank's outcomes.

A confirmed settlement pays a final holder: the fragment is settled; a financing whose fragments are
all paid is repaid, its credit released and any surplus above principal refunded to the supplier; a
voucher with every leaf paid is settled. A failed one makes the voucher overdue and marks the core
enterprise defaulted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.adapters.payments import Instruction, Outcome
from lianrong.credit.service import release
from lianrong.financing import model as fin
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.platform.common import (
    SYSTEM_ACTOR,
    append_op,
    lock_voucher,
    lock_voucher_head,
    resolve_party,
)
from lianrong.platform.context import Context
from lianrong.platform.results import run_typed
from lianrong.settlement.model import (
    OUTCOME_ACTION,
    PaymentAction,
    PaymentKind,
    PaymentStatus,
    next_status,
)
from lianrong.vouchers import model as v


def create_instruction(
    ctx: Context,
    uow: UnitOfWork,
    *,
    kind: str,
    core_id: str,
    payer_id: str,
    payee_id: str,
    bank_id: str,
    amount_fen: int,
    value_on: dt.date,
    voucher_id: str | None = None,
    fragment_id: str | None = None,
    financing_id: str | None = None,
) -> str:
    """Record a pending instruction; returns its id."""
    check_fen(amount_fen)
    iid = new_id("pay")
    account = uow.conn.execute(
        select(t.onboarding.c.settlement_account).where(
            t.onboarding.c.bank_id == bank_id, t.onboarding.c.party_id == payee_id
        )
    ).scalar()
    uow.conn.execute(
        insert(t.payment_instruction).values(
            id=iid,
            core_id=core_id,
            kind=kind,
            voucher_id=voucher_id,
            fragment_id=fragment_id,
            financing_id=financing_id,
            payer_id=payer_id,
            payee_id=payee_id,
            payee_account=account,
            bank_id=bank_id,
            amount_fen=amount_fen,
            value_on=value_on,
            status=PaymentStatus.PENDING.value,
            created_at=ctx.clock.now(),
        )
    )
    return iid


@dataclass(frozen=True)
class PendingInstruction:
    """What submitting an instruction and applying its outcome need of it."""

    id: str
    kind: str
    voucher_id: str | None
    fragment_id: str | None
    payer_id: str
    payee_id: str
    amount_fen: int
    financing_id: str | None = None


_INSTRUCTION_COLUMNS = "id, kind, voucher_id, fragment_id, payer_id, payee_id, amount_fen, financing_id"


def submit(ctx: Context, uow: UnitOfWork, instruction_ids: list[str]) -> dict[str, str]:
    """Hand pending instructions to the adapter and apply what it answers at once."""
    if not instruction_ids:
        return {}
    return submit_pending(ctx, uow, _pending(uow, instruction_ids))


def submit_pending(ctx: Context, uow: UnitOfWork, rows: list[PendingInstruction]) -> dict[str, str]:
    """``submit`` for instructions the caller has just written (pending, in id order): not read back."""
    if not rows:
        return {}
    raw = uow.raw
    params: dict[str, Any] = {}
    payers = raw.placeholders("p", sorted({r.payer_id for r in rows}), params)
    banks = {pid for (pid,) in raw.all(f"SELECT id FROM party WHERE kind = 'bank' AND id IN ({payers})", params)}
    outcomes = ctx.payments.submit(
        uow.conn,
        [
            Instruction(
                id=r.id,
                payer_id=r.payer_id,
                payee_id=r.payee_id,
                amount_fen=r.amount_fen,
                payer_is_bank=r.payer_id in banks,
            )
            for r in rows
        ],
    )
    apply_outcomes(ctx, uow, outcomes, known={r.id: r for r in rows})
    return {k: o.status for k, o in outcomes.items()}


def _select_instructions(uow: UnitOfWork, ids: list[str], condition: str, extra: dict[str, Any]) -> list[Any]:
    """Instructions among ``ids`` meeting ``condition``, in id order within each chunk of 500 ids."""
    raw = uow.raw
    out = []
    for chunk in range(0, len(ids), 500):
        params = dict(extra)
        marks = raw.placeholders("i", ids[chunk : chunk + 500], params)
        out += [
            PendingInstruction(*r)
            for r in raw.all(
                f"SELECT {_INSTRUCTION_COLUMNS} FROM payment_instruction WHERE id IN ({marks}) AND {condition} "
                "ORDER BY id",
                params,
            )
        ]
    return out


def _pending(uow: UnitOfWork, ids: list[str]) -> list[PendingInstruction]:
    return _select_instructions(uow, ids, "status = 'pending'", {})


def apply_outcomes(
    ctx: Context, uow: UnitOfWork, outcomes: dict[str, Outcome], *, known: dict[str, PendingInstruction] | None = None
) -> None:
    """Record confirmations and failures and carry out their consequences.

    ``known``: the instructions as the caller has them (just written or read in this unit of work),
    so they are not read back.
    """
    raw = uow.raw
    now = raw.ts(ctx.clock.now())
    # each outcome applies to a pending instruction only (the transition table), in the statement itself
    pending = PaymentStatus.PENDING.value
    confirmed = [(k, o) for k, o in outcomes.items() if OUTCOME_ACTION.get(o.status) is PaymentAction.CONFIRM]
    failed = [(k, o) for k, o in outcomes.items() if OUTCOME_ACTION.get(o.status) is PaymentAction.FAIL]
    if confirmed:
        raw.many(
            "UPDATE payment_instruction SET status = :to, reference = :ref, confirmed_at = :at "
            "WHERE id = :iid AND status = :from",
            [
                {
                    "iid": k,
                    "ref": o.reference,
                    "at": now,
                    "from": pending,
                    "to": next_status(pending, PaymentAction.CONFIRM).value,
                }
                for k, o in confirmed
            ],
        )
    if failed:
        raw.many(
            "UPDATE payment_instruction SET status = :to, failure = :why WHERE id = :iid AND status = :from",
            [
                {"iid": k, "why": o.failure, "from": pending, "to": next_status(pending, PaymentAction.FAIL).value}
                for k, o in failed
            ],
        )
    settle_ids = [k for k, _ in confirmed]
    fail_ids = [k for k, _ in failed]
    if settle_ids:
        _on_paid(ctx, uow, settle_ids, known)
    if fail_ids:
        _on_unpaid(ctx, uow, fail_ids, known)


def _instructions(
    uow: UnitOfWork, ids: list[str], kind: str, known: dict[str, PendingInstruction] | None = None
) -> list[PendingInstruction]:
    if known is not None and all(i in known for i in ids):
        return sorted((known[i] for i in ids if known[i].kind == kind), key=lambda r: r.id)
    return _select_instructions(uow, ids, "kind = :kind", {"kind": kind})


def _on_paid(ctx: Context, uow: UnitOfWork, ids: list[str], known: dict[str, PendingInstruction] | None = None) -> None:
    rows = _instructions(uow, ids, PaymentKind.SETTLEMENT.value, known)
    if not rows:
        return
    raw = uow.raw
    raw.many("UPDATE fragment SET status = 'settled' WHERE id = :fid", [{"fid": r.fragment_id} for r in rows])
    frag_ids = [r.fragment_id for r in rows]
    financings: set[str] = set()
    for chunk in range(0, len(frag_ids), 500):
        params: dict[str, Any] = {}
        marks = raw.placeholders("f", frag_ids[chunk : chunk + 500], params)
        financings.update(
            f
            for (f,) in raw.all(
                "SELECT DISTINCT fa.financing_id FROM financing_asset fa JOIN financing fi ON fi.id = fa.financing_id "
                f"WHERE fa.kind = 'voucher' AND fa.asset_id IN ({marks}) AND fi.status IN ('disbursed', 'overdue')",
                params,
            )
        )
    for fid in sorted(financings):
        _maybe_repaid(ctx, uow, fid)
    by_voucher: dict[str, list[PendingInstruction]] = {}
    for r in rows:
        by_voucher.setdefault(r.voucher_id, []).append(r)  # type: ignore[arg-type]
    for vid in sorted(by_voucher):
        _maybe_settled(ctx, uow, vid, paid=by_voucher[vid])


def _voucher_assets(financing_id: str) -> Any:
    """The ids of the fragments a financing is secured by (a subquery)."""
    return select(t.financing_asset.c.asset_id).where(
        t.financing_asset.c.financing_id == financing_id, t.financing_asset.c.kind == "voucher"
    )


def _maybe_repaid(ctx: Context, uow: UnitOfWork, financing_id: str) -> None:
    f = uow.conn.execute(select(t.financing).where(t.financing.c.id == financing_id)).one()
    if f.status not in fin.TRANSITIONS["repay"][0]:
        return
    open_ = uow.conn.execute(
        select(func.count())
        .select_from(t.fragment)
        .where(t.fragment.c.id.in_(_voucher_assets(financing_id)), t.fragment.c.status != v.SETTLED)
    ).scalar()
    if open_:
        return
    uow.conn.execute(
        update(t.financing).where(t.financing.c.id == financing_id).values(status=fin.next_status(f.status, "repay"))
    )
    if f.credit_line_id and f.occupied_fen:
        release(uow, line_id=f.credit_line_id, amount_fen=f.occupied_fen)
    extra = fin.surplus(collected_fen=f.face_fen, principal_fen=f.principal_fen)
    if extra:
        ins = create_instruction(
            ctx,
            uow,
            kind=PaymentKind.SURPLUS.value,
            core_id=f.core_id,
            payer_id=f.bank_id,
            payee_id=f.applicant_id,
            bank_id=f.bank_id,
            amount_fen=extra,
            value_on=ctx.clock.today(),
            financing_id=f.id,
        )
        submit(ctx, uow, [ins])


def _maybe_settled(ctx: Context, uow: UnitOfWork, voucher_id: str, *, paid: list[PendingInstruction]) -> None:
    voucher = lock_voucher_head(uow, voucher_id)
    raw = uow.raw
    open_ = raw.one(
        "SELECT count(*) FROM fragment WHERE voucher_id = :v AND status IN ('active', 'frozen', 'financed', 'overdue')",
        {"v": voucher_id},
    )[0]  # type: ignore[index]
    # built here from ids and fen read from the database: hashed as it is (append_op(plain=True))
    payload: dict[str, Any] = {
        "paid": [
            {"fragment": r.fragment_id, "payee": r.payee_id, "amount": r.amount_fen, "instruction": r.id} for r in paid
        ]
    }
    if not open_ and voucher.status in ("active", "overdue"):
        raw.run("UPDATE voucher SET status = 'settled' WHERE id = :v", {"v": voucher_id})
        if voucher.credit_line_id:
            release(uow, line_id=voucher.credit_line_id, amount_fen=voucher.face_fen)
        payload["voucher_settled"] = True
    append_op(ctx, uow, voucher=voucher, op="settle", actor=SYSTEM_ACTOR, payload=payload, plain=True)


def _on_unpaid(
    ctx: Context, uow: UnitOfWork, ids: list[str], known: dict[str, PendingInstruction] | None = None
) -> None:
    rows = _instructions(uow, ids, PaymentKind.SETTLEMENT.value, known)
    for vid in sorted({r.voucher_id for r in rows}):  # type: ignore[type-var]
        mark_overdue(ctx, uow, vid, failed=[r.id for r in rows if r.voucher_id == vid])  # type: ignore[arg-type]
    for r in _instructions(uow, ids, PaymentKind.DISBURSEMENT.value, known):
        _disbursement_failed(ctx, uow, r.financing_id, instruction=r.id)


def _disbursement_failed(ctx: Context, uow: UnitOfWork, financing_id: str, *, instruction: str) -> None:
    """The bank could not pay the net proceeds: the financing fails and the parts return to the applicant."""
    f = uow.conn.execute(select(t.financing).where(t.financing.c.id == financing_id)).one()
    if f.status not in fin.TRANSITIONS["fail"][0]:
        return
    frags = uow.conn.execute(
        select(t.fragment.c.id, t.fragment.c.voucher_id).where(
            t.fragment.c.id.in_(_voucher_assets(financing_id)), t.fragment.c.status == v.FINANCED
        )
    ).all()
    uow.conn.execute(
        update(t.fragment)
        .where(t.fragment.c.id.in_(_voucher_assets(financing_id)), t.fragment.c.status == v.FINANCED)
        .values(status=v.ACTIVE, holder_id=f.applicant_id, financing_id=None)
    )
    uow.conn.execute(
        update(t.financing).where(t.financing.c.id == financing_id).values(status=fin.next_status(f.status, "fail"))
    )
    if f.credit_line_id and f.occupied_fen:
        release(uow, line_id=f.credit_line_id, amount_fen=f.occupied_fen)
    for vid in sorted({fr.voucher_id for fr in frags}):
        append_op(
            ctx,
            uow,
            voucher=lock_voucher(uow, vid),
            op="disbursement_failed",
            actor=SYSTEM_ACTOR,
            payload={
                "financing": financing_id,
                "instruction": instruction,
                "returned_to": f.applicant_id,
                "fragments": [fr.id for fr in frags if fr.voucher_id == vid],
            },
        )


def mark_overdue(ctx: Context, uow: UnitOfWork, voucher_id: str, *, failed: list[str]) -> None:
    """The core enterprise did not pay by the end of maturity: overdue, and the issuer defaulted."""
    voucher = lock_voucher(uow, voucher_id)
    live = (t.fragment.c.voucher_id == voucher_id, t.fragment.c.status.in_((v.ACTIVE, v.FROZEN, v.FINANCED)))
    unpaid = uow.conn.execute(
        select(func.count(), func.coalesce(func.sum(t.fragment.c.amount_fen), 0)).where(*live)
    ).one()
    financed = select(t.fragment.c.id).where(*live, t.fragment.c.status == v.FINANCED)
    financings = sorted(
        {
            r.financing_id
            for r in uow.conn.execute(
                select(t.financing_asset.c.financing_id)
                .join(t.financing, t.financing.c.id == t.financing_asset.c.financing_id)
                .where(
                    t.financing_asset.c.kind == "voucher",
                    t.financing_asset.c.asset_id.in_(financed),
                    t.financing.c.status.in_(fin.TRANSITIONS["default"][0]),
                )
                .distinct()
            )
        }
    )
    uow.conn.execute(update(t.fragment).where(*live).values(status=v.OVERDUE))
    for fid in financings:
        sources, overdue = fin.TRANSITIONS["default"]
        uow.conn.execute(
            update(t.financing).where(t.financing.c.id == fid, t.financing.c.status.in_(sources)).values(status=overdue)
        )
    if voucher.status == "active":
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher_id).values(status="overdue"))
    uow.conn.execute(
        update(t.party)
        .where(t.party.c.id == voucher.core_id, t.party.c.defaulted_on.is_(None))
        .values(defaulted_on=voucher.maturity_on)
    )
    append_op(
        ctx,
        uow,
        voucher=voucher,
        op="overdue",
        actor=SYSTEM_ACTOR,
        payload={"unpaid_fragments": unpaid[0], "unpaid_fen": unpaid[1], "failed_instructions": failed[:1000]},
    )


@dataclass(frozen=True, slots=True)
class Funded:
    """A simulated account credited: its party and its balance after (demo and tests only)."""

    party_id: str
    balance_fen: int


@dataclass(frozen=True, slots=True)
class SimAccount:
    """A simulated account's balance, with its party's name (demo and tests only)."""

    party_id: str
    name: str
    balance_fen: int


def fund(ctx: Context, *, party: str, amount_fen: int, idempotency_key: str) -> Funded:
    """Credit a simulated account (demo and tests only; the simulated bank holds no real money)."""
    check_fen(amount_fen)

    def body(uow: UnitOfWork) -> Funded:
        p = resolve_party(uow, party)
        cur = uow.conn.execute(select(t.sim_account.c.balance_fen).where(t.sim_account.c.party_id == p.id)).scalar()
        if cur is None:
            uow.conn.execute(insert(t.sim_account).values(party_id=p.id, balance_fen=amount_fen))
        else:
            uow.conn.execute(
                update(t.sim_account).where(t.sim_account.c.party_id == p.id).values(balance_fen=cur + amount_fen)
            )
        return Funded(party_id=p.id, balance_fen=(cur or 0) + amount_fen)

    return run_typed(
        ctx, Funded, key=idempotency_key, operation="sim.fund", request={"p": party, "a": amount_fen}, body=body
    )


def balances(ctx: Context) -> list[SimAccount]:
    """Simulated account balances."""
    with ctx.uow(readonly=True) as uow:
        return [
            SimAccount(party_id=r.party_id, name=r.name, balance_fen=r.balance_fen)
            for r in uow.conn.execute(
                select(t.sim_account.c.party_id, t.party.c.name, t.sim_account.c.balance_fen)
                .join(t.party, t.party.c.id == t.sim_account.c.party_id)
                .order_by(t.party.c.name)
            )
        ]
