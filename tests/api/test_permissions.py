"""Who may call what: every role against every endpoint, as real HTTP requests.

Each row names an endpoint, what it needs set up (made fresh for each request through the services, so
no request depends on another), and the status each role gets. A role not listed gets the row's
``deny`` status; anonymous callers always get 401. A refusal must carry the one error body, and a
refused change must change nothing (the services are transactional; ``audit verify`` runs at the end).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from api.harness import (
    OUTSIDERS,
    ROLES,
    ApiWorld,
    add_outsiders,
    build_api_world,
    restore_api_world,
)
from factories import TODAY, key, uscc

from lianrong.accounts import service as accounts
from lianrong.documents import attachments as attachments
from lianrong.documents import service as documents
from lianrong.financing import service as financing
from lianrong.kernel.ids import new_id
from lianrong.parties import restricting
from lianrong.platform.context import SYSTEM
from lianrong.vouchers import audit
from lianrong.vouchers import issuance as issuance

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
    r = issuance.approve(aw.ctx, actor=aw.world.user("core", "approver"), voucher_id=v.id, idempotency_key=key())
    return {**_base(aw), "voucher": v.id, "root": r.root_fragment_id}


def _pending(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "voucher": aw.world.prepare(1_000_00).id}


def _invoice(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "invoice": aw.world.invoice(1_000_00)}


def _applied(aw: ApiWorld) -> dict[str, Any]:
    s = _issued(aw)
    return {**s, "financing": aw.world.finance([s["root"]], "s1", disburse=False).id}


def _approved(aw: ApiWorld) -> dict[str, Any]:
    s = _applied(aw)
    financing.review(
        aw.ctx,
        actor=aw.world.user("bank", "approver"),
        financing_id=s["financing"],
        approve=True,
        checklist={"contract": True, "invoices": True, "documents": True},
        registration_no=f"ZDW-PERM-{s['n']:06d}",
        idempotency_key=key(),
    )
    return s


def _disbursed(aw: ApiWorld) -> dict[str, Any]:
    s = _issued(aw)
    d = aw.world.finance([s["root"]], "s1")
    return {**s, "instruction": d.instruction_id, "net": d.net_fen}


def _token(aw: ApiWorld) -> dict[str, Any]:
    return {**_base(aw), "token": accounts.issue_token(aw.ctx, username=aw.usernames["sup_op"], name="victim").id}


def _restriction(aw: ApiWorld) -> dict[str, Any]:
    """A restriction on s4 (recorded by the system), for lifting."""
    r = restricting.restrict(
        aw.ctx,
        actor=SYSTEM,
        party_id=aw.ids["s4"],
        action="finance",
        kind="risk_freeze",
        reason="冻结",
        idempotency_key=key(),
    )
    return {**_base(aw), "restriction": r.id}


def _document(aw: ApiWorld) -> dict[str, Any]:
    """An issued voucher whose contract (core → s1) carries a scanned invoice."""
    s = _issued(aw)
    core = aw.world.user("core")
    sha = attachments.upload(
        aw.ctx,
        actor=core,
        content=b"%PDF-1.7\n% perm " + str(s["n"]).encode() + b"\n%%EOF",
        filename=f"发票-{s['n']}.pdf",
        idempotency_key=key(),
    ).sha256
    documents.add_invoice(
        aw.ctx,
        actor=core,
        contract_id=s["contract"],
        number=f"2611{s['n'] + 8_000_000:016d}",
        amount_fen=1_00,
        issued_on=TODAY,
        attachments=[sha],
        idempotency_key=key(),
    )
    return {**s, "sha": sha}


def _unconfirmed(aw: ApiWorld) -> dict[str, Any]:
    """A contract the core recorded naming s1, which s1 has not confirmed."""
    s = _base(aw)
    c = documents.add_contract(
        aw.ctx,
        actor=aw.world.user("core"),
        buyer=s["core"],
        seller=s["s1"],
        number=f"HT-UNCONF-{s['n']}",
        amount_fen=10**8,
        signed_on=TODAY,
        due_on=TODAY,
        non_cash_agreed=True,
        idempotency_key=key(),
    )
    return {**s, "contract": c.id}


def _pdf(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "files": {"file": (f"scan-{s['n']}.pdf", b"%PDF-1.7\n" + str(s["n"]).encode() + b"\n%%EOF", "application/pdf")}
    }


def _confirmation(s: dict[str, Any]) -> dict[str, Any]:
    csv = f"instruction_id,status,reference,amount_fen\n{s['instruction']},confirmed,REF{s['n']},{s['net']}\n"
    return {"files": {"file": ("confirmations.csv", csv.encode(), "text/csv")}}


def _holidays(s: dict[str, Any]) -> dict[str, Any]:
    """A one-day schedule in a year no voucher reaches (each call its own day)."""
    day = dt.date(2040, 1, 1) + dt.timedelta(days=s["n"])
    return {"files": {"file": ("holidays.csv", f"{day.isoformat()},休,test\n".encode(), "text/csv")}}


# --- the programme's white list: each set-up its own chain (an entry is one per core and chain) ---------------

_years = itertools.count(2030)


def _office_chain(aw: ApiWorld, *, key_chain: bool = False) -> dict[str, Any]:
    """A fresh chain of the API world's chain office, made through the chains' use case (each call its own)."""
    from lianrong.programme.chains import service as chains

    s = _base(aw)
    chain = chains.create_chain(
        aw.ctx,
        actor=SYSTEM,
        code=f"permo{s['n']}",
        name=f"权限链{s['n']}",
        name_en="perm",
        office=aw.ids["chain"],
        key_chain=key_chain,
        idempotency_key=key(),
    ).id
    return {**s, "chain": chain, "chain_id": chain}


def _wl_chain(aw: ApiWorld) -> dict[str, Any]:
    """A chain for a white-list entry (an entry is one per core and chain)."""
    return _office_chain(aw)


def _wl_proposed(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.platform.context import SYSTEM
    from lianrong.programme.whitelist import service as wl

    s = _wl_chain(aw)
    criteria = {"debt_ratio": 0.5, "compliant": True, "main_business": "权限测试"}
    e = wl.propose(
        aw.ctx, actor=SYSTEM, core=aw.ids["core"], chain=s["chain"], criteria=criteria, idempotency_key=key()
    )
    return {**s, "entry": e.id}


def _wl_listed(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.programme.whitelist import service as wl

    s = _wl_proposed(aw)
    r = wl.review(aw.ctx, actor=aw.actor("district_admin"), entry_id=s["entry"], approve=True, idempotency_key=key())
    with aw.ctx.engine.connect() as conn:
        from lianrong.adapters.db import programme_tables as pt

        push = conn.execute(
            pt.whitelist_push.select().where(
                pt.whitelist_push.c.id.in_(r.pushes), pt.whitelist_push.c.bank_id == aw.ids["bank"]
            )
        ).first()
    return {**s, "push": push.id}


def _wl_round(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.platform.context import SYSTEM
    from lianrong.programme.whitelist import renewal

    s = _wl_listed(aw)
    r = renewal.open_round(aw.ctx, actor=SYSTEM, year=next(_years), idempotency_key=key())
    return {**s, "round": r.id}


def _tg_chain(aw: ApiWorld) -> dict[str, Any]:
    """A key chain of its own for banks' monthly reports: each call may report on it afresh."""
    return _office_chain(aw, key_chain=True)


def _bank_report(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.platform.context import SYSTEM
    from lianrong.programme.targets import service as targets

    values = _tg_chain(aw)
    r = targets.submit_report(
        aw.ctx,
        actor=SYSTEM,
        bank=aw.ids["bank"],
        month="2026-10",
        chain=values["chain_id"],
        credit_granted_fen=1_00,
        financing_fen=2_00,
        idempotency_key=key(),
    )
    return {**values, "report": r.id}


def _report_workbook(s: dict[str, Any]) -> dict[str, Any]:
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["月份", "产业链", "授信金额（元）", "融资金额（元）", "数字化产品数", "备注"])
    wb.active.append(["2026-09", s["chain_id"], "1.00", "2.00", "1", ""])
    buf = BytesIO()
    wb.save(buf)
    return {"files": {"file": ("report.xlsx", buf.getvalue())}}


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
    #: other statuses than ``deny`` for roles not allowed (an outsider: 404, as for a missing record)
    extra: dict[str, int] = field(default_factory=dict)

    def expected(self, role: str) -> int:
        return 401 if role == "anon" else self.allow.get(role, self.extra.get(role, self.deny))


def every(status: int, roles: tuple[str, ...] = AUTHENTICATED) -> dict[str, int]:
    return dict.fromkeys(roles, status)


ROWS = [
    Row("me", "GET", "/auth/me", every(200)),
    # with a session every user may (tests/api/test_auth.py); a bearer token never makes another
    Row("token-create", "POST", "/auth/tokens", {}, body=lambda s: {"name": f"t{s['n']}"}),
    # another organisation's token is not found (its id is no business of theirs)
    Row("token-revoke", "DELETE", "/auth/tokens/{token}", {"sup_op": 200}, deny=404, setup=_token),
    Row("tokens-list", "GET", "/auth/tokens", every(200)),
    Row("logout", "POST", "/auth/logout", every(204)),
    Row("parties-list", "GET", "/parties", every(200)),
    Row("party-get", "GET", "/parties/{core}", every(200)),
    Row(
        "party-register",
        "POST",
        "/parties",
        {"district_admin": 201},
        body=lambda s: {"kind": "enterprise", "uscc": uscc(9_000_000 + s["n"]), "name": f"新企业{s['n']}"},
    ),
    Row(
        "user-add",
        "POST",
        "/parties/{s1}/users",
        {"district_admin": 201},
        body=lambda s: {"username": f"newuser{s['n']}", "display_name": "新用户", "role": "operator"},
    ),
    Row("restrictions-list", "GET", "/restrictions", every(200)),
    Row(
        "restrict",
        "POST",
        "/parties/{s3}/restrictions",
        {"district_admin": 201},
        body=lambda s: {"action": "finance", "kind": "blacklist", "reason": f"测试{s['n']}"},
    ),
    Row(
        "restriction-lift",
        "POST",
        "/restrictions/{restriction}/lift",
        {"district_admin": 200},
        body=lambda s: {"reason": "解除"},
        setup=_restriction,
    ),
    Row("users-list", "GET", "/users", {"bank_ap": 200, "core_ap": 200, "district_admin": 200}),
    Row(
        "onboard",
        "POST",
        "/onboarding",
        every(200, BANK),
        body=lambda s: {
            "bank": s["bank"],
            "party": s["s2"],
            "settlement_account": "6222000011112222",
            "ebanking": True,
            "certificate": "UKEY-s2",
        },
    ),
    Row("cores-list", "GET", "/cores", every(200)),
    Row(
        "core-designate",
        "POST",
        "/cores",
        every(200, BANK),
        body=lambda s: {"bank": s["bank"], "core": s["core"], "min_split_fen": 1, "max_tier": 20},
    ),
    Row(
        "ledger-import",
        "POST",
        "/cores/{core}/ledger",
        every(200, BANK),
        body=lambda s: {"bank": s["bank"], "suppliers": [{"supplier": s["s2"]}]},
    ),
    Row("lpr-list", "GET", "/lpr", every(200), params={"bank": "{bank}"}),
    Row(
        "lpr-set",
        "POST",
        "/lpr",
        every(200, BANK),
        body=lambda s: {"bank": s["bank"], "effective_on": "2026-01-01", "rate": "3.00%"},
    ),
    Row(
        "attachment-upload",
        "POST",
        "/attachments",
        every(201, tuple(r for r in AUTHENTICATED if r not in ("district", "chain"))),
        body=_pdf,
        multipart=True,
    ),
    Row(
        "attachment-download",
        "GET",
        "/attachments/{sha}",
        every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")),
        deny=404,
        setup=_document,
    ),
    Row("contracts-list", "GET", "/contracts", every(200)),
    Row(
        "contract-add",
        "POST",
        "/contracts",
        every(201, (*CORE, "sup_op")),
        body=lambda s: {
            "buyer": s["core"],
            "seller": s["s1"],
            "number": f"HT-PERM-{s['n']}",
            "amount_fen": 10**8,
            "signed_on": "2026-11-01",
            "due_on": "2027-06-30",
            "non_cash_agreed": True,
        },
    ),
    Row(
        "contract-get",
        "GET",
        "/contracts/{contract}",
        every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")),
        deny=404,
        setup=_issued,
    ),
    Row(
        "contract-confirm",
        "POST",
        "/contracts/{contract}/confirm",
        {"sup_op": 200, **every(403, (*CORE, "district", "chain"))},
        deny=404,
        setup=_unconfirmed,
    ),
    Row(
        "invoice-add",
        "POST",
        "/contracts/{contract}/invoices",
        every(201, (*CORE, "sup_op")),
        body=lambda s: {"number": f"2611{s['n'] + 7_000_000:016d}", "amount_fen": 1_000_00, "issued_on": "2026-11-20"},
        extra={"other_sup": 404},
    ),
    Row("credit-lines-list", "GET", "/credit-lines", every(200)),
    Row(
        "credit-line-grant",
        "POST",
        "/credit-lines",
        every(201, BANK),
        body=lambda s: {
            "bank": s["bank"],
            "core": s["core"],
            "limit_fen": 10**8,
            "valid_from": f"{2030 + s['n'] % 160}-01-01",
            "valid_to": f"{2030 + s['n'] % 160}-12-31",
        },
    ),
    Row("vouchers-list", "GET", "/vouchers", every(200)),
    Row(
        "voucher-prepare",
        "POST",
        "/vouchers",
        {"core_op": 201},
        setup=_invoice,  # only a core enterprise may: refused before the body is checked
        body=lambda s: {
            "bank": s["bank"],
            "supplier": s["s1"],
            "contract_id": s["contract"],
            "invoices": [{"invoice_id": s["invoice"], "amount_fen": 1_000_00}],
            "amount_fen": 1_000_00,
            "maturity_on": "2027-03-15",
        },
    ),
    Row(
        "voucher-get",
        "GET",
        "/vouchers/{voucher}",
        every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")),
        deny=404,
        setup=_issued,
    ),
    Row(
        "voucher-tree",
        "GET",
        "/vouchers/{voucher}/tree",
        every(200, (*OVERSEERS, *BANK, *CORE)),
        deny=404,
        setup=_issued,
    ),
    Row("voucher-approve", "POST", "/vouchers/{voucher}/approve", {"core_ap": 200}, setup=_pending),
    Row(
        "voucher-reject",
        "POST",
        "/vouchers/{voucher}/reject",
        {**every(200, (*BANK, *CORE)), "sup_op": 404, "other_sup": 404},
        setup=_pending,
        body=lambda s: {"reason": "发票有误"},
    ),
    Row("voucher-bank-approve", "POST", "/vouchers/{voucher}/bank-approve", {"bank_ap": 200}, setup=_pending),
    # a filter within the caller's scope: another supplier sees an empty page of s1's parts
    Row("holdings", "GET", "/fragments", every(200), setup=_issued, params={"holder": "{s1}"}),
    Row("own-holdings", "GET", "/fragments", every(200)),
    Row(
        "lineage",
        "GET",
        "/fragments/{root}/lineage",
        every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")),
        deny=404,
        setup=_issued,
    ),
    Row(
        "transfer",
        "POST",
        "/fragments/{root}/transfer",
        {"sup_op": 200, "other_sup": 404},
        setup=_issued,
        body=lambda s: {"parts": [{"recipient": s["s2"], "amount_fen": 100_00}]},
    ),
    Row(
        "financing-preview",
        "POST",
        "/financings/preview",
        {"sup_op": 200, "other_sup": 404},
        setup=_issued,
        body=lambda s: {"fragment_ids": [s["root"]]},
    ),
    Row(
        "financing-apply",
        "POST",
        "/financings",
        {"sup_op": 201, "other_sup": 404},
        setup=_issued,
        body=lambda s: {"fragment_ids": [s["root"]]},
    ),
    Row("financings-list", "GET", "/financings", every(200)),
    Row(
        "financing-get",
        "GET",
        "/financings/{financing}",
        every(200, (*OVERSEERS, *BANK, *CORE, "sup_op")),
        deny=404,
        setup=_applied,
    ),
    Row(
        "financing-review",
        "POST",
        "/financings/{financing}/review",
        {"bank_ap": 200},
        setup=_applied,
        body=lambda s: {"approve": True, "checklist": {"contract": True, "invoices": True, "documents": True}},
    ),
    Row(
        "financing-register",
        "POST",
        "/financings/{financing}/register",
        {**every(200, BANK), "other_sup": 404},
        setup=_applied,
        body=lambda s: {"registration_no": f"ZDW-REG-{s['n']:06d}"},
    ),
    Row(
        "financing-disburse",
        "POST",
        "/financings/{financing}/disburse",
        {**every(200, BANK), "other_sup": 404},
        setup=_approved,
    ),
    Row(
        "settlement-run",
        "POST",
        "/settlement/runs",
        every(200, (*BANK, "district_admin")),
        body=lambda s: {"date": TODAY.isoformat()},
    ),
    Row("payments-list", "GET", "/payments", every(200)),
    Row("payments-export", "GET", "/payments/export", every(200), params={"format": "csv"}),
    Row(
        "payments-confirm",
        "POST",
        "/payments/confirmations",
        every(200, BANK),  # banks only: 403 before the file
        setup=_disbursed,
        body=_confirmation,
        multipart=True,
    ),
    Row("audit-verify", "GET", "/audit/verify", every(200, OVERSEERS)),
    # an enterprise's report covers the vouchers it issued: a supplier that issued none gets an empty one
    Row("split-report", "GET", "/reports/splits", every(200), setup=_issued),
    Row("calendar-days", "GET", "/calendar/days", every(200)),
    Row("calendar-load", "POST", "/calendar/days", {"district_admin": 200}, body=_holidays, multipart=True),
    Row("whitelist-list", "GET", "/programme/whitelist/entries", every(200)),
    Row(
        "whitelist-entry",
        "GET",
        "/programme/whitelist/entries/{entry}",
        every(200, ("district", "chain", "district_admin", *BANK, *CORE)),
        deny=404,
        setup=_wl_listed,
    ),
    Row(
        "whitelist-propose",
        "POST",
        "/programme/whitelist/entries",
        {"district_admin": 201},
        setup=_wl_chain,
        body=lambda s: {
            "core": s["core"],
            "chain": s["chain"],
            "criteria": {"debt_ratio": 0.5, "compliant": True, "main_business": "权限测试"},
        },
    ),
    Row(
        "whitelist-review",
        "POST",
        "/programme/whitelist/entries/{entry}/review",
        {"district_admin": 200},
        setup=_wl_proposed,
        body=lambda s: {"approve": True},
    ),
    Row(
        "whitelist-revoke",
        "POST",
        "/programme/whitelist/entries/{entry}/revoke",
        {"district_admin": 200},
        setup=_wl_listed,
        body=lambda s: {"reason": "权限测试"},
    ),
    Row("whitelist-pushes", "GET", "/programme/whitelist/pushes", every(200, ("district", "district_admin", *BANK))),
    Row(
        "whitelist-acknowledge",
        "POST",
        "/programme/whitelist/pushes/{push}/acknowledge",
        every(200, BANK),
        setup=_wl_listed,
    ),
    Row("whitelist-rounds", "GET", "/programme/whitelist/rounds", every(200, OVERSEERS)),
    Row("whitelist-round", "GET", "/programme/whitelist/rounds/{round}", every(200, OVERSEERS), setup=_wl_round),
    Row(
        "whitelist-round-open",
        "POST",
        "/programme/whitelist/rounds",
        {"district_admin": 201},
        body=lambda s: {"year": next(_years)},
    ),
    Row(
        "whitelist-round-decide",
        "POST",
        "/programme/whitelist/rounds/{round}/entries/{entry}",
        {"district_admin": 200},
        setup=_wl_round,
        body=lambda s: {"renew": True},
    ),
    Row(
        "whitelist-round-close",
        "POST",
        "/programme/whitelist/rounds/{round}/close",
        {"district_admin": 200},
        setup=_wl_round,
    ),
    # the programme's targets: the offices see the figures (banks and enterprises: nothing here, 404); banks
    # report their own months (any other kind: 403 before the body), the offices read them
    Row("targets-dashboard", "GET", "/programme/targets", every(200, OVERSEERS), deny=404),
    Row(
        "targets-records",
        "GET",
        "/programme/targets/records/{target}",
        every(200, OVERSEERS),
        deny=404,
        setup=lambda aw: {**_base(aw), "target": "products"},
    ),
    Row(
        "targets-monthly",
        "GET",
        "/programme/targets/monthly/{month}",
        every(200, OVERSEERS),
        deny=404,
        setup=lambda aw: {**_base(aw), "month": "2026-10"},
    ),
    Row("targets-reports", "GET", "/programme/targets/reports", every(200, (*OVERSEERS, *BANK)), deny=404),
    Row(
        "targets-template", "GET", "/programme/targets/reports/template.xlsx", every(200, (*OVERSEERS, *BANK)), deny=404
    ),
    Row(
        "targets-report-get",
        "GET",
        "/programme/targets/reports/{report}",
        every(200, (*OVERSEERS, *BANK)),
        deny=404,
        setup=_bank_report,
    ),
    Row(
        "targets-report-submit",
        "POST",
        "/programme/targets/reports",
        every(201, BANK),
        setup=_tg_chain,
        body=lambda s: {"month": "2026-10", "chain": s["chain_id"], "credit_granted_fen": 100, "financing_fen": 0},
    ),
    Row(
        "targets-report-amend",
        "POST",
        "/programme/targets/reports/{report}",
        every(200, BANK),
        setup=_bank_report,
        body=lambda s: {"credit_granted_fen": 300, "financing_fen": 0},
    ),
    Row(
        "targets-report-withdraw", "DELETE", "/programme/targets/reports/{report}", every(200, BANK), setup=_bank_report
    ),
    Row(
        "targets-report-import",
        "POST",
        "/programme/targets/reports/import",
        every(200, BANK),
        setup=_tg_chain,
        body=_report_workbook,
        multipart=True,
    ),
]


# --- programme: chains (the district configures; a chain's office or the district manages members; banks read
# active chains, enterprises the chains they belong to, anyone else gets 404) ------------------------------------


def _chain(aw: ApiWorld) -> dict[str, Any]:
    """A chain of the API world's chain office with core (leader) and s1 (tier 1) as members."""
    from lianrong.platform.context import SYSTEM
    from lianrong.programme.chains import service as chains

    s = _base(aw)
    chain_id = chains.create_chain(
        aw.ctx,
        actor=SYSTEM,
        code=f"perm{s['n']}",
        name=f"权限链{s['n']}",
        name_en="perm",
        office=aw.ids["chain"],
        idempotency_key=key(),
    ).id
    for party, role, tier in ((s["core"], "leader", 0), (s["s1"], "supplier", 1)):
        chains.add_member(
            aw.ctx, actor=SYSTEM, chain=chain_id, party=party, role=role, tier=tier, idempotency_key=key()
        )
    return {**s, "chain_id": chain_id}


def _members_book(s: dict[str, Any]) -> dict[str, Any]:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["统一社会信用代码", "企业名称", "角色", "层级"])
    wb.active.append([uscc(8_000_000 + s["n"]), f"链上企业{s['n']}", "supplier", 2])
    buf = io.BytesIO()
    wb.save(buf)
    return {"files": {"file": ("members.xlsx", buf.getvalue(), "application/octet-stream")}}


CHAIN_READERS = every(200, (*OVERSEERS, *BANK, *CORE, "sup_op"))
ROWS += [
    Row("chains-list", "GET", "/programme/chains", every(200)),
    Row(
        "chain-create",
        "POST",
        "/programme/chains",
        {"district_admin": 201},
        body=lambda s: {"code": f"permnew{s['n']}", "name": "新链", "name_en": "new", "office": s["chain"]},
    ),
    Row("chain-get", "GET", "/programme/chains/{chain_id}", CHAIN_READERS, deny=404, setup=_chain),
    Row(
        "chain-update",
        "POST",
        "/programme/chains/{chain_id}",
        {"district_admin": 200},
        setup=_chain,
        body=lambda s: {"description": "更新"},
    ),
    Row(
        "chain-member-add",
        "POST",
        "/programme/chains/{chain_id}/members",
        {"district_admin": 201},
        setup=_chain,
        body=lambda s: {"party": s["s2"], "role": "supplier", "tier": 2},
    ),
    Row(
        "chain-member-update",
        "POST",
        "/programme/chains/{chain_id}/members/{s1}",
        {"district_admin": 200},
        setup=_chain,
        body=lambda s: {"tier": 2},
    ),
    Row(
        "chain-member-leave",
        "POST",
        "/programme/chains/{chain_id}/members/{s1}/leave",
        {"district_admin": 200},
        setup=_chain,
        body=lambda s: {},
    ),
    Row(
        "chain-members-import",
        "POST",
        "/programme/chains/{chain_id}/members.xlsx",
        {"district_admin": 200},
        setup=_chain,
        body=_members_book,
        multipart=True,
    ),
    Row(
        "chain-members-export",
        "GET",
        "/programme/chains/{chain_id}/members.xlsx",
        CHAIN_READERS,
        deny=404,
        setup=_chain,
    ),
    Row(
        "chain-memberships",
        "GET",
        "/programme/chains/memberships/{s1}",
        every(200, (*OVERSEERS, *BANK, "sup_op")),
        deny=404,
        setup=_chain,
    ),
]


# --- programme: the black list (the district records and decides, maker–checker; an enterprise applies for the
# repair of its own entries, the chain office of its chains endorses, the district reviews and decides; the
# district and the chain office of the enterprise's chains read its entries, archive and repairs, banks the listed
# entries only (no archive, no repair), an enterprise its own; anyone else: 404). The listed enterprise is s4
# (``other_sup``), a member of a chain of the World's chain office: s1 (``sup_op``) and the core are outsiders
# whose refusals read as "not found". Entries name s4's legal representative, each with an ID number of its
# own (one open entry per person and source), so every set-up may list one afresh; a minor entry bars s4 from
# financing only, as the restriction rows already do. The World has no chain office operator: its viewer is
# refused every change (403), so does every other kind (the endorsement itself: tests/api/programme). -----------


def _id_number(n: int) -> str:
    """A valid resident ID number (GB 11643) of its own for each ``n``."""
    from stdnum.cn import ric

    born = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15_000)
    stem = f"110105{born:%Y%m%d}{n % 1000:03d}"
    return stem + ric.calc_check_digit(stem + "0")


def _bl_chain(aw: ApiWorld) -> dict[str, Any]:
    """s4 a member of a chain of the chain office (made once: the same keys answer the same chain)."""
    from lianrong.programme.chains import service as chains

    s = _base(aw)
    base = aw.world.base
    chain_id = chains.create_chain(
        aw.ctx,
        actor=SYSTEM,
        code=f"permbl{base}",
        name=f"黑名单权限链{base}",
        name_en="perm-blacklist",
        office=aw.ids["chain"],
        idempotency_key=f"perm-bl-chain-{base}",
    ).id
    chains.add_member(
        aw.ctx,
        actor=SYSTEM,
        chain=chain_id,
        party=aw.ids["s4"],
        role="supplier",
        tier=1,
        idempotency_key=f"perm-bl-member-{base}",
    )
    return {**s, "chain_id": chain_id}


def _bl_proposed(aw: ApiWorld) -> dict[str, Any]:
    """An entry on s4's legal representative, proposed (as the system: any district user may decide it)."""
    from lianrong.programme.blacklist import service as bl

    s = _bl_chain(aw)
    e = bl.propose(
        aw.ctx,
        actor=SYSTEM,
        subject="principal",
        party=aw.ids["s4"],
        principal_name=f"权限{s['n']}",
        principal_id_no=_id_number(s["n"]),
        principal_role="legal_representative",
        source="court",
        severity="minor",
        reason="失信被执行人",
        idempotency_key=key(),
    )
    return {**s, "entry": e.id}


def _bl_listed(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.programme.blacklist import service as bl

    s = _bl_proposed(aw)
    bl.decide(aw.ctx, actor=aw.actor("district_admin"), entry_id=s["entry"], approve=True, idempotency_key=key())
    return s


def _bl_applied(aw: ApiWorld) -> dict[str, Any]:
    """s4 applied for the repair of its listed entry."""
    from lianrong.programme.blacklist import repair

    s = _bl_listed(aw)
    r = repair.apply(
        aw.ctx, actor=aw.actor("other_sup"), entry_id=s["entry"], statement="已履行", idempotency_key=key()
    )
    return {**s, "repair": r.id}


def _bl_endorsed(aw: ApiWorld) -> dict[str, Any]:
    from lianrong.programme.blacklist import repair

    s = _bl_applied(aw)
    repair.endorse(aw.ctx, actor=SYSTEM, repair_id=s["repair"], endorse=True, idempotency_key=key())
    return s


def _bl_reviewed(aw: ApiWorld) -> dict[str, Any]:
    """An application reviewed (as the system), its entry listed long enough ago to be removed."""
    from sqlalchemy import update

    from lianrong.adapters.db import programme_tables as pt
    from lianrong.programme.blacklist import repair

    s = _bl_endorsed(aw)
    repair.review(aw.ctx, actor=SYSTEM, repair_id=s["repair"], opinion="已核实", idempotency_key=key())
    listed = aw.ctx.clock.today() - dt.timedelta(days=366)
    with aw.ctx.uow() as uow:
        uow.conn.execute(
            update(pt.blacklist_entry)
            .where(pt.blacklist_entry.c.id == s["entry"])
            .values(listed_on=listed, min_until=listed + dt.timedelta(days=92))
        )
        uow.commit()
    return s


DISTRICT_READERS = ("district", "district_admin")
ROWS += [
    Row("blacklist-list", "GET", "/programme/blacklist", every(200)),
    Row(
        "blacklist-propose",
        "POST",
        "/programme/blacklist",
        {"district_admin": 201},
        setup=_bl_chain,
        body=lambda s: {
            "subject": "principal",
            "party": s["s4"],
            "principal_name": f"新录入{s['n']}",
            "principal_id_no": _id_number(500_000 + s["n"]),
            "principal_role": "actual_controller",
            "source": "tax",
            "severity": "minor",
            "reason": "重大税收违法",
        },
    ),
    Row(
        "blacklist-entry",
        "GET",
        "/programme/blacklist/{entry}",
        every(200, (*DISTRICT_READERS, "chain", *BANK, "other_sup")),
        deny=404,
        setup=_bl_listed,
    ),
    # a proposed entry is the district's alone: the chain office, banks and the enterprise do not find it
    Row(
        "blacklist-entry-proposed",
        "GET",
        "/programme/blacklist/{entry}",
        every(200, DISTRICT_READERS),
        deny=404,
        setup=_bl_proposed,
    ),
    Row(
        "blacklist-approve",
        "POST",
        "/programme/blacklist/{entry}/approve",
        {"district_admin": 200},
        setup=_bl_proposed,
        body=lambda s: {},
    ),
    Row(
        "blacklist-reject",
        "POST",
        "/programme/blacklist/{entry}/reject",
        {"district_admin": 200},
        setup=_bl_proposed,
        body=lambda s: {"reason": "证据不足"},
    ),
    Row(
        "blacklist-remove",
        "POST",
        "/programme/blacklist/{entry}/remove",
        {"district_admin": 200},
        setup=_bl_listed,
        body=lambda s: {"reason": "来源撤回"},
    ),
    Row(
        "blacklist-archive",
        "GET",
        "/programme/blacklist/archive/{s4}",
        every(200, (*DISTRICT_READERS, "chain", "other_sup")),
        deny=404,
        setup=_bl_listed,
    ),
    Row("blacklist-repairs", "GET", "/programme/blacklist/repairs", every(200)),
    # the listed enterprise applies; another enterprise does not find the entry (banks, offices: 403)
    Row(
        "blacklist-repair-apply",
        "POST",
        "/programme/blacklist/repairs",
        {"other_sup": 201},
        extra=every(404, (*CORE, "sup_op")),
        setup=_bl_listed,
        body=lambda s: {"entry_id": s["entry"], "statement": "已履行判决"},
    ),
    Row(
        "blacklist-repair",
        "GET",
        "/programme/blacklist/repairs/{repair}",
        every(200, (*DISTRICT_READERS, "chain", "other_sup")),
        deny=404,
        setup=_bl_applied,
    ),
    Row(
        "blacklist-repair-endorse",
        "POST",
        "/programme/blacklist/repairs/{repair}/endorse",
        {},
        setup=_bl_applied,
        body=lambda s: {},
    ),
    Row(
        "blacklist-repair-return",
        "POST",
        "/programme/blacklist/repairs/{repair}/return",
        {},
        setup=_bl_applied,
        body=lambda s: {"reason": "材料不全"},
    ),
    Row(
        "blacklist-repair-review",
        "POST",
        "/programme/blacklist/repairs/{repair}/review",
        {"district_admin": 200},
        setup=_bl_endorsed,
        body=lambda s: {"opinion": "同意修复"},
    ),
    Row(
        "blacklist-repair-approve",
        "POST",
        "/programme/blacklist/repairs/{repair}/approve",
        {"district_admin": 200},
        setup=_bl_reviewed,
        body=lambda s: {},
    ),
    Row(
        "blacklist-repair-refuse",
        "POST",
        "/programme/blacklist/repairs/{repair}/refuse",
        {"district_admin": 200},
        setup=_bl_reviewed,
        body=lambda s: {"reason": "未履行"},
    ),
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
    assert audit.verify(api_world.ctx).ok


#: a cross-section for PostgreSQL: reads scoped in SQL, and changes refused and allowed
PG_ROWS = (
    "vouchers-list",
    "voucher-get",
    "holdings",
    "contract-get",
    "voucher-approve",
    "transfer",
    "financing-disburse",
    "settlement-run",
    "attachment-download",
    "users-list",
    "lpr-list",
    "blacklist-entry",
    "blacklist-repair-apply",
)


@pytest.mark.slow
def test_permission_matrix_smoke_on_postgresql(pg_url):
    aw = build_api_world(pg_url)
    with aw.client:
        for row in (r for r in ROWS if r.name in PG_ROWS):
            for role in ROLES:
                check(call(aw, row, role), row.expected(role), f"postgres: {role} {row.method} {row.path}")
    assert audit.verify(aw.ctx).ok


# --- outsiders: a change to a record outside the caller's scope is "not found", as for a missing record ---

#: every change naming an existing record (by path, body or file): the value naming it, and the prefix of
#: an id that names nothing. Changes naming only parties (the public register) or nothing are not here.
RECORD_CHANGES = {
    "token-revoke": ("token", "tok"),
    "invoice-add": ("contract", "ctr"),
    "contract-confirm": ("contract", "ctr"),
    "voucher-prepare": ("contract", "ctr"),
    "voucher-approve": ("voucher", "vch"),
    "voucher-reject": ("voucher", "vch"),
    "voucher-bank-approve": ("voucher", "vch"),
    "transfer": ("root", "frg"),
    "financing-preview": ("root", "frg"),
    "financing-apply": ("root", "frg"),
    "financing-review": ("financing", "fin"),
    "financing-register": ("financing", "fin"),
    "financing-disburse": ("financing", "fin"),
    "payments-confirm": ("instruction", "pay"),
}

#: who of the outsiders may do the change at all (organisation kind and role): they get the 404; the others
#: are refused for what they are (403), which is what a missing record gets too
OUTSIDER_404 = {
    "token-revoke": OUTSIDERS,
    "contract-confirm": OUTSIDERS,
    # a bank may not record invoices at all: 403 for a real contract and a missing one alike
    "invoice-add": tuple(r for r in OUTSIDERS if not r.startswith("bank")),
    "voucher-prepare": ("core2_op",),
    "voucher-approve": ("bank2_ap", "core2_ap", "other_sup_ap"),
    "voucher-reject": OUTSIDERS,
    "voucher-bank-approve": ("bank2_ap", "core2_ap", "other_sup_ap"),
    "transfer": OUTSIDERS,
    "financing-preview": OUTSIDERS,
    "financing-apply": ("bank2_op", "core2_op", "other_sup"),
    "financing-review": ("bank2_ap", "core2_ap", "other_sup_ap"),
    "financing-register": OUTSIDERS,
    "financing-disburse": OUTSIDERS,
    "payments-confirm": (),  # the file's rows: an instruction of another bank reads as one that does not exist
}


def test_every_change_naming_a_record_is_in_the_outsider_matrix():
    """A new change to a record cannot slip in without saying how an outsider is answered."""
    changes = {
        r.name
        for r in ROWS
        if r.method in ("POST", "DELETE")
        and any(
            "{" + ref + "}" in r.path for ref in ("token", "contract", "voucher", "root", "financing", "instruction")
        )
    }
    changes |= {"voucher-prepare", "financing-preview", "financing-apply", "payments-confirm"}  # ids in the body
    assert changes == set(RECORD_CHANGES)


@pytest.fixture(scope="module")
def outsider_world(module_api_copy):
    """The permission world with a second bank, its core enterprise and s4's approver, on SQLite and PostgreSQL."""
    aw = restore_api_world(*module_api_copy)
    add_outsiders(aw)
    with aw.client:
        yield aw


def _request(aw: ApiWorld, row: Row, role: str, values: dict[str, Any]):
    kwargs: dict[str, Any] = {}
    if row.params:
        kwargs["params"] = {k: v.format(**values) for k, v in row.params.items()}
    if row.body is not None:
        body = row.body(values)
        kwargs.update(body if row.multipart else {"json": body})
    return aw.as_(role).request(row.method, row.path.format(**values), **kwargs)


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", sorted(RECORD_CHANGES))
def test_an_outsider_gets_exactly_what_a_missing_record_gets(outsider_world, name, role):
    """Scope first: another organisation's token, contract, voucher, fragment, financing or instruction is
    answered exactly as an id that names nothing (404 for whoever may do the change at all), never 403 or
    a validation error that would tell it exists."""
    aw, row = outsider_world, next(r for r in ROWS if r.name == name)
    ref, prefix = RECORD_CHANGES[name]
    values = row.setup(aw)
    real = _request(aw, row, role, values)
    missing_id = new_id(prefix)
    missing = _request(aw, row, role, {**values, ref: missing_id})
    assert set(real.json()) == {"code", "message_zh", "message_en", "details"}, real.text
    assert (real.status_code, real.text.replace(values[ref], "<id>")) == (
        missing.status_code,
        missing.text.replace(missing_id, "<id>"),
    )
    expected = (404,) if role in OUTSIDER_404[name] else (403, 422)
    assert real.status_code in expected, real.text


def test_a_supplier_preparing_a_voucher_is_refused_before_its_body_is_checked(outsider_world):
    """A supplier may not prepare a voucher at all: 403 auth.forbidden, even for a body that would be refused
    (another's contract, allocations that do not sum up), where a core enterprise gets the validation error."""
    aw = outsider_world
    s = _invoice(aw)
    body = {
        "bank": s["bank"],
        "supplier": s["s1"],
        "contract_id": s["contract"],
        "invoices": [{"invoice_id": s["invoice"], "amount_fen": 999_00}],
        "amount_fen": 1_000_00,
        "maturity_on": "2027-03-15",
    }
    for role in ("sup_op", "other_sup", "bank_op", "bank2_op", "district_admin"):
        r = aw.as_(role).post("/vouchers", json=body)
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", (role, r.text)
    r = aw.as_("core_op").post("/vouchers", json=body)
    assert r.status_code == 422 and r.json()["code"] == "issue.allocation_mismatch", r.text
    # a core enterprise naming another's trade: not found, not "mismatched"
    r = aw.as_("core2_op").post(
        "/vouchers", json={**body, "invoices": [{"invoice_id": s["invoice"], "amount_fen": 1_000_00}]}
    )
    assert r.status_code == 404 and r.json()["code"] == "contract.not_found", r.text


def test_the_outsiders_changed_nothing(outsider_world):
    assert audit.verify(outsider_world.ctx).ok


#: a bank's changes with a body the service refuses (422) once it looks at it
BANK_ONLY_BAD_BODIES = (
    ("/lpr", lambda s: {"effective_on": "2026-01-01", "rate": "3.4.5"}),
    (
        "/credit-lines",
        lambda s: {"core": s["core"], "limit_fen": 10**8, "valid_from": "2027-12-31", "valid_to": "2027-01-01"},
    ),
    ("/cores/{core}/ledger", lambda s: {"suppliers": [{"supplier": s["core"]}]}),
)


@pytest.mark.parametrize(("path", "body"), BANK_ONLY_BAD_BODIES, ids=[p for p, _ in BANK_ONLY_BAD_BODIES])
def test_a_bank_only_change_refuses_other_kinds_before_checking_the_body(outsider_world, path, body):
    aw = outsider_world
    s = _base(aw)
    for role in ("sup_op", "core_op", "core2_op", "district_admin"):
        r = aw.as_(role).post(path.format(**s), json=body(s))
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", (role, r.text)
    r = aw.as_("bank_op").post(path.format(**s), json=body(s))
    assert r.status_code == 422, r.text
