"""Attachments are accepted by what they are, not what they are called, stored once, and bounded in size."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from api.harness import Api
from fastapi.testclient import TestClient

from lianrong.documents.attachments import OFD_NAMESPACE
from lianrong.entrypoints.api.app import create_app

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _upload(api: Api, content: bytes, name: str = "invoice.pdf", **kw):
    return api.post("/attachments", files={"file": (name, content, "application/pdf")}, **kw)


@pytest.mark.parametrize(
    "content",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,  # a Linux executable
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # a Windows executable
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 a zip that is no OFD",
    ],
    ids=["elf", "mz", "html", "zip"],
)
def test_a_renamed_executable_is_refused(api_world, content):
    r = _upload(api_world.as_("core_op"), content, "contract-scan.pdf")
    assert r.status_code == 422 and r.json()["code"] in ("attachment.rejected", "attachment.ofd_invalid"), r.text


def test_an_empty_file_is_refused(api_world):
    r = _upload(api_world.as_("core_op"), b"")
    assert r.status_code == 422 and r.json()["code"] == "attachment.rejected"


def test_the_same_file_uploaded_twice_is_stored_once_and_reused(api_world):
    api = api_world.as_("core_op")
    first = _upload(api, PDF + b"% once\n")
    second = _upload(api_world.as_("sup_op"), PDF + b"% once\n", "another-name.pdf")
    assert first.status_code == second.status_code == 201
    assert first.json()["sha256"] == second.json()["sha256"]
    # reused tells the uploader about its own organisation's uploads only, never about another's
    assert (first.json()["reused"], second.json()["reused"]) == (False, False)
    assert _upload(api, PDF + b"% once\n").json()["reused"] is True  # the core's own, uploaded before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
        ("invoice.ofd", None),
    ],
)
def test_images_and_ofd_are_accepted(api_world, name, content):
    if content is None:  # a minimal OFD document: OFD.xml at the root, in the OFD namespace
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{OFD_NAMESPACE}" Version="1.0" DocType="OFD"/>')
            z.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{OFD_NAMESPACE}"/>')
        assert _upload(api_world.as_("sup_op"), out.getvalue(), name).status_code == 201
        return
    assert _upload(api_world.as_("sup_op"), content + name.encode(), name).status_code == 201


def test_a_contract_references_uploaded_files(api_world):
    api = api_world.as_("core_op")
    sha = _upload(api, PDF + b"% contract\n").json()["sha256"]
    ids = api_world.ids
    c = api.post(
        "/contracts",
        {
            "buyer": ids["core"],
            "seller": ids["s1"],
            "number": "HT-UPLOAD-1",
            "amount_fen": 10**8,
            "signed_on": "2026-11-01",
            "due_on": "2027-05-31",
            "non_cash_agreed": True,
            "attachments": [sha],
        },
    )
    assert c.status_code == 201, c.text
    docs = api.get(f"/contracts/{c.json()['id']}").json()
    assert [a["sha256"] for a in docs["attachments"]] == [sha]
    missing = api.post(
        "/contracts",
        {
            "buyer": ids["core"],
            "seller": ids["s1"],
            "number": "HT-UPLOAD-2",
            "amount_fen": 10**8,
            "signed_on": "2026-11-01",
            "due_on": "2027-05-31",
            "non_cash_agreed": True,
            "attachments": ["0" * 64],
        },
    )
    assert missing.status_code == 404 and missing.json()["code"] == "attachment.not_found"


def test_an_upload_over_the_limit_is_413(api_world):
    ctx = dataclasses.replace(
        api_world.ctx, settings=api_world.ctx.settings.model_copy(update={"max_upload_bytes": 2048})
    )
    api = Api(TestClient(create_app(ctx, console=False)), api_world.tokens["core_op"])
    assert _upload(api, PDF + b"%" + b"x" * 1000).status_code == 201
    r = _upload(api, PDF + b"%" + b"x" * 4000)  # over the file limit, inside the body allowance
    assert r.status_code == 413 and r.json()["code"] == "upload.too_large"
    r = _upload(api, PDF + b"%" + b"x" * 200_000)  # over the body limit: refused before it is read
    assert r.status_code == 413 and r.json()["code"] == "upload.too_large"

    def chunks():  # no Content-Length: counted as it streams
        yield b"{" + b" " * 100_000
        yield b" " * 100_000 + b"}"

    r = api.request("POST", "/vouchers", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "upload.too_large"


def test_the_default_limit_is_twenty_megabytes(api_world):
    assert api_world.ctx.settings.max_upload_bytes == 20 * 1024 * 1024
