"""The OpenAPI document states the rules the service enforces, from the one definition of each: the length
of a 中登网 registration number (``domain.financing``) and the ``Idempotency-Key`` header every change
requires (the ``deps.idempotency_key`` dependency); and answers fill what the document promises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from api.harness import ApiWorld, restore_api_world
from factories import key
from fastapi.routing import APIRoute
from ledger_asserts import refuses

from lianrong.api import deps
from lianrong.entrypoints.api.routers import ROUTERS
from lianrong.financing import service as financing

#: changes that take no key (docs/api.md): a login or a token's secret cannot be replayed; a preview writes nothing
NO_KEY = {
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/tokens",
    "/api/v1/auth/tokens/{token_id}",
    "/api/v1/financings/preview",
}


@pytest.fixture(scope="module")
def aw(module_api_copy) -> Iterator[ApiWorld]:
    world = restore_api_world(*module_api_copy, console=False)
    with world.client:
        yield world
    world.ctx.engine.dispose()


def _document(aw: ApiWorld) -> dict:
    r = aw.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def _registration_limits(doc: dict) -> tuple[int, int]:
    schemas = doc["components"]["schemas"]
    plain = schemas["RegistrationCreate"]["properties"]["registration_no"]
    optional = next(
        s for s in schemas["ReviewCreate"]["properties"]["registration_no"]["anyOf"] if s.get("type") == "string"
    )
    assert (plain["minLength"], plain["maxLength"]) == (optional["minLength"], optional["maxLength"])
    assert "registration_no" in schemas["RegistrationCreate"]["required"]
    return plain["minLength"], plain["maxLength"]


def _needs_key(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        d = stack.pop()
        if d.call is deps.idempotency_key:
            return True
        stack.extend(d.dependencies)
    return False


def test_the_openapi_document_gives_the_registration_number_the_services_limits(aw):
    assert _registration_limits(_document(aw)) == (6, 60)


def test_the_openapi_document_marks_the_idempotency_key_required_on_every_change_that_needs_it(aw):
    doc = _document(aw)
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and r.include_in_schema]
    keyed = {(deps.PREFIX + r.path, m.lower()) for r in routes if _needs_key(r) for m in r.methods}
    changes = {(path, m) for path, ops in doc["paths"].items() for m in ops if m in ("post", "put", "patch", "delete")}
    assert keyed == {(p, m) for p, m in changes if p not in NO_KEY}
    for path, method in keyed:
        params = [p for p in doc["paths"][path][method].get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert params and params[0]["in"] == "header" and params[0]["required"] is True, (method, path, params)
    for path, method in changes - keyed:
        assert not [p for p in doc["paths"][path][method].get("parameters", []) if p["name"] == "Idempotency-Key"]


def test_the_service_refuses_registration_numbers_outside_the_documented_limits(aw):
    low, high = _registration_limits(_document(aw))
    w = aw.world
    f = w.finance([w.issue(1_000_00)], "s1", disburse=False)
    bank = w.user("bank", "approver")
    for number in ("R" * 5, "R" * 61, "R" * (low - 1), "R" * (high + 1), " " * 3 + "R" * (low - 1) + " " * 3):
        refuses(
            w.ctx,
            "validation.failed",
            financing.register,
            w.ctx,
            actor=bank,
            financing_id=f.id,
            registration_no=number,
            idempotency_key=key(),
        )
    for number in ("R" * high, "R" * low):
        assert (
            financing.register(
                w.ctx, actor=bank, financing_id=f.id, registration_no=number, idempotency_key=key()
            ).registration_no
            == number
        )
    # the API refuses what the document says is out of bounds, and the key is asked for first
    api = aw.as_("bank_ap")
    for number in ("R" * (low - 1), "R" * (high + 1)):
        r = api.post(f"/financings/{f.id}/register", {"registration_no": number})
        assert r.status_code == 422 and r.json()["code"] == "validation.failed", r.text
    r = api.post(f"/financings/{f.id}/register", {"registration_no": "R"}, key=None)
    assert r.status_code == 422 and r.json()["code"] == "idempotency.key_missing", r.text


def test_the_banks_approval_of_a_long_term_answers_the_vouchers_status(aw):
    w = aw.world
    v = w.prepare(1_000_00, maturity=dt.date(2027, 6, 15), reason="蛋鸡育成期长")
    r = aw.as_("bank_ap").post(f"/vouchers/{v.id}/bank-approve")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == v.id and body["status"] == "pending" and body["bank_approved_by"]
    assert aw.as_("core_ap").post(f"/vouchers/{v.id}/approve").json()["status"] == "active"
