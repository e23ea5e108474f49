"""What a person meets off the happy path: another area's page, a refused form, the language switch."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails on CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

#: tables a refused transfer or prepare form must leave alone
WRITES = ("voucher", "fragment", "voucher_op", "idempotency", "contract", "invoice")


def test_supplier_opening_a_bank_page_gets_the_403_page(ui, live):
    by = ui.by
    ui.login("pack_op", "/supplier")
    expect(by("nav-bank-financings")).to_have_count(0)  # the bank's pages are not in a supplier's navigation
    ui.shot("supplier-home")

    response = ui.goto("/bank/financings")  # typed into the address bar
    assert response is not None and response.status == 403
    error = by("error-page")
    expect(error).to_have_attribute("data-status", "403")
    expect(by("page-title")).to_have_text("无权访问")
    expect(by("error-code")).to_have_text("auth.forbidden")
    expect(by("error-message")).to_be_visible()
    expect(by("org-name")).to_contain_text("蛋品包装")  # still signed in, in the console's frame
    ui.shot("bank-page-403")

    # another organisation's voucher part is the 404 page, exactly as a part that does not exist
    response = ui.goto(f"/supplier/fragments/{live.ids['frag:V1-agri']}")
    assert response is not None and response.status == 404
    expect(by("error-page")).to_have_attribute("data-status", "404")
    ui.shot("other-party-fragment-404")
    response = ui.goto("/supplier/fragments/frg_does_not_exist")
    assert response is not None and response.status == 404
    expect(by("error-page")).to_have_attribute("data-status", "404")
    ui.shot("missing-fragment-404")

    by("error-home").click()
    ui.wait_path("/supplier")
    expect(by("page-title")).to_have_text("我的持有")
    ui.shot("back-home")
    ui.assert_no_js_errors()


def test_refused_transfer_and_prepare_forms_keep_the_input_and_write_nothing(ui, live):
    page, by = ui.page, ui.by
    before = {t: live.count(t) for t in WRITES}

    # --- the transfer form: amounts the parser refuses, then an amount the engine refuses ---
    ui.login("pack_op", "/supplier")
    held = page.locator('[data-testid="row-holding"][data-status="active"]', has_text="150,000.00")
    expect(held).to_have_count(1)  # V3's part kept by 蛋品包装 in the demo
    number = held.get_attribute("data-number")
    held.get_by_test_id("action-transfer").click()
    ui.wait_path(r"/supplier/fragments/[^/]+/transfer")
    transfer_url = page.url
    form = by("form-transfer")
    ui.choose(form.get_by_test_id("input-recipient_1"), url_part="/transfer/check", label="华彩纸箱")

    form.get_by_test_id("input-amount_1").fill("0.001")
    expect(by("remainder-error")).to_be_visible()  # the live check already says so
    ui.shot("transfer-0.001-live-check")
    form.get_by_test_id("submit-transfer").click()
    error = by("form-transfer").get_by_test_id("error-amount_1")
    expect(error).to_have_attribute("data-code", "amount.fractional_fen")
    expect(by("form-transfer").get_by_test_id("input-amount_1")).to_have_value("0.001")
    expect(by("form-transfer").get_by_test_id("input-recipient_1")).to_have_value(
        page.locator('[data-testid="recipient"]', has_text="华彩纸箱").get_attribute("data-id")
    )
    assert page.url == transfer_url
    ui.shot("transfer-0.001-refused")

    form = by("form-transfer")
    form.get_by_test_id("input-amount_1").fill("abc")
    form.get_by_test_id("submit-transfer").click()
    expect(by("form-transfer").get_by_test_id("error-amount_1")).to_have_attribute("data-code", "amount.malformed")
    expect(by("form-transfer").get_by_test_id("input-amount_1")).to_have_value("abc")
    expect(by("form-transfer").get_by_test_id("input-amount_1")).to_have_attribute("aria-invalid", "true")
    ui.shot("transfer-abc-refused")

    form = by("form-transfer")
    form.get_by_test_id("input-amount_1").fill("500.00")  # the bank's minimum split is ¥1,000.00
    form.get_by_test_id("submit-transfer").click()
    refusal = by("form-transfer").get_by_test_id("form-error")
    expect(refusal).to_have_attribute("data-code", "transfer.below_minimum")
    expect(refusal).to_contain_text("transfer.below_minimum")
    expect(by("form-transfer").get_by_test_id("error-amount_1")).to_have_count(0)
    expect(by("form-transfer").get_by_test_id("input-amount_1")).to_have_value("500.00")
    assert page.url == transfer_url
    ui.shot("transfer-below-minimum-refused")

    by("nav-supplier-holdings").click()
    ui.wait_path("/supplier")
    held = page.locator(f'[data-testid="row-holding"][data-number="{number}"][data-status="active"]')
    expect(held).to_contain_text("150,000.00")  # still whole
    ui.shot("holding-unchanged")
    ui.logout()

    # --- the prepare form: a malformed amount and no invoice chosen ---
    ui.login("yukou_op", "/core")
    by("nav-core-issue").click()
    ui.wait_path("/core/vouchers/new")
    form = by("form-issue")
    form.get_by_test_id("input-amount").fill("abc")
    form.get_by_test_id("input-maturity_on").fill("2027-01-08")
    form.get_by_test_id("input-long_term_reason").fill("季节性备货")
    form.get_by_test_id("submit-issue").click()
    form = by("form-issue")
    expect(form.get_by_test_id("error-amount")).to_have_attribute("data-code", "amount.malformed")
    expect(form.get_by_test_id("error-invoice_1")).to_have_attribute("data-code", "validation.required")
    expect(form.get_by_test_id("input-amount")).to_have_value("abc")
    expect(form.get_by_test_id("input-maturity_on")).to_have_value("2027-01-08")
    expect(form.get_by_test_id("input-long_term_reason")).to_have_value("季节性备货")
    ui.wait_path("/core/vouchers/new")
    ui.shot("prepare-abc-refused")

    # a second invoice row comes in place (HTMX), the refused input still there and no refusal shown for it
    form.get_by_test_id("add-invoice").click()
    form = by("form-issue")
    expect(form.get_by_test_id("invoice-row-2")).to_be_visible()
    expect(form.get_by_test_id("input-rows")).to_have_value("2")
    expect(form.get_by_test_id("input-amount")).to_have_value("abc")
    expect(form.get_by_test_id("input-maturity_on")).to_have_value("2027-01-08")
    expect(form.get_by_test_id("form-error")).to_have_count(0)
    ui.wait_path("/core/vouchers/new")
    ui.shot("prepare-second-invoice-row")

    assert {t: live.count(t) for t in WRITES} == before
    ui.assert_no_js_errors()


def test_language_switch_from_chinese_to_english_and_back(ui, live):
    page, by = ui.page, ui.by
    ui.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(by("page-title")).to_have_text("登录")
    expect(by("submit-login")).to_have_text("登录")
    expect(by("lang-zh")).to_have_class(re.compile(r"\bon\b"))
    ui.shot("login-chinese")

    by("lang-en").click()
    ui.wait_path(r"/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(by("page-title")).to_have_text("Log in")
    expect(by("lang-en")).to_have_class(re.compile(r"\bon\b"))
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("lr_lang") == "en"
    ui.shot("login-english")

    # the choice stays when signing in, across the pages of the area
    ui.login("carton_op", "/supplier")
    expect(by("page-title")).to_have_text("My holdings")
    expect(by("nav-supplier-financings")).to_have_text("My financings")
    expect(by("role-label")).to_have_text("Supplier · Operator")
    expect(by("logout-button")).to_have_text("Log out")
    ui.shot("holdings-english")
    by("nav-supplier-financings").click()
    ui.wait_path("/supplier/financings")
    expect(by("page-title")).to_have_text("My financings")
    ui.shot("financings-english")

    by("lang-zh").click()  # back to the same page, in Chinese
    ui.wait_path("/supplier/financings")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(by("page-title")).to_have_text("我的融资")
    expect(by("nav-supplier-holdings")).to_have_text("我的持有")
    expect(by("logout-button")).to_have_text("退出")
    ui.shot("financings-chinese")
    ui.assert_no_js_errors()


def test_the_district_follows_split_monitoring_to_a_voucher(ui, live):
    """77号 split monitoring: from the navigation to the table, the filter, and on to a voucher's tree."""
    page, by = ui.page, ui.by
    ui.login("district", "/overview")
    by("nav-overview-splits").click()
    ui.wait_path("/overview/splits")
    expect(by("page-title")).to_have_text("拆分监测")
    rows = page.locator('[data-testid="row-split"]')
    active = live.ids["voucher:V2"], live.ids["voucher:V3"]
    expect(rows).to_have_count(len(active))
    for vid in active:
        expect(page.locator(f'[data-testid="row-split"][data-id="{vid}"]')).to_be_visible()
    expect(by("split-summary")).to_contain_text("在途凭据2张")
    ui.shot("split-monitoring")

    by("filter-flagged").click()
    ui.wait_path(r"/overview/splits\?flagged=1")
    expect(rows).to_have_count(0)  # the demo's splitting is ordinary at the default thresholds
    by("filter-all").click()
    ui.wait_path("/overview/splits")

    page.locator(f'[data-testid="row-split"][data-id="{active[0]}"] a').click()
    ui.wait_path(f"/overview/vouchers/{active[0]}")
    expect(by("page-title")).to_be_visible()
    ui.shot("split-monitoring-voucher")
    ui.assert_no_js_errors()


def test_the_api_docs_page_renders_with_no_internet(ui, live):
    outside: list[str] = []

    def only_the_platform(route):  # an intranet: every request off the platform fails
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ui.page.route("**/*", only_the_platform)
    ui.goto("/api/v1/docs")
    operations = ui.page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20  # the whole API, from /api/v1/openapi.json
    expect(ui.page.get_by_text("/api/v1/fragments/{fragment_id}/transfer", exact=True)).to_be_visible()
    operations.first.locator(".opblock-summary").click()  # an operation opens, under the page's CSP
    expect(ui.page.locator(".opblock-body").first).to_be_visible()
    ui.shot("api-docs")
    assert outside == []
    csp = ui.page.request.get(f"{live.url}/api/v1/docs").headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp  # a violation fails the test
    ui.assert_no_js_errors()
