"""The bank's set-up pages: designating core enterprises with their parameters, credit lines and the LPR.

The module's demo database is its own copy: these tests write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from ledger_asserts import count as _count
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.entrypoints.demo import DEMO_PASSWORD
from lianrong.parties import service as parties

HX = {"HX-Request": "true"}


def _designation(ctx, core: str):
    with ctx.engine.connect() as conn:
        return conn.execute(select(t.core_designation).where(t.core_designation.c.core_id == core)).first()


@pytest.fixture(scope="module")
def bank_viewer(console) -> str:
    """A read-only account of the demo bank."""
    parties.add_user(
        console.ctx,
        party=_party(console.ctx, "工行平谷支行"),
        username="icbc_viewer",
        display_name="工行查询",
        role="viewer",
        password=DEMO_PASSWORD,
        idempotency_key="web-test-viewer",
    )
    return "icbc_viewer"


def _core_form(page: str, csrf_of, key_of, **over: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_of(page),
        "idempotency_key": key_of(page),
        "max_ratio": "80",
        "max_term_days": "180",
        "min_split": "5,000",
        "max_tier": "4",
        "spread": "0.80",
    }
    data.update(over)
    return data


def test_the_bank_navigation_links_its_set_up_pages(login):
    page = login("icbc_op").get("/bank/credit-lines").text
    for testid, href in (
        ("nav-bank-cores", "/bank/cores"),
        ("nav-bank-lines", "/bank/credit-lines"),
        ("nav-bank-lpr", "/bank/lpr"),
        ("nav-bank-confirmations", "/bank/confirmations"),
    ):
        assert f'href="{href}" class="' in page and f'data-testid="{testid}"' in page
    assert 'data-testid="nav-bank-lines" aria-current="page"' in page
    home = login("icbc_op").get("/bank").text
    assert 'data-testid="action-edit-core"' in home and 'data-testid="action-grant-line"' in home


def test_the_designation_form_offers_undesignated_enterprises_with_the_default_parameters(console, login):
    page = login("icbc_op").get("/bank/cores").text
    pulp, yukou = _party(console.ctx, "兴隆纸浆"), _party(console.ctx, "峪口禽业")
    assert f'<option value="{pulp}"' in page and f'<option value="{yukou}"' not in page  # already a core
    assert f'data-testid="row-core" data-id="{yukou}"' in page
    # the deployment's defaults: ratio 100%, 366 days, ¥100.00, 10 tiers, 0.50%
    for name, value in (
        ("max_ratio", "100"),
        ("max_term_days", "366"),
        ("min_split", "100.00"),
        ("max_tier", "10"),
        ("spread", "0.50"),
    ):
        assert f'name="{name}" type="text" value="{value}"' in page, name


def test_a_bank_operator_designates_a_core_enterprise_with_its_parameters(console, login, csrf_of, key_of):
    client, ctx = login("icbc_op"), console.ctx
    pulp = _party(ctx, "兴隆纸浆")
    page = client.get("/bank/cores").text
    r = client.post("/bank/cores", data=_core_form(page, csrf_of, key_of, core_id=pulp), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/bank/cores"
    d = _designation(ctx, pulp)
    assert (Decimal(d.max_ratio), d.max_term_days, d.min_split_fen, d.max_tier, Decimal(d.spread)) == (
        Decimal("0.8"),
        180,
        5_000_00,
        4,
        Decimal("0.008"),
    )
    listed = client.get("/bank/cores").text
    assert "已核定为核心企业" in listed  # the one-time message
    row = listed.split(f'data-testid="row-core" data-id="{pulp}"')[1].split("</tr>")[0]
    assert 'data-testid="core-max-ratio">80%' in row and 'data-testid="core-spread">0.80%' in row
    assert "5,000.00" in row and "T4" in row and "无有效额度" in row  # no credit line yet


def test_a_bad_designation_is_refused_on_each_field_and_writes_nothing(console, login, csrf_of, key_of):
    client, ctx = login("icbc_op"), console.ctx
    agri = _party(ctx, "绿野农资")
    page = client.get("/bank/cores").text
    before = _count(ctx, t.core_designation)
    r = client.post(
        "/bank/cores",
        data=_core_form(
            page,
            csrf_of,
            key_of,
            core_id=agri,
            max_ratio="120",
            max_term_days="九十",
            max_tier="0",
            spread="0.505",
            min_split="12.345",
        ),
    )
    assert r.status_code == 422
    for field, code in (
        ("max_ratio", "input.out_of_range"),
        ("max_term_days", "input.not_integer"),
        ("max_tier", "input.out_of_range"),
        ("spread", "input.percent_malformed"),
        ("min_split", "amount.fractional_fen"),
    ):
        assert f'data-testid="error-{field}" data-code="{code}"' in r.text, field
    assert "须在0.01%至100%之间，输入为120" in r.text
    assert 'value="120"' in r.text and 'value="九十"' in r.text and f'<option value="{agri}" selected>' in r.text
    assert _count(ctx, t.core_designation) == before
    # an enterprise is required; with HTMX only the form comes back
    partial = client.post("/bank/cores", headers=HX, data=_core_form(page, csrf_of, key_of))
    assert partial.status_code == 200 and partial.text.lstrip().startswith("<form")
    assert 'data-testid="error-core_id" data-code="validation.required"' in partial.text
    assert _count(ctx, t.core_designation) == before


def test_a_designated_core_s_parameters_are_edited_in_place(console, login, csrf_of, key_of):
    client, ctx = login("icbc_ap"), console.ctx
    core2 = _party(ctx, "绿源蛋品")
    page = client.get(f"/bank/cores/{core2}").text
    assert 'data-testid="form-core"' in page and 'name="core_id"' not in page  # the enterprise is fixed
    assert (
        'name="max_ratio" type="text" value="100"' in page and 'name="min_split" type="text" value="1,000.00"' in page
    )
    designated_on = _designation(ctx, core2).designated_on
    r = client.post(
        f"/bank/cores/{core2}",
        data=_core_form(page, csrf_of, key_of, max_ratio="95.5", max_tier="6"),
        follow_redirects=False,
    )
    assert r.status_code == 303
    d = _designation(ctx, core2)
    assert (Decimal(d.max_ratio), d.max_tier, d.designated_on) == (Decimal("0.955"), 6, designated_on)
    assert "绿源蛋品的融资参数已保存" in client.get("/bank/cores").text
    # an enterprise the bank has not designated has no parameters to edit
    missing = client.get(f"/bank/cores/{_party(ctx, '谷丰饲料')}")
    assert missing.status_code == 404 and 'data-testid="error-page"' in missing.text


def test_granting_a_credit_line_and_seeing_the_lines_with_their_occupation(console, login, csrf_of, key_of):
    client, ctx = login("icbc_op"), console.ctx
    core2 = _party(ctx, "绿源蛋品")
    page = client.get(f"/bank/credit-lines?core={core2}").text
    assert f'<option value="{core2}" selected>' in page
    assert 'name="valid_from" type="date" value="2026-11-26"' in page and 'value="2027-11-25"' in page
    lines = page.split('data-testid="table-credit-lines"')[1]
    assert lines.count('data-testid="row-credit-line"') == 2 and 'data-state="in_force"' in lines
    assert 'data-testid="line-occupation"' in lines
    before = _count(ctx, t.credit_line)
    form = {
        "csrf_token": csrf_of(page),
        "idempotency_key": key_of(page),
        "core_id": core2,
        "limit": "3,000,000",
        "valid_from": "2026-12-01",
        "valid_to": "2027-06-30",
    }
    overlapping = client.post("/bank/credit-lines", data=form)
    assert overlapping.status_code == 422 and 'data-code="credit_line.exists"' in overlapping.text
    assert "授信额度已存在" in overlapping.text and 'value="3,000,000"' in overlapping.text
    backwards = client.post("/bank/credit-lines", data={**form, "valid_from": "2027-09-01", "valid_to": "2027-06-30"})
    assert backwards.status_code == 422 and 'data-code="date.invalid"' in backwards.text
    bad = client.post("/bank/credit-lines", data={**form, "limit": "abc"})
    assert 'data-testid="error-limit" data-code="amount.malformed"' in bad.text
    assert _count(ctx, t.credit_line) == before
    r = client.post(
        "/bank/credit-lines",
        data={**form, "valid_from": "2027-05-20", "valid_to": "2028-05-19"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/bank/credit-lines"
    after = client.get("/bank/credit-lines").text
    assert "已核定授信额度¥3,000,000.00，有效期2027-05-20至2028-05-19" in after
    assert 'data-state="future"' in after and _count(ctx, t.credit_line) == before + 1


def test_recording_lpr_entries_and_their_history(console, login, csrf_of, key_of):
    client, ctx = login("icbc_op"), console.ctx
    page = client.get("/bank/lpr").text
    assert 'data-testid="row-lpr" data-date="2026-05-20" data-state="in_force"' in page
    assert 'data-testid="lpr-rate">3.00%' in page
    before = _count(ctx, t.lpr)
    form = {"csrf_token": csrf_of(page), "idempotency_key": key_of(page), "effective_on": "2026-12-22"}
    for typed, code in (
        ("345", "input.out_of_range"),
        ("3.123456", "input.percent_malformed"),
        ("三", "input.percent_malformed"),
    ):
        r = client.post("/bank/lpr", data={**form, "rate": typed})
        assert r.status_code == 422 and f'data-testid="error-rate" data-code="{code}"' in r.text, typed
    assert (
        'data-testid="error-effective_on" data-code="date.invalid"'
        in client.post("/bank/lpr", data={**form, "effective_on": "2026-13-01", "rate": "3.00"}).text
    )
    assert _count(ctx, t.lpr) == before
    r = client.post("/bank/lpr", data={**form, "rate": "２.９５％"}, follow_redirects=False)  # full-width digits
    assert r.status_code == 303
    history = client.get("/bank/lpr").text
    assert "已登记LPR 2.95%，自2026-12-22起适用" in history
    assert 'data-date="2026-12-22" data-state="future"' in history
    assert 'data-date="2026-05-20" data-state="in_force"' in history  # still the rate of today
    assert history.index('data-date="2026-12-22"') < history.index('data-date="2026-05-20"')  # newest first
    with ctx.engine.connect() as conn:
        rate = conn.execute(select(t.lpr.c.rate).where(t.lpr.c.effective_on == dt.date(2026, 12, 22))).scalar_one()
    assert Decimal(rate) == Decimal("0.0295")


def test_the_set_up_pages_are_the_bank_s_only(login):
    for user, path in (("feed_op", "/bank/cores"), ("yukou_op", "/bank/credit-lines"), ("district", "/bank/lpr")):
        r = login(user).get(path)
        assert r.status_code == 403 and 'data-testid="error-page"' in r.text, (user, path)


def test_a_supplier_posting_to_a_bank_form_is_forbidden_and_writes_nothing(console, login, csrf_of):
    client, ctx = login("feed_op"), console.ctx
    csrf = csrf_of(client.get("/supplier").text)
    before = (_count(ctx, t.lpr), _count(ctx, t.core_designation))
    r = client.post(
        "/bank/lpr",
        data={"csrf_token": csrf, "idempotency_key": "web-test-sup-lpr", "effective_on": "2026-12-01", "rate": "1.00"},
    )
    assert r.status_code == 403 and 'data-testid="error-page"' in r.text
    r = client.post(
        "/bank/cores",
        data={
            "csrf_token": csrf,
            "idempotency_key": "web-test-sup-core",
            "core_id": _party(ctx, "谷丰饲料"),
            "max_ratio": "100",
            "max_term_days": "30",
            "min_split": "1",
            "max_tier": "2",
            "spread": "0",
        },
    )
    assert r.status_code == 403
    assert (_count(ctx, t.lpr), _count(ctx, t.core_designation)) == before


def test_a_bank_viewer_sees_the_pages_but_changes_nothing(console, login, csrf_of, key_of, bank_viewer):
    client, ctx = login(bank_viewer), console.ctx
    page = client.get("/bank/lpr").text
    assert 'data-testid="table-lpr"' in page
    before = _count(ctx, t.lpr)
    r = client.post(
        "/bank/lpr",
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": key_of(page),
            "effective_on": "2026-12-01",
            "rate": "3.10",
        },
    )
    assert r.status_code == 422 and 'data-testid="form-error" data-code="auth.forbidden"' in r.text
    page = client.get("/bank/cores").text
    r = client.post("/bank/cores", data=_core_form(page, csrf_of, key_of, core_id=_party(ctx, "博瑞试剂")))
    assert 'data-code="auth.forbidden"' in r.text
    assert _count(ctx, t.lpr) == before and _designation(ctx, _party(ctx, "博瑞试剂")) is None


def test_the_set_up_pages_speak_english(login):
    client = login("icbc_op", lang="en")
    assert "Credit lines" in client.get("/bank/credit-lines").text
    page = client.get("/bank/cores").text
    assert "Maximum financing ratio" in page and "核定" not in page.split('data-testid="main"')[1]
