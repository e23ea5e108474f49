"""Trade documents: contracts and invoices, and who may read them and their attachments (the files
themselves: ``documents.attachments``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents import errors as documents_errors
from lianrong.documents.attachments import (
    _name_by_record_parties,
    check_linkable,
    check_scan_backs_no_other_invoice,
    link,
    uploaded_by_party,
)
from lianrong.documents.trades import Contract, TradeDocuments, contract_of, trade_documents
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_invoice_number
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import check_fen
from lianrong.platform import scope
from lianrong.platform.common import (
    check_actor_party,
    check_actor_role,
    get_or_raise,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.pages import Page
from lianrong.platform.results import run_typed


@dataclass(frozen=True, slots=True)
class RecordedContract:
    """A contract as just recorded (unconfirmed until the other party confirms it, unless the system recorded it)."""

    id: str
    number: str
    buyer_id: str
    seller_id: str
    amount_fen: int
    signed_on: dt.date
    due_on: dt.date
    non_cash_agreed: bool
    recorded_by: str | None
    confirmed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RecordedInvoice:
    """An invoice as just recorded under its contract (its number as stored)."""

    id: str
    contract_id: str
    code: str
    number: str
    amount_fen: int
    issued_on: dt.date


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A stored file's bytes with the name its reader knows it by and its media type."""

    sha256: str
    filename: str
    media_type: str
    size: int
    content: bytes


def add_contract(
    ctx: Context,
    *,
    actor: Actor,
    buyer: str,
    seller: str,
    number: str,
    amount_fen: int,
    signed_on: dt.date,
    due_on: dt.date,
    non_cash_agreed: bool,
    attachments: list[str] | None = None,
    idempotency_key: str,
) -> RecordedContract:
    """Record a trade contract between a buyer and a seller (the basis of issue and transfer)."""
    check_fen(amount_fen)
    if not isinstance(number, str) or not (1 <= len(number.strip()) <= 60):
        raise errors.ValidationFailed(reason="contract number must be 1–60 characters / 合同编号须为1至60个字符")
    if due_on < signed_on:
        raise errors.InvalidDate(value=f"due {due_on} before signing {signed_on}")
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> RecordedContract:
        b = resolve_party(uow, buyer, kind="enterprise")
        s = resolve_party(uow, seller, kind="enterprise")
        if b.id == s.id:
            raise documents_errors.ContractMismatch(reason="buyer and seller are the same / 买卖双方相同")
        check_actor_party(
            actor,
            b.id if actor.party_id == b.id else s.id,
            what="only a party to the contract records it / 仅合同当事方可录入",
        )
        if uow.conn.execute(
            select(t.contract.c.id).where(t.contract.c.seller_id == s.id, t.contract.c.number == number.strip())
        ).first():
            raise errors.AlreadyExists(entity="contract", key=number.strip())
        cid, now = new_id("ctr"), ctx.clock.now()
        # the system (seeding, imports) acts for both parties; a user's organisation names the other one,
        # which sees the contract as unconfirmed until it confirms it (``confirm_contract``)
        system = actor.role == "system"
        recorded_by, confirmed_at = (None, now) if system else (actor.party_id, None)
        uow.conn.execute(
            insert(t.contract).values(
                id=cid,
                number=number.strip(),
                buyer_id=b.id,
                seller_id=s.id,
                amount_fen=amount_fen,
                signed_on=signed_on,
                due_on=due_on,
                non_cash_agreed=bool(non_cash_agreed),
                created_at=now,
                recorded_by=recorded_by,
                confirmed_at=confirmed_at,
            )
        )
        link(uow, actor=actor, owner_kind="contract", owner_id=cid, shas=attachments or [])
        return RecordedContract(
            id=cid,
            number=number.strip(),
            buyer_id=b.id,
            seller_id=s.id,
            amount_fen=amount_fen,
            signed_on=signed_on,
            due_on=due_on,
            non_cash_agreed=bool(non_cash_agreed),
            recorded_by=recorded_by,
            confirmed_at=confirmed_at,
        )

    return run_typed(
        ctx,
        RecordedContract,
        key=idempotency_key,
        operation="contract.add",
        request={
            "b": buyer,
            "s": seller,
            "n": number,
            "a": amount_fen,
            "sg": signed_on,
            "d": due_on,
            "nc": non_cash_agreed,
            "att": attachments or [],
        },
        body=body,
    )


def confirm_contract(ctx: Context, *, actor: Actor, contract_id: str, idempotency_key: str) -> Contract:
    """The counterparty confirms a contract that names it (the party that did not record it).

    Anyone but the contract's two parties gets ``contract.not_found``; the recording party cannot confirm
    its own contract (403). Confirming a confirmed contract changes nothing and answers the same.
    """
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> Contract:
        c = uow.conn.execute(select(t.contract).where(t.contract.c.id == contract_id)).first()
        if c is None or (actor.role != "system" and actor.party_id not in (c.buyer_id, c.seller_id)):
            raise errors.NotFound("contract", contract_id)
        if c.confirmed_at is None:
            if actor.role != "system" and actor.party_id == c.recorded_by:
                raise errors.Forbidden(reason="the other party to the contract confirms it / 由合同另一方确认")
            uow.conn.execute(
                update(t.contract)
                .where(t.contract.c.id == c.id, t.contract.c.confirmed_at.is_(None))
                .values(confirmed_at=ctx.clock.now())
            )
        return contract_of(uow.conn.execute(select(t.contract).where(t.contract.c.id == c.id)).one())

    return run_typed(
        ctx,
        Contract,
        key=idempotency_key,
        operation="contract.confirm",
        request={"actor": actor.user_id, "c": contract_id},
        body=body,
    )


def add_invoice(
    ctx: Context,
    *,
    actor: Actor,
    contract_id: str,
    number: str,
    code: str | None = None,
    amount_fen: int,
    issued_on: dt.date,
    seller: str | None = None,
    buyer: str | None = None,
    attachments: list[str] | None = None,
    idempotency_key: str,
) -> RecordedInvoice:
    """Record an invoice under a contract; its seller and buyer must be the contract's."""
    check_actor_role(actor, "operator", "approver")
    # who may record invoices at all (an enterprise, a party to trade) is decided before the request is looked at
    scope.check_may_act(ctx, actor, "enterprise", what="only an enterprise records invoices / 仅企业可录入发票")
    check_fen(amount_fen)
    code_n, number_n = normalize_invoice_number(number=number, code=code)

    def body(uow: UnitOfWork) -> RecordedInvoice:
        c = get_or_raise(uow, t.contract, contract_id, "contract")
        check_contract(uow, actor, c.id)
        if actor.role != "system" and actor.party_id not in (c.buyer_id, c.seller_id):
            raise errors.Forbidden(reason="only a party to the contract records its invoices / 仅合同当事方可录入发票")
        if seller is not None and resolve_party(uow, seller).id != c.seller_id:
            raise documents_errors.InvoicePartyMismatch()
        if buyer is not None and resolve_party(uow, buyer).id != c.buyer_id:
            raise documents_errors.InvoicePartyMismatch()
        if uow.conn.execute(
            select(t.invoice.c.id).where(t.invoice.c.code == (code_n or ""), t.invoice.c.number == number_n)
        ).first():
            raise errors.AlreadyExists(entity="invoice", key=f"{code_n or ''}{number_n}")
        so_far = uow.conn.execute(
            select(func.coalesce(func.sum(t.invoice.c.amount_fen), 0)).where(t.invoice.c.contract_id == c.id)
        ).scalar()
        if so_far + amount_fen > c.amount_fen:
            raise documents_errors.InvoiceExceedsContract()
        for sha in dict.fromkeys(attachments or []):
            check_linkable(uow, actor, sha)
            check_scan_backs_no_other_invoice(uow, sha)
        iid = new_id("inv")
        uow.conn.execute(
            insert(t.invoice).values(
                id=iid,
                contract_id=c.id,
                code=code_n or "",
                number=number_n,
                amount_fen=amount_fen,
                allocated_fen=0,
                issued_on=issued_on,
                seller_id=c.seller_id,
                buyer_id=c.buyer_id,
                created_at=ctx.clock.now(),
            )
        )
        link(uow, actor=actor, owner_kind="invoice", owner_id=iid, shas=attachments or [])
        return RecordedInvoice(
            id=iid,
            contract_id=c.id,
            code=code_n or "",
            number=number_n,  # as stored and read
            amount_fen=amount_fen,
            issued_on=issued_on,
        )

    return run_typed(
        ctx,
        RecordedInvoice,
        key=idempotency_key,
        operation="invoice.add",
        request={
            "c": contract_id,
            "n": number_n,
            "code": code_n,
            "a": amount_fen,
            "d": issued_on,
            "s": seller,
            "b": buyer,
            "att": attachments or [],
        },
        body=body,
    )


def _contracts_scope(uow: UnitOfWork, actor: Actor) -> Any | None:
    """Contracts the actor may read: its own (buyer or seller), and those behind the vouchers it issued or
    carries (the issuing trade and every transfer's trade); the overseers read all."""
    if scope.sees_everything(uow, actor):
        return None
    p, c = actor.party_id, t.contract.c
    issued = select(t.voucher.c.contract_id).where(or_(t.voucher.c.core_id == p, t.voucher.c.bank_id == p))
    moved = (
        select(t.fragment.c.contract_id)
        .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
        .where(or_(t.voucher.c.core_id == p, t.voucher.c.bank_id == p), t.fragment.c.contract_id.is_not(None))
    )
    return or_(c.buyer_id == p, c.seller_id == p, c.id.in_(issued), c.id.in_(moved))


def check_contract(
    uow: UnitOfWork, actor: Actor, contract_id: str, *, entity: str = "contract", ref: str | None = None
) -> None:
    """Refuse a contract the actor may not read as not found, exactly as an id that names nothing
    (``entity``/``ref``: name the record asked for instead, e.g. an invoice under that contract)."""
    stmt = select(t.contract.c.id).where(t.contract.c.id == contract_id)
    if actor.role != "system" and (limit_to := _contracts_scope(uow, actor)) is not None:
        stmt = stmt.where(limit_to)
    if uow.conn.execute(stmt).first() is None:
        raise errors.NotFound(entity, ref if ref is not None else contract_id)


def page_contracts(
    ctx: Context, *, actor: Actor, buyer: str | None = None, seller: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Contract]:
    """One page of the contracts the actor may read, newest first, with the total count."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.contract).order_by(t.contract.c.created_at.desc(), t.contract.c.id)
        if (limit_to := _contracts_scope(uow, actor)) is not None:
            stmt = stmt.where(limit_to)
        if buyer:
            stmt = stmt.where(t.contract.c.buyer_id == resolve_party(uow, buyer).id)
        if seller:
            stmt = stmt.where(t.contract.c.seller_id == resolve_party(uow, seller).id)
        total = uow.conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        items = tuple(contract_of(r) for r in uow.conn.execute(stmt.limit(limit).offset(offset)))
    return Page(items=items, total=total, limit=limit, offset=offset)


def get_contract(ctx: Context, *, actor: Actor, contract_id: str) -> TradeDocuments:
    """A contract with its invoices and attachments, if the actor may read it (else not found)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.contract.c.id).where(t.contract.c.id == contract_id)
        if (limit_to := _contracts_scope(uow, actor)) is not None:
            stmt = stmt.where(limit_to)
        if uow.conn.execute(stmt).first() is None:
            raise errors.NotFound("contract", contract_id)
        return trade_documents(uow, contract_id)


def _attachment_visible(uow: UnitOfWork, actor: Actor, sha: str) -> bool:
    """Whether the actor may read a stored file: the trade it documents is one the actor may see.

    That is a contract (or one of its invoices) the actor may read (``_contracts_scope``: its own, and those
    behind the vouchers it issued or carries), one on the lineage (穿透) of a part the actor holds or held or
    financed, a financing it is party to; or a file its own organisation uploaded. The overseers read all.
    """
    if scope.sees_everything(uow, actor):
        return True
    p, link = actor.party_id, t.document_link.c
    if uploaded_by_party(uow, p, sha):
        return True
    linked_contracts = select(link.owner_id).where(link.sha256 == sha, link.owner_kind == "contract")
    invoice_contracts = select(t.invoice.c.contract_id).where(
        t.invoice.c.id.in_(select(link.owner_id).where(link.sha256 == sha, link.owner_kind == "invoice"))
    )
    trades = linked_contracts.union(invoice_contracts).subquery()
    readable = select(t.contract.c.id).where(t.contract.c.id.in_(select(trades.c[0])))
    if (limit_to := _contracts_scope(uow, actor)) is not None:
        readable = readable.where(limit_to)
    if uow.conn.execute(readable.limit(1)).first() is not None:
        return True
    financings = select(t.financing.c.id).where(
        t.financing.c.id.in_(select(link.owner_id).where(link.sha256 == sha, link.owner_kind == "financing"))
    )
    if (limit_to := scope.financing_filter(uow, actor)) is not None:
        financings = financings.where(limit_to)
    if uow.conn.execute(financings.limit(1)).first() is not None:
        return True
    # lineage: walk up from the actor's parts (held, handed on, financed) in the vouchers these trades back
    f, fa = t.fragment.c, t.financing_asset.c
    financed = (
        select(fa.asset_id)
        .join(t.financing, t.financing.c.id == fa.financing_id)
        .where(fa.kind == "voucher", t.financing.c.applicant_id == p)
    )
    up = (
        select(f.id, f.parent_id, f.contract_id)
        .where(
            f.voucher_id.in_(select(f.voucher_id).where(f.contract_id.in_(select(trades.c[0])))),
            or_(f.holder_id == p, f.id.in_(financed)),
        )
        .cte("up", recursive=True)
    )
    up = up.union(select(f.id, f.parent_id, f.contract_id).join(up, f.id == up.c.parent_id))
    hit = select(up.c.id).where(up.c.contract_id.in_(select(trades.c[0]))).limit(1)
    return uow.conn.execute(hit).first() is not None


def file_readable(uow: UnitOfWork, actor: Actor, sha: str) -> bool:
    """The one rule for reading a stored file (its bytes or its record): it is stored and the actor may see
    it (``_attachment_visible``)."""
    if uow.conn.execute(select(t.attachment.c.sha256).where(t.attachment.c.sha256 == sha)).first() is None:
        return False
    return _attachment_visible(uow, actor, sha)


def _shown_name(uow: UnitOfWork, actor: Actor, sha: str, stored: str) -> str:
    """The file's name as the reader knows it: the name its own organisation gave it; else the name the
    parties of the records carrying it gave it (the earliest such upload); else the name it was stored with."""
    fu = t.file_upload.c
    own = uow.conn.execute(select(fu.filename).where(fu.party_id == actor.party_id, fu.sha256 == sha)).scalar()
    if own is not None:
        return own
    theirs = uow.conn.execute(select(_name_by_record_parties(sha))).scalar()
    return theirs if theirs is not None else stored


def get_attachment(ctx: Context, *, actor: Actor, sha256: str) -> StoredFile:
    """A stored file with its name and media type, if the actor may read it (``file_readable``; else not found)."""
    with ctx.uow(readonly=True) as uow:
        if not file_readable(uow, actor, sha256):
            raise errors.NotFound("attachment", sha256)  # not "forbidden": do not reveal that it exists
        row = uow.conn.execute(select(t.attachment).where(t.attachment.c.sha256 == sha256)).first()
        return StoredFile(
            sha256=row.sha256,
            filename=_shown_name(uow, actor, sha256, row.filename),
            media_type=row.media_type,
            size=row.size,
            content=bytes(row.content),
        )
