"""The core enterprise prepares a voucher against several invoices; the allocations must sum to its amount.

The module's demo database is its own copy: these tests write.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import func, select

from lianrong.adapters.db import tables as t
from lianrong.documents import service as documents
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM

HX = {"HX-Request": "true"}
WRITES = (t.voucher, t.voucher_invoice, t.voucher_op)


def _written(ctx) -> tuple[int, ...]:
    with ctx.engine.connect() as conn:
        counts = tuple(conn.execute(select(func.count()).select_from(tb)).scalar_one() for tb in WRITES)
        allocated = conn.execute(select(func.sum(t.invoice.c.allocated_fen))).scalar_one()
    return (*counts, allocated)


@pytest.fixture(scope="module")
def trade(console) -> dict[str, str]:
    """Two contracts of 峪口禽业 with 冷链物流: the first with invoices of 100,000 and 150,000, the second one of 90,000."""
    ctx = console.ctx
    op = parties.actor_for(ctx, "yukou_op")
    core, cold = _party(ctx, "峪口禽业"), _party(ctx, "冷链物流")
    out: dict[str, str] = {}
    for n, (number, amounts) in enumerate(
        (("YK-WL-MULTI-1", (100_000_00, 150_000_00)), ("YK-WL-MULTI-2", (90_000_00,))), start=1
    ):
        c = documents.add_contract(
            ctx,
            actor=op,
            buyer=core,
            seller=cold,
            number=number,
            amount_fen=10**9,
            signed_on=dt.date(2026, 11, 20),
            due_on=dt.date(2027, 3, 31),
            non_cash_agreed=True,
            idempotency_key=f"web-test-multi-contract-{n}",
        )
        documents.confirm_contract(
            ctx,
            actor=SYSTEM,
            contract_id=c.id,  # for 冷链物流, which has no user
            idempotency_key=f"web-test-multi-confirm-{n}",
        )
        for i, amount in enumerate(amounts, start=1):
            key = f"c{n}i{i}"
            out[key] = documents.add_invoice(
                ctx,
                actor=op,
                contract_id=c.id,
                number=f"261126000000{n}{i:07d}",
                amount_fen=amount,
                issued_on=dt.date(2026, 11, 22),
                idempotency_key=f"web-test-multi-invoice-{key}",
            ).id
    return out


def _form(page: str, csrf_of, key_of, ctx, **over: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_of(page),
        "idempotency_key": key_of(page),
        "bank_id": _party(ctx, "工行平谷支行"),
        "maturity_on": "2027-02-26",
        "rows": "2",
    }
    data.update(over)
    return data


def _allocations(ctx, voucher_id: str) -> dict[str, int]:
    with ctx.engine.connect() as conn:
        return dict(
            conn.execute(
                select(t.voucher_invoice.c.invoice_id, t.voucher_invoice.c.amount_fen).where(
                    t.voucher_invoice.c.voucher_id == voucher_id
                )
            ).all()
        )


def test_allocations_that_do_not_sum_to_the_voucher_amount_are_refused(console, login, csrf_of, key_of, trade):
    client, ctx = login("yukou_op"), console.ctx
    page = client.get("/core/vouchers/new").text
    before = _written(ctx)
    r = client.post(
        "/core/vouchers",
        data=_form(
            page,
            csrf_of,
            key_of,
            ctx,
            amount="200,000",
            invoice_1=trade["c1i1"],
            allocation_1="100,000",
            invoice_2=trade["c1i2"],
            allocation_2="80,000",
        ),
    )
    assert r.status_code == 422
    assert 'data-testid="form-error" data-code="issue.allocation_mismatch"' in r.text
    assert "发票占用合计180,000.00元，与凭据金额200,000.00元不符（相差20,000.00元）" in r.text
    assert 'value="80,000"' in r.text and f'<option value="{trade["c1i2"]}" selected>' in r.text
    assert 'data-testid="invoice-row-2"' in r.text
    assert _written(ctx) == before


def test_each_invoice_row_is_checked_on_its_own_field(console, login, csrf_of, key_of, trade):
    client, ctx = login("yukou_op"), console.ctx
    page = client.get("/core/vouchers/new").text
    before = _written(ctx)
    cases = [
        (
            {
                "invoice_1": trade["c1i1"],
                "allocation_1": "50,000",
                "invoice_2": trade["c1i1"],
                "allocation_2": "50,000",
            },
            "invoice_2",
            "issue.invoice_repeated",
        ),
        (
            {"invoice_1": trade["c1i1"], "allocation_1": "50,000", "allocation_2": "50,000"},
            "invoice_2",
            "validation.required",
        ),
        ({"invoice_1": trade["c1i1"], "allocation_1": "100,000.01"}, "allocation_1", "invoice.overallocated"),
        (
            {
                "invoice_1": trade["c1i1"],
                "allocation_1": "50,000",
                "invoice_2": trade["c2i1"],
                "allocation_2": "50,000",
            },
            "invoice_2",
            "issue.invoice_other_contract",
        ),
        (
            {"invoice_1": trade["c1i1"], "invoice_2": trade["c1i2"], "allocation_2": "50,000"},
            "allocation_1",
            "validation.required",
        ),
        ({"invoice_1": trade["c1i1"], "allocation_1": "5万"}, "allocation_1", "amount.malformed"),
        ({}, "invoice_1", "validation.required"),
    ]
    for fields, name, code in cases:
        r = client.post("/core/vouchers", data=_form(page, csrf_of, key_of, ctx, amount="100,000", **fields))
        assert r.status_code == 422, fields
        assert f'data-testid="error-{name}" data-code="{code}"' in r.text, (fields, name, code)
    other = client.post(
        "/core/vouchers",
        data=_form(
            page,
            csrf_of,
            key_of,
            ctx,
            amount="100,000",
            invoice_1=trade["c1i1"],
            allocation_1="50,000",
            invoice_2=trade["c2i1"],
            allocation_2="50,000",
        ),
    )
    assert "属于合同YK-WL-MULTI-2，与第1行发票的合同YK-WL-MULTI-1不同" in other.text
    assert _written(ctx) == before


def test_a_voucher_is_prepared_against_several_invoices(console, login, csrf_of, key_of, trade):
    client, ctx = login("yukou_op"), console.ctx
    page = client.get("/core/vouchers/new").text
    r = client.post(
        "/core/vouchers",
        data=_form(
            page,
            csrf_of,
            key_of,
            ctx,
            amount="180,000.00",
            invoice_1=trade["c1i1"],
            allocation_1="100,000",
            invoice_2=trade["c1i2"],
            allocation_2="80,000",
        ),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/core/vouchers/pending"
    with ctx.engine.connect() as conn:
        voucher = conn.execute(
            select(t.voucher).join(t.voucher_invoice).where(t.voucher_invoice.c.invoice_id == trade["c1i2"])
        ).one()
        left = dict(
            conn.execute(
                select(t.invoice.c.id, t.invoice.c.amount_fen - t.invoice.c.allocated_fen).where(
                    t.invoice.c.id.in_([trade["c1i1"], trade["c1i2"]])
                )
            ).all()
        )
    assert voucher.face_fen == 180_000_00 and voucher.supplier_id == _party(ctx, "冷链物流")
    assert _allocations(ctx, voucher.id) == {trade["c1i1"]: 100_000_00, trade["c1i2"]: 80_000_00}
    assert left == {trade["c1i1"]: 0, trade["c1i2"]: 70_000_00}
    # the fully allocated invoice is no longer offered; the other one with what is left of it
    again = client.get("/core/vouchers/new").text
    assert f'<option value="{trade["c1i1"]}"' not in again and "可用¥70,000.00" in again


def test_a_single_invoice_may_leave_its_allocation_blank(console, login, csrf_of, key_of, trade):
    client, ctx = login("yukou_op"), console.ctx
    page = client.get("/core/vouchers/new").text
    r = client.post(
        "/core/vouchers",
        data=_form(page, csrf_of, key_of, ctx, amount="40,000", rows="1", invoice_1=trade["c2i1"]),
        follow_redirects=False,
    )
    assert r.status_code == 303
    with ctx.engine.connect() as conn:
        vid = conn.execute(
            select(t.voucher_invoice.c.voucher_id).where(t.voucher_invoice.c.invoice_id == trade["c2i1"])
        ).scalar_one()
    assert _allocations(ctx, vid) == {trade["c2i1"]: 40_000_00}


def test_adding_an_invoice_row_keeps_what_was_typed(console, login, csrf_of, key_of, trade):
    client, ctx = login("yukou_op"), console.ctx
    page = client.get("/core/vouchers/new").text
    assert 'data-testid="invoice-row-1"' in page and 'data-testid="invoice-row-2"' not in page
    data = _form(page, csrf_of, key_of, ctx, rows="1", amount="30,000", invoice_1=trade["c1i2"], add_row="1")
    before = _written(ctx)
    partial = client.post("/core/vouchers", headers=HX, data=data)
    assert partial.status_code == 200 and partial.text.lstrip().startswith("<form")
    assert 'data-testid="invoice-row-2"' in partial.text and 'name="rows" value="2"' in partial.text
    assert 'value="30,000"' in partial.text and f'<option value="{trade["c1i2"]}" selected>' in partial.text
    assert 'data-testid="form-error"' not in partial.text and 'data-testid="error-' not in partial.text
    full = client.post("/core/vouchers", data=data)
    assert full.status_code == 200 and "<html" in full.text and 'data-testid="invoice-row-2"' in full.text
    assert _written(ctx) == before


def test_the_live_check_compares_the_allocations_with_the_amount(console, login, csrf_of, trade):
    client = login("yukou_op")
    csrf = csrf_of(client.get("/core/vouchers/new").text)
    short = client.post(
        "/core/vouchers/check",
        headers=HX,
        data={
            "csrf_token": csrf,
            "rows": "2",
            "amount": "50,000",
            "invoice_1": trade["c1i2"],
            "allocation_1": "20,000",
        },
    )
    assert 'data-difference-fen="-3000000"' in short.text and 'data-testid="allocation-mismatch"' in short.text
    assert "比凭据金额少¥30,000.00" in short.text
    even = client.post(
        "/core/vouchers/check",
        headers=HX,
        data={"csrf_token": csrf, "rows": "1", "amount": "50,000", "invoice_1": trade["c1i2"]},
    )
    assert 'data-difference-fen="0"' in even.text and 'data-testid="allocation-ok"' in even.text
    over = client.post(
        "/core/vouchers/check",
        headers=HX,
        data={
            "csrf_token": csrf,
            "rows": "1",
            "amount": "150,000.01",
            "invoice_1": trade["c1i2"],
            "allocation_1": "150,000.01",
        },
    )
    assert 'data-testid="allocation-error" data-code="invoice.overallocated"' in over.text


def test_only_the_core_s_operator_prepares(console, login, csrf_of, key_of, trade):
    ctx = console.ctx
    before = _written(ctx)
    approver = login("yukou_ap")
    page = approver.get("/core/vouchers/new").text
    r = approver.post(
        "/core/vouchers", data=_form(page, csrf_of, key_of, ctx, amount="1,000", rows="1", invoice_1=trade["c1i2"])
    )
    assert r.status_code == 422 and 'data-testid="form-error" data-code="auth.forbidden"' in r.text
    supplier = login("cold_op")
    csrf = csrf_of(supplier.get("/supplier").text)
    r = supplier.post(
        "/core/vouchers",
        data={
            "csrf_token": csrf,
            "idempotency_key": "web-test-sup-prepare",
            "invoice_1": trade["c1i2"],
            "amount": "1,000",
        },
    )
    assert r.status_code == 403 and 'data-testid="error-page"' in r.text
    assert _written(ctx) == before
