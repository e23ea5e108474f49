"""Voucher use cases: split/transfer (loader → rule → writer). Issuance (prepare → a long term's bank
approval → approve or reject) is ``vouchers.issuance``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from lianrong.adapters import jsoncodec
from lianrong.adapters.db.aio import AsyncPg, DatabaseUnavailable
from lianrong.adapters.db.raw import GuardFailed
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.parties import restrictions
from lianrong.parties.restricting import restrictions_of
from lianrong.platform import scope
from lianrong.platform.common import (
    IdempotencyRecord,
    KeyTaken,
    Result,
    VoucherHead,
    append_op,
    chain_link,
    check_actor_role,
    checked_idempotency_key,
    request_hash,
    run_idempotent,
)
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v
from lianrong.vouchers import rules
from lianrong.vouchers.transfer_sql import (
    _PLAIN_REF,
    _TRANSFER_CALL,
    _array,
    _constraint,
    _guard_refusal,
    _insert_children_sql,
    _transfer_read_sql,
    _transfer_write_sql,
    _TransferRow,
)

TRANSFER_OPERATION = "fragment.transfer"


@dataclass(frozen=True, slots=True)
class TransferChild:
    """A part a transfer created: its new fragment, holder, amount and tier."""

    id: str
    holder_id: str
    amount_fen: int
    tier: int


@dataclass(frozen=True, slots=True)
class TransferResult:
    """A transfer's result: the fragment spent, its voucher, and the parts it became."""

    spent_fragment_id: str
    voucher_id: str
    children: tuple[TransferChild, ...]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> TransferResult:
        """From the recorded JSON form (what ``transfer_plain`` and the idempotency record hold)."""
        return cls(
            data["spent_fragment_id"],
            data["voucher_id"],
            tuple(TransferChild(c["id"], c["holder_id"], c["amount_fen"], c["tier"]) for c in data["children"]),
        )


def _check_transfer(actor: Actor, parts: Any) -> None:
    check_actor_role(actor, "operator", "approver")
    if not isinstance(parts, list) or not parts:
        raise errors.ValidationFailed(reason="no recipients / 没有受让方")
    for p in parts:
        if not isinstance(p, dict) or not isinstance(p.get("recipient"), str):
            raise errors.ValidationFailed(reason="each part needs a recipient / 每一部分须指定受让方")
        check_fen(p.get("amount_fen"))


def _transfer_request(actor: Actor, fragment_id: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """What a transfer's idempotency key is bound to."""
    return {"actor": actor.user_id, "f": fragment_id, "p": parts}


def transfer(
    ctx: Context, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]], idempotency_key: str
) -> TransferResult:
    """Split a held fragment and transfer parts upstream; the remainder stays with the sender.

    ``parts`` lists ``{"recipient", "amount_fen", "contract_id"?}``. Every rule (a recipient a seller to the
    sender under a confirmed non-cash contract, onboarded at the voucher's bank, not restricted, …) is
    decided by ``vouchers.rules.decide_transfer`` (see there for the list and its order).
    """
    return TransferResult.of(
        transfer_plain(ctx, actor=actor, fragment_id=fragment_id, parts=parts, idempotency_key=idempotency_key)
    )


def transfer_plain(
    ctx: Context, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]], idempotency_key: str
) -> Result:
    """``transfer``'s result in its recorded JSON form, for the ASGI hot path (``entrypoints/api/hot.py``),
    which hands the JSON through as it is (as ``transfer_async`` does)."""
    _check_transfer(actor, parts)

    def body(uow: UnitOfWork) -> Result:
        return _transfer(ctx, uow, actor=actor, fragment_id=fragment_id, parts=parts)

    return run_idempotent(
        ctx,
        key=idempotency_key,
        operation=TRANSFER_OPERATION,
        request=_transfer_request(actor, fragment_id, parts),
        body=body,
        optimistic=True,
        plain_result=True,
    )


async def transfer_async(
    ctx: Context, db: AsyncPg, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]], idempotency_key: str
) -> Result | None:
    """``transfer`` from the event loop, on PostgreSQL: the common case in one awaited statement
    (``lianrong_transfer``, as ``transfer``'s first attempt runs it), no thread hand-off.

    Returns the result when the statement transferred; None when it did not decide — a fact was not plain
    (a rule may refuse: the rule function decides, not the statement), the key was recorded before (a
    replay), another operation on the voucher came first, or the database failed — and wrote nothing: the
    caller then runs ``transfer``, which decides every such case (``vouchers.rules.decide_transfer`` names
    the refusal, a replay returns the first result, a conflict is retried). Bad input is refused here as
    ``transfer`` refuses it.
    """
    _check_transfer(actor, parts)
    key = checked_idempotency_key(idempotency_key)
    if ctx.hash_algorithm != "sha256" or not isinstance(fragment_id, str):
        return None
    digest = request_hash(TRANSFER_OPERATION, _transfer_request(actor, fragment_id, parts))
    params = _transfer_call_params(
        ctx,
        actor=actor,
        fragment_id=fragment_id,
        parts=parts,
        record=IdempotencyRecord(key, TRANSFER_OPERATION, digest),
    )
    if params is None:
        return None
    try:
        row = await db.one(_TRANSFER_CALL, params)
    except (GuardFailed, DatabaseUnavailable):
        return None
    return None if row is None or row[0] is None else jsoncodec.loads(row[0])


def _params(row: _TransferRow) -> v.FinancingParams | None:
    """The core's financing parameters with the sender's ledger overrides; None when not designated."""
    if row.core_max_ratio is None:
        return None
    return v.FinancingParams(
        max_ratio=Decimal(row.ledger_max_ratio or row.core_max_ratio),
        max_term_days=row.ledger_max_term_days or row.core_max_term_days,
        min_split_fen=row.ledger_min_split_fen or row.core_min_split_fen,
        max_tier=row.ledger_max_tier or row.core_max_tier,
        spread=Decimal(row.ledger_spread or row.core_spread),
    )


def load_transfer_facts(
    ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]]
) -> tuple[rules.TransferFacts, VoucherHead]:
    """Everything the transfer rule decides on (one set-based read; the restriction rows only when some
    exist), and the voucher's chain head for the writer."""
    raw = uow.raw
    params: dict[str, Any] = {
        "f": fragment_id,
        "sender": actor.party_id if actor.role != "system" else None,
        "yes": True,
    }
    refs = []
    for i, p in enumerate(parts):
        ref = p["recipient"].strip()
        refs.append(ref)
        params[f"ref{i}"] = ref
        params[f"uref{i}"] = ref.upper()
        params[f"cid{i}"] = p.get("contract_id") or ""
    # the voucher is locked only in a transaction; in statement mode the write re-checks its chain head
    rows = [
        _TransferRow._make(r)
        for r in raw.all(_transfer_read_sql(len(parts), raw.pg and not uow.statement_mode), params)
    ]
    if not rows:
        raise errors.NotFound("fragment", fragment_id)
    first = rows[0]
    head = VoucherHead(
        first.voucher_id,
        first.core_id,
        first.bank_id,
        first.voucher_status,
        raw.date(first.maturity_on),
        first.seq,
        first.head_hash,
        first.hash_algorithm,
        first.credit_line_id,
        first.face_fen,
    )
    sender = actor.party_id if actor.role != "system" else first.holder_id
    in_scope = True
    if first.holder_id != sender:  # only then: is another's fragment in the actor's scope at all?
        with ctx.uow(readonly=True) as seen:
            try:
                scope.check_fragment(seen, actor, fragment_id)
            except errors.NotFound:
                in_scope = False
    by_part: dict[int, _TransferRow] = {}
    for r in rows:
        by_part.setdefault(r.ord, r)
    restricted = (
        restrictions_of(raw, {sender} | {r.party_id for r in rows if r.party_id})
        if any(r.restricted for r in rows)
        else {}
    )
    recipients = []
    for i, (ref, p) in enumerate(zip(refs, parts, strict=True)):
        r = by_part.get(i)
        if r is None or r.party_id is None:
            recipients.append(rules.RecipientFacts(ref=ref, amount_fen=p["amount_fen"]))
            continue
        onboarded = bool(r.settlement_account and r.ebanking and r.certificate)
        # onboarding (its own table) reaches the rule as a restriction in the same facts
        held = restricted.get(r.party_id, ()) if restricted else ()
        if not onboarded:
            held = (restrictions.not_onboarded(r.party_id, head.bank_id), *held)
        recipients.append(
            rules.RecipientFacts(  # positional: ref, amount, party, name, kind, trade, unconfirmed, any
                ref,
                p["amount_fen"],
                r.party_id,
                r.party_name,
                r.party_kind,
                r.trade_contract_id,
                r.non_cash_contract_number if r.trade_contract_id is None else None,
                r.any_contract_id is not None,
                held,
            )
        )
    facts = rules.TransferFacts(
        fragment=rules.FragmentFacts(
            fragment_id, first.holder_id, first.amount_fen, first.tier, first.fragment_status, first.contract_id
        ),
        voucher=rules.VoucherFacts(
            id=head.id,
            core_id=head.core_id,
            bank_id=head.bank_id,
            bank_name=first.bank_name or head.bank_id,
            status=head.status,
            maturity_on=head.maturity_on,
        ),
        sender_id=sender,
        sender_name=first.sender_name or sender,
        fragment_in_scope=in_scope,
        params=_params(first),
        recipients=tuple(recipients),
        today=ctx.clock.today(),
        sender_restrictions=restricted.get(sender, ()),
    )
    return facts, head


def _transfer_call_params(
    ctx: Context, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]], record: IdempotencyRecord | None
) -> dict[str, Any] | None:
    """The parameters of ``_TRANSFER_CALL``; None when a recipient or contract is not a plain id or USCC
    (the general path refuses it by name)."""
    refs = [p["recipient"].strip() for p in parts]
    cids = [p.get("contract_id") or "" for p in parts]
    if not all(_PLAIN_REF.match(r) for r in refs) or not all(isinstance(c, str) and _PLAIN_REF.match(c) for c in cids):
        return None
    # arrays as literals of plain words (no quoting needed): the driver's list adaptation costs more
    return {
        "f": fragment_id,
        "sender": actor.party_id if actor.role != "system" else None,
        "actor": actor.user_id,
        "refs": _array(refs),
        "amounts": "{{{}}}".format(",".join(str(p["amount_fen"]) for p in parts)),
        "cids": _array(cids),
        "ids": _array([new_id("frg") for _ in range(len(parts) + 1)]),
        "today": ctx.clock.today(),
        "now": ctx.clock.now(),
        "key": record.key if record else None,
        "op": record.operation if record else None,
        "request_hash": record.request_hash if record else None,
    }


def _transfer_in_database(
    ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]]
) -> Result | None:
    """PostgreSQL: the plain case of a transfer in one call of ``lianrong_transfer`` (its one source is
    ``vouchers/transfer.sql``). The function decides no rule: it checks that every fact is plain and happy
    and writes only then; otherwise it returns None (nothing written) and the Python path — loader, the rule
    ``vouchers.rules.decide_transfer``, writer — decides, naming the refusal or making the transfer."""
    record = uow.idempotency
    params = _transfer_call_params(ctx, actor=actor, fragment_id=fragment_id, parts=parts, record=record)
    if params is None:
        return None
    try:
        text = uow.raw.one(_TRANSFER_CALL, params)[0]  # type: ignore[index]
    except GuardFailed as refused:
        raise _guard_refusal(refused, fragment_id) from None
    except IntegrityError as exc:
        if _constraint(exc) == "pk_idempotency":  # the key was recorded first (migration 20261202_0006)
            raise KeyTaken() from None
        raise
    if text is None:
        return None
    if record is not None:
        record.stored = True
    return jsoncodec.loads(text)


def _transfer(ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]]) -> Result:
    """The transfer: on PostgreSQL first the server-side function (the plain case in one call); else, or when
    it declines, loader → rule (``vouchers.rules.decide_transfer``, which decides and names every refusal)
    → writer."""
    if not isinstance(fragment_id, str):
        raise errors.NotFound("fragment", fragment_id)
    if uow.raw.pg and ctx.hash_algorithm == "sha256":
        done = _transfer_in_database(ctx, uow, actor=actor, fragment_id=fragment_id, parts=parts)
        if done is not None:
            return done
    facts, voucher = load_transfer_facts(ctx, uow, actor=actor, fragment_id=fragment_id, parts=parts)
    plan = rules.decide_transfer(facts)
    return _write_transfer(ctx, uow, actor=actor, voucher=voucher, fragment_id=fragment_id, plan=plan)


def _write_transfer(
    ctx: Context,
    uow: UnitOfWork,
    *,
    actor: Actor,
    voucher: VoucherHead,
    fragment_id: str,
    plan: list[rules.PlannedChild],
) -> Result:
    """Write a decided transfer: the fragment spent, its children, the chain link (and on PostgreSQL the
    idempotency row), each guarded against a concurrent change."""
    raw = uow.raw
    kids = [
        {
            "id": new_id("frg"),
            "holder_id": ch.holder_id,
            "amount_fen": ch.amount_fen,
            "tier": ch.tier,
            "contract_id": ch.contract_id,
        }
        for ch in plan
    ]
    # ids and fen from the database and the split: hashed as built (append_op(plain=True))
    payload = {
        "spent": fragment_id,
        "children": [
            {
                "id": k["id"],
                "holder": k["holder_id"],
                "amount": k["amount_fen"],
                "tier": k["tier"],
                "contract": k["contract_id"],
            }
            for k in kids
        ],
    }
    result = {
        "spent_fragment_id": fragment_id,
        "voucher_id": voucher.id,
        "children": [
            {"id": k["id"], "holder_id": k["holder_id"], "amount_fen": k["amount_fen"], "tier": k["tier"]} for k in kids
        ],
    }
    now = raw.ts(ctx.clock.now())
    if not raw.pg:
        # SQLite: plain statements (no round trips to save; the transaction holds the write lock)
        if raw.run("UPDATE fragment SET status = 'spent' WHERE id = :f AND status = 'active'", {"f": fragment_id}) != 1:
            raise vouchers_errors.FragmentNotActive(fragment=fragment_id, state="spent")
        raw.run(_insert_children_sql(len(kids)), _child_params(kids, voucher, fragment_id, now))
        append_op(ctx, uow, voucher=voucher, op="transfer", actor=actor, payload=payload, plain=True, at=now)
        return result
    # PostgreSQL: the writes as one statement; the guards (fragment still active, chain not moved on)
    # are checked on its answer before anything is committed
    seq, text, h = chain_link(voucher, op="transfer", payload=payload, actor=actor, plain=True)
    record = uow.idempotency
    wp = _child_params(kids, voucher, fragment_id, now)
    wp.update(
        {
            "seq": seq,
            "hash": h,
            "old_seq": voucher.seq,
            "payload": text,
            "prev_hash": voucher.head_hash,
            "actor": actor.user_id,
            "at": now,
        }
    )
    if record is not None:
        wp.update(
            {
                "key": record.key,
                "op": record.operation,
                "request_hash": record.request_hash,
                "response": record.response_json(result),
            }
        )
    try:
        raw.one(_transfer_write_sql(len(kids), record is not None), wp)
    except GuardFailed as refused:
        raise _guard_refusal(refused, fragment_id) from None
    if record is not None:
        record.stored = True
    return result


def _child_params(kids: list[dict[str, Any]], voucher: VoucherHead, parent_id: str, now: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "voucher_id": voucher.id,
        "core_id": voucher.core_id,
        "parent_id": parent_id,
        "created_at": now,
    }
    for i, k in enumerate(kids):
        out.update(
            {
                f"id{i}": k["id"],
                f"holder{i}": k["holder_id"],
                f"amount{i}": k["amount_fen"],
                f"tier{i}": k["tier"],
                f"contract{i}": k["contract_id"],
            }
        )
    return out
