"""The targets' API: the dashboard and records for the overseers (an enterprise and a bank: 404), banks' reports
(create, read, amend, withdraw; a workbook all or nothing), the template and the monthly report's downloads."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from api.harness import ApiWorld, restore_api_world
from openpyxl import load_workbook
from sqlalchemy import insert

from lianrong.adapters.db import programme_tables as pt


@pytest.fixture(scope="module")
def aw(module_api_copy) -> Iterator[ApiWorld]:
    world = restore_api_world(*module_api_copy, console=False)
    now = world.ctx.clock.now()
    with world.ctx.uow() as uow:
        uow.conn.execute(
            insert(pt.chain).values(
                id="chn_apiegg",
                code="apiegg",
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
    world.ctx.engine.dispose()


def test_the_dashboard_is_for_the_offices_only(aw):
    r = aw.as_("district").get("/programme/targets?month=2026-11")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [t["key"] for t in body["targets"]] == [
        "key_chain_financing",
        "products",
        "core_enterprises",
        "yearly_credit",
    ]
    assert aw.as_("chain").get("/programme/targets").json()["chains"][0]["id"] == "chn_apiegg"
    for role in ("sup_op", "core_op", "bank_op"):
        assert aw.as_(role).get("/programme/targets").status_code == 404
    assert aw.as_("anon").get("/programme/targets").status_code == 401
    assert aw.as_("district").get("/programme/targets?month=2026-13").status_code == 422


def test_a_bank_reports_amends_and_withdraws_and_the_dashboard_counts_it(aw):
    bank = aw.as_("bank_op")
    r = bank.post(
        "/programme/targets/reports",
        json={
            "month": "2026-10",
            "chain": "apiegg",
            "credit_granted_fen": 100_00,
            "financing_fen": 250_00,
            "products": 2,
        },
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert (
        bank.post(
            "/programme/targets/reports",
            json={"month": "2026-10", "chain": "apiegg", "credit_granted_fen": 0, "financing_fen": 0},
        ).status_code
        == 409
    )
    assert (
        bank.post(
            "/programme/targets/reports",
            json={"month": "2027-01", "chain": "apiegg", "credit_granted_fen": 0, "financing_fen": 0},
        ).json()["code"]
        == "targets.future_month"
    )
    assert (
        aw.as_("core_op")
        .post(
            "/programme/targets/reports",
            json={"month": "2026-10", "chain": "apiegg", "credit_granted_fen": 0, "financing_fen": 0},
        )
        .status_code
        == 403
    )
    fig = aw.as_("district").get("/programme/targets?month=2026-11").json()["targets"][0]
    assert fig["reported"] == 250_00
    recs = aw.as_("district").get("/programme/targets/records/key_chain_financing?month=2026-11&part=reported").json()
    assert recs["total"] == 250_00 and recs["items"][0]["id"] == rid
    assert (
        bank.post(
            f"/programme/targets/reports/{rid}", json={"credit_granted_fen": 1, "financing_fen": 300_00}
        ).status_code
        == 200
    )
    assert bank.get(f"/programme/targets/reports/{rid}").json()["financing_fen"] == 300_00
    assert aw.as_("sup_op").get(f"/programme/targets/reports/{rid}").status_code == 404
    assert [x["id"] for x in aw.as_("chain").get("/programme/targets/reports").json()["items"]] == [rid]
    assert bank.delete(f"/programme/targets/reports/{rid}").status_code == 200
    assert bank.get(f"/programme/targets/reports/{rid}").status_code == 404


def test_the_workbook_is_imported_whole_or_not_at_all(aw):
    bank = aw.as_("bank_op")
    template = bank.get("/programme/targets/reports/template.xlsx?month=2026-09")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.worksheets[0]
    ws.append(["2026-08", "apiegg", "12.50", "-3", "1", ""])  # a negative amount: the whole file is refused
    bad_row = ws.max_row
    buf = io.BytesIO()
    wb.save(buf)
    r = bank.post("/programme/targets/reports/import", files={"file": ("r.xlsx", buf.getvalue())})
    assert r.status_code == 422 and r.json()["code"] == "excel.import_invalid"
    assert [p["row"] for p in r.json()["details"]["rows"]] == [bad_row]
    assert bank.get("/programme/targets/reports?month=2026-09").json()["total"] == 0
    ws.delete_rows(bad_row)
    buf = io.BytesIO()
    wb.save(buf)
    r = bank.post("/programme/targets/reports/import", files={"file": ("r.xlsx", buf.getvalue())})
    assert r.status_code == 200, r.text
    rows = ws.max_row - 1  # the template's rows: one per chain the bank may report on
    assert r.json()["created"] == rows
    assert bank.get("/programme/targets/reports?month=2026-09").json()["total"] == rows


def test_the_monthly_report_downloads(aw):
    r = aw.as_("district").get("/programme/targets/monthly/2026-11")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    pdf = aw.as_("district").get("/programme/targets/monthly/2026-11?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert aw.as_("bank_op").get("/programme/targets/monthly/2026-11").status_code == 404
