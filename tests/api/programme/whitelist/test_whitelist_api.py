"""The white list over HTTP (``/api/v1/programme/whitelist``), on SQLite and PostgreSQL: a chain office proposes,
the district decides, the bank sees the push and acknowledges; scope and roles refused with coded errors."""

from __future__ import annotations

from api.harness import Api

from lianrong.accounts import service as accounts
from lianrong.adapters.db import programme_tables as pt
from lianrong.parties import service as parties

BASE = "/programme/whitelist"
CRITERIA = {"debt_ratio": 0.6, "compliant": True, "main_business": "鸡蛋加工", "evidence": "2025年报"}


def _setup(aw) -> tuple[Api, str]:
    """A chain of the API world's chain office, and its operator's API."""
    ctx, base = aw.ctx, aw.world.base
    now = ctx.clock.now()
    chain_id = f"chn_api{base:08d}"
    with ctx.uow() as uow:
        uow.conn.execute(
            pt.chain.insert().values(
                id=chain_id,
                code=f"api{base}",
                name="蛋鸡产业链",
                name_en="egg",
                office_id=aw.ids["chain"],
                key_chain=True,
                description="",
                position=0,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        uow.commit()
    username = f"chain-operator-{base}"
    parties.add_user(
        ctx,
        party=aw.ids["chain"],
        username=username,
        display_name="链办经办",
        role="operator",
        idempotency_key=f"api-{username}",
    )
    return Api(aw.client, accounts.issue_token(ctx, username=username, name="test").token), chain_id


def test_propose_review_push_acknowledge_over_http(fresh_api_world):
    aw = fresh_api_world
    chain_op, chain_id = _setup(aw)
    body = {"core": aw.ids["s1"], "chain": chain_id, "criteria": CRITERIA}
    # a bank may not propose; a viewer may not write
    r = aw.as_("bank_op").post(f"{BASE}/entries", json=body)
    assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", r.text
    assert aw.as_("chain").post(f"{BASE}/entries", json=body).status_code == 403
    bad = chain_op.post(f"{BASE}/entries", json={**body, "criteria": {**CRITERIA, "debt_ratio": 0.9}})
    assert bad.status_code == 422 and bad.json()["code"] == "whitelist.criteria_not_met", bad.text
    r = chain_op.post(f"{BASE}/entries", json=body)
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["status"] == "proposed" and entry["version"] == 1
    # the chain office sees its proposal; the bank does not see a proposal (not found)
    assert [e["id"] for e in chain_op.get(f"{BASE}/entries", params={"status": "proposed"}).json()] == [entry["id"]]
    assert aw.as_("bank_op").get(f"{BASE}/entries/{entry['id']}").status_code == 404
    # the district's administrator decides
    assert aw.as_("district").post(f"{BASE}/entries/{entry['id']}/review", json={"approve": True}).status_code == 403
    r = aw.as_("district_admin").post(f"{BASE}/entries/{entry['id']}/review", json={"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "listed", r.text
    # the bank's push, acknowledged once
    pushes = aw.as_("bank_op").get(f"{BASE}/pushes", params={"pending": True}).json()
    push = next(p for p in pushes if entry["id"] in p["added"])
    r = aw.as_("bank_op").post(f"{BASE}/pushes/{push['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_by"], r.text
    again = aw.as_("bank_ap").post(f"{BASE}/pushes/{push['id']}/acknowledge")
    assert again.status_code == 409 and again.json()["code"] == "whitelist.already_acknowledged"
    assert aw.as_("core_op").get(f"{BASE}/pushes").status_code == 403
    # the entry's page with its versions
    page = aw.as_("bank_op").get(f"{BASE}/entries/{entry['id']}").json()
    assert [v["action"] for v in page["versions"]] == ["propose", "approve"]
    # revoke needs a reason
    r = aw.as_("district_admin").post(f"{BASE}/entries/{entry['id']}/revoke", json={"reason": ""})
    assert r.status_code == 422
    r = aw.as_("district_admin").post(f"{BASE}/entries/{entry['id']}/revoke", json={"reason": "违规"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"


def test_renewal_round_over_http(fresh_api_world):
    aw = fresh_api_world
    admin = aw.as_("district_admin")
    assert aw.as_("bank_op").post(f"{BASE}/rounds", json={}).status_code == 403
    r = admin.post(f"{BASE}/rounds", json={})
    assert r.status_code == 201 and r.json()["cards"] >= 1, r.text
    rid = r.json()["id"]
    assert admin.post(f"{BASE}/rounds", json={}).json()["code"] == "whitelist.round_exists"
    detail = admin.get(f"{BASE}/rounds/{rid}").json()
    card = next(c for c in detail["cards"] if c["core_id"] == aw.ids["core"])
    assert set(card["figures"]) >= {"vouchers_issued", "confirmed_fen", "suppliers_served", "financing_fen"}
    r = admin.post(f"{BASE}/rounds/{rid}/entries/{card['entry_id']}", json={"renew": True})
    assert r.status_code == 200 and r.json()["status"] == "listed", r.text
    r = admin.post(f"{BASE}/rounds/{rid}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    assert [x["id"] for x in admin.get(f"{BASE}/rounds").json()] == [rid]
    assert aw.as_("bank_op").get(f"{BASE}/rounds").status_code == 403
