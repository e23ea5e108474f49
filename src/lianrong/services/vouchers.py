"""Voucher use cases: prepare → (bank approval of a long term) → approve (issue), and split/transfer."""

from __future__ import annotations

import datetime as dt
import re
from collections import namedtuple
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..adapters import jsoncodec
from ..adapters.crypto import GENESIS
from ..adapters.db import tables as t
from ..adapters.db.aio import AsyncPg, DatabaseUnavailable
from ..adapters.db.raw import GuardFailed
from ..adapters.db.uow import UnitOfWork
from ..domain import errors
from ..domain import restrictions
from ..domain import vouchers as v
from ..domain.calendar import roll_forward
from ..domain.money import check_fen
from ..domain.policy import check_issue_term, check_issuer_not_defaulted, check_maker_checker
from ..domain.restrictions import Restriction
from ..ids import new_id
from ..vouchers import rules
from . import scope
from .calendar import holiday_source
from .common import (
    IdempotencyRecord,
    KeyTaken,
    Result,
    VoucherHead,
    append_op,
    chain_link,
    check_actor_party,
    check_actor_role,
    checked_idempotency_key,
    get_or_raise,
    lock_voucher,
    paged,
    request_hash,
    resolve_party,
    row_dict,
    run_idempotent,
)
from .context import Actor, Context
from .credit import occupy, release
from .documents import check_contract, has_trade
from .parties import core_params, require_onboarded, supplier_params


def prepare(ctx: Context, *, actor: Actor, bank: str, supplier: str, contract_id: str,
            invoices: list[dict[str, Any]], amount_fen: int, maturity_on: dt.date,
            long_term_reason: str | None = None, idempotency_key: str) -> Result:
    """A core enterprise's operator prepares a voucher to a tier-1 supplier, backed by invoices.

    ``invoices`` lists ``{"invoice_id", "amount_fen"}``: how much of each invoice backs the voucher.
    The allocations are reserved now (an invoice never backs more than its amount) and released if
    the voucher is rejected.
    """
    check_actor_role(actor, "operator")
    # who may prepare at all is decided before the request's content is looked at
    scope.check_may_act(ctx, actor, "core", what="only a core enterprise prepares vouchers / 仅核心企业可签发凭据")
    check_fen(amount_fen)
    if not isinstance(invoices, list) or not invoices:
        raise errors.ValidationFailed(reason="at least one invoice is required / 至少需要一张发票")
    allocations: dict[str, int] = {}
    for item in invoices:
        iid = item.get("invoice_id") if isinstance(item, dict) else None
        if not isinstance(iid, str):
            raise errors.ValidationFailed(reason="invoice_id missing / 缺少发票")
        allocations[iid] = allocations.get(iid, 0) + check_fen(item.get("amount_fen"))
    v.check_invoice_allocations(amount_fen=amount_fen, allocations=list(allocations.values()))

    def body(uow: UnitOfWork) -> Result:
        today = ctx.clock.today()
        core = get_or_raise(uow, t.party, actor.party_id, "enterprise") if actor.role != "system" else None
        b = resolve_party(uow, bank, kind="bank")
        s = resolve_party(uow, supplier, kind="enterprise")
        c = get_or_raise(uow, t.contract, contract_id, "contract")
        check_contract(uow, actor, c.id)  # another's trade is not found, not "mismatched"
        core = core or get_or_raise(uow, t.party, c.buyer_id, "enterprise")
        if c.buyer_id != core.id or c.seller_id != s.id:
            raise errors.ContractMismatch(reason="the contract must be the core enterprise buying from the supplier / 合同须为核心企业向该供应商采购")
        if not c.non_cash_agreed:
            raise errors.NonCashNotAgreed()
        if c.confirmed_at is None:
            raise errors.ContractUnconfirmed(contract=c.number)
        check_issuer_not_defaulted(core_name=core.name, defaulted_on=core.defaulted_on)
        core_params(uow, b.id, core.id)
        if s.id == core.id:
            raise errors.TransferToSelf()
        if uow.conn.execute(select(t.supplier_ledger.c.supplier_id).where(
                t.supplier_ledger.c.bank_id == b.id, t.supplier_ledger.c.core_id == core.id,
                t.supplier_ledger.c.supplier_id == s.id)).first() is None:
            raise errors.NotInLedger(party=s.name, core=core.name, bank=b.name)
        require_onboarded(uow, b, s)
        rolled = roll_forward(maturity_on, source=holiday_source(ctx, uow)) if ctx.policy.roll_maturity else None
        maturity = rolled.day if rolled else maturity_on
        official = rolled.official if rolled else True
        term = check_issue_term(policy=ctx.policy, issue_on=today, maturity_on=maturity,
                                contract_due_on=c.due_on, reason=long_term_reason, requested_on=maturity_on)
        available = 0
        for iid, amount in allocations.items():
            inv = get_or_raise(uow, t.invoice, iid, "invoice")
            check_contract(uow, actor, inv.contract_id, entity="invoice", ref=iid)
            if inv.seller_id != s.id or inv.buyer_id != core.id:
                raise errors.InvoicePartyMismatch()
            if inv.contract_id != c.id:
                # lineage shows the issuing contract with its invoices: one from another trade would hide
                raise errors.ContractMismatch(reason="the invoice belongs to another contract / 发票不属于该合同")
            free = inv.amount_fen - inv.allocated_fen
            available += free
            if amount > free:
                raise errors.InvoiceOverallocated(invoice=f"{inv.code}{inv.number}", available=free,
                                                  requested=amount)
            res = uow.conn.execute(update(t.invoice).where(
                t.invoice.c.id == iid, t.invoice.c.allocated_fen + amount <= t.invoice.c.amount_fen,
            ).values(allocated_fen=t.invoice.c.allocated_fen + amount))
            if res.rowcount != 1:
                raise errors.Conflict()
        vid = new_id("vch")
        warnings = list(term.warnings)
        if not official:
            warnings.append("maturity_calendar_unofficial")
        if rolled and rolled.rolled:
            warnings.append("maturity_rolled_to_working_day")
        number = f"LR{today:%Y%m%d}{vid[-8:]}"
        uow.conn.execute(insert(t.voucher).values(
            id=vid, number=number, core_id=core.id, bank_id=b.id, supplier_id=s.id, contract_id=c.id,
            face_fen=amount_fen, issue_on=today, requested_maturity=maturity_on, maturity_on=maturity,
            maturity_official=official, status="pending", long_term_reason=long_term_reason,
            prepared_by=actor.user_id, warnings=warnings, seq=0, head_hash=GENESIS,
            hash_algorithm=ctx.hash_algorithm, created_at=ctx.clock.now()))
        for iid, amount in allocations.items():
            uow.conn.execute(insert(t.voucher_invoice).values(voucher_id=vid, invoice_id=iid,
                                                               core_id=core.id, amount_fen=amount))
        voucher = lock_voucher(uow, vid)
        append_op(ctx, uow, voucher=voucher, op="prepare", actor=actor, payload={
            "core": core.id, "bank": b.id, "supplier": s.id, "contract": c.id, "face": amount_fen,
            "maturity": maturity, "requested_maturity": maturity_on, "invoices": allocations,
            "long_term": term.long_term, "reason": long_term_reason})
        return {"id": vid, "number": number, "status": "pending", "face_fen": amount_fen,
                "issue_on": today, "maturity_on": maturity, "requested_maturity": maturity_on,
                "maturity_official": official,
                "long_term": term.long_term, "warnings": warnings, "core_id": core.id,
                "supplier_id": s.id, "bank_id": b.id}

    return run_idempotent(ctx, key=idempotency_key, operation="voucher.prepare",
                          request={"actor": actor.user_id, "bank": bank, "s": supplier, "c": contract_id,
                                   "inv": allocations, "a": amount_fen, "m": maturity_on,
                                   "r": long_term_reason}, body=body)


def _voucher_in_scope(uow: UnitOfWork, actor: Actor, voucher_id: str) -> Any:
    """The voucher (locked), if the actor may see it; else not found, as an id that names nothing."""
    if actor.role != "system":
        scope.check_voucher(uow, actor, voucher_id)
    return lock_voucher(uow, voucher_id)


def _is_long_term(ctx: Context, voucher: Any) -> bool:
    from ..domain.calendar import add_months

    return voucher.maturity_on > add_months(voucher.issue_on, ctx.policy.long_term_months)


def bank_approve_term(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> Result:
    """The bank approves a voucher term over six months (77号), before the core's approval."""
    check_actor_role(actor, "approver")

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        check_actor_party(actor, voucher.bank_id, what="only the voucher's bank approves its term / 仅凭据所属银行可审批期限")
        if voucher.status != "pending":
            raise errors.InvalidState(entity="voucher", state=voucher.status, action="approve term")
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher.id)
                         .values(bank_approved_by=actor.user_id))
        append_op(ctx, uow, voucher=voucher, op="bank_approve_term", actor=actor, payload={})
        return {"id": voucher.id, "status": voucher.status, "bank_approved_by": actor.user_id}

    return run_idempotent(ctx, key=idempotency_key, operation="voucher.bank_approve",
                          request={"actor": actor.user_id, "v": voucher_id}, body=body)


def approve(ctx: Context, *, actor: Actor, voucher_id: str, idempotency_key: str) -> Result:
    """A second user of the core enterprise approves: the voucher is issued to the tier-1 supplier."""
    check_actor_role(actor, "approver")

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        check_actor_party(actor, voucher.core_id, what="only the issuing core enterprise approves / 仅签发企业可复核")
        if voucher.status != "pending":
            raise errors.InvalidState(entity="voucher", state=voucher.status, action="approve")
        check_maker_checker(prepared_by=voucher.prepared_by, approver=actor.user_id)
        today = ctx.clock.today()
        core = get_or_raise(uow, t.party, voucher.core_id, "enterprise")
        bank = get_or_raise(uow, t.party, voucher.bank_id, "bank")
        supplier = get_or_raise(uow, t.party, voucher.supplier_id, "enterprise")
        check_issuer_not_defaulted(core_name=core.name, defaulted_on=core.defaulted_on)
        if voucher.maturity_on <= today:
            raise errors.MaturityInPast(maturity=voucher.maturity_on.isoformat(), today=today.isoformat())
        if (_is_long_term(ctx, voucher) and ctx.policy.long_term_requires_bank_approval
                and not voucher.bank_approved_by):
            raise errors.LongTermNeedsBankApproval()
        require_onboarded(uow, bank, supplier)
        line_id = None
        if ctx.policy.credit_occupation == "issuance":
            line_id = occupy(uow, bank=bank, core=core, amount_fen=voucher.face_fen, on=today)
        fid = new_id("frg")
        uow.conn.execute(insert(t.fragment).values(
            id=fid, voucher_id=voucher.id, core_id=voucher.core_id, parent_id=None,
            holder_id=supplier.id, amount_fen=voucher.face_fen, tier=1, status=v.ACTIVE,
            contract_id=voucher.contract_id, created_at=ctx.clock.now()))
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher.id).values(
            status="active", approved_by=actor.user_id, issue_on=today, credit_line_id=line_id))
        append_op(ctx, uow, voucher=voucher, op="issue", actor=actor, payload={
            "root": fid, "holder": supplier.id, "amount": voucher.face_fen, "credit_line": line_id})
        return {"id": voucher.id, "number": voucher.number, "status": "active", "root_fragment_id": fid,
                "holder_id": supplier.id, "face_fen": voucher.face_fen, "maturity_on": voucher.maturity_on}

    return run_idempotent(ctx, key=idempotency_key, operation="voucher.approve",
                          request={"actor": actor.user_id, "v": voucher_id}, body=body)


def reject(ctx: Context, *, actor: Actor, voucher_id: str, reason: str, idempotency_key: str) -> Result:
    """The approver (or the bank, for a long term) rejects a pending voucher; invoices are freed."""
    check_actor_role(actor, "operator", "approver")  # a viewer's account never writes

    def body(uow: UnitOfWork) -> Result:
        voucher = _voucher_in_scope(uow, actor, voucher_id)
        if actor.role != "system" and actor.party_id not in (voucher.core_id, voucher.bank_id):
            raise errors.Forbidden(reason="not the voucher's core enterprise or bank / 非凭据相关方")
        if voucher.status != "pending":
            raise errors.InvalidState(entity="voucher", state=voucher.status, action="reject")
        for r in uow.conn.execute(select(t.voucher_invoice).where(t.voucher_invoice.c.voucher_id == voucher.id)).all():
            uow.conn.execute(update(t.invoice).where(t.invoice.c.id == r.invoice_id).values(
                allocated_fen=t.invoice.c.allocated_fen - r.amount_fen))
        uow.conn.execute(update(t.voucher).where(t.voucher.c.id == voucher.id).values(status="rejected"))
        append_op(ctx, uow, voucher=voucher, op="reject", actor=actor, payload={"reason": reason})
        return {"id": voucher.id, "status": "rejected"}

    return run_idempotent(ctx, key=idempotency_key, operation="voucher.reject",
                          request={"actor": actor.user_id, "v": voucher_id, "r": reason}, body=body)


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

    ``parts`` lists ``{"recipient", "amount_fen", "contract_id"?}``. Every rule (a recipient a seller to the
    sender under a confirmed non-cash contract, onboarded at the voucher's bank, not restricted, …) is
    decided by ``vouchers.rules.decide_transfer`` (see there for the list and its order).
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
    params = _transfer_call_params(ctx, actor=actor, fragment_id=fragment_id, parts=parts,
                                   record=IdempotencyRecord(key, TRANSFER_OPERATION, digest))
    if params is None:
        return None
    try:
        row = await db.one(_TRANSFER_CALL, params)
    except (GuardFailed, DatabaseUnavailable):
        return None
    return None if row is None or row[0] is None else jsoncodec.loads(row[0])


# The hot path of the ledger: fixed SQL on the driver (see adapters/db/raw.py). One statement reads every
# fact a transfer decides on (``vouchers.rules.TransferFacts``): the voucher (locked on PostgreSQL in a
# transaction), the fragment, the bank's and the sender's names, the financing parameters with the sender's
# ledger overrides, and per part the recipient, its onboarding at the voucher's bank, the sender's contracts
# with it, and whether any restriction row names the sender or it (one row per part). The sender is the
# actor's party, or the holder when the system acts (:sender NULL). Columns are read by name: each is
# (name, expression) below, and a row is a ``_TransferRow`` of those names.
_SENDER = "COALESCE(:sender, f.holder_id)"
_TRADE = (f"FROM contract c WHERE c.buyer_id = {_SENDER} AND c.seller_id = p.id "
          "AND (c.id = r.cid OR r.cid = '')")
_TRANSFER_COLUMNS = (
    # the voucher's head (services.common.VOUCHER_HEAD_COLUMNS, in its order)
    ("voucher_id", "v.id"), ("core_id", "v.core_id"), ("bank_id", "v.bank_id"), ("voucher_status", "v.status"),
    ("maturity_on", "v.maturity_on"), ("seq", "v.seq"), ("head_hash", "v.head_hash"),
    ("hash_algorithm", "v.hash_algorithm"), ("credit_line_id", "v.credit_line_id"), ("face_fen", "v.face_fen"),
    ("bank_name", "b.name"), ("sender_name", "s.name"),
    # the fragment
    ("holder_id", "f.holder_id"), ("amount_fen", "f.amount_fen"), ("tier", "f.tier"),
    ("fragment_status", "f.status"), ("contract_id", "f.contract_id"),
    # the core's designation (NULL: not designated) and the sender's ledger overrides
    ("core_max_ratio", "d.max_ratio"), ("core_max_term_days", "d.max_term_days"),
    ("core_min_split_fen", "d.min_split_fen"), ("core_max_tier", "d.max_tier"), ("core_spread", "d.spread"),
    ("ledger_max_ratio", "l.max_ratio"), ("ledger_max_term_days", "l.max_term_days"),
    ("ledger_min_split_fen", "l.min_split_fen"), ("ledger_max_tier", "l.max_tier"), ("ledger_spread", "l.spread"),
    # the part and its recipient (NULLs: the reference names no party)
    ("ord", "r.ord"), ("party_id", "p.id"), ("party_name", "p.name"), ("party_kind", "p.kind"),
    ("settlement_account", "o.settlement_account"), ("ebanking", "o.ebanking"), ("certificate", "o.certificate"),
    ("trade_contract_id", f"(SELECT c.id {_TRADE} AND c.non_cash_agreed = :yes AND c.confirmed_at IS NOT NULL "
                          "ORDER BY c.signed_on DESC, c.id LIMIT 1)"),
    ("any_contract_id", f"(SELECT c.id {_TRADE} LIMIT 1)"),
    ("non_cash_contract_number", f"(SELECT c.number {_TRADE} AND c.non_cash_agreed = :yes LIMIT 1)"),
    # any restriction row on the sender's transferring or the recipient's receiving (the rows are read
    # only then; the rule decides which are in force)
    ("restricted", "EXISTS (SELECT 1 FROM party_restriction x WHERE x.party_id IN (p.id, s.id))"),
)
_TransferRow = namedtuple("_TransferRow", [name for name, _ in _TRANSFER_COLUMNS])  # type: ignore[misc]
_TRANSFER_READ = (
    "SELECT " + ", ".join(f"{expr} AS {name}" for name, expr in _TRANSFER_COLUMNS) + " "
    "FROM fragment f JOIN voucher v ON v.id = f.voucher_id "
    "LEFT JOIN party b ON b.id = v.bank_id "
    f"LEFT JOIN party s ON s.id = {_SENDER} "
    "LEFT JOIN core_designation d ON d.bank_id = v.bank_id AND d.core_id = v.core_id "
    f"LEFT JOIN supplier_ledger l ON l.bank_id = v.bank_id AND l.core_id = v.core_id AND l.supplier_id = {_SENDER} "
    "CROSS JOIN ({parts}) r "
    "LEFT JOIN party p ON p.id = r.ref OR p.uscc = r.uref "
    "LEFT JOIN onboarding o ON o.party_id = p.id AND o.bank_id = v.bank_id "
    "WHERE f.id = :f ORDER BY r.ord")
_RESTRICTIONS_READ = ("SELECT party_id, action, bank_id, kind, reason, valid_from, valid_until FROM party_restriction "
                      "WHERE party_id IN ({ids}) ORDER BY valid_from, id")


@lru_cache(maxsize=16)
def _transfer_read_sql(n_parts: int, lock: bool) -> str:
    parts = " UNION ALL ".join(f"SELECT {i} AS ord, :ref{i} AS ref, :uref{i} AS uref, :cid{i} AS cid"
                               for i in range(n_parts))
    return _TRANSFER_READ.replace("{parts}", parts) + (" FOR UPDATE OF v" if lock else "")


def _restrictions(raw: Any, party_ids: set[str]) -> dict[str, tuple[Restriction, ...]]:
    """Every ``party_restriction`` row of the parties, by party (the rule decides which are in force)."""
    params: dict[str, Any] = {}
    sql = _RESTRICTIONS_READ.replace("{ids}", raw.placeholders("p", sorted(party_ids), params))
    out: dict[str, list[Restriction]] = {}
    for party_id, action, bank_id, kind, reason, valid_from, valid_until in raw.all(sql, params):
        out.setdefault(party_id, []).append(Restriction(
            party_id=party_id, action=action, kind=kind, reason=reason or "", bank_id=bank_id,
            valid_from=raw.date(valid_from), valid_until=raw.date(valid_until) if valid_until is not None else None))
    return {k: tuple(v_) for k, v_ in out.items()}


def _params(row: _TransferRow) -> v.FinancingParams | None:
    """The core's financing parameters with the sender's ledger overrides; None when not designated."""
    if row.core_max_ratio is None:
        return None
    return v.FinancingParams(
        max_ratio=Decimal(row.ledger_max_ratio or row.core_max_ratio),
        max_term_days=row.ledger_max_term_days or row.core_max_term_days,
        min_split_fen=row.ledger_min_split_fen or row.core_min_split_fen,
        max_tier=row.ledger_max_tier or row.core_max_tier, spread=Decimal(row.ledger_spread or row.core_spread))


def load_transfer_facts(ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str,
                        parts: list[dict[str, Any]]) -> tuple[rules.TransferFacts, VoucherHead]:
    """Everything the transfer rule decides on (one set-based read; the restriction rows only when some
    exist), and the voucher's chain head for the writer."""
    raw = uow.raw
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
    rows = [_TransferRow._make(r) for r in raw.all(_transfer_read_sql(len(parts), raw.pg and not uow.statement_mode),
                                                    params)]
    if not rows:
        raise errors.NotFound("fragment", fragment_id)
    first = rows[0]
    head = VoucherHead(first.voucher_id, first.core_id, first.bank_id, first.voucher_status, raw.date(first.maturity_on),
                       first.seq, first.head_hash, first.hash_algorithm, first.credit_line_id, first.face_fen)
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
    restricted = _restrictions(raw, {sender} | {r.party_id for r in rows if r.party_id}) if any(
        r.restricted for r in rows) else {}
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
        recipients.append(rules.RecipientFacts(  # positional: ref, amount, party, name, kind, trade, unconfirmed, any
            ref, p["amount_fen"], r.party_id, r.party_name, r.party_kind, r.trade_contract_id,
            r.non_cash_contract_number if r.trade_contract_id is None else None, r.any_contract_id is not None, held))
    facts = rules.TransferFacts(
        fragment=rules.FragmentFacts(fragment_id, first.holder_id, first.amount_fen, first.tier, first.fragment_status,
                                     first.contract_id),
        voucher=rules.VoucherFacts(id=head.id, core_id=head.core_id, bank_id=head.bank_id,
                                   bank_name=first.bank_name or head.bank_id, status=head.status,
                                   maturity_on=head.maturity_on),
        sender_id=sender, sender_name=first.sender_name or sender, fragment_in_scope=in_scope,
        params=_params(first), recipients=tuple(recipients), today=ctx.clock.today(),
        sender_restrictions=restricted.get(sender, ()))
    return facts, head


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
        return errors.FragmentNotActive(fragment=fragment_id, state="spent")
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


def _transfer(ctx: Context, uow: UnitOfWork, *, actor: Actor, fragment_id: str,
              parts: list[dict[str, Any]]) -> Result:
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


def _write_transfer(ctx: Context, uow: UnitOfWork, *, actor: Actor, voucher: VoucherHead, fragment_id: str,
                    plan: list[rules.PlannedChild]) -> Result:
    """Write a decided transfer: the fragment spent, its children, the chain link (and on PostgreSQL the
    idempotency row), each guarded against a concurrent change."""
    raw = uow.raw
    kids = [{"id": new_id("frg"), "holder_id": ch.holder_id, "amount_fen": ch.amount_fen, "tier": ch.tier,
             "contract_id": ch.contract_id} for ch in plan]
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
            raise errors.FragmentNotActive(fragment=fragment_id, state="spent")
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


def get_voucher(ctx: Context, *, voucher_id: str, actor: Actor | None = None) -> Result:
    """One voucher with its invoices and leaf totals (only a voucher the actor has a part in, if given)."""
    with ctx.uow(autocommit=True) as uow:
        if actor is not None:
            scope.check_voucher(uow, actor, voucher_id)
        voucher = get_or_raise(uow, t.voucher, voucher_id, "voucher")
        inv = [row_dict(r) for r in uow.conn.execute(select(t.voucher_invoice).where(
            t.voucher_invoice.c.voucher_id == voucher_id))]
        by_status = {r.status: r.total for r in uow.conn.execute(
            select(t.fragment.c.status, func.sum(t.fragment.c.amount_fen).label("total"))
            .where(t.fragment.c.voucher_id == voucher_id).group_by(t.fragment.c.status))}
        return {**row_dict(voucher), "invoices": inv, "amounts_by_status": by_status}


def _vouchers_query(uow: UnitOfWork, *, actor: Actor | None, core: str | None, bank: str | None,
                    status: str | None) -> Any:
    stmt = select(t.voucher).order_by(t.voucher.c.created_at.desc(), t.voucher.c.id)
    if actor is not None and (limit_to := scope.voucher_filter(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if core:
        stmt = stmt.where(t.voucher.c.core_id == resolve_party(uow, core).id)
    if bank:
        stmt = stmt.where(t.voucher.c.bank_id == resolve_party(uow, bank).id)
    if status:
        stmt = stmt.where(t.voucher.c.status == status)
    return stmt


def _voucher_row(row: Any) -> Result:
    return row_dict(row, drop=("warnings",))


def list_vouchers(ctx: Context, *, core: str | None = None, status: str | None = None,
                  limit: int = 100, offset: int = 0, actor: Actor | None = None,
                  bank: str | None = None) -> list[Result]:
    """Vouchers, newest first, filterable by core enterprise, bank and status (the actor's only, if given)."""
    with ctx.uow(readonly=True) as uow:
        stmt = _vouchers_query(uow, actor=actor, core=core, bank=bank, status=status)
        return [_voucher_row(r) for r in uow.conn.execute(stmt.limit(limit).offset(offset))]


def page_vouchers(ctx: Context, *, actor: Actor, core: str | None = None, bank: str | None = None,
                  status: str | None = None, limit: int = 50, offset: int = 0) -> Result:
    """One page of the vouchers the actor may see, with the total: ``{items, total, limit, offset}``."""
    with ctx.uow(readonly=True) as uow:
        stmt = _vouchers_query(uow, actor=actor, core=core, bank=bank, status=status)
        return paged(uow, stmt, limit=limit, offset=offset, convert=_voucher_row)


def _holdings_query(uow: UnitOfWork, *, party: str | None, include_closed: bool, actor: Actor | None) -> Any:
    holder = resolve_party(uow, party).id if party is not None else None
    if actor is not None:
        where = scope.holdings_filter(uow, actor, holder)
    elif holder is not None:
        where = t.fragment.c.holder_id == holder
    else:
        where = t.fragment.c.id.is_not(None)
    stmt = (select(t.fragment, t.voucher.c.number, t.voucher.c.maturity_on, t.voucher.c.core_id.label("issuer"))
            .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
            .where(where).order_by(t.voucher.c.maturity_on, t.fragment.c.id))
    if not include_closed:
        stmt = stmt.where(t.fragment.c.status.in_((v.ACTIVE, v.FROZEN, v.FINANCED)))
    return stmt


def holdings(ctx: Context, *, party: str, include_closed: bool = False, actor: Actor | None = None) -> list[Result]:
    """A party's fragments with voucher number, maturity and status (with an actor: those in its scope,
    ``scope.holdings_filter``)."""
    with ctx.uow(readonly=True) as uow:
        stmt = _holdings_query(uow, party=party, include_closed=include_closed, actor=actor)
        return [row_dict(r) for r in uow.conn.execute(stmt)]


def page_holdings(ctx: Context, *, actor: Actor, party: str | None, include_closed: bool = False, limit: int = 50,
                  offset: int = 0) -> Result:
    """One page of a party's fragments as far as they are in the actor's scope. With no party: the actor's
    own holdings, or for the district and chain offices, who hold nothing, every fragment."""
    with ctx.uow(autocommit=True) as uow:
        if party is None and not scope.sees_everything(uow, actor):
            party = actor.party_id
        stmt = _holdings_query(uow, party=party, include_closed=include_closed, actor=actor)
        return paged(uow, stmt, limit=limit, offset=offset)
