"""Every console page of every kind of organisation renders, in Chinese and in English, scoped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import tables as t

PAGES = [
    ("yukou_op", "/core", "在途凭据"),
    ("yukou_op", "/core/suppliers", "统一社会信用代码"),
    ("yukou_op", "/core/contracts", "录入合同"),
    ("yukou_op", "/core/vouchers/new", "签发凭据"),
    ("yukou_ap", "/core/vouchers/pending", "待复核"),
    ("yukou_op", "/core/vouchers", "凭据编号"),
    ("yukou_op", "/core/vouchers?status=settled", "已兑付"),
    ("yukou_op", "/core/payables", "应付日历"),
    ("yukou_op", "/core/maturity?days=400", "到期兑付"),
    ("corn_op", "/supplier", "我的持有"),
    ("corn_op", "/supplier?all=1", "已流转"),
    ("carton_op", "/supplier/financings", "我的融资"),
    ("icbc_op", "/bank", "核心企业与授信"),
    ("icbc_op", "/bank/onboarding", "客户开户"),
    ("icbc_ap", "/bank/financings", "融资审核"),
    ("icbc_ap", "/bank/financings?status=all", "已还款"),
    ("icbc_op", "/bank/vouchers", "凭据"),
    ("icbc_op", "/bank/settlements", "兑付批次"),
    ("icbc_op", "/bank/overdue", "逾期凭据"),
    ("icbc_op", "/bank/cores", "核定为数字供应链核心企业"),
    ("icbc_ap", "/bank/credit-lines", "授信额度"),
    ("icbc_op", "/bank/lpr", "贷款市场报价利率"),
    ("icbc_op", "/bank/confirmations", "支付确认"),
    ("district", "/overview", "运行概览"),
    ("chain", "/overview", "产业链"),
    ("district", "/overview/vouchers", "凭据"),
    ("district", "/overview/splits", "拆分监测"),
    ("icbc_op", "/bank/splits", "最深层级"),
]


def _ids(ctx, sql_table, **where):
    with ctx.engine.connect() as conn:
        stmt = select(sql_table.c.id)
        for k, v in where.items():
            stmt = stmt.where(sql_table.c[k] == v)
        return [r[0] for r in conn.execute(stmt)]


@pytest.mark.parametrize(("user", "path", "text"), PAGES)
def test_each_role_page_renders_in_chinese(login, user, path, text):
    r = login(user).get(path)
    assert r.status_code == 200, r.text[:2000]
    assert text in r.text
    assert '<html lang="zh-CN">' in r.text and 'data-testid="page-title"' in r.text
    assert 'data-testid="nav"' in r.text


def test_the_root_sends_each_user_to_its_area(login):
    for user, home in (
        ("yukou_op", "/core"),
        ("feed_op", "/supplier"),
        ("icbc_op", "/bank"),
        ("district", "/overview"),
        ("chain", "/overview"),
    ):
        assert login(user).get("/", follow_redirects=False).headers["location"] == home


def test_detail_pages_render(console, login):
    ctx = console.ctx
    core = _party(ctx, "峪口禽业")
    v1 = _ids(ctx, t.voucher, core_id=core, status="settled")[0]
    r = login("yukou_ap").get(f"/core/vouchers/{v1}")
    assert r.status_code == 200 and 'data-testid="voucher-tree"' in r.text
    assert r.text.count('data-testid="tree-node"') == 6 and "人民币壹佰万元整" in r.text
    assert login("district").get(f"/overview/vouchers/{v1}").status_code == 200
    assert login("icbc_op").get(f"/bank/vouchers/{v1}").status_code == 200
    fin = _ids(ctx, t.financing, status="applied")[0]
    page = login("icbc_ap").get(f"/bank/financings/{fin}")
    assert page.status_code == 200 and 'data-testid="form-review"' in page.text and "YK-CG-2026-1102" in page.text
    carton = _party(ctx, "华彩纸箱")
    frag = _ids(ctx, t.fragment, holder_id=carton, status="frozen")[0]
    r = login("carton_op").get(f"/supplier/fragments/{frag}")
    assert r.status_code == 200 and r.text.count('data-testid="lineage-step"') == 3


def test_amounts_show_yuan_with_thousands_separators(login):
    text = login("yukou_op").get("/core/vouchers").text
    assert "1,000,000.00" in text and "500,000.00" in text


def test_english_switch_translates_the_console(console, login):
    client = login("yukou_op")
    r = client.get("/lang/en?next=/core", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/core"
    assert "lr_lang=en" in r.headers["set-cookie"]
    page = client.get("/core")
    assert '<html lang="en">' in page.text
    assert "Vouchers outstanding" in page.text and "Log out" in page.text and "在途凭据" not in page.text
    client.get("/lang/zh")
    assert "在途凭据" in client.get("/core").text


def test_english_works_before_login(console):
    client = TestClient(console.app)
    client.get("/lang/en")
    assert "User name" in client.get("/login").text


def test_unknown_language_is_not_found(login):
    assert login("feed_op").get("/lang/fr").status_code == 404


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("feed_op", "/core"),
        ("feed_op", "/core/vouchers/new"),
        ("feed_op", "/bank"),
        ("icbc_op", "/supplier"),
        ("icbc_op", "/core/payables"),
        ("yukou_op", "/bank/financings"),
        ("yukou_op", "/overview"),
        ("district", "/core"),
        ("district", "/bank/settlements"),
        ("feed_op", "/bank/cores"),
        ("yukou_op", "/bank/credit-lines"),
        ("yukou_ap", "/bank/lpr"),
        ("district", "/bank/confirmations"),
        ("feed_op", "/overview/splits"),
        ("yukou_op", "/bank/splits"),
    ],
)
def test_another_roles_page_is_forbidden(login, user, path):
    r = login(user).get(path)
    assert r.status_code == 403
    assert 'data-testid="error-page"' in r.text and "无权访问" in r.text


def test_another_partys_record_is_not_found_exactly_as_a_missing_one(console, login):
    ctx = console.ctx
    other_core_voucher = _ids(ctx, t.voucher, core_id=_party(ctx, "绿源蛋品"))[0]
    r = login("yukou_op").get(f"/core/vouchers/{other_core_voucher}")
    assert r.status_code == 404 and 'data-testid="error-page"' in r.text
    assert 'data-testid="error-code">voucher.not_found<' in r.text
    someone_elses = _ids(ctx, t.fragment, holder_id=_party(ctx, "华彩纸箱"), status="frozen")[0]
    theirs = login("feed_op").get(f"/supplier/fragments/{someone_elses}")
    missing = login("feed_op").get("/supplier/fragments/frg_does_not_exist")
    assert theirs.status_code == missing.status_code == 404
    assert "页面或记录不存在" in theirs.text and "页面或记录不存在" in missing.text
    assert theirs.text.replace(someone_elses, "<id>") == missing.text.replace("frg_does_not_exist", "<id>")
    # a page of another area (not a record) stays "not for you"
    assert login("feed_op").get("/core").status_code == 403


def test_unknown_paths_get_the_console_404_but_the_api_keeps_json(console, login):
    r = login("feed_op").get("/no/such/page")
    assert r.status_code == 404 and 'data-testid="error-page"' in r.text
    api = TestClient(console.app).get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_security_headers_and_no_cdn(login):
    r = login("yukou_op").get("/core")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert not re.search(r"""(src|href)=["']https?://""", r.text)
    templates = Path(__file__).parents[2] / "src" / "lianrong" / "web" / "templates"
    for f in templates.rglob("*.html"):
        assert not re.search(r"""(src|href)=["']https?://""", f.read_text(encoding="utf-8")), f


def test_vendored_assets_are_served(console):
    client = TestClient(console.app)
    htmx = client.get("/static/vendor/htmx/htmx.min.js")
    assert htmx.status_code == 200 and 'version:"2.' in htmx.text.replace(" ", "")
    echarts = client.get("/static/vendor/echarts/echarts.min.js")
    assert echarts.status_code == 200 and len(echarts.content) > 500_000
    assert client.get("/static/css/console.css").status_code == 200


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("yukou_op", "/core/contracts"),
        ("yukou_op", "/core/vouchers/new"),
        ("yukou_ap", "/core/vouchers/pending"),
        ("icbc_op", "/bank/onboarding"),
        ("icbc_op", "/bank/settlements"),
        ("icbc_op", "/bank/cores"),
        ("icbc_op", "/bank/credit-lines"),
        ("icbc_op", "/bank/lpr"),
        ("icbc_op", "/bank/confirmations"),
    ],
)
def test_every_post_form_carries_csrf_and_an_idempotency_key(login, user, path):
    html = login(user).get(path).text
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
    assert forms
    for form in forms:
        assert 'name="csrf_token"' in form, form[:200]
        if "/logout" not in form:
            assert re.search(r'name="idempotency_key" value="web-[0-9a-f]{32}', form), form[:200]


def test_each_render_gets_a_fresh_idempotency_key(login, key_of):
    client = login("yukou_op")
    assert key_of(client.get("/core/contracts").text) != key_of(client.get("/core/contracts").text)


def test_a_malformed_query_gets_the_console_error_page(login):
    r = login("yukou_op").get("/core/maturity?days=abc")
    assert r.status_code == 400 and 'data-testid="error-page"' in r.text


def test_the_console_is_installed_by_the_api_application(console):
    from lianrong.entrypoints.api.app import create_app

    app = create_app(console.ctx)
    client = TestClient(app)
    assert client.get("/login").status_code == 200
    assert 'data-testid="error-page"' in client.get("/nowhere").text
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_split_monitoring_lists_the_active_vouchers_and_their_findings(console, login):
    """77号: split depth and unusual splitting, per voucher, for the district office and the bank."""
    active = {r for r in _ids(console.ctx, t.voucher, status="active")}
    page = login("district").get("/overview/splits")
    assert page.status_code == 200
    rows = set(re.findall(r'data-testid="row-split" data-id="([^"]+)"', page.text))
    assert rows == active
    assert f"在途凭据{len(active)}张，其中0张有异常提示" in page.text
    assert 'data-testid="nav-overview-splits"' in page.text
    flagged = login("district").get("/overview/splits?flagged=1")
    assert flagged.status_code == 200
    assert 'data-testid="row-split"' not in flagged.text and "暂无凭据。" in flagged.text
    english = login("icbc_op", lang="en").get("/bank/splits")
    assert "Split monitoring" in english.text and "Deepest tier / maximum" in english.text


def test_split_monitoring_shows_each_finding_in_the_readers_language(console, login):
    import dataclasses
    import html

    from lianrong.vouchers.splitwatch import FINDINGS, WatchLimits

    saved = console.ctx.policy
    console.ctx.policy = dataclasses.replace(
        saved, split_watch=WatchLimits(tier_margin=10, max_fragments=2, daily_transfers=2)
    )
    try:
        zh = login("district").get("/overview/splits?flagged=1")
        en = login("icbc_op", lang="en").get("/bank/splits?flagged=1")
    finally:
        console.ctx.policy = saved
    assert zh.status_code == 200 and en.status_code == 200, zh.text[:3000]
    codes = set(re.findall(r'data-testid="finding" data-code="([^"]+)"', zh.text))
    assert {"depth_near_limit", "many_parts"} <= codes
    for code in codes:
        assert FINDINGS[code][0] in zh.text and FINDINGS[code][1] in html.unescape(en.text)
    assert "其中0张" not in zh.text
