"""One error body everywhere, and the Idempotency-Key every change needs."""

from __future__ import annotations

import pytest
from api.harness import Api
from fastapi.testclient import TestClient

from lianrong.vouchers import queries as voucher_queries

BODY = {"code", "message_zh", "message_en", "details"}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == BODY and body["code"] == code, body
    assert body["message_zh"] and body["message_en"]
    return body


def test_an_unknown_route_and_a_wrong_method_answer_in_the_error_body(api_world):
    api = api_world.as_("sup_op")
    _error(api.get("/no-such-thing"), 404, "route.not_found")
    _error(api_world.client.get("/api/v2/vouchers"), 404, "route.not_found")
    _error(api.request("PATCH", "/vouchers"), 405, "route.method_not_allowed")


def test_a_malformed_body_is_validation_failed_with_the_fields_at_fault(api_world):
    api = api_world.as_("core_op")
    body = _error(api.post("/vouchers", {"bank": "x", "amount_fen": "lots", "surprise": 1}), 422, "validation.failed")
    locs = {tuple(e["loc"]) for e in body["details"]["errors"]}
    assert ("body", "amount_fen") in locs and ("body", "supplier") in locs and ("body", "surprise") in locs
    _error(
        api.post("/vouchers", content=b"{not json", headers={"Content-Type": "application/json"}),
        422,
        "validation.failed",
    )
    _error(api.get("/vouchers", params={"limit": 201}), 422, "validation.failed")
    _error(api.get("/vouchers/has%20space"), 422, "validation.failed")


def test_amounts_are_whole_fen_never_fractions_or_strings(api_world):
    api = api_world.as_("core_op")
    contract = api_world.world.contracts[("core", "s1")]
    for amount in (12.5, "100", True, 0, -1, 10**16):
        r = api.post(
            f"/contracts/{contract}/invoices",
            {"number": "26110000000000123456", "amount_fen": amount, "issued_on": "2026-11-20"},
        )
        _error(r, 422, "validation.failed")


def test_a_domain_refusal_keeps_its_code_and_status(api_world):
    api = api_world.as_("sup_op")
    _error(api.get("/vouchers/vch_NOSUCHVOUCHER"), 404, "voucher.not_found")
    body = _error(api.post("/financings/preview", {"fragment_ids": ["frg_nope"]}, key=None), 404, "fragment.not_found")
    assert body["details"]["id"] == "frg_nope"


def test_invoice_allocations_off_the_voucher_amount_are_refused_as_in_the_console(api_world):
    w = api_world.world
    invoice = w.invoice(1_000_00)
    body = _error(
        api_world.as_("core_op").post(
            "/vouchers",
            {
                "bank": w.ids["bank"],
                "supplier": w.ids["s1"],
                "contract_id": w.contracts[("core", "s1")],
                "invoices": [{"invoice_id": invoice, "amount_fen": 600_00}],
                "amount_fen": 1_000_00,
                "maturity_on": "2027-03-15",
            },
        ),
        422,
        "issue.allocation_mismatch",
    )
    assert body["details"] == {"allocated": 600_00, "amount": 1_000_00, "difference": 400_00}
    assert "600.00" in body["message_en"] and "400.00元" in body["message_zh"]


def test_every_change_needs_an_idempotency_key(api_world):
    api = api_world.as_("sup_op")
    body = {"name": "no key"}
    _error(api.post("/contracts", {"buyer": "x"}, key=None), 422, "idempotency.key_missing")  # before the body
    r = api.post("/attachments", files={"file": ("a.pdf", b"%PDF-1.4 key", "application/pdf")}, key=None)
    _error(r, 422, "idempotency.key_missing")
    _error(
        api.post("/attachments", files={"file": ("a.pdf", b"%PDF-1.4 key", "application/pdf")}, key="   "),
        422,
        "idempotency.key_missing",
    )
    assert api.post("/auth/logout", body, key=None).status_code == 204  # auth calls are not ledger changes


def test_the_same_key_with_another_body_is_a_conflict_and_keys_are_per_user(api_world):
    ids = api_world.ids
    s1 = api_world.as_("sup_op")
    root = api_world.world.issue(3_000_00)
    first = s1.post(
        f"/fragments/{root}/transfer", {"parts": [{"recipient": ids["s2"], "amount_fen": 100_00}]}, key="same-key"
    )
    assert first.status_code == 200
    again = s1.post(
        f"/fragments/{root}/transfer", {"parts": [{"recipient": ids["s2"], "amount_fen": 100_00}]}, key="same-key"
    )
    assert again.json() == first.json()
    _error(
        s1.post(
            f"/fragments/{root}/transfer", {"parts": [{"recipient": ids["s2"], "amount_fen": 200_00}]}, key="same-key"
        ),
        409,
        "idempotency.conflict",
    )
    # another user's identical key is another key: it does not replay s1's result (nor tells the part exists)
    other = api_world.as_("other_sup").post(
        f"/fragments/{root}/transfer", {"parts": [{"recipient": ids["s2"], "amount_fen": 100_00}]}, key="same-key"
    )
    _error(other, 404, "fragment.not_found")


def test_an_unexpected_failure_is_a_500_internal_that_leaks_nothing(api_world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(voucher_queries, "vouchers", broken)
    client = TestClient(api_world.client.app, raise_server_exceptions=False)
    r = Api(client, api_world.tokens["district"]).get("/vouchers")
    body = _error(r, 500, "internal")
    assert "hunter2" not in r.text and body["details"] == {}
    assert r.headers.get("x-request-id")


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_openapi_document_and_docs_are_served(api_world, path):
    assert api_world.client.get(path).status_code == 200


def test_the_docs_page_loads_everything_from_the_platform_itself(api_world):
    import re

    page = api_world.client.get("/api/v1/docs")
    refs = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert refs and all(ref.startswith("/api/v1/") for ref in refs), refs  # no CDN: works on an intranet
    for ref in refs:
        got = api_world.client.get(ref)
        assert got.status_code == 200, ref
    js = api_world.client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"] and "SwaggerUIBundle" in js.text


def test_a_request_id_is_echoed_or_made(api_world):
    r = api_world.as_("sup_op").get("/auth/me", headers={"X-Request-ID": "trace-123"})
    assert r.headers["x-request-id"] == "trace-123"
    r = api_world.as_("sup_op").get("/auth/me", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 16
