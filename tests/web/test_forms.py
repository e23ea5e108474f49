"""Console forms: CSRF, idempotency, refusals shown inline with the input kept, and whole flows.

The module's demo database is its own copy: these tests write.
"""

from __future__ import annotations

import re

import pytest
from ledger_asserts import count as _count
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.documents import service as documents
from lianrong.entrypoints.demo import DEMO_PASSWORD
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM

HX = {"HX-Request": "true"}


def _contract_form(ctx, page_html: str, csrf_of, key_of, **over) -> dict[str, str]:
    data = {
        "csrf_token": csrf_of(page_html),
        "idempotency_key": key_of(page_html),
        "seller_id": _party(ctx, "冷链物流"),
        "number": "YK-WL-2026-1126",
        "amount": "250,000.00",
        "signed_on": "2026-11-20",
        "due_on": "2027-02-28",
        "non_cash_agreed": "1",
    }
    data.update(over)
    return data


def test_a_post_without_csrf_is_forbidden_and_writes_nothing(console, login, csrf_of, key_of):
    client = login("yukou_op")
    page = client.get("/core/contracts").text
    before = _count(console.ctx, t.contract)
    data = _contract_form(console.ctx, page, csrf_of, key_of, number="NO-CSRF-1")
    data.pop("csrf_token")
    r = client.post("/core/contracts", data=data)
    assert r.status_code == 403 and "auth.csrf" in r.text
    data["csrf_token"] = "forged"
    assert client.post("/core/contracts", data=data).status_code == 403
    assert _count(console.ctx, t.contract) == before


def test_a_bad_amount_is_shown_on_its_field_and_the_input_is_kept(console, login, csrf_of, key_of):
    client = login("yukou_op")
    page = client.get("/core/contracts").text
    before = _count(console.ctx, t.contract)
    r = client.post(
        "/core/contracts",
        data=_contract_form(console.ctx, page, csrf_of, key_of, number="BAD-AMOUNT-1", amount="12.345"),
    )
    assert r.status_code == 422
    assert 'data-testid="error-amount" data-code="amount.fractional_fen"' in r.text
    assert "金额精确到分" in r.text
    assert 'value="BAD-AMOUNT-1"' in r.text and 'value="12.345"' in r.text and 'value="2027-02-28"' in r.text
    assert _count(console.ctx, t.contract) == before


def test_a_core_viewer_sees_the_contracts_page_but_records_no_contract_or_invoice(console, login, csrf_of, key_of):
    ctx = console.ctx
    parties.add_user(
        ctx,
        party=_party(ctx, "峪口禽业"),
        username="yukou_viewer",
        display_name="峪口查询",
        role="viewer",
        password=DEMO_PASSWORD,
        idempotency_key="web-test-yukou-viewer",
    )
    client = login("yukou_viewer")
    page = client.get("/core/contracts").text
    assert 'data-testid="table-contracts"' in page
    contracts, invoices = _count(ctx, t.contract), _count(ctx, t.invoice)
    r = client.post("/core/contracts", data=_contract_form(ctx, page, csrf_of, key_of, number="VIEWER-1"))
    assert r.status_code == 422 and 'data-testid="form-error" data-code="auth.forbidden"' in r.text
    contract = re.search(r'data-testid="row-contract" data-id="([^"]+)"', page).group(1)
    r = client.post(
        "/core/invoices",
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": key_of(page),
            "contract_id": contract,
            "number": "26117000000000000777",
            "amount": "1,000",
            "issued_on": "2026-11-20",
        },
    )
    assert r.status_code == 422 and 'data-code="auth.forbidden"' in r.text
    assert (_count(ctx, t.contract), _count(ctx, t.invoice)) == (contracts, invoices)


def test_htmx_gets_only_the_refused_form_back(console, login, csrf_of, key_of):
    client = login("yukou_op")
    page = client.get("/core/contracts").text
    r = client.post(
        "/core/contracts", headers=HX, data=_contract_form(console.ctx, page, csrf_of, key_of, amount="abc", number="")
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith("<form") and 'data-testid="form-contract"' in r.text
    assert 'data-testid="error-amount"' in r.text and 'data-testid="error-number"' in r.text


def test_a_domain_refusal_is_shown_with_its_code(console, login, csrf_of, key_of):
    client = login("yukou_op")
    page = client.get("/core/contracts").text
    before = _count(console.ctx, t.contract)
    r = client.post(
        "/core/contracts",
        data=_contract_form(
            console.ctx, page, csrf_of, key_of, number="DATES-1", signed_on="2027-03-01", due_on="2027-02-01"
        ),
    )
    assert r.status_code == 422 and 'data-testid="form-error" data-code="date.invalid"' in r.text
    assert _count(console.ctx, t.contract) == before


def test_refusals_are_in_english_in_english_mode(console, login, csrf_of, key_of):
    client = login("yukou_op", lang="en")
    page = client.get("/core/contracts").text
    r = client.post("/core/contracts", data=_contract_form(console.ctx, page, csrf_of, key_of, amount="-5"))
    assert "Amount must be positive" in r.text and "金额必须大于零" not in r.text


def test_a_double_submit_records_once(console, login, csrf_of, key_of):
    client = login("yukou_op")
    page = client.get("/core/contracts").text
    data = _contract_form(console.ctx, page, csrf_of, key_of, number="TWICE-1")
    first = client.post("/core/contracts", data=data, follow_redirects=False)
    second = client.post("/core/contracts", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert _count(console.ctx, t.contract, t.contract.c.number == "TWICE-1") == 1
    assert "合同 TWICE-1 已录入" in client.get(first.headers["location"]).text  # the one-time message


def test_issue_and_approve_through_the_forms(console, login, csrf_of, key_of):
    ctx = console.ctx
    op, ap = login("yukou_op"), login("yukou_ap")
    page = op.get("/core/contracts").text
    r = op.post(
        "/core/contracts",
        data=_contract_form(ctx, page, csrf_of, key_of, number="YK-WL-FLOW-1"),
        follow_redirects=False,
    )
    assert r.status_code == 303
    with ctx.engine.connect() as conn:
        contract = conn.execute(select(t.contract.c.id).where(t.contract.c.number == "YK-WL-FLOW-1")).scalar_one()
    # the seller confirms it (冷链物流 has no console user in the demo: the system confirms for it)
    documents.confirm_contract(ctx, actor=SYSTEM, contract_id=contract, idempotency_key="web-test-flow-confirm")
    page = op.get("/core/contracts").text
    assert 'data-number="YK-WL-FLOW-1"' in page
    r = op.post(
        "/core/invoices",
        headers=HX,
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": "web-test-invoice-flow-1",
            "contract_id": contract,
            "number": "26112000000001126009",
            "amount": "250000",
            "issued_on": "2026-11-22",
        },
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/core/contracts"
    with ctx.engine.connect() as conn:
        invoice = conn.execute(select(t.invoice.c.id).where(t.invoice.c.number == "26112000000001126009")).scalar_one()

    issue = op.get("/core/vouchers/new").text
    assert f'value="{invoice}"' in issue
    form = {
        "csrf_token": csrf_of(issue),
        "idempotency_key": key_of(issue),
        "bank_id": _party(ctx, "工行平谷支行"),
        "invoice_1": invoice,
        "amount": "300,000.00",
        "maturity_on": "2027-02-26",
    }
    too_much = op.post("/core/vouchers", data=form)
    assert too_much.status_code == 422 and 'data-testid="form-error"' in too_much.text
    assert 'value="300,000.00"' in too_much.text
    form["amount"] = "250,000.00"
    r = op.post("/core/vouchers", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/core/vouchers/pending"
    with ctx.engine.connect() as conn:
        voucher = conn.execute(
            select(t.voucher.c.id).join(t.voucher_invoice).where(t.voucher_invoice.c.invoice_id == invoice)
        ).scalar_one()

    pending = op.get("/core/vouchers/pending").text
    assert f'data-id="{voucher}"' in pending
    # maker-checker: the operator may not approve; the refusal is shown in the voucher's card
    refused = op.post(
        f"/core/vouchers/{voucher}/approve",
        headers=HX,
        data={"csrf_token": csrf_of(pending), "idempotency_key": "web-test-approve-by-op"},
    )
    assert refused.status_code == 200 and 'data-code="auth.forbidden"' in refused.text
    assert refused.text.lstrip().startswith("<article")

    pending = ap.get("/core/vouchers/pending").text
    r = ap.post(
        f"/core/vouchers/{voucher}/approve",
        data={"csrf_token": csrf_of(pending), "idempotency_key": "web-test-approve-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/core/vouchers/{voucher}"
    detail = ap.get(r.headers["location"]).text
    assert 'data-status="active"' in detail and 'data-testid="tree-node"' in detail and "冷链物流" in detail
    assert _count(ctx, t.voucher, t.voucher.c.id == voucher, t.voucher.c.status == "active") == 1
    # a replay of the same approval changes nothing and still lands on the voucher
    again = ap.post(
        f"/core/vouchers/{voucher}/approve",
        data={"csrf_token": csrf_of(pending), "idempotency_key": "web-test-approve-1"},
        follow_redirects=False,
    )
    assert again.status_code == 303 and _count(ctx, t.fragment, t.fragment.c.voucher_id == voucher) == 1


def test_reject_needs_a_reason(console, login, csrf_of):
    ap = login("yukou_ap")
    pending = ap.get("/core/vouchers/pending").text
    vid = re.search(r'data-testid="pending-voucher" data-id="([^"]+)"', pending).group(1)
    r = ap.post(
        f"/core/vouchers/{vid}/reject",
        data={"csrf_token": csrf_of(pending), "idempotency_key": "web-test-reject-1", "reason": ""},
    )
    assert r.status_code == 422 and 'data-testid="error-reason"' in r.text
    assert _count(console.ctx, t.voucher, t.voucher.c.id == vid, t.voucher.c.status == "pending") == 1


def test_supplier_transfer_finance_and_bank_disbursement(console, login, csrf_of, key_of):
    ctx = console.ctx
    vaccine = login("vaccine_op")
    holdings = vaccine.get("/supplier").text
    frag = re.search(r'data-testid="row-holding" data-id="([^"]+)" data-status="active"', holdings).group(1)
    page = vaccine.get(f"/supplier/fragments/{frag}/transfer").text
    reagent = _party(ctx, "博瑞试剂")
    assert f'value="{reagent}"' in page and _party(ctx, "冷链物流") not in page  # only sellers with a contract
    check = vaccine.post(
        f"/supplier/fragments/{frag}/transfer/check",
        headers=HX,
        data={"csrf_token": csrf_of(page), "recipient_1": reagent, "amount_1": "20,000"},
    )
    assert 'data-remainder-fen="28000000"' in check.text  # 300,000 held − 20,000
    over = vaccine.post(
        f"/supplier/fragments/{frag}/transfer/check",
        headers=HX,
        data={"csrf_token": csrf_of(page), "recipient_1": reagent, "amount_1": "400000"},
    )
    assert 'data-testid="remainder-over"' in over.text
    r = vaccine.post(
        f"/supplier/fragments/{frag}/transfer",
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": key_of(page),
            "recipient_1": reagent,
            "amount_1": "20,000",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    kept = r.headers["location"].rsplit("/", 1)[1]
    assert _count(ctx, t.fragment, t.fragment.c.parent_id == frag) == 2

    finance = vaccine.get(f"/supplier/fragments/{kept}/finance").text
    assert 'data-testid="quote-net"' in finance
    preview = vaccine.post(
        f"/supplier/fragments/{kept}/finance/preview",
        headers=HX,
        data={"csrf_token": csrf_of(finance), "principal": "100,000"},
    )
    assert 'data-testid="quote-principal">¥100,000.00' in preview.text
    bad = vaccine.post(
        f"/supplier/fragments/{kept}/finance/preview",
        headers=HX,
        data={"csrf_token": csrf_of(finance), "principal": "999,999"},
    )
    assert 'data-testid="quote-error" data-code="financing.ratio_exceeded"' in bad.text
    form = {"csrf_token": csrf_of(finance), "idempotency_key": key_of(finance), "principal": "100,000"}
    unaccepted = vaccine.post(f"/supplier/fragments/{kept}/finance", data=form)
    assert unaccepted.status_code == 422 and 'data-testid="error-accept"' in unaccepted.text
    r = vaccine.post(f"/supplier/fragments/{kept}/finance", data={**form, "accept": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/supplier/financings"
    with ctx.engine.connect() as conn:
        fin = conn.execute(
            select(t.financing.c.id)
            .join(t.financing_asset)
            .where(t.financing_asset.c.kind == "voucher", t.financing_asset.c.asset_id == kept)
        ).scalar_one()

    bank = login("icbc_ap")
    review = bank.get(f"/bank/financings/{fin}").text
    incomplete = bank.post(
        f"/bank/financings/{fin}/review",
        data={
            "csrf_token": csrf_of(review),
            "idempotency_key": key_of(review),
            "decision": "approve",
            "check_contract": "1",
        },
    )
    assert 'data-code="financing.checklist_incomplete"' in incomplete.text
    r = bank.post(
        f"/bank/financings/{fin}/review",
        data={
            "csrf_token": csrf_of(review),
            "idempotency_key": key_of(review),
            "decision": "approve",
            "check_contract": "1",
            "check_invoices": "1",
            "check_documents": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    approved = bank.get(f"/bank/financings/{fin}").text
    assert 'data-testid="form-register"' in approved
    no_reg = bank.post(
        f"/bank/financings/{fin}/disburse",
        data={"csrf_token": csrf_of(approved), "idempotency_key": "web-test-disburse-0"},
    )
    assert 'data-code="financing.registration_required"' in no_reg.text
    r = bank.post(
        f"/bank/financings/{fin}/register",
        data={
            "csrf_token": csrf_of(approved),
            "idempotency_key": "web-test-register-1",
            "registration_no": "ZDW2026112600000001",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = bank.post(
        f"/bank/financings/{fin}/disburse",
        data={"csrf_token": csrf_of(approved), "idempotency_key": "web-test-disburse-1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _count(ctx, t.financing, t.financing.c.id == fin, t.financing.c.status == "disbursed") == 1
    assert "已放款" in bank.get(f"/bank/financings/{fin}").text


def test_bank_onboarding_form(console, login, csrf_of, key_of):
    bank = login("icbc_op")
    page = bank.get("/bank/onboarding").text
    bad = bank.post(
        "/bank/onboarding",
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": key_of(page),
            "party_id": _party(console.ctx, "兴隆纸浆"),
            "settlement_account": "12ab",
        },
    )
    assert bad.status_code == 422 and 'data-code="validation.failed"' in bad.text and 'value="12ab"' in bad.text


def test_settlement_run_refuses_a_future_date_and_runs_today(console, login, csrf_of, key_of):
    bank = login("icbc_ap")
    page = bank.get("/bank/settlements").text
    r = bank.post(
        "/bank/settlements/run", data={"csrf_token": csrf_of(page), "idempotency_key": key_of(page), "on": "2030-01-01"}
    )
    assert r.status_code == 422 and 'data-code="settlement.future_date"' in r.text
    r = bank.post(
        "/bank/settlements/run",
        data={"csrf_token": csrf_of(page), "idempotency_key": key_of(page), "on": "2026-11-26"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "on=2026-11-26" in r.headers["location"]
    csv = bank.get("/bank/settlements/export.csv")
    assert csv.status_code == 200 and "instruction_id" in csv.text
    xlsx = bank.get("/bank/settlements/export.xlsx?status=confirmed")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    "path", ["/bank/financings.xlsx", "/bank/settlements/report.xlsx", "/bank/ledger-template.xlsx"]
)
def test_bank_excel_downloads(login, path):
    r = login("icbc_op").get(path)
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_supplier_downloads(console, login):
    client = login("feed_op")
    assert client.get("/supplier/holdings.xlsx?all=1").content[:2] == b"PK"


def test_certificate_pdf_of_a_held_part(console, login):
    client = login("agri_op")
    holdings = client.get("/supplier?all=1").text
    frag = re.search(r'data-testid="row-holding" data-id="([^"]+)"', holdings).group(1)
    r = client.get(f"/supplier/fragments/{frag}/certificate.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
    assert login("feed_op").get(f"/supplier/fragments/{frag}/certificate.pdf").status_code == 404


def test_a_contract_recorded_in_the_console_is_unconfirmed_until_the_supplier_confirms_it_there(
    console, login, csrf_of, key_of
):
    ctx = console.ctx
    op = login("yukou_op")
    page = op.get("/core/contracts").text
    r = op.post(
        "/core/contracts",
        data=_contract_form(ctx, page, csrf_of, key_of, number="YK-BZ-CONFIRM-1", seller_id=_party(ctx, "蛋品包装")),
        follow_redirects=False,
    )
    assert r.status_code == 303

    def row(client, path: str, number: str) -> str:
        html = client.get(path).text
        return re.search(rf'<tr data-testid="row-contract"[^>]*data-number="{number}".*?</tr>', html, re.S).group(0)

    mine = row(op, "/core/contracts", "YK-BZ-CONFIRM-1")
    assert 'data-testid="contract-unconfirmed"' in mine and "尚未经对方确认" in mine
    assert 'data-testid="submit-confirm-contract"' not in mine  # the recording party does not confirm its own
    assert 'data-testid="contract-confirmed"' in row(op, "/core/contracts", "YK-CG-2026-1102")  # the demo's
    pack = login("pack_op")
    theirs = row(pack, "/supplier/contracts", "YK-BZ-CONFIRM-1")
    assert 'data-testid="submit-confirm-contract"' in theirs
    cid = re.search(r'data-id="([^"]+)"', theirs).group(1)
    page = pack.get("/supplier/contracts").text
    r = pack.post(
        f"/supplier/contracts/{cid}/confirm",
        data={"csrf_token": csrf_of(page), "idempotency_key": f"contract-confirm-{cid}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/supplier/contracts"
    assert 'data-testid="contract-confirmed"' in row(pack, "/supplier/contracts", "YK-BZ-CONFIRM-1")
    assert 'data-testid="contract-confirmed"' in row(op, "/core/contracts", "YK-BZ-CONFIRM-1")
    # another supplier neither sees nor confirms it
    carton = login("carton_op")
    assert "YK-BZ-CONFIRM-1" not in carton.get("/supplier/contracts").text
    page = carton.get("/supplier/contracts").text
    refused = carton.post(
        f"/supplier/contracts/{cid}/confirm",
        data={"csrf_token": csrf_of(page), "idempotency_key": "web-test-confirm-other"},
    )
    assert refused.status_code == 404


def test_an_invoice_recorded_in_the_console_carries_its_scan(console, login, csrf_of, key_of):
    ctx = console.ctx
    op = login("yukou_op")
    page = op.get("/core/contracts").text
    assert 'data-testid="input-scan"' in page and 'enctype="multipart/form-data"' in page
    import datetime as dt

    contract = documents.add_contract(
        ctx,
        actor=parties.actor_for(ctx, "yukou_op"),
        buyer=_party(ctx, "峪口禽业"),
        seller=_party(ctx, "冷链物流"),
        number="YK-WL-SCAN-1",
        amount_fen=10**8,
        signed_on=dt.date(2026, 11, 20),
        due_on=dt.date(2027, 2, 28),
        non_cash_agreed=True,
        idempotency_key="web-test-scan-contract",
    ).id
    scan = b"%PDF-1.7\n% console invoice scan\n%%EOF\n"
    r = op.post(
        "/core/invoices",
        headers=HX,
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": "web-test-invoice-scan-1",
            "contract_id": contract,
            "number": "26112000000001126077",
            "amount": "1,000",
            "issued_on": "2026-11-22",
        },
        files={"scan": ("发票扫描件.pdf", scan, "application/pdf")},
    )
    assert r.status_code == 200 and r.headers.get("HX-Redirect") == "/core/contracts", r.text
    with ctx.engine.connect() as conn:
        invoice = conn.execute(select(t.invoice.c.id).where(t.invoice.c.number == "26112000000001126077")).scalar_one()
        linked = (
            conn.execute(select(t.document_link.c.sha256).where(t.document_link.c.owner_id == invoice)).scalars().all()
        )
    assert len(linked) == 1
    html = op.get("/core/contracts").text
    assert f'data-sha256="{linked[0]}"' in html and "发票扫描件.pdf" in html
    # a file that is not a document is refused on the form, and nothing is recorded
    page = op.get("/core/contracts").text
    bad = op.post(
        "/core/invoices",
        headers=HX,
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": "web-test-invoice-scan-2",
            "contract_id": contract,
            "number": "26112000000001126078",
            "amount": "1,000",
            "issued_on": "2026-11-22",
        },
        files={"scan": ("scan.pdf", b"MZ\x90\x00 not a scan", "application/pdf")},
    )
    assert 'data-code="attachment.rejected"' in bad.text
    with ctx.engine.connect() as conn:
        assert conn.execute(select(t.invoice.c.id).where(t.invoice.c.number == "26112000000001126078")).first() is None
