"""Knowing a file's SHA-256 is not enough: a file is linked only by an organisation that uploaded it (or is a
party of a record carrying it), read only by those who may see a record carrying it and by its uploaders,
and neither linking nor uploading tells whether another organisation stored the same bytes."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from factories import TODAY

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _upload(api, content: bytes, name: str) -> dict:
    r = api.post("/attachments", files={"file": (name, content, "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()


def _contract(aw, role: str, buyer: str, seller: str, number: str, attachments: list[str]):
    return aw.as_(role).post(
        "/contracts",
        json={
            "buyer": aw.ids[buyer],
            "seller": aw.ids[seller],
            "number": number,
            "amount_fen": 1_000_00,
            "signed_on": TODAY.isoformat(),
            "due_on": "2027-06-30",
            "non_cash_agreed": True,
            "attachments": attachments,
        },
    )


def _same_refusal(a, b) -> None:
    """Two refusals that tell nothing apart: status, code, the message but for the hash, the details' keys."""
    assert a.status_code == b.status_code == 404
    ja, jb = a.json(), b.json()
    assert ja["code"] == jb["code"] == "attachment.not_found"
    sa, sb = ja["details"]["id"], jb["details"]["id"]
    assert ja["message_en"].replace(sa, "<sha>") == jb["message_en"].replace(sb, "<sha>")
    assert ja["message_zh"].replace(sa, "<sha>") == jb["message_zh"].replace(sb, "<sha>")
    assert set(ja["details"]) == set(jb["details"])


def test_attaching_another_party_s_file_by_hash_answers_as_an_unknown_file(fresh_api_world):
    aw = fresh_api_world
    secret = PDF + b"% the core's own contract scan\n"
    sha = _upload(aw.as_("core_op"), secret, "峪口-机密合同.pdf")["sha256"]
    unknown = hashlib.sha256(b"never stored").hexdigest()
    # s4 records a contract of its own (s4 buys from s3) and names the core's file by its hash
    stolen = _contract(aw, "other_sup", "s4", "s3", "HT-STEAL-1", [sha])
    missing = _contract(aw, "other_sup", "s4", "s3", "HT-STEAL-2", [unknown])
    _same_refusal(stolen, missing)
    # nothing was recorded, and the file stays out of s4's reach
    assert aw.as_("other_sup").get("/contracts", params={"buyer": aw.ids["s4"]}).json()["total"] == 0
    _same_refusal(aw.as_("other_sup").get(f"/attachments/{sha}"), aw.as_("other_sup").get(f"/attachments/{unknown}"))
    # the same through an invoice under a contract s4 is party to
    own = _contract(aw, "other_sup", "s4", "s3", "HT-OWN-1", []).json()["id"]
    inv = {"number": "26117000000055555555", "amount_fen": 1_00, "issued_on": TODAY.isoformat()}
    _same_refusal(
        aw.as_("other_sup").post(f"/contracts/{own}/invoices", json={**inv, "attachments": [sha]}),
        aw.as_("other_sup").post(f"/contracts/{own}/invoices", json={**inv, "attachments": [unknown]}),
    )


def test_an_outsider_downloads_nothing_and_the_uploader_and_the_record_s_parties_do(fresh_api_world):
    aw = fresh_api_world
    content = PDF + b"% contract core-s1\n"
    sha = _upload(aw.as_("core_op"), content, "合同-峪口-包装.pdf")["sha256"]
    r = _contract(aw, "core_op", "core", "s1", "HT-SHARED-1", [sha])
    assert r.status_code == 201, r.text
    for role in ("core_op", "core_ap", "sup_op"):  # the uploader's organisation, the contract's other party
        got = aw.as_(role).get(f"/attachments/{sha}")
        assert got.status_code == 200 and got.content == content, role
        assert f"filename*=UTF-8''{quote('合同-峪口-包装.pdf', safe='')}" in got.headers["content-disposition"]
    for role in ("other_sup", "tier2_op"):
        assert aw.as_(role).get(f"/attachments/{sha}").status_code == 404, role


def test_a_party_of_a_record_carrying_a_file_may_link_it_and_its_name_stays_the_trade_s(fresh_api_world):
    aw = fresh_api_world
    content = PDF + b"% delivery note\n"
    # s4 happens to hold the same bytes under a name of its own, stored first
    assert _upload(aw.as_("other_sup"), content, "s4-private-name.pdf")["reused"] is False
    sha = _upload(aw.as_("core_op"), content, "送货单.pdf")["sha256"]
    assert _contract(aw, "core_op", "core", "s1", "HT-NOTE-1", [sha]).status_code == 201
    # s1 is a party of that contract: it may attach the file to its own contract with s2
    r = _contract(aw, "sup_op", "s1", "s2", "HT-NOTE-2", [sha])
    assert r.status_code == 201, r.text
    got = aw.as_("tier2_op").get(f"/attachments/{sha}")
    assert got.status_code == 200
    disposition = got.headers["content-disposition"]
    assert quote("送货单.pdf", safe="") in disposition and "s4-private-name" not in disposition
    detail = aw.as_("tier2_op").get(f"/contracts/{r.json()['id']}").json()
    assert [a["filename"] for a in detail["attachments"]] == ["送货单.pdf"]


def test_re_uploading_does_not_reveal_another_party_s_file(fresh_api_world):
    aw = fresh_api_world
    content = PDF + b"% uploaded by the core first\n"
    first = _upload(aw.as_("core_op"), content, "a.pdf")
    assert first["reused"] is False
    again = _upload(aw.as_("other_sup"), content, "b.pdf")
    assert again == {**first, "reused": False}  # as for bytes nobody stored
    assert _upload(aw.as_("other_sup"), content, "b.pdf")["reused"] is True  # its own, uploaded before
    # and s4's upload makes the file readable to s4 (it has the bytes), under s4's own name
    got = aw.as_("other_sup").get(f"/attachments/{first['sha256']}")
    assert got.status_code == 200 and 'filename="b.pdf"' in got.headers["content-disposition"]


def test_a_contract_naming_another_enterprise_is_unconfirmed_until_that_enterprise_confirms_it(fresh_api_world):
    aw = fresh_api_world
    made = _contract(aw, "core_op", "core", "s1", "HT-CONFIRM-1", [])
    assert made.status_code == 201 and made.json()["status"] == "unconfirmed"
    cid = made.json()["id"]
    shown = {c["id"]: c for c in aw.as_("sup_op").get("/contracts", params={"buyer": aw.ids["core"]}).json()["items"]}
    assert shown[cid]["status"] == "unconfirmed" and shown[cid]["recorded_by"] == aw.ids["core"]
    assert aw.as_("core_op").post(f"/contracts/{cid}/confirm").json()["code"] == "auth.forbidden"  # not its own
    outsider = aw.as_("other_sup").post(f"/contracts/{cid}/confirm")
    assert outsider.status_code == 404 and outsider.json()["code"] == "contract.not_found"
    confirmed = aw.as_("sup_op").post(f"/contracts/{cid}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert aw.as_("core_op").get(f"/contracts/{cid}").json()["contract"]["status"] == "confirmed"
