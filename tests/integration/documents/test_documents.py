"""Trade documents (engine point 2): contracts, invoices, attachments stored once by content hash."""

from __future__ import annotations

import datetime as dt
import hashlib

from factories import key, uscc
from ledger_asserts import counts, prepare_args, refuses, rows

from lianrong.adapters.db import tables as t
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.financing import queries as financing_queries
from lianrong.financing import service as financing
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import issuance as issuance
from lianrong.vouchers import lineage
from lianrong.vouchers import service as vouchers

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(world, content: bytes, name: str, org: str = "core") -> attachments.Upload:
    return attachments.upload(world.ctx, actor=world.user(org), content=content, filename=name, idempotency_key=key())


def test_a_contract_keeps_its_due_date_and_non_cash_flag(world):
    c = documents.add_contract(
        world.ctx,
        actor=world.user("core"),
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number=" HT-2026-001 ",
        amount_fen=5000_00,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 2, 1),
        non_cash_agreed=False,
        idempotency_key=key(),
    )
    assert (c.number, c.due_on, c.non_cash_agreed) == ("HT-2026-001", dt.date(2027, 2, 1), False)
    stored = rows(world.ctx, t.contract, t.contract.c.id == c.id)[0]
    assert stored.due_on == dt.date(2027, 2, 1) and stored.non_cash_agreed is False
    refuses(
        world.ctx,
        "contract.exists",
        documents.add_contract,
        world.ctx,
        actor=world.user("core"),
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number="HT-2026-001",
        amount_fen=1,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 2, 1),
        non_cash_agreed=True,
        idempotency_key=key(),
    )


def test_a_contract_between_a_party_and_itself_or_due_before_signing_is_refused(world):
    common = dict(actor=world.user("core"), number="HT-X", amount_fen=100_00, non_cash_agreed=True)
    refuses(
        world.ctx,
        "contract.mismatch",
        documents.add_contract,
        world.ctx,
        **common,
        buyer=world.ids["core"],
        seller=world.ids["core"],
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 1, 1),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "date.invalid",
        documents.add_contract,
        world.ctx,
        **common,
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2026, 10, 31),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        documents.add_contract,
        world.ctx,
        **{**common, "actor": world.user("s3")},
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 1, 1),
        idempotency_key=key(),
    )


def test_a_voucher_needs_a_contract_that_agrees_to_non_cash_payment(world):
    world.contract("core", "s1", non_cash=False)
    refuses(
        world.ctx,
        "contract.non_cash_not_agreed",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00),
        idempotency_key=key(),
    )


def test_invoices_take_a_20_digit_e_invoice_number_or_a_legacy_code_and_number(world):
    c = world.contracts[("core", "s1")]
    add = dict(actor=world.user("core"), contract_id=c, amount_fen=100_00, issued_on=dt.date(2026, 11, 20))
    full_width = "２６１１７０００００００１２３４５６７８"  # typed with a Chinese IME
    e = documents.add_invoice(world.ctx, **add, number=full_width, idempotency_key=key())
    assert (e.code, e.number) == ("", "26117000000012345678")
    legacy10 = documents.add_invoice(world.ctx, **add, code="1100261130", number="01234567", idempotency_key=key())
    assert (legacy10.code, legacy10.number) == ("1100261130", "01234567")
    legacy12 = documents.add_invoice(world.ctx, **add, code="011002600111", number="01234567", idempotency_key=key())
    assert legacy12.code == "011002600111"
    for number, code in (
        ("2611700000001234567", None),
        ("261170000000123456789", None),
        ("2611700000001234567X", None),
        ("0123456", "1100261130"),
        ("01234567", "110026113"),
        ("01234567", None),
    ):
        refuses(
            world.ctx,
            "invoice.number_invalid",
            documents.add_invoice,
            world.ctx,
            **add,
            number=number,
            code=code,
            idempotency_key=key(),
        )
    refuses(
        world.ctx,
        "invoice.exists",
        documents.add_invoice,
        world.ctx,
        **add,
        number="26117000000012345678",
        idempotency_key=key(),
    )


def test_an_invoice_seller_and_buyer_must_be_the_contracts(world):
    c = world.contracts[("core", "s1")]
    add = dict(
        actor=world.user("core"),
        contract_id=c,
        number="26117000000099999999",
        amount_fen=100_00,
        issued_on=dt.date(2026, 11, 20),
    )
    refuses(
        world.ctx,
        "invoice.party_mismatch",
        documents.add_invoice,
        world.ctx,
        **add,
        seller=world.ids["s2"],
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "invoice.party_mismatch",
        documents.add_invoice,
        world.ctx,
        **add,
        buyer=world.ids["s1"],
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "contract.not_found",
        documents.add_invoice,
        world.ctx,
        **{**add, "actor": world.user("s2")},
        idempotency_key=key(),
    )  # another's trade: as if it did not exist
    ok = documents.add_invoice(world.ctx, **add, seller=world.ids["s1"], buyer=world.ids["core"], idempotency_key=key())
    stored = rows(world.ctx, t.invoice, t.invoice.c.id == ok.id)[0]
    assert (stored.seller_id, stored.buyer_id, stored.allocated_fen) == (world.ids["s1"], world.ids["core"], 0)


def test_invoices_under_a_contract_never_exceed_its_amount(world):
    c = world.contract("core", "s1", amount_fen=1000_00)
    world.invoice(600_00, contract=c)
    refuses(
        world.ctx,
        "invoice.exceeds_contract",
        documents.add_invoice,
        world.ctx,
        actor=world.user("core"),
        contract_id=c,
        number="26117000000088888888",
        amount_fen=400_01,
        issued_on=dt.date(2026, 11, 20),
        idempotency_key=key(),
    )
    world.invoice(400_00, contract=c)


def test_an_attachment_is_stored_once_by_content_hash_and_then_referenced(world):
    first = upload(world, PDF, "合同.pdf")
    assert first == attachments.Upload(sha256=hashlib.sha256(PDF).hexdigest(), size=len(PDF), reused=False)
    second = upload(world, PDF, "same-contract-renamed.pdf", org="s1")
    assert second.sha256 == first.sha256 and second.reused is False  # s1 had not uploaded it
    assert upload(world, PDF, "again.pdf", org="s1").reused is True
    stored = rows(world.ctx, t.attachment, t.attachment.c.sha256 == first.sha256)
    assert len(stored) == 1 and stored[0].filename == "合同.pdf"  # the bytes once, with the first upload's name
    assert {
        (r.party_id, r.filename) for r in rows(world.ctx, t.file_upload, t.file_upload.c.sha256 == first.sha256)
    } == {(world.ids["core"], "合同.pdf"), (world.ids["s1"], "same-contract-renamed.pdf")}

    # contracts and invoices reference the stored file; every later holder and financing sees it again
    sha = first.sha256
    c = documents.add_contract(
        world.ctx,
        actor=world.user("core"),
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number="HT-ATT",
        amount_fen=10**10,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 12, 31),
        non_cash_agreed=True,
        attachments=[sha, sha],
        idempotency_key=key(),
    )
    documents.confirm_contract(world.ctx, actor=world.user("s1"), contract_id=c.id, idempotency_key=key())
    world.contracts[("core", "s1")] = c.id
    img = upload(world, PNG, "invoice-scan.png")
    inv = documents.add_invoice(
        world.ctx,
        actor=world.user("core"),
        contract_id=c.id,
        number="26117000000077777777",
        amount_fen=1000_00,
        issued_on=dt.date(2026, 11, 20),
        attachments=[img.sha256, sha],
        idempotency_key=key(),
    )
    before = counts(world.ctx)["attachment"]
    v = world.prepare(1000_00, invoice=inv.id)
    root = issuance.approve(
        world.ctx, actor=world.user("core", "approver"), voucher_id=v.id, idempotency_key=key()
    ).root_fragment_id
    s2 = world.child(world.transfer(root, "s1", [("s2", 400_00)]), "s2")
    f = world.finance([s2], "s2", disburse=False)
    docs = financing_queries.financing_detail(world.ctx, actor=SYSTEM, financing_id=f.id).documents
    issue_docs = next(d for d in docs if d.contract.id == c.id)
    assert {(a.owner, a.sha256) for a in issue_docs.attachments} == {
        ("contract", sha),
        ("invoice", img.sha256),
        ("invoice", sha),
    }
    path = lineage.lineage(world.ctx, viewer=SYSTEM, fragment_id=s2).path
    assert path[0].trade.attachments == issue_docs.attachments
    assert counts(world.ctx)["attachment"] == before  # reused, never uploaded again


def test_a_renamed_non_pdf_or_an_empty_file_is_refused(world):
    for content in (b"MZ\x90\x00 this is an .exe", b"<html>", b""):
        refuses(
            world.ctx,
            "attachment.rejected",
            attachments.upload,
            world.ctx,
            actor=world.user("core"),
            content=content,
            filename="发票.pdf",
            idempotency_key=key(),
        )


def test_an_oversized_file_is_refused(make_world):
    world = make_world(max_upload_bytes=64)
    refuses(
        world.ctx,
        "attachment.rejected",
        attachments.upload,
        world.ctx,
        actor=world.user("core"),
        content=PDF + b"x" * 64,
        filename="big.pdf",
        idempotency_key=key(),
    )


def test_referencing_an_attachment_never_uploaded_is_refused(world):
    refuses(
        world.ctx,
        "attachment.not_found",
        documents.add_contract,
        world.ctx,
        actor=world.user("core"),
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number="HT-NOFILE",
        amount_fen=100_00,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 1, 1),
        non_cash_agreed=True,
        attachments=["0" * 64],
        idempotency_key=key(),
    )


def test_a_viewer_account_uploads_no_file_and_records_no_contract_or_invoice(world):
    """Viewers read only, whichever entrypoint calls the service (the console and the CLI too)."""
    for org in ("core", "s1"):
        parties.add_user(
            world.ctx,
            party=world.ids[org],
            username=f"{org}-viewer-{world.base}",
            display_name="viewer",
            role="viewer",
            idempotency_key=key(),
        )
    for org, seller in (("core", "s1"), ("s1", "s2")):
        viewer = parties.actor_for(world.ctx, f"{org}-viewer-{world.base}")
        refuses(
            world.ctx,
            "auth.forbidden",
            attachments.upload,
            world.ctx,
            actor=viewer,
            content=PDF + org.encode(),
            filename="scan.pdf",
            idempotency_key=key(),
        )
        refuses(
            world.ctx,
            "auth.forbidden",
            documents.add_contract,
            world.ctx,
            actor=viewer,
            buyer=world.ids[org],
            seller=world.ids[seller],
            number=f"HT-VIEW-{org}",
            amount_fen=100_00,
            signed_on=dt.date(2026, 11, 1),
            due_on=dt.date(2027, 1, 1),
            non_cash_agreed=True,
            idempotency_key=key(),
        )
        refuses(
            world.ctx,
            "auth.forbidden",
            documents.add_invoice,
            world.ctx,
            actor=viewer,
            contract_id=world.contracts[(org, seller)],
            number=f"2611700000000000{len(org):04d}",
            amount_fen=100_00,
            issued_on=dt.date(2026, 11, 20),
            idempotency_key=key(),
        )
    # the organisation's operators still record them
    assert upload(world, PDF + b"operator", "scan.pdf").reused is False
    assert documents.add_invoice(
        world.ctx,
        actor=world.user("core", "approver"),
        contract_id=world.contracts[("core", "s1")],
        number="26117000000000000099",
        amount_fen=100_00,
        issued_on=dt.date(2026, 11, 20),
        idempotency_key=key(),
    ).id


def test_a_minimal_ofd_is_stored_and_a_jar_carrying_ofd_xml_is_refused(world):
    import io
    import zipfile

    def zipped(entries: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries.items():
                z.writestr(name, data)
        return out.getvalue()

    ofd_xml = b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"/>'
    jar = zipped({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "META-INF/OFD.xml": ofd_xml})
    refuses(
        world.ctx,
        "attachment.ofd_invalid",
        attachments.upload,
        world.ctx,
        actor=world.user("core"),
        content=jar,
        filename="发票.ofd",
        idempotency_key=key(),
    )
    ok = upload(world, zipped({"OFD.xml": ofd_xml}), "发票.ofd")
    assert rows(world.ctx, t.attachment, t.attachment.c.sha256 == ok.sha256)[0].media_type == "application/ofd"


def test_one_scan_cannot_back_two_invoice_numbers(world):
    scan = upload(world, PDF + b"% invoice scan\n", "发票扫描件.pdf").sha256
    add = dict(
        actor=world.user("core"),
        contract_id=world.contracts[("core", "s1")],
        amount_fen=100_00,
        issued_on=dt.date(2026, 11, 20),
    )
    documents.add_invoice(world.ctx, **add, number="26117000000011111111", attachments=[scan], idempotency_key=key())
    refuses(
        world.ctx,
        "invoice.document_reused",
        documents.add_invoice,
        world.ctx,
        **add,
        number="26117000000022222222",
        attachments=[scan],
        idempotency_key=key(),
    )
    # the contract's own scan may still document an invoice under it (a contract and an invoice, not two invoices)
    contract_scan = rows(world.ctx, t.document_link, t.document_link.c.owner_id == world.contracts[("core", "s1")])[0]
    documents.add_invoice(
        world.ctx, **add, number="26117000000033333333", attachments=[contract_scan.sha256], idempotency_key=key()
    )


def test_documents_cannot_be_ticked_verified_on_a_financing_with_no_document(world):
    # recorded by the system (confirmed for both parties), with no file
    bare = documents.add_contract(
        world.ctx,
        actor=SYSTEM,
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number="HT-BARE",
        amount_fen=10**10,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 12, 31),
        non_cash_agreed=True,
        idempotency_key=key(),
    )
    world.contracts[("core", "s1")] = bare.id
    root = world.issue(1000_00)
    f = world.finance([root], "s1", disburse=False)
    bank = world.user("bank", "approver")
    refuses(
        world.ctx,
        "financing.no_documents",
        financing.review,
        world.ctx,
        actor=bank,
        financing_id=f.id,
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        idempotency_key=key(),
    )
    # once the trade carries a scan, the bank may tick it
    scan = upload(world, PDF + b"% the bare contract, scanned later\n", "合同.pdf").sha256
    documents.add_invoice(
        world.ctx,
        actor=world.user("core"),
        contract_id=bare.id,
        number="26117000000044444444",
        amount_fen=1_00,
        issued_on=dt.date(2026, 11, 20),
        attachments=[scan],
        idempotency_key=key(),
    )
    assert (
        financing.review(
            world.ctx,
            actor=bank,
            financing_id=f.id,
            approve=True,
            checklist={"contract": True, "invoices": True, "documents": True},
            idempotency_key=key(),
        ).status
        == "approved"
    )


def test_an_unconfirmed_contract_backs_no_voucher_and_no_transfer_until_its_other_party_confirms_it(world):
    c = documents.add_contract(
        world.ctx,
        actor=world.user("core"),
        buyer=world.ids["core"],
        seller=world.ids["s1"],
        number="HT-UNCONFIRMED",
        amount_fen=10**10,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 12, 31),
        non_cash_agreed=True,
        idempotency_key=key(),
    )
    world.contracts[("core", "s1")] = c.id
    refuses(
        world.ctx,
        "contract.unconfirmed",
        issuance.prepare,
        world.ctx,
        **prepare_args(world, 1000_00),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        documents.confirm_contract,
        world.ctx,
        actor=world.user("core", "approver"),
        contract_id=c.id,
        idempotency_key=key(),
    )  # the recording party does not confirm its own
    refuses(
        world.ctx,
        "contract.not_found",
        documents.confirm_contract,
        world.ctx,
        actor=world.user("s3"),
        contract_id=c.id,
        idempotency_key=key(),
    )
    documents.confirm_contract(world.ctx, actor=world.user("s1"), contract_id=c.id, idempotency_key=key())
    root = world.issue(1000_00)
    # s1 records that it buys from s5, a new enterprise; s5 has not confirmed it: no transfer to s5 on it
    s5 = parties.register_party(
        world.ctx, kind="enterprise", uscc=uscc(world.base + 77), name="未确认企业", idempotency_key=key()
    ).id
    parties.onboard(
        world.ctx,
        actor=world.user("bank", "approver"),
        bank=world.ids["bank"],
        party=s5,
        settlement_account="6222000077",
        ebanking=True,
        certificate="UK-S5",
        idempotency_key=key(),
    )
    parties.add_user(
        world.ctx,
        party=s5,
        username=f"s5-operator-{world.base}",
        display_name="s5",
        role="operator",
        idempotency_key=key(),
    )
    trade = documents.add_contract(
        world.ctx,
        actor=world.user("s1"),
        buyer=world.ids["s1"],
        seller=s5,
        number="HT-S1-S5",
        amount_fen=10**10,
        signed_on=dt.date(2026, 11, 1),
        due_on=dt.date(2027, 12, 31),
        non_cash_agreed=True,
        idempotency_key=key(),
    )
    move = dict(actor=world.user("s1"), fragment_id=root, parts=[{"recipient": s5, "amount_fen": 100_00}])
    refuses(world.ctx, "contract.unconfirmed", vouchers.transfer, world.ctx, **move, idempotency_key=key())
    documents.confirm_contract(
        world.ctx,
        actor=parties.actor_for(world.ctx, f"s5-operator-{world.base}"),
        contract_id=trade.id,
        idempotency_key=key(),
    )
    assert vouchers.transfer(world.ctx, **move, idempotency_key=key()).children
