"""Restrictions over HTTP: the district office records and lifts them, an organisation reads its own, and the
engine's refusal names the restriction."""

from __future__ import annotations


def test_the_district_records_a_restriction_the_party_sees_it_and_a_transfer_to_it_is_refused_until_lifted(
    api_world,
):
    aw = api_world
    district = aw.as_("district_admin")
    made = district.post(
        f"/parties/{aw.ids['s2']}/restrictions",
        json={"action": "receive", "kind": "blacklist", "reason": "失信被执行人", "source": "blacklist:blk_api"},
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert (entry["action"], entry["source"], entry["lifted_at"]) == ("receive", "blacklist:blk_api", None)
    assert entry["created_at"].endswith(("+00:00", "Z"))
    mine = aw.as_("tier2_op").get("/restrictions")
    assert [r["id"] for r in mine.json()] == [entry["id"]]
    assert aw.as_("other_sup").get("/restrictions").json() == []
    assert entry["id"] in {r["id"] for r in district.get("/restrictions", params={"party": aw.ids["s2"]}).json()}
    lifted = district.post(f"/restrictions/{entry['id']}/lift", json={"reason": "信用修复"})
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lift_reason"] == "信用修复" and lifted.json()["lifted_at"]


def test_only_the_district_office_may_restrict_and_bad_input_is_a_coded_refusal(api_world):
    aw = api_world
    body = {"action": "receive", "kind": "blacklist", "reason": "x"}
    for role in ("bank_ap", "core_ap", "sup_op"):
        r = aw.as_(role).post(f"/parties/{aw.ids['s3']}/restrictions", json=body)
        assert r.status_code == 403, (role, r.text)
    district = aw.as_("district_admin")
    assert district.post("/parties/ent_nobody/restrictions", json=body).status_code == 404
    for bad in (
        {"action": "fly"},
        {"kind": "Black List"},
        {"reason": ""},
        {"valid_from": "2027-01-10", "valid_until": "2027-01-09"},
    ):
        r = district.post(f"/parties/{aw.ids['s3']}/restrictions", json={**body, **bad})
        assert r.status_code in (400, 422), (bad, r.text)
        assert r.json()["code"] == "validation.failed", r.json()
    assert district.get("/restrictions", params={"party": aw.ids["s3"]}).json() == []
    assert district.post("/restrictions/rst_nothing/lift", json={"reason": "x"}).status_code == 404
