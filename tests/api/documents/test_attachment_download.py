"""A stored document is downloaded by those who may see the trade it belongs to, as lineage shows it."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from factories import TODAY, key

from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.vouchers import issuance as issuance

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def _invoice_with_scan(aw, content: bytes, name: str, contract: str | None = None) -> str:
    """An invoice under the core → s1 contract (or another) carrying an uploaded scan; returns its hash."""
    w = aw.world
    sha = attachments.upload(aw.ctx, actor=w.user("core"), content=content, filename=name, idempotency_key=key()).sha256
    n = int(hashlib.sha256(content).hexdigest()[:8], 16) % 10**8
    documents.add_invoice(
        aw.ctx,
        actor=w.user("core"),
        contract_id=contract or w.contracts[("core", "s1")],
        number=f"2611{n:016d}",
        amount_fen=1_00,
        issued_on=TODAY,
        attachments=[sha],
        idempotency_key=key(),
    )
    return sha


def test_a_party_to_the_trade_downloads_the_file_with_its_type_and_name(api_world):
    sha = _invoice_with_scan(api_world, PDF + b"% scan 1\n", "增值税发票 2026-11.pdf")
    r = api_world.as_("sup_op").get(f"/attachments/{sha}")
    assert r.status_code == 200, r.text
    assert r.content == PDF + b"% scan 1\n" and hashlib.sha256(r.content).hexdigest() == sha
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="_____ 2026-11.pdf"' in disposition  # the ASCII fallback
    assert f"filename*=UTF-8''{quote('增值税发票 2026-11.pdf', safe='')}" in disposition
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["etag"] == f'"{sha}"'


def test_an_image_keeps_its_media_type(api_world):
    sha = _invoice_with_scan(api_world, PNG + b"receipt", "receipt.png")
    r = api_world.as_("core_ap").get(f"/attachments/{sha}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_an_outsider_is_told_the_file_does_not_exist(api_world):
    sha = _invoice_with_scan(api_world, PDF + b"% scan 2\n", "scan.pdf")
    refused = api_world.as_("other_sup").get(f"/attachments/{sha}")
    missing = api_world.as_("other_sup").get(f"/attachments/{'0' * 64}")
    assert refused.status_code == missing.status_code == 404
    assert refused.json()["code"] == missing.json()["code"] == "attachment.not_found"
    assert set(refused.json()) == {"code", "message_zh", "message_en", "details"}


def test_a_malformed_id_is_a_validation_error(api_world):
    r = api_world.as_("core_op").get("/attachments/not-a-hash")
    assert r.status_code == 422 and r.json()["code"] == "validation.failed"


def test_an_unlinked_upload_is_its_uploaders_organisation_s(api_world):
    sha = (
        api_world.as_("sup_op")
        .post("/attachments", files={"file": ("draft.pdf", PDF + b"% draft\n", "application/pdf")})
        .json()["sha256"]
    )
    assert api_world.as_("sup_op").get(f"/attachments/{sha}").status_code == 200
    assert api_world.as_("core_op").get(f"/attachments/{sha}").status_code == 404
    assert api_world.as_("district").get(f"/attachments/{sha}").status_code == 200  # the overseers read all


def test_a_tier_two_holder_sees_the_issuing_trade_s_documents_through_lineage(fresh_api_world):
    aw = fresh_api_world
    w = aw.world
    sha = _invoice_with_scan(aw, PDF + b"% issuing trade\n", "issuing-invoice.pdf")
    tier2 = aw.as_("tier2_op")
    assert tier2.get(f"/attachments/{sha}").status_code == 404  # s2 holds nothing of that trade yet
    v = w.prepare(1_000_00)
    root = issuance.approve(
        aw.ctx, actor=w.user("core", "approver"), voucher_id=v.id, idempotency_key=key()
    ).root_fragment_id
    assert tier2.get(f"/attachments/{sha}").status_code == 404  # issued, but to s1 only
    kid = w.child(w.transfer(root, "s1", [("s2", 400_00)]), "s2")
    lineage = tier2.get(f"/fragments/{kid}/lineage").json()
    shown = {a["sha256"] for step in lineage["path"] if step.get("trade") for a in step["trade"]["attachments"]}
    assert sha in shown
    r = tier2.get(f"/attachments/{sha}")
    assert r.status_code == 200 and r.content == PDF + b"% issuing trade\n"
    # a document of another trade of the core's, behind no voucher s2 holds part of, stays out of sight
    other = w.contract("core", "s3")
    hidden = _invoice_with_scan(aw, PDF + b"% another trade\n", "other.pdf", contract=other)
    assert tier2.get(f"/attachments/{hidden}").status_code == 404
    assert aw.as_("bank_op").get(f"/attachments/{hidden}").status_code == 404  # no voucher of the bank's on it
    assert aw.as_("core_op").get(f"/attachments/{hidden}").status_code == 200
