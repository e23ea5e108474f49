"""Attachments: files stored once by content hash (PDF, JPG, PNG, OFD checked by content), each
organisation's uploads of them, and their links to contracts, invoices and financings."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from sqlalchemy import insert, select, union_all

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.documents import errors as documents_errors
from lianrong.kernel import errors
from lianrong.platform.common import check_actor_role
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed

#: accepted upload types, recognised by their leading bytes, never by file name
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/ofd"),  # OFD is a zip container; checked further below
)


#: the namespace of the OFD standard (GB/T 33190-2016): the root element of a document's ``OFD.xml``
OFD_NAMESPACE = "http://www.ofdspec.org/2016"
_CHUNK = 64 * 1024


def check_ofd(content: bytes, *, max_uncompressed: int, max_entries: int) -> None:
    """Accept a ZIP only if it is an OFD document: at most ``max_entries`` entries inflating to at most
    ``max_uncompressed`` bytes (the declared sizes are checked before anything is inflated, and inflating
    stops at the declared size: a lying header fails its CRC), and an ``OFD.xml`` at the root whose root
    element is ``OFD`` in the OFD namespace, parsed without DTDs or entities (defusedxml)."""

    def invalid(problem: str) -> documents_errors.OfdInvalid:
        return documents_errors.OfdInvalid(namespace=OFD_NAMESPACE, problem=problem)

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise invalid("not a readable ZIP container") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries or sum(e.file_size for e in entries) > max_uncompressed:
            raise documents_errors.OfdTooLarge(limit=max_uncompressed, max_entries=max_entries)
        root = [e for e in entries if e.filename == "OFD.xml"]
        if len(root) != 1:
            raise invalid("no OFD.xml at the root")
        try:
            ofd_xml: list[bytes] = []
            for entry in entries:  # every entry inflates within its declared size and matches its CRC
                with archive.open(entry) as stream:
                    while chunk := stream.read(_CHUNK):
                        if entry is root[0]:
                            ofd_xml.append(chunk)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, ValueError, zlib.error):
            raise invalid("a damaged, encrypted or unsupported entry") from None
        try:
            element = DefusedET.fromstring(b"".join(ofd_xml), forbid_dtd=True)
        except (DefusedET.ParseError, DefusedXmlException, ValueError):
            raise invalid("OFD.xml is not well-formed XML without DTD or entities") from None
        if element.tag != f"{{{OFD_NAMESPACE}}}OFD":
            raise invalid(f"the root element is {element.tag[:120]}")


def sniff_media_type(content: bytes, *, settings: Any = None) -> str:
    """The media type of an upload by content (PDF, JPG, PNG, OFD), or a refusal. A ZIP is an OFD document
    only when ``check_ofd`` accepts it, within the limits of ``settings``."""
    for magic, media in _MAGIC:
        if content.startswith(magic):
            if media == "application/ofd":
                check_ofd(
                    content,
                    max_uncompressed=int(getattr(settings, "ofd_max_uncompressed_bytes", 100 * 1024 * 1024)),
                    max_entries=int(getattr(settings, "ofd_max_entries", 2000)),
                )
            return media
    raise documents_errors.AttachmentRejected(
        reason="only PDF, JPG, PNG and OFD files are accepted / 仅接受PDF、JPG、PNG、OFD文件"
    )


def store_attachment(
    ctx: Context,
    uow: UnitOfWork,
    *,
    content: bytes,
    filename: str,
    uploaded_by: str | None,
    party_id: str | None = None,
) -> tuple[str, bool]:
    """Store a file by its SHA-256 unless already stored, and record the organisation's upload of it.

    Returns the hash and whether this organisation had uploaded these bytes before (never whether another
    one did: that would tell what others store).
    """
    if not content:
        raise documents_errors.AttachmentRejected(reason="empty file / 空文件")
    limit = getattr(ctx.settings, "max_upload_bytes", 20 * 1024 * 1024)
    if len(content) > limit:
        raise documents_errors.AttachmentRejected(reason=f"larger than {limit} bytes / 文件过大")
    media = sniff_media_type(content, settings=ctx.settings)
    sha = hashlib.sha256(content).hexdigest()
    name = (filename or "upload")[:255]
    now = ctx.clock.now()
    if uow.conn.execute(select(t.attachment.c.sha256).where(t.attachment.c.sha256 == sha)).first() is None:
        uow.conn.execute(
            insert(t.attachment).values(
                sha256=sha,
                size=len(content),
                media_type=media,
                filename=name,
                content=content,
                uploaded_by=uploaded_by,
                created_at=now,
            )
        )
    if party_id is None:
        return sha, False
    fu = t.file_upload.c
    if uow.conn.execute(select(fu.sha256).where(fu.party_id == party_id, fu.sha256 == sha)).first() is not None:
        return sha, True
    uow.conn.execute(
        insert(t.file_upload).values(
            party_id=party_id, sha256=sha, filename=name, uploaded_by=uploaded_by, uploaded_at=now
        )
    )
    return sha, False


def _record_parties(sha: Any) -> Any:
    """The parties of the records carrying a file: buyer and seller of a contract or an invoice, the applicant
    and the bank of a financing (a union of selects of one ``party_id`` column)."""
    link = t.document_link.c

    def owners(kind: str) -> Any:
        return select(link.owner_id).where(link.sha256 == sha, link.owner_kind == kind)

    c, i, f = t.contract.c, t.invoice.c, t.financing.c
    return union_all(
        select(c.buyer_id.label("party_id")).where(c.id.in_(owners("contract"))),
        select(c.seller_id).where(c.id.in_(owners("contract"))),
        select(i.buyer_id).where(i.id.in_(owners("invoice"))),
        select(i.seller_id).where(i.id.in_(owners("invoice"))),
        select(f.applicant_id).where(f.id.in_(owners("financing"))),
        select(f.bank_id).where(f.id.in_(owners("financing"))),
    )


def _name_by_record_parties(sha: Any) -> Any:
    """The name that the parties of the records carrying a file gave it (the earliest of their uploads), as
    a scalar subquery; ``sha`` may be a column of the enclosing query."""
    fu = t.file_upload.c
    parties = _record_parties(sha).subquery()
    return (
        select(fu.filename)
        .where(fu.sha256 == sha, fu.party_id.in_(select(parties.c.party_id)))
        .order_by(fu.uploaded_at, fu.party_id)
        .limit(1)
        .scalar_subquery()
    )


def uploaded_by_party(uow: UnitOfWork, party_id: str, sha: str) -> bool:
    """Whether this organisation uploaded the file itself."""
    fu = t.file_upload.c
    return uow.conn.execute(select(fu.sha256).where(fu.party_id == party_id, fu.sha256 == sha)).first() is not None


def check_linkable(uow: UnitOfWork, actor: Actor, sha: str) -> None:
    """The one rule for attaching a stored file to a record: the actor's organisation uploaded it, or is a
    party of a record that already carries it. Otherwise ``attachment.not_found``, exactly as for a hash
    that names nothing, so that knowing a hash neither reads a file nor tells that it is stored."""
    exists = uow.conn.execute(select(t.attachment.c.sha256).where(t.attachment.c.sha256 == sha)).first()
    if exists is not None and (actor.role == "system" or uploaded_by_party(uow, actor.party_id, sha)):
        return
    if exists is not None:
        parties = _record_parties(sha).subquery()
        if uow.conn.execute(select(parties.c.party_id).where(parties.c.party_id == actor.party_id).limit(1)).first():
            return
    raise errors.NotFound("attachment", sha)


def link(uow: UnitOfWork, *, actor: Actor, owner_kind: str, owner_id: str, shas: list[str]) -> None:
    """Reference stored attachments from a contract, invoice or financing (no new copies); each must be
    one the actor may link (``check_linkable``)."""
    for sha in dict.fromkeys(shas):
        check_linkable(uow, actor, sha)
        exists = uow.conn.execute(
            select(t.document_link.c.sha256).where(
                t.document_link.c.owner_kind == owner_kind,
                t.document_link.c.owner_id == owner_id,
                t.document_link.c.sha256 == sha,
            )
        ).first()
        if exists is None:
            uow.conn.execute(insert(t.document_link).values(owner_kind=owner_kind, owner_id=owner_id, sha256=sha))


def check_scan_backs_no_other_invoice(uow: UnitOfWork, sha: str) -> None:
    """One scanned file documents one invoice: a file already attached to an invoice cannot back another
    invoice number (``invoice.document_reused``). Checked after ``check_linkable``, so only a party that may
    link the file learns this."""
    link = t.document_link.c
    if (
        uow.conn.execute(select(link.owner_id).where(link.sha256 == sha, link.owner_kind == "invoice").limit(1)).first()
        is not None
    ):
        raise documents_errors.InvoiceDocumentReused(sha256=sha)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file uploaded: its SHA-256, its size, and whether the caller's organisation had uploaded it before."""

    sha256: str
    size: int
    reused: bool


def upload(ctx: Context, *, actor: Actor, content: bytes, filename: str, idempotency_key: str) -> Upload:
    """Upload a file; bytes stored before are referenced, not stored again. ``reused`` says whether the
    caller's own organisation had uploaded them before (whether anyone else did is never told)."""
    sha = hashlib.sha256(content or b"").hexdigest()
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> Upload:
        party = actor.party_id if actor.role != "system" else None
        _, reused = store_attachment(
            ctx, uow, content=content, filename=filename, uploaded_by=actor.user_id, party_id=party
        )
        return Upload(sha256=sha, size=len(content), reused=reused)

    return run_typed(
        ctx,
        Upload,
        key=idempotency_key,
        operation="attachment.upload",
        request={"sha": sha, "name": filename},
        body=body,
    )
