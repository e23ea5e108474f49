"""Holder certificates (数字信用凭据凭证): a scoped, verifiable A4 PDF with the CJK fonts embedded."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zlib

import pytest
from factories import key
from ledger_asserts import refuses

from lianrong.kernel.money import amount_in_words, format_yuan
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import certificates
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import queries as voucher_queries

FACE = 123_456_789_12
PART = 20_000_00


def chain(world) -> dict[str, str]:
    """core → s1 (whole) → s2 (50,000) → s3 (20,000); returns the fragment ids by holder."""
    root = world.issue(FACE)
    r1 = world.transfer(root, "s1", [("s2", 50_000_00)])
    f2 = world.child(r1, "s2")
    r2 = world.transfer(f2, "s2", [("s3", PART)])
    return {"root": root, "s1": world.child(r1, "s1"), "s2": world.child(r2, "s2"), "s3": world.child(r2, "s3")}


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with every Flate stream inflated (fonts and object streams are compressed)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        start = m.end()
        try:
            out.append(zlib.decompressobj().decompress(pdf[start : start + 20_000_000]))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_certificate_is_an_a4_pdf_with_embedded_cjk_fonts(world):
    frags = chain(world)
    pdf = certificates.voucher_certificate_pdf(world.ctx, actor=world.user("s3"), fragment_id=frags["s3"])
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    body = pdf_objects(pdf)
    assert b"/FontFile" in body  # embedded font programs, not just references
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Noto-?Sans-?CJK-?SC", body), "Noto Sans CJK SC is not embedded"
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", body), "not A4"


def test_certificate_data_shows_the_voucher_the_part_and_its_lineage(world):
    frags = chain(world)
    data = certificates.certificate_data(world.ctx, actor=world.user("s3"), fragment_id=frags["s3"])
    v = voucher_queries.voucher(world.ctx, viewer=SYSTEM, voucher_id=data.voucher.id)
    assert data.voucher.number == v.number
    assert data.fragment.amount_figures == "¥20,000.00"
    assert data.fragment.amount_words == "人民币贰万元整"
    assert data.voucher.face_figures == f"¥{format_yuan(FACE)}"
    assert data.voucher.face_words == amount_in_words(FACE)
    assert data.core.id == world.ids["core"] and data.bank.id == world.ids["bank"]
    assert data.holder.id == world.ids["s3"]
    # lineage root → part: tiers 1, 2, 3 and the holders along the way
    assert [(p.tier, p.holder_id) for p in data.path] == [
        (1, world.ids["s1"]),
        (2, world.ids["s2"]),
        (3, world.ids["s3"]),
    ]
    assert [p.amount_fen for p in data.path] == [FACE, 50_000_00, PART]
    assert data.path[-1].current and not any(p.current for p in data.path[:-1])
    # trade documents: the issuing contract with its invoice, then each transfer's contract
    numbers = [d.id for d in data.trades]
    assert numbers[0] == world.contracts[("core", "s1")]
    assert world.contracts[("s1", "s2")] in numbers and world.contracts[("s2", "s3")] in numbers
    assert len(data.trades[0].invoices) == 1 and data.trades[0].invoices[0].amount_fen == FACE
    # the verification string names the voucher's current chain head
    assert data.verification == certificates.verification_string(v.id, v.seq, v.head_hash)
    parsed = certificates.parse_verification_string(data.verification)
    assert parsed == certificates.Verification(voucher_id=v.id, seq=v.seq, head_hash=v.head_hash)


def test_a_rolled_maturity_is_noted(world):
    # 2027-03-13 is a Saturday: the maturity rolls to Monday 2027-03-15
    v = world.prepare(1_000_00, maturity=dt.date(2027, 3, 13))
    r = issuance.approve(world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=key())
    data = certificates.certificate_data(world.ctx, actor=world.user("s1"), fragment_id=r.root_fragment_id)
    assert data.voucher.maturity_rolled and data.voucher.requested_maturity == dt.date(2027, 3, 13)
    assert data.voucher.maturity_on == dt.date(2027, 3, 15)
    assert any("顺延" in n and "rolled" in n for n in data.voucher.maturity_notes)
    html = certificates.render_certificate_html(data)
    assert "顺延" in html and "2027-03-13" in html


def test_a_financed_part_shows_the_bank_as_holder_and_the_financing(world):
    root = world.issue(10_000_00)
    f = world.finance([root], "s1")
    data = certificates.certificate_data(world.ctx, actor=world.user("s1"), fragment_id=root)
    assert data.holder.id == world.ids["bank"]
    assert data.financing.id == f.id and data.financing.applicant_name.startswith("企业s1")
    assert data.financing.registration_no


def test_only_those_who_may_see_the_part_get_a_certificate(world):
    frags = chain(world)
    # an unrelated supplier: not found (existence is not revealed), and nothing is written
    refuses(
        world.ctx,
        "fragment.not_found",
        certificates.voucher_certificate_pdf,
        world.ctx,
        actor=world.user("s4"),
        fragment_id=frags["s3"],
    )
    refuses(
        world.ctx,
        "fragment.not_found",
        certificates.certificate_data,
        world.ctx,
        actor=world.user("s4"),
        fragment_id="frg_nope",
    )
    # the holder, the sender who handed it on, the issuer and the bank may
    for org in ("s3", "s2", "core", "bank"):
        certificates.certificate_data(world.ctx, actor=world.user(org), fragment_id=frags["s3"])


def test_a_malformed_verification_string_is_refused():
    for bad in ("", "lianrong:verify:vch_1:x:" + "0" * 64, "lianrong:verify:vch_1:1:abc", "http://x"):
        with pytest.raises(Exception) as info:
            certificates.parse_verification_string(bad)
        assert getattr(info.value, "code", None) == "validation.failed"


@pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) not installed: text and page rendering not checked",
)
def test_certificate_text_and_page_render(world, tmp_path):
    frags = chain(world)
    data = certificates.certificate_data(world.ctx, actor=world.user("s3"), fragment_id=frags["s3"])
    pdf = certificates.render_pdf(certificates.render_certificate_html(data))
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "数字信用凭据凭证" in flat and "DIGITALCREDITVOUCHERCERTIFICATE" in flat.upper()
    assert data.voucher.number in flat
    assert "人民币贰万元整" in flat and "¥20,000.00" in flat
    assert amount_in_words(FACE) in flat
    assert "应收账款" in flat  # 财会〔2021〕32号
    assert data.chain.head_hash[:16] in flat
    for p in data.path:
        assert p.holder_name in flat
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
