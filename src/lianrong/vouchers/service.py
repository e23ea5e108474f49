"""Voucher use cases: split/transfer; the issuance use cases (prepare → bank approval of a long term →
approve or reject) live in ``issuance`` and are re-exported here."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError

from lianrong.adapters import jsoncodec
from lianrong.adapters.db.aio import AsyncPg, DatabaseUnavailable
from lianrong.adapters.db.raw import GuardFailed
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents import errors as documents_errors
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.parties import errors as parties_errors
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
    voucher_head,
)
from lianrong.platform.context import Actor, Context
from lianrong.vouchers import errors as vouchers_errors
from lianrong.vouchers import model as v
from lianrong.vouchers.issuance import approve as approve
from lianrong.vouchers.issuance import bank_approve_term as bank_approve_term
from lianrong.vouchers.issuance import prepare as prepare
from lianrong.vouchers.issuance import reject as reject

TRANSFER_OPERATION = "fragment.transfer"


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


def transfer(ctx: Context, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]],
             idempotency_key: str) -> Result:
    """Split a held fragment and transfer parts upstream; the remainder stays with the sender.

    ``parts`` lists ``{"recipient", "amount_fen", "contract_id"?}``. Each recipient must be a seller
    to the sender under a recorded contract and be onboarded at the voucher's bank.
    """
    _check_transfer(actor, parts)

    def body(uow: UnitOfWork) -> Result:
        return _transfer(ctx, uow, actor=actor, fragment_id=fragment_id, parts=parts)

    return run_idempotent(ctx, key=idempotency_key, operation=TRANSFER_OPERATION,
                          request=_transfer_request(actor, fragment_id, parts), body=body,
                          optimistic=True, plain_result=True)


async def transfer_async(ctx: Context, db: AsyncPg, *, actor: Actor, fragment_id: str,
                         parts: list[dict[str, Any]], idempotency_key: str) -> Result | None:
    """``transfer`` from the event loop, on PostgreSQL: the common case in one awaited statement
    (``lianrong_transfer``, as ``transfer``'s first attempt runs it), no thread hand-off.

    Returns the result when the statement transferred; None when it did not decide — a rule refused, the
    key was recorded before (a replay), another operation on the voucher came first, or the database
    failed — and wrote nothing: the caller then runs ``transfer``, which decides every such case (names
    the refusal, returns the first result of a replay, retries a conflict). Bad input is refused here as
    ``transfer`` refuses it.
    """
    _check_transfer(actor, parts)
    key = checked_idempotency_key(idempotency_key)
    if ctx.hash_algorithm != "sha256" or not isinstance(fragment_id, str):
        return None
    digest = request_hash(TRANSFER_OPERATION, _transfer_request(actor, fragment_id, parts))
    params = _transfer_call_params(ctx, actor=actor, fragment_id=fragment_id, parts=parts,
                                   record=IdempotencyRecord(key, TRANSFER_OPERATION, digest))
    if params is None:
        return None
    try:
        row = await db.one(_TRANSFER_CALL, params)
    except (GuardFailed, DatabaseUnavailable):
        return None
    return None if row is None or row[0] is None else jsoncodec.loads(row[0])


# The hot path of the ledger: fixed SQL on the driver (see adapters/db/raw.py). One statement reads
# everything a transfer decides on: the voucher (locked on PostgreSQL), the fragment, the financing
# parameters with the sender's ledger overrides, and per part the recipient, its onboarding at the
# voucher's bank and the sender's contracts with it (one row per part). The sender is the actor's
# party, or the holder when the system acts (:sender NULL).
_SENDER = "COALESCE(:sender, f.holder_id)"
_TRANSFER_READ = (
    "SELECT v.id, v.core_id, v.bank_id, v.status, v.maturity_on, v.seq, v.head_hash, v.hash_algorithm, "
    "v.credit_line_id, v.face_fen, "  # 0-9: the voucher's head
    "f.holder_id, f.amount_fen, f.tier, f.status, f.contract_id, "  # 10-14
    "d.max_ratio, d.max_term_days, d.min_split_fen, d.max_tier, d.spread, "  # 15-19
    "l.max_ratio, l.max_term_days, l.min_split_fen, l.max_tier, l.spread, "  # 20-24
    "r.ord, p.id, p.name, p.kind, o.settlement_account, o.ebanking, o.certificate, "  # 25-31
    f"(SELECT c.id FROM contract c WHERE c.buyer_id = {_SENDER} AND c.seller_id = p.id "
    "AND (c.id = r.cid OR r.cid = '') AND c.non_cash_agreed = :yes AND c.confirmed_at IS NOT NULL "
    "ORDER BY c.signed_on DESC, c.id LIMIT 1), "
    f"(SELECT c.id FROM contract c WHERE c.buyer_id = {_SENDER} AND c.seller_id = p.id "
    "AND (c.id = r.cid OR r.cid = '') LIMIT 1), "
    f"(SELECT c.number FROM contract c WHERE c.buyer_id = {_SENDER} AND c.seller_id = p.id "
    "AND (c.id = r.cid OR r.cid = '') AND c.non_cash_agreed = :yes LIMIT 1) "  # 32-34
    "FROM fragment f JOIN voucher v ON v.id = f.voucher_id "
    "LEFT JOIN core_designation d ON d.bank_id = v.bank_id AND d.core_id = v.core_id "
    f"LEFT JOIN supplier_ledger l ON l.bank_id = v.bank_id AND l.core_id = v.core_id AND l.supplier_id = {_SENDER} "
    "CROSS JOIN ({parts}) r "
    "LEFT JOIN party p ON p.id = r.ref OR p.uscc = r.uref "
    "LEFT JOIN onboarding o ON o.party_id = p.id AND o.bank_id = v.bank_id "
    "WHERE f.id = :f ORDER BY r.ord")


@lru_cache(maxsize=16)
def _transfer_read_sql(n_parts: int, lock: bool) -> str:
    parts = " UNION ALL ".join(f"SELECT {i} AS ord, :ref{i} AS ref, :uref{i} AS uref, :cid{i} AS cid"
                               for i in range(n_parts))
    return _TRANSFER_READ.replace("{parts}", parts) + (" FOR UPDATE OF v" if lock else "")


_INSERT_CHILD = ("(:id{i}, :voucher_id, :core_id, :parent_id, :holder{i}, :amount{i}, :tier{i}, 'active', "
                 ":contract{i}, NULL, :created_at)")
_INSERT_CHILDREN = ("INSERT INTO fragment (id, voucher_id, core_id, parent_id, holder_id, amount_fen, tier, status, "
                    "contract_id, financing_id, created_at) VALUES ")


@lru_cache(maxsize=16)
def _insert_children_sql(n_children: int) -> str:
    return _INSERT_CHILDREN + ", ".join(_INSERT_CHILD.replace("{i}", str(i)) for i in range(n_children))


@lru_cache(maxsize=16)
def _transfer_write_sql(n_children: int, with_key: bool) -> str:
    """PostgreSQL: every write of a transfer in one statement (one round trip). Its guards (the fragment
    still active, the chain not moved on, the idempotency key not taken) are checked in the final
    ``SELECT``; when one fails, ``lianrong_refuse`` aborts the statement and nothing of it is written."""
    ctes = [
        "spent AS (UPDATE fragment SET status = 'spent' WHERE id = :parent_id AND status = 'active' RETURNING 1)",
        f"children AS ({_insert_children_sql(n_children)} RETURNING 1)",
        "head AS (UPDATE voucher SET seq = :seq, head_hash = :hash WHERE id = :voucher_id AND seq = :old_seq "
        "RETURNING 1)",
        "op AS (INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at) "
        "VALUES (:voucher_id, :seq, :core_id, 'transfer', :payload, :prev_hash, :hash, :actor, :at) RETURNING 1)",
    ]
    if with_key:
        ctes.append("idem AS (INSERT INTO idempotency (key, operation, request_hash, response, created_at) "
                    "VALUES (:key, :op, :request_hash, :response, :at) ON CONFLICT (key) DO NOTHING RETURNING 1)")
    key_guard = " WHEN (SELECT count(*) FROM idem) <> 1 THEN lianrong_refuse('key')" if with_key else ""
    return ("WITH " + ", ".join(ctes) + " SELECT CASE WHEN (SELECT count(*) FROM spent) <> 1 THEN lianrong_refuse('spent')"
            " WHEN (SELECT count(*) FROM head) <> 1 THEN lianrong_refuse('head')" + key_guard + " ELSE 1 END")


def _constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint a PostgreSQL integrity error violated, if the driver says."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _guard_refusal(refused: GuardFailed, fragment_id: str) -> Exception:
    """What a transfer statement's failed guard stands for (``lianrong_refuse(what)``)."""
    if refused.what == "spent":
        return vouchers_errors.FragmentNotActive(fragment=fragment_id, state="spent")
    if refused.what == "key":
        return KeyTaken()  # the idempotency key was recorded first by another request
    return errors.Conflict()  # another operation on the voucher came first: retried


#: an id or a USCC (possibly empty, for "no contract named"): safe inside an array literal as it is
_PLAIN_REF = re.compile(r"^[A-Za-z0-9_]{0,64}$")


def _array(words: list[str]) -> str:
    return "{" + ",".join(f'"{w}"' for w in words) + "}"


_TRANSFER_CALL = ("SELECT lianrong_transfer(:f, :sender, :actor, :refs::text[], :amounts::bigint[], :cids::text[], "
                  ":ids::text[], :today, :now, :key, :op, :request_hash)")


def _transfer_call_params(ctx: Context, *, actor: Actor, fragment_id: str, parts: list[dict[str, Any]],
                          record: IdempotencyRecord | None) -> dict[str, Any] | None:
    """The parameters of ``_TRANSFER_CALL``; None when a recipient or contract is not a plain id or USCC
    (the general path refuses it by name)."""
    refs = [p["recipient"].strip() for p in parts]
    cids = [p.get("contract_id") or "" for p in parts]
    if not all(_PLAIN_REF.match(r) for r in refs) or not all(isinstance(c, str) and _PLAIN_REF.match(c) for c in cids):
        return None
    # arrays as literals of plain words (no quoting needed): the driver's list adaptation costs more
    return {"f": fragment_id, "sender": actor.party_id if actor.role != "system" else None,
            "actor": actor.user_id, "refs": _array(refs), "amounts": "{%s}" % ",".join(str(p["amount_fen"]) for p in parts),
            "cids": _array(cids), "ids": _array([new_id("frg") for _ in range(len(parts) + 1)]),
            "today": ctx.clock.today(), "now": ctx.clock.now(),
            "key": record.key if record else None, "op": record.operation if record else None,
            "request_hash": record.request_hash if record else None}


def _transfer_in_database(ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str,
                          parts: list[dict[str, Any]]) -> Result | None:
    """PostgreSQL: the whole transfer in one call of ``lianrong_transfer`` (migration 20261201_0004), which
    checks the rules below and writes only when all pass; None when any fails (nothing written): the
    general path then names the refusal."""
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


def _transfer(ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str,
              parts: list[dict[str, Any]]) -> Result:
    raw = uow.raw
    if not isinstance(fragment_id, str):
        raise errors.NotFound("fragment", fragment_id)
    if raw.pg and ctx.hash_algorithm == "sha256":
        done = _transfer_in_database(ctx, uow, actor=actor, fragment_id=fragment_id, parts=parts)
        if done is not None:
            return done
    params: dict[str, Any] = {"f": fragment_id, "sender": actor.party_id if actor.role != "system" else None,
                              "yes": True}
    refs = []
    for i, p in enumerate(parts):
        ref = p["recipient"].strip()
        refs.append(ref)
        params[f"ref{i}"] = ref
        params[f"uref{i}"] = ref.upper()
        params[f"cid{i}"] = p.get("contract_id") or ""
    # the voucher is locked only in a transaction; in statement mode the write re-checks its chain head
    rows = raw.all(_transfer_read_sql(len(parts), raw.pg and not uow.statement_mode), params)
    if not rows:
        raise errors.NotFound("fragment", fragment_id)
    row = rows[0]
    voucher = voucher_head(raw, row)
    holder_id, amount, tier, status, contract_id = row[10:15]
    sender = actor.party_id if actor.role != "system" else holder_id
    if holder_id != sender:  # before any rule: a fragment outside the actor's scope is not found
        with ctx.uow(readonly=True) as seen:
            scope.check_fragment(seen, actor, fragment_id)
    if voucher.status != "active":
        raise errors.InvalidState(entity="voucher", state=voucher.status, action="transfer")
    if row[15] is None:
        raise parties_errors.NotCoreEnterprise(party=voucher.core_id, bank=voucher.bank_id)
    fp = v.FinancingParams(
        max_ratio=Decimal(row[20] or row[15]), max_term_days=row[21] or row[16], min_split_fen=row[22] or row[17],
        max_tier=row[23] or row[18], spread=Decimal(row[24] or row[19]))
    by_part: dict[int, tuple] = {}
    for r in rows:
        by_part.setdefault(r[25], r[26:35])
    recipients = []
    for i, ref in enumerate(refs):
        r = by_part.get(i)
        if r is None or r[0] is None:
            raise errors.NotFound("enterprise", ref)
        if r[2] != "enterprise":
            raise parties_errors.WrongPartyKind(party=r[1], expected="enterprise")
        recipients.append(r)
    state = v.FragmentState(id=fragment_id, holder_id=holder_id, amount_fen=amount, tier=tier, status=status)
    children = v.plan_split(
        fragment=state, sender_id=sender,
        parts=[v.Part(r[0], p["amount_fen"]) for r, p in zip(recipients, parts, strict=True)],
        params=fp, today=ctx.clock.today(), maturity=voucher.maturity_on)
    contracts = {}
    for r in recipients:
        if r[0] == voucher.core_id:
            raise errors.ValidationFailed(reason="a voucher cannot be transferred back to its issuer / 凭据不能转回签发企业")
        if r[6] is None and r[8] is not None:
            # a contract names its other party only once that party has confirmed it
            raise documents_errors.ContractUnconfirmed(contract=r[8])
        if r[6] is None and r[7] is not None:
            # 保障中小企业款项支付条例: a voucher pays only a trade that agreed to non-cash payment
            raise documents_errors.NonCashNotAgreed()
        if r[6] is None:
            sname = raw.one("SELECT name FROM party WHERE id = :id", {"id": sender})
            raise vouchers_errors.NoTrade(sender=sname[0] if sname else sender, recipient=r[1])
        if not (r[3] and r[4] and r[5]):
            bname = raw.one("SELECT name FROM party WHERE id = :id", {"id": voucher.bank_id})[0]  # type: ignore[index]
            raise parties_errors.NotOnboarded(party=r[1], bank=bname)
        contracts[r[0]] = r[6]
    kids = [{"id": new_id("frg"), "holder_id": ch.holder_id, "amount_fen": ch.amount_fen, "tier": ch.tier,
             "contract_id": contracts.get(ch.holder_id, contract_id)} for ch in children]
    # ids and fen from the database and the split: hashed as built (append_op(plain=True))
    payload = {"spent": fragment_id, "children": [{"id": k["id"], "holder": k["holder_id"], "amount": k["amount_fen"],
                                                   "tier": k["tier"], "contract": k["contract_id"]} for k in kids]}
    result = {"spent_fragment_id": fragment_id, "voucher_id": voucher.id,
              "children": [{"id": k["id"], "holder_id": k["holder_id"], "amount_fen": k["amount_fen"],
                            "tier": k["tier"]} for k in kids]}
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
    wp.update({"seq": seq, "hash": h, "old_seq": voucher.seq, "payload": text, "prev_hash": voucher.head_hash,
               "actor": actor.user_id, "at": now})
    if record is not None:
        wp.update({"key": record.key, "op": record.operation, "request_hash": record.request_hash,
                   "response": record.response_json(result)})
    try:
        raw.one(_transfer_write_sql(len(kids), record is not None), wp)
    except GuardFailed as refused:
        raise _guard_refusal(refused, fragment_id) from None
    if record is not None:
        record.stored = True
    return result


def _child_params(kids: list[dict[str, Any]], voucher: VoucherHead, parent_id: str, now: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"voucher_id": voucher.id, "core_id": voucher.core_id, "parent_id": parent_id,
                           "created_at": now}
    for i, k in enumerate(kids):
        out.update({f"id{i}": k["id"], f"holder{i}": k["holder_id"], f"amount{i}": k["amount_fen"],
                    f"tier{i}": k["tier"], f"contract{i}": k["contract_id"]})
    return out
