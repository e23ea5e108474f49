"""The console by feature: each feature's pages check the organisation kind as a dependency, and its forms are
held to the feature's API schema, whose refusals show on the field in the user's language.

The module's demo database is its own copy: these tests write.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from fastapi.routing import APIRoute
from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.documents import service as documents
from lianrong.documents.schemas import InvoiceCreate
from lianrong.entrypoints.console.app import routers
from lianrong.parties import service as parties

SRC = Path(__file__).parents[2] / "src" / "lianrong"
AREAS = ("/core", "/supplier", "/bank", "/overview")


def _calls(dependant) -> set[str]:
    out = set()
    for dep in dependant.dependencies:
        out.add(getattr(dep.call, "__qualname__", ""))
        out |= _calls(dep)
    return out


def test_every_area_page_checks_the_organisation_kind_as_a_dependency():
    routes = [r for router in routers() for r in router.routes if isinstance(r, APIRoute) and r.path.startswith(AREAS)]
    assert len(routes) > 60
    unchecked = [r.path for r in routes if "require_kind.<locals>.dependency" not in _calls(r.dependant)]
    assert unchecked == []


def test_the_features_console_pages_do_not_import_the_entrypoints():
    pages = sorted(SRC.glob("*/console.py"))
    assert {p.parent.name for p in pages} >= {
        "vouchers",
        "financing",
        "settlement",
        "parties",
        "documents",
        "credit",
        "calendar",
        "reporting",
        "web",
    }
    for path in pages:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m.startswith("lianrong.entrypoints")], path


def _invoice_post(ctx, page: str, csrf_of, number: str, key: str) -> dict[str, str]:
    contract = documents.add_contract(
        ctx,
        actor=parties.actor_for(ctx, "yukou_op"),
        buyer=_party(ctx, "峪口禽业"),
        seller=_party(ctx, "冷链物流"),
        number=f"C-{key}",
        amount_fen=10**8,
        signed_on=dt.date(2026, 11, 20),
        due_on=dt.date(2027, 2, 28),
        non_cash_agreed=True,
        idempotency_key=f"web-test-{key}-contract",
    ).id
    return {
        "csrf_token": csrf_of(page),
        "idempotency_key": f"web-test-{key}",
        "contract_id": contract,
        "number": number,
        "amount": "1,000",
        "issued_on": "2026-11-22",
    }


def _recorded(ctx, number: str) -> bool:
    with ctx.engine.connect() as conn:
        return conn.execute(select(t.invoice.c.id).where(t.invoice.c.number == number)).first() is not None


def test_an_invoice_number_the_api_refuses_is_refused_on_its_field_in_the_users_language(console, login, csrf_of):
    ctx = console.ctx
    limit = InvoiceCreate.model_fields["number"].metadata[0].max_length
    too_long = "9" * (limit + 1)
    op = login("yukou_op")
    page = op.get("/core/contracts").text
    r = op.post("/core/invoices", data=_invoice_post(ctx, page, csrf_of, too_long, "inv-long"))
    assert r.status_code == 422
    assert 'data-testid="error-number" data-code="validation.failed"' in r.text
    assert f"输入无效：≤ {limit}" in r.text and f'value="{too_long}"' in r.text
    assert not _recorded(ctx, too_long)

    en = login("yukou_op", lang="en", fresh=True)
    page = en.get("/core/contracts").text
    r = en.post("/core/invoices", data=_invoice_post(ctx, page, csrf_of, "发票一号", "inv-pattern"))
    assert r.status_code == 422
    assert 'data-testid="error-number" data-code="validation.failed"' in r.text and "Invalid input" in r.text
    assert not _recorded(ctx, "发票一号")


def test_a_blank_required_field_of_the_schema_is_the_one_required_error(console, login, csrf_of):
    ctx = console.ctx
    op = login("yukou_op")
    page = op.get("/core/contracts").text
    r = op.post("/core/invoices", data=_invoice_post(ctx, page, csrf_of, "  ", "inv-blank"))
    assert r.status_code == 422
    assert 'data-testid="error-number" data-code="validation.required"' in r.text
