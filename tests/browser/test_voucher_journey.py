"""The whole life of a voucher, clicked through the console by each party in turn.

峪口禽业's operator records a trade with 蛋品包装 and prepares a voucher; the approver issues it;
蛋品包装 hands part of it to its own supplier 华彩纸箱 (they trade under the demo's contract
BZ-CG-2026-1105); 华彩纸箱 applies for financing after reading the quote; ICBC's approver checks the
documents, records the registration number and disburses; on the maturity date ICBC runs settlement;
the district office's figures move accordingly.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails on CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

CONTRACT_NO = "YK-CG-2026-1126-B1"
INVOICE_NO = "26112000000001126101"
FACE = "80,000.00"
TRANSFER = "30,000.00"
PRINCIPAL = "25,000.00"
REGISTRATION = "ZDW20261126B0000001"
#: a Friday, before every other open voucher of the demo matures (V2: 2027-01-15, V3: 2027-03-02)
MATURITY = dt.date(2027, 1, 8)


def yuan(text: str) -> Decimal:
    """``¥80,000.00`` → Decimal('80000.00')."""
    cleaned = re.sub(r"[¥,\s]", "", text)
    return Decimal(cleaned)


def test_voucher_from_trade_to_settlement(ui, live):
    page, by = ui.page, ui.by

    # --- 0. the district office's figures before anything happens ---
    ui.login("district", "/overview")
    expect(by("page-title")).to_have_text("运行概览")
    before = {k: ui.stat(k) for k in ("stat-issued", "stat-financed", "stat-settled", "stat-outstanding")}
    before_sub = {k: ui.stat_sub(k) for k in before}
    ui.shot("district-overview-before")
    ui.logout()

    # --- 1. the core operator records the trade and prepares the voucher ---
    ui.login("yukou_op", "/core")
    expect(by("role-label")).to_contain_text("经办")
    ui.shot("core-operator-home")

    by("nav-core-contracts").click()
    ui.wait_path("/core/contracts")
    form = by("form-contract")
    form.get_by_test_id("input-seller_id").select_option(label="蛋品包装")
    form.get_by_test_id("input-number").fill(CONTRACT_NO)
    form.get_by_test_id("input-amount").fill(FACE)
    form.get_by_test_id("input-signed_on").fill("2026-11-20")
    form.get_by_test_id("input-due_on").fill("2027-02-26")
    expect(form.get_by_test_id("input-non_cash_agreed")).to_be_checked()
    ui.shot("contract-form-filled")
    form.get_by_test_id("submit-contract").click()
    expect(by("flash")).to_contain_text(CONTRACT_NO)
    expect(page.locator(f'[data-testid="row-contract"][data-number="{CONTRACT_NO}"]')).to_be_visible()

    form = by("form-invoice")
    contract_select = form.get_by_test_id("input-contract_id")
    contract_select.select_option(label=f"{CONTRACT_NO} · 蛋品包装")
    form.get_by_test_id("input-number").fill(INVOICE_NO)
    form.get_by_test_id("input-amount").fill(FACE)
    form.get_by_test_id("input-issued_on").fill("2026-11-23")
    # the invoice's scan: the bank's review can tick "documents verified" only when the trade carries one
    form.get_by_test_id("input-scan").set_input_files(
        files=[
            {
                "name": "invoice-scan.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7\n% " + INVOICE_NO.encode() + b"\n%%EOF\n",
            }
        ]
    )
    ui.shot("contract-recorded-invoice-form-filled")
    form.get_by_test_id("submit-invoice").click()
    expect(by("flash")).to_contain_text(INVOICE_NO)
    row = page.locator(f'[data-testid="row-contract"][data-number="{CONTRACT_NO}"]')
    expect(row.get_by_test_id("row-invoice")).to_contain_text(INVOICE_NO)
    ui.shot("invoice-recorded")
    expect(row.get_by_test_id("contract-unconfirmed")).to_be_visible()
    ui.logout()

    # --- 1b. the supplier confirms the contract that names it (until then it backs no voucher) ---
    ui.login("pack_op", "/supplier")
    by("nav-supplier-contracts").click()
    ui.wait_path("/supplier/contracts")
    row = page.locator(f'[data-testid="row-contract"][data-number="{CONTRACT_NO}"]')
    row.get_by_test_id("submit-confirm-contract").click()
    expect(by("flash")).to_contain_text(CONTRACT_NO)
    expect(row.get_by_test_id("contract-confirmed")).to_be_visible()
    ui.shot("supplier-confirmed-contract")
    ui.logout()
    ui.login("yukou_op", "/core")

    by("nav-core-issue").click()
    ui.wait_path("/core/vouchers/new")
    free = page.locator('[data-testid="row-free-invoice"]', has_text=INVOICE_NO)
    expect(free).to_contain_text("蛋品包装")
    invoice_id = free.get_attribute("data-id")
    form = by("form-issue")
    expect(form.get_by_test_id("input-bank_id")).not_to_have_value("")  # the only bank is preselected
    form.get_by_test_id("input-invoice_1").select_option(value=invoice_id)
    form.get_by_test_id("input-amount").fill(FACE)
    form.get_by_test_id("input-maturity_on").fill(MATURITY.isoformat())
    ui.shot("prepare-form-filled")
    form.get_by_test_id("submit-issue").click()
    ui.wait_path("/core/vouchers/pending")
    expect(by("flash")).to_be_visible()
    card = page.locator('[data-testid="pending-voucher"]', has_text="蛋品包装").filter(has_text="80,000.00")
    expect(card).to_have_count(1)
    voucher_id, voucher_no = card.get_attribute("data-id"), card.get_attribute("data-number")
    expect(by("flash")).to_contain_text(voucher_no)
    ui.shot("voucher-prepared-pending")
    ui.logout()

    # --- 2. the core approver approves it: the voucher is issued to 蛋品包装 ---
    ui.login("yukou_ap", "/core")
    by("nav-core-pending").click()
    ui.wait_path("/core/vouchers/pending")
    card = page.locator(f'[data-testid="pending-voucher"][data-id="{voucher_id}"]')
    expect(card).to_contain_text("峪口财务经办 张丽")  # prepared by the operator, not by this user
    ui.shot("approver-sees-pending")
    card.get_by_test_id("approve-button").click()
    ui.wait_path(f"/core/vouchers/{voucher_id}")
    expect(by("flash")).to_contain_text(voucher_no)
    expect(by("voucher-number")).to_have_text(voucher_no)
    expect(by("tree-node")).to_have_count(1)
    expect(by("tree-node").first).to_have_attribute("data-status", "active")
    ui.shot("voucher-issued")
    ui.logout()

    # --- 3. tier 1 (蛋品包装) splits the voucher: ¥30,000 to 华彩纸箱, the rest stays ---
    ui.login("pack_op", "/supplier")
    holding = page.locator(f'[data-testid="row-holding"][data-number="{voucher_no}"]')
    expect(holding).to_have_attribute("data-status", "active")
    expect(holding).to_contain_text("80,000.00")
    ui.shot("tier1-holdings")
    holding.get_by_test_id("action-transfer").click()
    ui.wait_path(r"/supplier/fragments/[^/]+/transfer")
    expect(by("fragment-amount")).to_have_text("¥80,000.00")
    recipient = page.locator('[data-testid="recipient"]', has_text="华彩纸箱")
    expect(recipient).to_contain_text("BZ-CG-2026-1105")
    form = by("form-transfer")
    ui.choose(
        form.get_by_test_id("input-recipient_1"), url_part="/transfer/check", value=recipient.get_attribute("data-id")
    )
    form.get_by_test_id("input-amount_1").fill(TRANSFER)
    expect(by("remainder")).to_have_attribute("data-remainder-fen", "5000000")  # live check: ¥50,000 kept
    expect(by("remainder-amount")).to_have_text("¥50,000.00")
    ui.shot("transfer-form-remainder")
    form.get_by_test_id("submit-transfer").click()
    ui.wait_path(r"/supplier/fragments/[^/]+")
    expect(by("flash")).to_contain_text(TRANSFER)
    expect(by("fragment-amount")).to_have_text("¥50,000.00")  # the part pack keeps
    ui.shot("transfer-done-tier1-remainder")
    ui.logout()

    # --- 4. tier 2 (华彩纸箱) applies for financing after reading the quote ---
    ui.login("carton_op", "/supplier")
    holding = page.locator(f'[data-testid="row-holding"][data-number="{voucher_no}"]')
    expect(holding).to_contain_text(TRANSFER)
    expect(holding).to_contain_text("T2")
    ui.shot("tier2-holdings")
    holding.get_by_test_id("action-finance").click()
    ui.wait_path(r"/supplier/fragments/[^/]+/finance")
    form = by("form-finance")
    expect(by("quote-principal")).to_have_text(f"¥{TRANSFER}")  # blank principal: the most allowed
    form.get_by_test_id("input-principal").fill(PRINCIPAL)
    expect(by("quote-principal")).to_have_text(f"¥{PRINCIPAL}")
    interest, net = yuan(by("quote-interest").inner_text()), yuan(by("quote-net").inner_text())
    days = int(by("quote-days").inner_text())
    assert days == (MATURITY - dt.date(2026, 11, 26)).days
    assert Decimal(0) < interest < Decimal(1000) and net == yuan(PRINCIPAL) - interest
    expect(by("quote-rate")).to_contain_text("%")
    form.get_by_test_id("input-accept").check()
    ui.shot("finance-quote-before-submit")
    form.get_by_test_id("submit-finance").click()
    ui.wait_path("/supplier/financings")
    expect(by("flash")).to_contain_text(f"{net:,.2f}")
    financing_row = page.locator('[data-testid="row-financing"]', has_text=voucher_no)
    expect(financing_row).to_have_attribute("data-status", "applied")
    financing_id = financing_row.get_attribute("data-id")
    ui.shot("financing-applied")
    ui.logout()

    # --- 5. the bank's approver reviews (checklist, registration number) and disburses ---
    ui.login("icbc_ap", "/bank")
    by("nav-bank-financings").click()
    ui.wait_path("/bank/financings")
    row = page.locator(f'[data-testid="row-financing"][data-id="{financing_id}"]')
    expect(row).to_contain_text("华彩纸箱")
    expect(row).to_contain_text(PRINCIPAL)
    ui.shot("bank-review-queue")
    row.get_by_test_id("open-financing").click()
    ui.wait_path(f"/bank/financings/{financing_id}")
    expect(by("financing-principal")).to_have_text(f"¥{PRINCIPAL}")
    expect(page.locator('[data-testid="document"]', has_text="BZ-CG-2026-1105")).to_be_visible()
    expect(page.locator('[data-testid="document"]', has_text=CONTRACT_NO)).to_be_visible()
    form = by("form-review")
    for item in ("check_contract", "check_invoices", "check_documents"):
        form.get_by_test_id(f"input-{item}").check()
    form.get_by_test_id("input-registration_no").fill(REGISTRATION)
    ui.shot("bank-review-checklist")
    form.get_by_test_id("submit-approve").click()
    expect(by("flash")).to_be_visible()
    expect(by("financing-registration")).to_contain_text(REGISTRATION)
    expect(by("checklist").locator("li.done")).to_have_count(3)
    ui.shot("financing-approved")
    by("submit-disburse").click()
    expect(by("flash")).to_contain_text(f"{net:,.2f}")
    expect(by("page-title").get_by_test_id("status")).to_have_attribute("data-status", "disbursed")
    expect(page.locator('[data-testid="row-instruction"]')).to_have_count(1)
    ui.shot("financing-disbursed")
    ui.logout()

    # --- 6. on the maturity date the bank runs settlement ---
    live.clock.day = MATURITY
    ui.login("icbc_op", "/bank")
    expect(by("business-date")).to_have_text(MATURITY.isoformat())
    by("nav-bank-settlements").click()
    ui.wait_path("/bank/settlements")
    from lianrong.settlement import service as settlement

    due = settlement.due_vouchers(live.ctx, on=MATURITY)  # ours, and 绿源蛋品's overdue voucher of the demo
    assert voucher_id in due
    expect(by("due-count")).to_contain_text(f"{len(due)} 张")
    form = by("form-settle")
    expect(form.get_by_test_id("input-on")).to_have_value(MATURITY.isoformat())
    ui.shot("settlement-form-on-maturity")
    form.get_by_test_id("submit-settle").click()
    ui.wait_path(re.escape(f"/bank/settlements?on={MATURITY.isoformat()}"))
    expect(by("flash")).to_contain_text(MATURITY.isoformat())
    paid = page.locator('[data-testid="row-instruction"]', has_text=voucher_no)
    expect(paid.first).to_be_visible()
    statuses = {paid.nth(i).get_attribute("data-status") for i in range(paid.count())}
    assert statuses == {"confirmed"}, statuses
    ui.shot("settlement-run")
    ui.logout()

    # --- 7. the district office's figures moved ---
    ui.login("district", "/overview")
    after = {k: ui.stat(k) for k in before}
    after_sub = {k: ui.stat_sub(k) for k in before}
    ui.shot("district-overview-after")
    assert yuan(after["stat-issued"]) - yuan(before["stat-issued"]) == yuan(FACE)
    assert yuan(after["stat-financed"]) - yuan(before["stat-financed"]) == yuan(PRINCIPAL)
    assert yuan(after["stat-settled"]) - yuan(before["stat-settled"]) == yuan(FACE)
    assert after["stat-outstanding"] == before["stat-outstanding"]  # issued and settled in between
    assert after_sub["stat-settled"] != before_sub["stat-settled"]

    by("nav-overview-vouchers").click()
    ui.wait_path("/overview/vouchers")
    row = page.locator(f'[data-testid="row-voucher"][data-id="{voucher_id}"]')
    expect(row.get_by_test_id("status")).to_have_attribute("data-status", "settled")
    ui.shot("district-voucher-settled")
    ui.assert_no_js_errors()
