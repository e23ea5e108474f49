"""The bank imports its payment confirmations file in the console: all rows or none, every problem by row.

This module's console runs with the batch payments adapter (instructions wait for the bank's file), on its
own copy of the demo database.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import SimpleNamespace

import openpyxl
import pytest
from factories import TODAY, copy_sqlite, make_context
from fastapi import FastAPI
from sqlalchemy import select

from lianrong import bootstrap
from lianrong.adapters.db import tables as t
from lianrong.entrypoints.console.app import install
from lianrong.financing import service as financing
from lianrong.parties import service as parties

pi = t.payment_instruction


@pytest.fixture(scope="module")
def console(demo_template, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """The console on a copy of the demo, paying through bank files; 华彩纸箱's financing is disbursed."""
    path = tmp_path_factory.mktemp("confirm") / "console.db"
    copy_sqlite(demo_template, path)
    ctx = make_context(f"sqlite:///{path}", today=TODAY, sqlite_synchronous="NORMAL", payments="batch")
    bank = parties.actor_for(ctx, "icbc_ap")
    with ctx.engine.connect() as conn:
        fin = conn.execute(select(t.financing.c.id).where(t.financing.c.status == "applied")).scalar_one()
    financing.review(
        ctx,
        actor=bank,
        financing_id=fin,
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        registration_no="ZDW2026112600000099",
        idempotency_key="web-test-confirm-review",
    )
    financing.disburse(ctx, actor=bank, financing_id=fin, idempotency_key="web-test-confirm-disburse")
    app = FastAPI()
    install(app, ctx)
    yield SimpleNamespace(app=app, ctx=ctx)
    bootstrap.dispose(f"sqlite:///{path}")


def _pending(ctx):
    with ctx.engine.connect() as conn:
        return conn.execute(select(pi).where(pi.c.status == "pending")).all()


def _status(ctx, iid: str) -> str:
    with ctx.engine.connect() as conn:
        return conn.execute(select(pi.c.status).where(pi.c.id == iid)).scalar_one()


def _csv(*rows: list[object]) -> bytes:
    lines = ["指令编号 instruction_id,状态 status,银行流水号 reference,金额（分） amount_fen"]
    lines += [",".join(str(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _upload(client, page: str, csrf_of, key_of, name: str, content: bytes, **headers: str):
    return client.post(
        "/bank/confirmations",
        files={"file": (name, content, "text/csv")},
        data={"csrf_token": csrf_of(page), "idempotency_key": key_of(page)},
        headers=headers,
        follow_redirects=False,
    )


def test_the_page_shows_what_awaits_confirmation(console, login):
    [instruction] = _pending(console.ctx)
    page = login("icbc_op").get("/bank/confirmations").text
    assert 'data-testid="form-confirmations"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-testid="row-pending-kind" data-kind="disbursement"' in page
    assert f"¥{instruction.amount_fen // 100:,}.{instruction.amount_fen % 100:02d}" in page
    assert 'href="/bank/settlements/export.csv?status=pending"' in page


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_imported(console, login, csrf_of, key_of):
    client, ctx = login("icbc_op"), console.ctx
    [instruction] = _pending(ctx)
    page = client.get("/bank/confirmations").text
    content = _csv(
        [instruction.id, "confirmed", "ICBC0001", instruction.amount_fen],
        ["pay_0002", "成功", "ICBC0002", "12.50"],
        ["pay_0003", "maybe", "", 100],
        [instruction.id, "failed", "", instruction.amount_fen],
    )
    r = _upload(client, page, csrf_of, key_of, "回单.csv", content)
    assert r.status_code == 422
    assert 'data-testid="form-error" data-code="payments.file_invalid"' in r.text
    items = r.text.split('data-testid="form-error-items"')[1].split("</ul>")[0]
    assert "第3行 · 金额（分）" in items and "不能有小数" in items
    assert "第4行 · 状态" in items and "状态无效：maybe" in items
    assert "第5行 · 指令编号" in items and "与第2行重复" in items
    assert items.index("第3行") < items.index("第4行") < items.index("第5行")
    assert _status(ctx, instruction.id) == "pending"  # all or nothing
    # cells that read well but do not match the ledger are reported by row the same way
    content = _csv(
        [instruction.id, "confirmed", "ICBC0001", instruction.amount_fen + 1],
        ["pay_not_ours", "confirmed", "ICBC0002", 100],
    )
    r = _upload(client, page, csrf_of, key_of, "回单.csv", content)
    items = r.text.split('data-testid="form-error-items"')[1].split("</ul>")[0]
    assert "第2行 · 金额（分）" in items and f"与指令金额{instruction.amount_fen}分" in items
    assert "第3行 · 指令编号" in items and "本行没有指令编号为pay_not_ours的支付指令" in items
    assert _status(ctx, instruction.id) == "pending"


def test_a_long_report_shows_the_first_problems_and_counts_the_rest(console, login, csrf_of, key_of):
    client = login("icbc_op")
    page = client.get("/bank/confirmations").text
    content = _csv(*[[f"pay_{n:04d}", "confirmed", f"R{n}", "0"] for n in range(60)])
    r = _upload(client, page, csrf_of, key_of, "many.csv", content)
    items = r.text.split('data-testid="form-error-items"')[1].split("</ul>")[0]
    assert items.count("<li>") == 50 and "第51行" in items and "第52行" not in items
    assert 'data-testid="form-error-more">……另有10处问题' in items


def test_the_report_is_in_english_in_english_mode(console, login, csrf_of, key_of):
    client = login("icbc_op", lang="en")
    page = client.get("/bank/confirmations").text
    r = _upload(client, page, csrf_of, key_of, "back.csv", _csv(["pay_x", "confirmed", "R1", "1.5"]))
    items = r.text.split('data-testid="form-error-items"')[1].split("</ul>")[0]
    assert "Row 2 · amount_fen" in items and "whole number of fen" in items


def test_no_file_or_a_file_of_another_kind_is_refused(console, login, csrf_of, key_of):
    client = login("icbc_op")
    page = client.get("/bank/confirmations").text
    r = client.post("/bank/confirmations", data={"csrf_token": csrf_of(page), "idempotency_key": key_of(page)})
    assert r.status_code == 422 and 'data-testid="error-file" data-code="validation.required"' in r.text
    r = _upload(client, page, csrf_of, key_of, "confirmations.pdf", b"%PDF-1.7\n")
    assert r.status_code == 422 and 'data-code="payments.file_invalid"' in r.text and "不支持的文件类型" in r.text


def test_a_confirmation_file_settles_what_it_confirms_and_a_second_import_changes_nothing(
    console, login, csrf_of, key_of
):
    client, ctx = login("icbc_ap"), console.ctx
    [instruction] = _pending(ctx)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["指令编号 instruction_id", "状态 status", "银行流水号 reference", "金额（分） amount_fen"])
    ws.append([instruction.id, "成功", "ICBC20261126000123", instruction.amount_fen])
    buffer = io.BytesIO()
    wb.save(buffer)
    page = client.get("/bank/confirmations").text
    r = _upload(client, page, csrf_of, key_of, "回单.xlsx", buffer.getvalue())
    assert r.status_code == 303 and r.headers["location"] == "/bank/confirmations"
    assert _status(ctx, instruction.id) == "confirmed"
    after = client.get("/bank/confirmations").text
    assert "支付确认已导入：成功1笔，失败0笔，已记录过0笔" in after
    assert "没有待确认的指令" in after
    with ctx.engine.connect() as conn:
        assert (
            conn.execute(select(pi.c.reference).where(pi.c.id == instruction.id)).scalar_one() == "ICBC20261126000123"
        )
    again = _upload(
        client,
        after,
        csrf_of,
        key_of,
        "回单.csv",
        _csv([instruction.id, "confirmed", "ICBC20261126000123", instruction.amount_fen]),
    )
    assert again.status_code == 303
    assert "成功0笔，失败0笔，已记录过1笔" in client.get("/bank/confirmations").text


def test_only_the_bank_imports_confirmations(console, login, csrf_of):
    client = login("pack_op")
    csrf = csrf_of(client.get("/supplier").text)
    r = client.post(
        "/bank/confirmations",
        files={"file": ("x.csv", _csv(["pay_1", "confirmed", "R", 1]), "text/csv")},
        data={"csrf_token": csrf, "idempotency_key": "web-test-sup-confirm"},
    )
    assert r.status_code == 403 and 'data-testid="error-page"' in r.text
