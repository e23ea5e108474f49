"""Holder certificates (数字信用凭据凭证): one A4 PDF per voucher part, for a holder's files and its auditors.

The certificate shows the voucher (number, issuer, bank, face value, dates), the part (holder, amount in
figures and in bank-form words, tier, status), the lineage from the issue to the part (穿透), the trade
documents behind each step, and the voucher's operation-chain head with a QR code that encodes a
verification string (:func:`verification_string`). It is rendered from an HTML/CSS template
(``lianrong/templates_pdf``) by WeasyPrint with the Noto CJK fonts embedded.

Reading is scoped like every read: the actor must be allowed to see the part (``scope.check_fragment``);
otherwise the part is reported as not found.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.money import amount_in_words, format_yuan
from lianrong.platform import scope
from lianrong.platform.common import get_or_raise
from lianrong.platform.context import BEIJING, Actor, Context
from lianrong.vouchers import model as v
from lianrong.vouchers.lineage import path_to_root
from lianrong.vouchers.model import FragmentStatus, VoucherStatus

__all__ = [
    "VERIFY_PREFIX",
    "CertificateData",
    "Verification",
    "certificate_data",
    "parse_verification_string",
    "render_certificate_html",
    "render_pdf",
    "verification_string",
    "voucher_certificate_pdf",
]


@dataclass(frozen=True, slots=True)
class Verification:
    """What a verification string names: a voucher and its chain head at a sequence number."""

    voucher_id: str
    seq: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class CertificateParty:
    """A party named on a certificate: id, name and USCC (empty when it has none)."""

    id: str
    name: str
    uscc: str


@dataclass(frozen=True, slots=True)
class CertificateVoucher:
    """The voucher on a certificate, with its amounts in figures and words and its maturity notes."""

    id: str
    number: str
    status: VoucherStatus
    status_zh: str
    status_en: str
    face_fen: int
    face_figures: str
    face_words: str
    issue_on: dt.date
    maturity_on: dt.date
    requested_maturity: dt.date
    maturity_official: bool
    maturity_rolled: bool
    maturity_notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CertificateFragment:
    """The part a certificate is for: tier, status and amount in figures and words."""

    id: str
    tier: int
    status: FragmentStatus
    status_zh: str
    status_en: str
    amount_fen: int
    amount_figures: str
    amount_words: str


@dataclass(frozen=True, slots=True)
class CertificateStep:
    """One step of the lineage from the issue to the part (穿透)."""

    id: str
    tier: int
    holder_id: str
    holder_name: str
    amount_fen: int
    amount_figures: str
    status: FragmentStatus
    status_zh: str
    contract_id: str | None
    contract_number: str | None
    kind_zh: str
    kind_en: str
    current: bool  # the certificate's own part


@dataclass(frozen=True, slots=True)
class CertificateInvoice:
    """An invoice behind a trade (at issuance: the amount it backs the voucher with)."""

    id: str
    code: str | None
    number: str
    label: str
    amount_fen: int
    amount_figures: str
    issued_on: dt.date


@dataclass(frozen=True, slots=True)
class CertificateTrade:
    """A trade contract behind the voucher's issue or one of its transfers, with its invoices."""

    id: str
    number: str
    signed_on: dt.date
    issuance: bool
    buyer_name: str
    seller_name: str
    amount_fen: int
    amount_figures: str
    invoices: tuple[CertificateInvoice, ...]


@dataclass(frozen=True, slots=True)
class CertificateFinancing:
    """The financing a frozen or financed part is reserved for or financed by."""

    id: str
    status: str
    status_zh: str
    applicant_id: str
    applicant_name: str
    registration_no: str | None


@dataclass(frozen=True, slots=True)
class CertificateChain:
    """The voucher's operation-chain head the certificate was made at."""

    seq: int
    head_hash: str
    algorithm: str
    algorithm_label: str
    head_hash_grouped: str


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything the certificate of one voucher part shows."""

    certificate_no: str
    voucher: CertificateVoucher
    fragment: CertificateFragment
    core: CertificateParty
    bank: CertificateParty
    holder: CertificateParty
    financing: CertificateFinancing | None
    path: tuple[CertificateStep, ...]
    trades: tuple[CertificateTrade, ...]
    chain: CertificateChain
    verification: str
    generated_at: str  # Beijing time, as printed (``YYYY-MM-DD HH:MM``)
    generated_at_iso: str  # the moment in ISO 8601, as printed
    requested_by: str


#: the scheme of the string in the certificate's QR code: ``lianrong:verify:<voucher_id>:<seq>:<head_hash>``
VERIFY_PREFIX = "lianrong:verify:"


_FRAGMENT_STATUS_EN = {
    v.ACTIVE: "Held",
    v.SPENT: "Transferred on",
    v.FROZEN: "Frozen",
    v.FINANCED: "Financed",
    v.SETTLED: "Paid at maturity",
    v.OVERDUE: "Overdue",
}
_VOUCHER_STATUS = {
    VoucherStatus.PENDING: ("待复核", "Pending approval"),
    VoucherStatus.ACTIVE: ("有效", "Active"),
    VoucherStatus.SETTLED: ("已兑付", "Settled"),
    VoucherStatus.OVERDUE: ("逾期", "Overdue"),
    VoucherStatus.REJECTED: ("已拒绝", "Rejected"),
}
_FINANCING_STATUS_ZH = {
    "applied": "已申请",
    "approved": "已审批",
    "rejected": "已拒绝",
    "disbursed": "已放款",
    "repaid": "已还款",
    "overdue": "逾期",
}
_ALGORITHM_LABEL = {"sha256": "SHA-256", "sm3": "SM3"}


# --- verification string ----------------------------------------------------------------------------


def verification_string(voucher_id: str, seq: int, head_hash: str) -> str:
    """The text a certificate's QR code encodes: ``lianrong:verify:<voucher_id>:<seq>:<head_hash>``."""
    return f"{VERIFY_PREFIX}{voucher_id}:{int(seq)}:{head_hash}"


def parse_verification_string(text: str) -> Verification:
    """Split a verification string into its voucher id, sequence number and head hash, or refuse it."""
    if not isinstance(text, str) or not text.strip().startswith(VERIFY_PREFIX):
        raise errors.ValidationFailed(reason="not a LianRong verification string / 不是链融核验串")
    parts = text.strip()[len(VERIFY_PREFIX) :].split(":")
    if (
        len(parts) != 3
        or not parts[0]
        or not parts[1].isdigit()
        or len(parts[2]) != 64
        or any(c not in "0123456789abcdef" for c in parts[2])
    ):
        raise errors.ValidationFailed(reason="malformed verification string / 核验串格式错误")
    return Verification(parts[0], int(parts[1]), parts[2])


# --- data ---------------------------------------------------------------------------------------------


def _money(fen: int) -> str:
    return f"¥{format_yuan(fen)}"


def _party(uow: UnitOfWork, party_id: str) -> CertificateParty:
    row = uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc).where(t.party.c.id == party_id)).first()
    return CertificateParty(party_id, row.name if row else party_id, (row.uscc or "") if row else "")


def _invoice_label(code: str | None, number: str) -> str:
    return f"{code} {number}" if code else number


def _step_kind(index: int, row: Any, previous: Any | None) -> tuple[str, str]:
    if previous is None:
        return "签发", "Issued"
    if row.holder_id == previous.holder_id:
        return "拆分留存", "Split, kept"
    return "转让", "Transferred"


def certificate_data(ctx: Context, *, actor: Actor, fragment_id: str) -> CertificateData:
    """Everything the certificate of one voucher part shows, read in one read-only unit of work."""
    if not isinstance(fragment_id, str) or not fragment_id:
        raise errors.NotFound("fragment", fragment_id)
    with ctx.uow(readonly=True) as uow:
        scope.check_fragment(uow, actor, fragment_id)
        rows = path_to_root(uow.conn, fragment_id)
        if not rows:
            raise errors.NotFound("fragment", fragment_id)
        voucher = get_or_raise(uow, t.voucher, rows[0].voucher_id, "voucher")
        frag = get_or_raise(uow, t.fragment, fragment_id, "fragment")
        core, bank, holder = (_party(uow, voucher.core_id), _party(uow, voucher.bank_id), _party(uow, frag.holder_id))

        notes = []
        if voucher.requested_maturity != voucher.maturity_on:
            notes.append(
                f"约定到期日 {voucher.requested_maturity.isoformat()} 为非工作日，顺延至下一工作日。"
                f" Agreed date {voucher.requested_maturity.isoformat()} was not a working day;"
                " rolled to the next working day."
            )
        if not voucher.maturity_official:
            notes.append(
                "该年度节假日安排尚未正式公布，到期日按周末推算（非官方）。"
                " Official holidays for that year were not yet published; the date is computed on"
                " weekends only (unofficial)."
            )

        path = []
        previous = None
        for i, r in enumerate(rows):
            kind_zh, kind_en = _step_kind(i, r, previous)
            number = (
                uow.conn.execute(select(t.contract.c.number).where(t.contract.c.id == r.contract_id)).scalar()
                if r.contract_id
                else None
            )
            path.append(
                CertificateStep(
                    id=r.id,
                    tier=r.tier,
                    holder_id=r.holder_id,
                    holder_name=r.holder_name,
                    amount_fen=r.amount_fen,
                    amount_figures=format_yuan(r.amount_fen),
                    status=FragmentStatus(r.status),
                    status_zh=v.STATUS_ZH.get(r.status, r.status),
                    contract_id=r.contract_id,
                    contract_number=number,
                    kind_zh=kind_zh,
                    kind_en=kind_en,
                    current=r.id == fragment_id,
                )
            )
            previous = r

        trades = []
        backing = {
            r.invoice_id: r.amount_fen
            for r in uow.conn.execute(select(t.voucher_invoice).where(t.voucher_invoice.c.voucher_id == voucher.id))
        }
        contract_ids = list(dict.fromkeys([voucher.contract_id] + [p.contract_id for p in path if p.contract_id]))
        for cid in contract_ids:
            c = get_or_raise(uow, t.contract, cid, "contract")
            inv_rows = uow.conn.execute(
                select(t.invoice)
                .where(t.invoice.c.contract_id == cid)
                .order_by(t.invoice.c.issued_on, t.invoice.c.number)
            ).all()
            issuance = cid == voucher.contract_id
            if issuance:  # the issue is backed by particular invoices, each for a particular amount
                inv_rows = [r for r in inv_rows if r.id in backing]
            trades.append(
                CertificateTrade(
                    id=cid,
                    number=c.number,
                    signed_on=c.signed_on,
                    issuance=issuance,
                    buyer_name=_party(uow, c.buyer_id).name,
                    seller_name=_party(uow, c.seller_id).name,
                    amount_fen=c.amount_fen,
                    amount_figures=format_yuan(c.amount_fen),
                    invoices=tuple(
                        CertificateInvoice(
                            id=r.id,
                            code=r.code or None,
                            number=r.number,
                            label=_invoice_label(r.code, r.number),
                            amount_fen=backing.get(r.id, r.amount_fen) if issuance else r.amount_fen,
                            amount_figures=format_yuan(backing.get(r.id, r.amount_fen) if issuance else r.amount_fen),
                            issued_on=r.issued_on,
                        )
                        for r in inv_rows
                    ),
                )
            )

        financing = None
        if frag.financing_id:
            f = uow.conn.execute(select(t.financing).where(t.financing.c.id == frag.financing_id)).first()
            if f is not None:
                financing = CertificateFinancing(
                    id=f.id,
                    status=f.status,
                    status_zh=_FINANCING_STATUS_ZH.get(f.status, f.status),
                    applicant_id=f.applicant_id,
                    applicant_name=_party(uow, f.applicant_id).name,
                    registration_no=f.registration_no,
                )

        requested_by = "系统 System" if actor.role == "system" else _party(uow, actor.party_id).name

    now = ctx.clock.now()
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    status_zh, status_en = _VOUCHER_STATUS.get(voucher.status, (voucher.status, voucher.status))
    head = voucher.head_hash
    return CertificateData(
        certificate_no=f"{voucher.number}-{fragment_id[-6:].upper()}-{voucher.seq:03d}",
        voucher=CertificateVoucher(
            id=voucher.id,
            number=voucher.number,
            status=VoucherStatus(voucher.status),
            status_zh=status_zh,
            status_en=status_en,
            face_fen=voucher.face_fen,
            face_figures=_money(voucher.face_fen),
            face_words=amount_in_words(voucher.face_fen),
            issue_on=voucher.issue_on,
            maturity_on=voucher.maturity_on,
            requested_maturity=voucher.requested_maturity,
            maturity_official=bool(voucher.maturity_official),
            maturity_rolled=voucher.requested_maturity != voucher.maturity_on,
            maturity_notes=tuple(notes),
        ),
        fragment=CertificateFragment(
            id=frag.id,
            tier=frag.tier,
            status=FragmentStatus(frag.status),
            status_zh=v.STATUS_ZH.get(frag.status, frag.status),
            status_en=_FRAGMENT_STATUS_EN.get(frag.status, frag.status),
            amount_fen=frag.amount_fen,
            amount_figures=_money(frag.amount_fen),
            amount_words=amount_in_words(frag.amount_fen),
        ),
        core=core,
        bank=bank,
        holder=holder,
        financing=financing,
        path=tuple(path),
        trades=tuple(trades),
        chain=CertificateChain(
            seq=voucher.seq,
            head_hash=head,
            algorithm=voucher.hash_algorithm,
            algorithm_label=_ALGORITHM_LABEL.get(voucher.hash_algorithm, voucher.hash_algorithm),
            head_hash_grouped=" ".join(head[i : i + 16] for i in range(0, len(head), 16)),
        ),
        verification=verification_string(voucher.id, voucher.seq, head),
        generated_at=now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        generated_at_iso=now.isoformat(),
        requested_by=requested_by,
    )


# --- rendering ------------------------------------------------------------------------------------------


def qr_png(text: str) -> bytes:
    """A QR code (error correction M) of ``text`` as PNG bytes."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

    def load(name: str) -> str:
        return (resources.files("lianrong.vouchers") / "templates_pdf" / name).read_text(encoding="utf-8")

    return Environment(
        loader=FunctionLoader(load),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _stylesheet() -> str:
    return (resources.files("lianrong.vouchers") / "templates_pdf" / "certificate.css").read_text(encoding="utf-8")


def render_certificate_html(data: CertificateData) -> str:
    """The certificate as HTML (for the console's preview); the QR code is an inline PNG data URI."""
    qr = base64.b64encode(qr_png(data.verification)).decode("ascii")
    fields_ = {f.name: getattr(data, f.name) for f in fields(data)}
    return _environment().get_template("certificate.html").render(**fields_, qr_data_uri=f"data:image/png;base64,{qr}")


def render_pdf(html: str) -> bytes:
    """Render certificate HTML to PDF bytes with the certificate stylesheet (fonts embedded, subset)."""
    from weasyprint import CSS, HTML

    return HTML(string=html).write_pdf(stylesheets=[CSS(string=_stylesheet())])


def voucher_certificate_pdf(ctx: Context, *, actor: Actor, fragment_id: str) -> bytes:
    """The PDF certificate (数字信用凭据凭证) of one voucher part the actor may see."""
    return render_pdf(render_certificate_html(certificate_data(ctx, actor=actor, fragment_id=fragment_id)))
