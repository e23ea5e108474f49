"""Who may call what: every role against every endpoint, as real HTTP requests.

Each row names an endpoint, what it needs set up (made fresh for each request through the services, so
no request depends on another), and the status each role gets. A role not listed gets the row's
``deny`` status; anonymous callers always get 401. A refusal must carry the one error body, and a
refused change must change nothing (the services are transactional; ``audit verify`` runs at the end).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.harness import ROLES, ApiWorld, build_api_world
from factories import TODAY, key, uscc
from lianrong.services import accounts, audit, documents, financing, vouchers

_n = itertools.count(1)
AUTHENTICATED = tuple(r for r in ROLES if r != "anon")
OVERSEERS = ("district", "chain", "district_admin")
BANK = ("bank_op", "bank_ap")
CORE = ("core_op", "core_ap")


# --- set-ups: each returns the values the row's path and body are formatted with -----------------


def _base(aw: ApiWorld) -> dict[str, Any]:
    n = next(_n)
    return {**aw.ids, "n": n, "contract": aw.world.contracts[("core", "s1")]}


def _issued(aw: ApiWorld) -> dict[str, Any]:
    v = aw.world.prepare(1_000_00)
    r = vouchers.approve(aw.ctx, actor=aw.world.user("core", "approver"), voucher_id=v["id"], idempotency_key=key())
    return {**_base(aw), "voucher": v["id"], "root": r["root_fragment_id"]}


def _pending(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "voucher": aw.world.prepare(1_000_00)["id"]}


def _invoice(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "invoice": aw.world.invoice(1_000_00)}


def _applied(aw: ApiWorld) -> dict[str, Any]:
    s = _issued(aw)
    return {**s, "financing": aw.world.finance([s["root"]], "s1", disburse=False)["id"]}


def _approved(aw: ApiWorld) -> dict[str, Any]:
    s = _applied(aw)
    financing.review(aw.ctx, actor=aw.world.user("bank", "approver"), financing_id=s["financing"], approve=True,
                     checklist={"contract": True, "invoices": True, "documents": True},
                     registration_no=f"ZDW-PERM-{s['n']:06d}", idempotency_key=key())
    return s


def _disbursed(aw: ApiWorld) -> dict[str, Any]:
    s = _issued(aw)
    d = aw.world.finance([s["root"]], "s1")
    return {**s, "instruction": d["instruction_id"], "net": d["net_fen"]}


def _token(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "token": accounts.issue_token(aw.ctx, username=aw.usernames["sup_op"], name="victim")["id"]}


def _document(aw: ApiWorld) -> dict[str, Any]:
    """An issued voucher whose contract (core → s1) carries a scanned invoice."""
    s = _issued(aw)
    core = aw.world.user("core")
    sha = documents.upload(aw.ctx, actor=core, content=b"%PDF-1.7\n% perm " + str(s["n"]).encode() + b"\n%%EOF",
                           filename=f"发票-{s['n']}.pdf", idempotency_key=key())["sha256"]
    documents.add_invoice(aw.ctx, actor=core, contract_id=s["contract"], number=f"2611{s['n'] + 8_000_000:016d}",
                          amount_fen=1_00, issued_on=TODAY, attachments=[sha], idempotency_key=key())
    return {**s, "sha": sha}


def _unconfirmed(aw: ApiWorld) -> dict[str, Any]:
    """A contract the core recorded naming s1, which s1 has not confirmed."""
    s = _base(aw)
    c = documents.add_contract(aw.ctx, actor=aw.world.user("core"), buyer=s["core"], seller=s["s1"],
                               number=f"HT-UNCONF-{s['n']}", amount_fen=10**8, signed_on=TODAY, due_on=TODAY,
                               non_cash_agreed=True, idempotency_key=key())
    return {**s, "contract": c["id"]}


def _pdf(s: dict[str, Any]) -> dict[str, Any]:
    return {"files": {"file": (f"scan-{s['n']}.pdf", b"%PDF-1.7\n" + str(s["n"]).encode() + b"\n%%EOF", "application/pdf")}}


def _confirmation(s: dict[str, Any]) -> dict[str, Any]:
    csv = f"instruction_id,status,reference,amount_fen\n{s['instruction']},confirmed,REF{s['n']},{s['net']}\n"
    return {"files": {"file": ("confirmations.csv", csv.encode(), "text/csv")}}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    allow: dict[str, int]
    deny: int = 403
    body: Callable[[dict[str, Any]], Any] | None = None
    setup: Callable[[ApiWorld], dict[str, Any]] = _base
    params: dict[str, str] = field(default_factory=dict)
    #: the body is multipart (``files=``) rather than JSON
    multipart: bool = False

    def expected(self, role: str) -> int:
        return 401 if role == "anon" else self.allow.get(role, self.deny)


def every(status: int, roles: tuple[str, ...] = AUTHENTICATED) -> dict[str, int]:
    return dict.fromkeys(roles, status)


ROWS = [
    Row("me", "GET", "/auth/me", every(200)),
    Row("token-create", "POST", "/auth/tokens", every(201), body=lambda s: {"name": f"t{s['n']}"}),
    Row("token-revoke", "DELETE", "/auth/tokens/{token}", {"sup_op": 200}, setup=_token),
    Row("tokens-list", "GET", "/auth/tokens", every(200)),
    Row("logout", "POST", "/auth/logout", every(204)),
    Row("parties-list", "GET", "/parties", every(200)),
    Row("party-get", "GET", "/parties/{core}", every(200)),
    Row("party-register", "POST", "/parties", {"district_admin": 201},
        body=lambda s: {"kind": "enterprise", "uscc": uscc(9_000_000 + s["n"]), "name": f"新企业{s['n']}"}),
    Row("user-add", "POST", "/parties/{s1}/users", {"district_admin": 201},
        body=lambda s: {"username": f"newuser{s['n']}", "display_name": "新用户", "role": "operator"}),
    Row("users-list", "GET", "/users", {"bank_ap": 200, "core_ap": 200, "district_admin": 200}),
    Row("onboard", "POST", "/onboarding", every(200, BANK),
        body=lambda s: {"bank": s["bank"], "party": s["s2"], "settlement_account": "6222000011112222",
                        "ebanking": True, "certificate": "UKEY-s2"}),
    Row("cores-list", "GET", "/cores", every(200)),
    Row("core-designate", "POST", "/cores", every(200, BANK),
        body=lambda s: {"bank": s["bank"], "core": s["core"], "min_split_fen": 1, "max_tier": 20}),
    Row("ledger-import", "POST", "/cores/{core}/ledger", every(200, BANK),
        body=lambda s: {"bank": s["bank"], "suppliers": [{"supplier": s["s2"]}]}),
    Row("lpr-list", "GET", "/lpr", every(200), params={"bank": "{bank}"}),
    Row("lpr-set", "POST", "/lpr", every(200, BANK),
        body=lambda s: {"bank": s["bank"], "effective_on": "2026-01-01", "rate": "3.00%"}),
    Row("attachment-upload", "POST", "/attachments", every(201, tuple(r for r in AUTHENTICATED if r not in ("district", "chain"))),
        body=_pdf, multipart=True),
    Row("attachment-download", "GET", "/attachments/{sha}", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), deny=404,
        setup=_document),
    Row("contracts-list", "GET", "/contracts", every(200)),
    Row("contract-add", "POST", "/contracts", every(201, (*CORE, "sup_op")),
        body=lambda s: {"buyer": s["core"], "seller": s["s1"], "number": f"HT-PERM-{s['n']}", "amount_fen": 10**8,
                        "signed_on": "2026-11-01", "due_on": "2027-06-30", "non_cash_agreed": True}),
    Row("contract-get", "GET", "/contracts/{contract}", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), deny=404,
        setup=_issued),
    Row("contract-confirm", "POST", "/contracts/{contract}/confirm",
        {"sup_op": 200, **every(403, (*CORE, "district", "chain"))}, deny=404, setup=_unconfirmed),
    Row("invoice-add", "POST", "/contracts/{contract}/invoices", every(201, (*CORE, "sup_op")),
        body=lambda s: {"number": f"2611{s['n'] + 7_000_000:016d}", "amount_fen": 1_000_00, "issued_on": "2026-11-20"}),
    Row("credit-lines-list", "GET", "/credit-lines", every(200)),
    Row("credit-line-grant", "POST", "/credit-lines", every(201, BANK),
        body=lambda s: {"bank": s["bank"], "core": s["core"], "limit_fen": 10**8,
                        "valid_from": f"{2030 + s['n'] % 160}-01-01", "valid_to": f"{2030 + s['n'] % 160}-12-31"}),
    Row("vouchers-list", "GET", "/vouchers", every(200)),
    Row("voucher-prepare", "POST", "/vouchers",
        {"core_op": 201, "bank_op": 422, "sup_op": 422, "other_sup": 422, "district_admin": 422}, setup=_invoice,
        body=lambda s: {"bank": s["bank"], "supplier": s["s1"], "contract_id": s["contract"],
                        "invoices": [{"invoice_id": s["invoice"], "amount_fen": 1_000_00}], "amount_fen": 1_000_00,
                        "maturity_on": "2027-03-15"}),
    Row("voucher-get", "GET", "/vouchers/{voucher}", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), deny=404,
        setup=_issued),
    Row("voucher-tree", "GET", "/vouchers/{voucher}/tree", every(200, (*OVERSEERS, *BANK, *CORE)), deny=404,
        setup=_issued),
    Row("voucher-approve", "POST", "/vouchers/{voucher}/approve", {"core_ap": 200}, setup=_pending),
    Row("voucher-reject", "POST", "/vouchers/{voucher}/reject", every(200, (*BANK, *CORE)), setup=_pending,
        body=lambda s: {"reason": "发票有误"}),
    Row("voucher-bank-approve", "POST", "/vouchers/{voucher}/bank-approve", {"bank_ap": 200}, setup=_pending),
    Row("holdings", "GET", "/fragments", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), setup=_issued,
        params={"holder": "{s1}"}),
    Row("own-holdings", "GET", "/fragments", every(200)),
    Row("lineage", "GET", "/fragments/{root}/lineage", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), deny=404,
        setup=_issued),
    Row("transfer", "POST", "/fragments/{root}/transfer", {"sup_op": 200}, setup=_issued,
        body=lambda s: {"parts": [{"recipient": s["s2"], "amount_fen": 100_00}]}),
    Row("financing-preview", "POST", "/financings/preview", {"sup_op": 200}, setup=_issued,
        body=lambda s: {"fragment_ids": [s["root"]]}),
    Row("financing-apply", "POST", "/financings", {"sup_op": 201}, setup=_issued,
        body=lambda s: {"fragment_ids": [s["root"]]}),
    Row("financings-list", "GET", "/financings", every(200)),
    Row("financing-get", "GET", "/financings/{financing}", every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")), deny=404,
        setup=_applied),
    Row("financing-review", "POST", "/financings/{financing}/review", {"bank_ap": 200}, setup=_applied,
        body=lambda s: {"approve": True, "checklist": {"contract": True, "invoices": True, "documents": True}}),
    Row("financing-register", "POST", "/financings/{financing}/register", every(200, BANK), setup=_applied,
        body=lambda s: {"registration_no": f"ZDW-REG-{s['n']:06d}"}),
    Row("financing-disburse", "POST", "/financings/{financing}/disburse", every(200, BANK), setup=_approved),
    Row("settlement-run", "POST", "/settlement/runs", every(200, (*BANK, "district_admin")),
        body=lambda s: {"date": TODAY.isoformat()}),
    Row("payments-list", "GET", "/payments", every(200)),
    Row("payments-export", "GET", "/payments/export", every(200), params={"format": "csv"}),
    Row("payments-confirm", "POST", "/payments/confirmations",
        {**every(200, BANK), "core_op": 422, "core_ap": 422, "sup_op": 422, "other_sup": 422, "district_admin": 422},
        setup=_disbursed, body=_confirmation, multipart=True),
    Row("audit-verify", "GET", "/audit/verify", every(200, OVERSEERS)),
    # an enterprise's report covers the vouchers it issued: a supplier that issued none gets an empty one
    Row("split-report", "GET", "/reports/splits", every(200), setup=_issued),
]


def call(aw: ApiWorld, row: Row, role: str):
    """Set the row up afresh and make its request as the role."""
    values = row.setup(aw)
    kwargs: dict[str, Any] = {}
    if row.params:
        kwargs["params"] = {k: v.format(**values) for k, v in row.params.items()}
    if row.body is not None:
        body = row.body(values)
        kwargs.update(body if row.multipart else {"json": body})
    return aw.as_(role).request(row.method, row.path.format(**values), **kwargs)


def check(response, expected: int, where: str) -> None:
    assert response.status_code == expected, f"{where}: expected {expected}, got {response.status_code} {response.text}"
    if expected >= 400:
        body = response.json()
        assert set(body) == {"code", "message_zh", "message_en", "details"}, body
        if expected == 401:
            assert body["code"] == "auth.required"


def test_the_matrix_names_every_endpoint(api_world):
    """A new endpoint cannot slip in without a row saying who may call it."""
    spec = api_world.client.get("/api/v1/openapi.json").json()

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api/v1"))

    endpoints = {(m.upper(), shape(p)) for p, ops in spec["paths"].items() for m in ops}
    covered = {(r.method, shape(r.path)) for r in ROWS}
    missing = endpoints - covered - {("POST", "/auth/login")}  # login: anonymous by design, see test_auth
    assert not missing, f"endpoints without a permission row: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_role_against_endpoint(api_world, row, role):
    check(call(api_world, row, role), row.expected(role), f"{role} {row.method} {row.path}")


def test_refusals_left_the_ledger_whole(api_world):
    """Hundreds of refused and allowed changes later, every invariant still holds."""
    assert audit.verify(api_world.ctx)["ok"]


#: a cross-section for PostgreSQL: reads scoped in SQL, and changes refused and allowed
PG_ROWS = ("vouchers-list", "voucher-get", "holdings", "contract-get", "voucher-approve", "transfer",
           "financing-disburse", "settlement-run", "attachment-download", "users-list", "lpr-list")


def test_permission_matrix_smoke_on_postgresql(pg_url):
    aw = build_api_world(pg_url)
    with aw.client:
        for row in (r for r in ROWS if r.name in PG_ROWS):
            for role in ROLES:
                check(call(aw, row, role), row.expected(role), f"postgres: {role} {row.method} {row.path}")
    assert audit.verify(aw.ctx)["ok"]
