"""The console's targets pages: the overseers' dashboard with its drill-down and records (an enterprise and a bank:
403 for the area), the bank's monthly reports (form, refusal on the form, template link, upload all or nothing)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from api.harness import PASSWORD, ApiWorld, build_api_records, restore_api_world
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert

from lianrong.adapters.db import programme_tables as pt

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture(scope="module")
def aw(db_templates, tmp_path_factory) -> Iterator[ApiWorld]:
    db_templates.register("api_world", build_api_records)  # the API tests' world, with passwords
    with db_templates.copy("sqlite", "api_world", tmp_path_factory.mktemp("console")) as (url, records):
        world = restore_api_world(url, records, sqlite_synchronous="NORMAL")
        now = world.ctx.clock.now()
        with world.ctx.uow() as uow:
            uow.conn.execute(
                insert(pt.chain).values(
                    id="chn_webegg",
                    code="webegg",
                    name="蛋鸡产业链",
                    name_en="egg",
                    office_id=world.ids["chain"],
                    key_chain=True,
                    description="",
                    position=0,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.commit()
        with world.client:
            yield world


def login(aw: ApiWorld, role: str) -> TestClient:
    client = TestClient(aw.client.app)
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": aw.usernames[role], "password": PASSWORD, "csrf_token": CSRF.search(page.text).group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def test_the_dashboard_renders_with_its_drill_down_and_records(aw):
    client = login(aw, "district")
    page = client.get("/programme/targets?month=2026-11&target=products")
    assert page.status_code == 200, page.text
    for key in ("key_chain_financing", "products", "core_enterprises", "yearly_credit"):
        assert f'data-testid="target-{key}"' in page.text and f'data-testid="chart-{key}"' in page.text
    assert 'data-target="products"' in page.text and 'data-testid="nav-programme-targets"' in page.text
    records = client.get("/programme/targets/records?target=products&month=2026-11")
    assert records.status_code == 200 and 'data-testid="table-records"' in records.text
    assert login(aw, "chain").get("/programme/targets").status_code == 200
    assert login(aw, "sup_op").get("/programme/targets").status_code == 403


def test_a_bank_reports_on_the_form_and_by_workbook(aw):
    client = login(aw, "bank_op")
    page = client.get("/bank/reports")
    assert page.status_code == 200 and 'data-testid="form-report"' in page.text
    data = {
        "csrf_token": CSRF.search(page.text).group(1),
        "idempotency_key": KEY.search(page.text).group(1),
        "month": "2026-10",
        "chain": "chn_webegg",
        "credit_granted": "1,000.00",
        "financing": "0",
        "products": "2",
    }
    r = client.post("/bank/reports", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    again = client.post("/bank/reports", data={**data, "idempotency_key": "web-other"})
    assert again.status_code == 422 and 'data-code="bank_report.exists"' in again.text
    listed = client.get("/bank/reports")
    assert listed.text.count('data-testid="row-report"') == 1
    template = client.get("/api/v1/programme/targets/reports/template.xlsx?month=2026-09")
    wb = load_workbook(io.BytesIO(template.content))
    wb.worksheets[0].append(["2026-09", "nosuchchain", "1", "1", "0", ""])
    buf = io.BytesIO()
    wb.save(buf)
    upload = client.post(
        "/bank/reports/import",
        data={"csrf_token": data["csrf_token"], "idempotency_key": "web-up1"},
        files={"file": ("r.xlsx", buf.getvalue())},
    )
    assert upload.status_code == 422 and 'data-testid="form-error-items"' in upload.text
    assert client.get("/bank/reports").text.count('data-testid="row-report"') == 1
    assert login(aw, "district").get("/bank/reports").status_code == 403
