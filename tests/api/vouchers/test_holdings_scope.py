"""Whose fragments a caller sees: a bank sees the fragments of vouchers issued at it, and nothing else.

Recording a party's onboarding (which a bank does alone) must not open that party's parts of other banks'
vouchers: not in the API's list, not in the holdings export, not in a detail, lineage or console page.
A second bank is built here: registered, with users, onboarding the first bank's supplier.
"""

from __future__ import annotations

import io
import json
import subprocess

from api.harness import ApiWorld, add_outsiders
from commands import LIANRONG, clean_env
from openpyxl import load_workbook

from lianrong.accounts import service as accounts
from lianrong.accounts.service import SESSION_COOKIE
from lianrong.vouchers import exports as voucher_exports
from lianrong.vouchers import queries as voucher_queries


def _second_bank_onboards_s1(aw: ApiWorld) -> list[str]:
    """Issue two vouchers at the first bank (s1 holds them), let the second bank record s1's onboarding."""
    roots = [aw.world.issue(1_000_00), aw.world.issue(2_000_00)]
    add_outsiders(aw)
    r = aw.as_("bank2_ap").post(
        "/onboarding",
        json={
            "party": aw.ids["s1"],
            "settlement_account": "6222000099998888",
            "ebanking": True,
            "certificate": "UKEY-bank2-s1",
        },
    )
    assert r.status_code == 200, r.text
    return roots


def _data_rows(content: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [row for row in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in row)]


def test_a_bank_sees_no_fragment_of_another_banks_vouchers(fresh_api_world):
    aw = fresh_api_world
    roots = _second_bank_onboards_s1(aw)
    s1 = aw.ids["s1"]
    # the API list, with the holder and without (the bank's own scope)
    for params in ({"holder": s1}, {"holder": s1, "include_closed": "true"}, {}):
        page = aw.as_("bank2_op").get("/fragments", params=params)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 0 and page.json()["items"] == [], (params, page.json())
    # the issuing bank still sees them
    page = aw.as_("bank_op").get("/fragments", params={"holder": s1}).json()
    assert {f["id"] for f in page["items"]} >= set(roots)
    # the holdings export (Excel)
    bank2 = aw.actor("bank2_op")
    assert _data_rows(voucher_exports.export_holdings_xlsx(aw.ctx, actor=bank2, party=s1)) == []
    assert len(_data_rows(voucher_exports.export_holdings_xlsx(aw.ctx, actor=aw.actor("bank_op"), party=s1))) >= 2
    # the CLI: `lianrong holdings PARTY --as USER` shows what that user may see
    assert voucher_queries.holdings(aw.ctx, viewer=bank2, party=s1, limit=None).items == ()
    url = aw.ctx.engine.url.render_as_string(hide_password=False)
    for role, at_least in (("bank2_op", 0), ("bank_op", 2)):
        out = subprocess.run(
            [*LIANRONG, "holdings", s1, "--as", aw.usernames[role], "--db", url, "--json"],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=120,
            check=True,
        ).stdout
        rows = json.loads(out)
        assert len(rows) >= at_least and (at_least or rows == []), (role, out)
    # details: lineage, the voucher, its tree: not found, as if it did not exist
    voucher = next(f["voucher_id"] for f in page["items"] if f["id"] == roots[0])
    for path in (f"/fragments/{roots[0]}/lineage", f"/vouchers/{voucher}", f"/vouchers/{voucher}/tree"):
        r = aw.as_("bank2_op").get(path)
        assert r.status_code == 404, (path, r.text)


def test_a_bank_console_shows_another_banks_voucher_as_not_found(fresh_api_world):
    aw = fresh_api_world
    roots = _second_bank_onboards_s1(aw)
    page = aw.as_("bank_op").get("/fragments", params={"holder": aw.ids["s1"]}).json()
    voucher = next(f["voucher_id"] for f in page["items"] if f["id"] == roots[0])
    principal = accounts.authenticate(aw.ctx, username=aw.usernames["bank2_op"], password="lianrong2026")
    secret, _ = accounts.open_session(aw.ctx, principal=principal)
    aw.client.cookies.set(SESSION_COOKIE, secret)
    try:
        r = aw.client.get(f"/bank/vouchers/{voucher}")
        assert r.status_code == 404 and 'data-testid="error-page"' in r.text
        assert aw.client.get(f"/bank/vouchers/vch_{'0' * 26}").status_code == 404
        assert aw.client.get("/supplier").status_code == 403  # another area stays "not for you"
    finally:
        aw.client.cookies.clear()


def test_the_district_lists_every_fragment_without_a_holder(fresh_api_world):
    aw = fresh_api_world
    roots = [aw.world.issue(1_000_00) for _ in range(3)]
    aw.world.transfer(roots[0], "s1", [("s2", 100_00)])
    page = aw.as_("district").get("/fragments", params={"limit": 2}).json()
    assert page["total"] == 4 and len(page["items"]) == 2  # the live parts: two roots, the child and the rest
    everything = aw.as_("district").get("/fragments", params={"include_closed": "true"}).json()
    assert everything["total"] == 5 and {f["id"] for f in everything["items"]} >= set(roots)


def test_without_a_holder_each_caller_gets_its_own_holdings(fresh_api_world):
    aw = fresh_api_world
    root = aw.world.issue(1_000_00)
    moved = aw.world.transfer(root, "s1", [("s2", 100_00)])
    to_s2 = aw.world.child(moved, "s2")
    kept = aw.world.child(moved, "s1")
    add_outsiders(aw)

    def ids(role: str) -> set[str]:
        r = aw.as_(role).get("/fragments", params={"include_closed": "true"})
        assert r.status_code == 200, r.text
        return {f["id"] for f in r.json()["items"]}

    assert ids("bank_op") == ids("core_op") == set()  # they hold nothing of it
    assert ids("sup_op") == {root, kept}  # held (the root, spent), not what it handed on
    assert ids("tier2_op") == {to_s2}
    assert ids("other_sup") == ids("bank2_op") == ids("core2_op") == set()
    # another holder's parts within the scope
    assert {
        f["id"]
        for f in aw.as_("bank_op")
        .get("/fragments", params={"holder": aw.ids["s2"], "include_closed": "true"})
        .json()["items"]
    } == {to_s2}
    assert aw.as_("bank2_op").get("/fragments", params={"holder": aw.ids["s2"]}).json()["total"] == 0
    # a holder filter applies within the scope
    r = aw.as_("tier2_op").get("/fragments", params={"holder": aw.ids["s1"]}).json()
    assert r["total"] == 0
