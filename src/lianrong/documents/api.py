"""Trade documents: attachments (PDF, JPG, PNG, OFD by content), contracts and invoices."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import File, Path, UploadFile
from fastapi.responses import Response

from lianrong.api.deps import (
    Ctx,
    CurrentActor,
    IdempotencyKey,
    IdParam,
    Paging,
    PartyQuery,
    WritingActor,
)
from lianrong.api.routing import ApiRouter
from lianrong.api.schemas import SHA256_PATTERN
from lianrong.api.uploads import read_upload, upload_name
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.documents.schemas import (
    AttachmentRead,
    ContractCreate,
    ContractPage,
    ContractRead,
    ContractRecordRead,
    InvoiceCreate,
    InvoiceRead,
    TradeDocumentsRead,
)
from lianrong.documents.trades import Contract, TradeDocuments
from lianrong.platform.pages import Page

router = ApiRouter(tags=["documents"])


@router.post("/attachments", response_model=AttachmentRead, status_code=201)
def upload_attachment(
    file: Annotated[UploadFile, File(description="PDF, JPG, PNG or OFD")],
    ctx: Ctx,
    actor: WritingActor,
    key: IdempotencyKey,
) -> attachments.Upload:
    """Store a file by its SHA-256 (checked by content, never by name); a file stored before is reused."""
    return attachments.upload(
        ctx, actor=actor, content=read_upload(ctx, file), filename=upload_name(file), idempotency_key=key
    )


#: what an attachment can be (``attachments.sniff_media_type`` recognises these, by content)
_ATTACHMENT_MEDIA = ("application/pdf", "image/jpeg", "image/png", "application/ofd")


def content_disposition(filename: str) -> str:
    """``attachment`` with the file's name: an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    name = "".join(c for c in filename if c.isprintable()) or "attachment"
    fallback = "".join(c if c.isascii() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/attachments/{sha256}",
    response_class=Response,
    responses={200: {"content": dict.fromkeys(_ATTACHMENT_MEDIA, _BINARY), "description": "the stored file"}},
)
def download_attachment(
    sha256: Annotated[str, Path(pattern=SHA256_PATTERN)], ctx: Ctx, actor: CurrentActor
) -> Response:
    """A stored file, for a caller who may see the trade it documents (as in lineage); else 404."""
    a = documents.get_attachment(ctx, actor=actor, sha256=sha256)
    return Response(
        content=a.content,
        media_type=a.media_type,
        headers={
            "Content-Disposition": content_disposition(a.filename),
            "ETag": f'"{a.sha256}"',
            "Cache-Control": "private, max-age=0, must-revalidate",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/contracts", response_model=ContractPage)
def list_contracts(
    ctx: Ctx, actor: CurrentActor, page: Paging, buyer: PartyQuery = None, seller: PartyQuery = None
) -> Page[Contract]:
    """Contracts the caller is party to, or that back the vouchers it issued or carries."""
    return documents.page_contracts(ctx, actor=actor, buyer=buyer, seller=seller, limit=page.limit, offset=page.offset)


@router.post("/contracts", response_model=ContractRead, status_code=201)
def add_contract(
    body: ContractCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> documents.RecordedContract:
    """Record a trade contract (the buyer buys from the seller); the caller must be one of them."""
    return documents.add_contract(
        ctx,
        actor=actor,
        buyer=body.buyer,
        seller=body.seller,
        number=body.number,
        amount_fen=body.amount_fen,
        signed_on=body.signed_on,
        due_on=body.due_on,
        non_cash_agreed=body.non_cash_agreed,
        attachments=body.attachments,
        idempotency_key=key,
    )


@router.get("/contracts/{contract_id}", response_model=TradeDocumentsRead)
def get_contract(contract_id: IdParam, ctx: Ctx, actor: CurrentActor) -> TradeDocuments:
    """A contract with its invoices and attachments."""
    return documents.get_contract(ctx, actor=actor, contract_id=contract_id)


@router.post("/contracts/{contract_id}/confirm", response_model=ContractRecordRead)
def confirm_contract(contract_id: IdParam, ctx: Ctx, actor: WritingActor, key: IdempotencyKey) -> Contract:
    """The other party to a contract (not the one that recorded it) confirms it; until then it is unconfirmed."""
    return documents.confirm_contract(ctx, actor=actor, contract_id=contract_id, idempotency_key=key)


@router.post("/contracts/{contract_id}/invoices", response_model=InvoiceRead, status_code=201)
def add_invoice(
    contract_id: IdParam, body: InvoiceCreate, ctx: Ctx, actor: WritingActor, key: IdempotencyKey
) -> documents.RecordedInvoice:
    """Record an invoice under a contract (数电票: 20 digits; legacy: code + 8-digit number)."""
    return documents.add_invoice(
        ctx,
        actor=actor,
        contract_id=contract_id,
        number=body.number,
        code=body.code,
        amount_fen=body.amount_fen,
        issued_on=body.issued_on,
        attachments=body.attachments,
        idempotency_key=key,
    )
