"""The whole voucher life over HTTP, as the people who do it: issue, transfer, finance, settle."""

from __future__ import annotations

import datetime as dt


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def test_a_voucher_goes_from_issue_to_settlement_over_http(fresh_api_world):
    aw = fresh_api_world
    ids = aw.ids
    core_op, core_ap = aw.as_("core_op"), aw.as_("core_ap")
    s1, s2, bank, district = aw.as_("sup_op"), aw.as_("tier2_op"), aw.as_("bank_ap"), aw.as_("district")
    contract = aw.world.contracts[("core", "s1")]
    line_before = _ok(bank.get("/credit-lines", params={"core": ids["core"]}))["items"][0]

    invoice = _ok(
        core_op.post(
            f"/contracts/{contract}/invoices",
            {"number": "26110000000000999001", "amount_fen": 500_000_00, "issued_on": "2026-11-20"},
        ),
        201,
    )
    prepared = _ok(
        core_op.post(
            "/vouchers",
            {
                "bank": ids["bank"],
                "supplier": ids["s1"],
                "contract_id": contract,
                "invoices": [{"invoice_id": invoice["id"], "amount_fen": 500_000_00}],
                "amount_fen": 500_000_00,
                "maturity_on": "2027-03-15",
            },
        ),
        201,
    )
    assert prepared["status"] == "pending" and prepared["face_fen"] == 500_000_00

    approve_key = "approve-once"
    issued = _ok(core_ap.post(f"/vouchers/{prepared['id']}/approve", key=approve_key))
    replay = _ok(core_ap.post(f"/vouchers/{prepared['id']}/approve", key=approve_key))
    assert replay == issued  # a retry with the same key returns the first result
    root = issued["root_fragment_id"]

    moved = _ok(s1.post(f"/fragments/{root}/transfer", {"parts": [{"recipient": ids["s2"], "amount_fen": 200_000_00}]}))
    part = next(c for c in moved["children"] if c["holder_id"] == ids["s2"])
    assert part["tier"] == 2

    quote = _ok(s2.post("/financings/preview", {"fragment_ids": [part["id"]]}, key=None))
    assert quote["principal_fen"] == 200_000_00 and quote["net_fen"] == quote["principal_fen"] - quote["interest_fen"]
    applied = _ok(s2.post("/financings", {"fragment_ids": [part["id"]]}), 201)
    assert applied["status"] == "applied" and applied["interest_fen"] == quote["interest_fen"]

    # the split report (77号): the bank and the district see the split; a supplier's report is its issues only
    for reader in (bank, district):
        watched = _ok(reader.get("/reports/splits", params={"voucher": prepared["id"]}))
        (row,) = watched["items"]
        assert (row["fragments"], row["transfers"], row["max_tier"], row["depth"]) == (3, 1, 2, 1)
        assert row["findings"] == [] and watched["summary"]["vouchers"] == 1
    assert _ok(s1.get("/reports/splits"))["items"] == []
    assert (
        _ok(bank.get("/reports/splits", params={"voucher": "vch_01NOSUCHVOUCHER000000000000"}), 404)["code"]
        == "voucher.not_found"
    )

    fid = applied["id"]
    _ok(
        bank.post(
            f"/financings/{fid}/review",
            {"approve": True, "checklist": {"contract": True, "invoices": True, "documents": True}},
        )
    )
    _ok(bank.post(f"/financings/{fid}/register", {"registration_no": "ZDW-2026-000123"}))
    paid = _ok(bank.post(f"/financings/{fid}/disburse"))
    assert paid["status"] == "disbursed" and paid["instruction_status"] == "confirmed"

    line = _ok(bank.get("/credit-lines", params={"core": ids["core"]}))["items"][0]
    assert line["occupied_fen"] == line_before["occupied_fen"] + 200_000_00
    detail = _ok(s2.get(f"/financings/{fid}"))
    assert [f["id"] for f in detail["fragments"]] == [part["id"]] and detail["documents"]
    disbursements = _ok(s2.get("/payments", params={"kind": "disbursement"}))["items"]
    assert [(p["payee_id"], p["amount_fen"]) for p in disbursements] == [(ids["s2"], paid["net_fen"])]

    aw.ctx.clock.day = dt.date(2027, 3, 15)
    run = _ok(bank.post("/settlement/runs", {"date": "2027-03-15"}))
    assert run["vouchers"] == 1 and run["instructions"] == 2 and run["confirmed"] == 2 and not run["overdue"]

    voucher = _ok(core_op.get(f"/vouchers/{prepared['id']}"))
    assert voucher["status"] == "settled" and voucher["amounts_by_status"] == {
        "spent": 500_000_00,
        "settled": 500_000_00,
    }
    assert _ok(s2.get(f"/financings/{fid}"))["status"] == "repaid"
    line_after = _ok(bank.get("/credit-lines", params={"core": ids["core"]}))["items"][0]
    assert line_after["occupied_fen"] == line_before["occupied_fen"]
    tree = _ok(district.get(f"/vouchers/{prepared['id']}/tree"))
    assert tree["fragments"] == 3 and [n["parent_id"] for n in tree["nodes"][1:]] == [tree["root"]] * 2
    audit = _ok(district.get("/audit/verify"))
    assert audit["ok"] is True and audit["counts"]["voucher"] >= 1
