"""Document names on the console link to the API's download, which the console's session signs in.

The module's demo database is its own copy: these tests write (they upload scans through the services).
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.entrypoints.api.app import create_app
from lianrong.parties import service as parties

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
LINK = re.compile(r'<a class="doc-link" href="(/api/v1/attachments/([0-9a-f]{64}))" data-testid="document-link"')


def _contract(ctx, number: str) -> str:
    with ctx.engine.connect() as conn:
        return conn.execute(select(t.contract.c.id).where(t.contract.c.number == number)).scalar_one()


@pytest.fixture(scope="module")
def scans(console) -> SimpleNamespace:
    """A scanned contract of 峪口禽业 with 冷链物流, and a scanned invoice of the V3 trade 蛋品包装 → 华彩纸箱."""
    ctx = console.ctx
    core, pack = parties.actor_for(ctx, "yukou_op"), parties.actor_for(ctx, "pack_op")
    contract_scan = attachments.upload(
        ctx, actor=core, content=PDF + b"% contract\n", filename="冷链合同扫描件.pdf", idempotency_key="web-doc-1"
    ).sha256
    documents.add_contract(
        ctx,
        actor=core,
        buyer=_party(ctx, "峪口禽业"),
        seller=_party(ctx, "冷链物流"),
        number="YK-WL-2026-SCAN",
        amount_fen=10_000_00,
        signed_on=dt.date(2026, 11, 20),
        due_on=dt.date(2027, 2, 28),
        non_cash_agreed=True,
        attachments=[contract_scan],
        idempotency_key="web-doc-2",
    )
    invoice_scan = attachments.upload(
        ctx, actor=pack, content=PDF + b"% invoice\n", filename="包装发票.pdf", idempotency_key="web-doc-3"
    ).sha256
    documents.add_invoice(
        ctx,
        actor=pack,
        contract_id=_contract(ctx, "BZ-CG-2026-1105"),
        number="26112000000001105009",
        amount_fen=1_000_00,
        issued_on=dt.date(2026, 11, 8),
        attachments=[invoice_scan],
        idempotency_key="web-doc-4",
    )
    carton, pulp = _party(ctx, "华彩纸箱"), _party(ctx, "兴隆纸浆")
    with ctx.engine.connect() as conn:
        financing_id = conn.execute(
            select(t.financing.c.id).where(t.financing.c.applicant_id == carton, t.financing.c.status == "applied")
        ).scalar_one()
        pulp_part = conn.execute(select(t.fragment.c.id).where(t.fragment.c.holder_id == pulp)).scalar_one()
    return SimpleNamespace(contract=contract_scan, invoice=invoice_scan, financing=financing_id, pulp_part=pulp_part)


@pytest.fixture(scope="module")
def as_user(console, login):
    """A client of the whole application (API and console) signed in with a console session."""
    app = create_app(console.ctx)

    def client(username: str) -> TestClient:
        c = TestClient(app)
        c.cookies.set("lr_session", login(username).cookies["lr_session"])
        return c

    return client


def _links(html: str) -> dict[str, str]:
    return {sha: href for href, sha in LINK.findall(html)}


def _download(client: TestClient, href: str, content: bytes) -> None:
    r = client.get(href)
    assert r.status_code == 200, r.text
    assert r.content == content and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment; ")


def _not_found(client: TestClient, href: str) -> None:
    r = client.get(href)
    assert r.status_code == 404 and r.json()["code"] == "attachment.not_found"


def test_the_contracts_page_links_a_contract_s_scan_to_its_download(scans, as_user):
    core = as_user("yukou_op")
    page = core.get("/core/contracts").text
    links = _links(page)
    assert scans.contract in links and "冷链合同扫描件.pdf</a>" in page
    _download(core, links[scans.contract], PDF + b"% contract\n")
    _download(as_user("cold_op"), links[scans.contract], PDF + b"% contract\n")  # the seller
    _not_found(as_user("feed_op"), links[scans.contract])  # no party to that trade


def test_the_bank_s_financing_review_links_the_documents_behind_it(scans, as_user):
    bank = as_user("icbc_op")
    page = bank.get(f"/bank/financings/{scans.financing}").text
    assert 'data-testid="document"' in page
    links = _links(page)
    assert scans.invoice in links and scans.contract not in links
    _download(bank, links[scans.invoice], PDF + b"% invoice\n")
    _not_found(as_user("vaccine_op"), links[scans.invoice])


def test_the_lineage_page_links_the_documents_of_each_trade_on_the_way(scans, as_user):
    pulp = as_user("pulp_op")  # tier 3: the scanned invoice is of the trade one step up
    page = pulp.get(f"/supplier/fragments/{scans.pulp_part}").text
    assert 'data-testid="lineage"' in page
    links = _links(page)
    assert scans.invoice in links
    _download(pulp, links[scans.invoice], PDF + b"% invoice\n")
    _not_found(as_user("feed_op"), links[scans.invoice])
    assert as_user("feed_op").get("/supplier/fragments/" + scans.pulp_part).status_code == 404
