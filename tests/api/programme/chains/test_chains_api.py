"""Chains over HTTP (``/api/v1/programme/chains…``): routes, scope as 404, the workbook round trip; SQLite and
PostgreSQL."""

from __future__ import annotations

import io

from factories import key, uscc
from openpyxl import Workbook

from lianrong.platform.context import SYSTEM
from lianrong.programme.chains import service as chains

BASE = "/programme/chains"


def _chain(aw, code: str, office: str) -> str:
    c = chains.create_chain(
        aw.ctx,
        actor=SYSTEM,
        code=f"{code}{aw.world.base}",
        name=f"{code}产业链",
        name_en=code,
        office=office,
        idempotency_key=key(),
    )
    return c.id


def _office(aw, n: int) -> str:
    from lianrong.parties import service as parties

    return parties.register_party(
        aw.ctx,
        kind="chain_office",
        uscc=uscc(aw.world.base * 10 + n, prefix="1111011700"),
        name=f"链办{n}-{aw.world.base}",
        idempotency_key=key(),
    ).id


def test_chains_over_http_with_scope(fresh_api_world):
    aw = fresh_api_world
    ids = aw.ids
    admin = aw.as_("district_admin")
    r = admin.post(
        BASE,
        json={
            "code": f"egg{aw.world.base}",
            "name": "蛋鸡鸡蛋产业链",
            "name_en": "Egg",
            "office": ids["chain"],
            "key_chain": True,
        },
    )
    assert r.status_code == 201, r.text
    egg = r.json()["id"]
    other = _chain(aw, "pig", _office(aw, 7))
    for role in ("bank_op", "core_op", "sup_op"):
        assert (
            aw.as_(role)
            .post(BASE, json={"code": "x1", "name": "x", "name_en": "x", "office": ids["chain"]})
            .status_code
            == 403
        )
    assert (
        aw.as_("district")
        .post(BASE, json={"code": "x1", "name": "x", "name_en": "x", "office": ids["chain"]})
        .status_code
        == 403
    )  # a viewer

    r = admin.post(f"{BASE}/{egg}/members", json={"party": ids["core"], "role": "leader", "tier": 0})
    assert r.status_code == 201, r.text
    r = admin.post(f"{BASE}/{egg}/members", json={"party": ids["s1"], "role": "supplier", "tier": 1})
    assert r.status_code == 201
    bad = admin.post(f"{BASE}/{egg}/members", json={"party": ids["s2"], "role": "leader", "tier": 3})
    assert bad.status_code == 422 and bad.json()["code"] == "chain.leader_tier"
    r = admin.post(f"{BASE}/{egg}/members/{ids['s1']}", json={"tier": 2})
    assert r.status_code == 200 and r.json()["tier"] == 2

    # the chain's own office, the district, banks and members read it; outsiders get 404
    for role in ("chain", "district", "bank_op", "core_op", "sup_op"):
        r = aw.as_(role).get(f"{BASE}/{egg}")
        assert r.status_code == 200, (role, r.text)
    for role in ("other_sup", "tier2_op"):
        r = aw.as_(role).get(f"{BASE}/{egg}")
        assert r.status_code == 404 and r.json()["code"] == "chain.not_found", role
    assert aw.as_("chain").get(f"{BASE}/{other}").status_code == 404  # another office's chain
    assert aw.as_("district").get(f"{BASE}/{other}").status_code == 200
    assert aw.as_("district").get(f"{BASE}/chn_nothing").status_code == 404
    page = aw.as_("district").get(f"{BASE}/{egg}").json()
    assert page["chain"]["members"] == 2 and page["by_tier"] == {"0": 1, "2": 1}
    edge = next(e for e in page["edges"] if e["source"] == ids["s1"])
    assert edge["target"] == ids["core"] and edge["contracts"] == 1
    assert all(e["contract_fen"] is None for e in aw.as_("bank_op").get(f"{BASE}/{egg}").json()["edges"])

    lists = {
        role: [c["id"] for c in aw.as_(role).get(BASE).json()] for role in ("chain", "sup_op", "other_sup", "bank_op")
    }
    assert lists["chain"] == [egg] and lists["sup_op"] == [egg] and lists["other_sup"] == []
    assert {egg, other} <= set(lists["bank_op"])

    r = aw.as_("bank_op").get(f"{BASE}/memberships/{ids['s1']}")
    assert r.status_code == 200 and [m["chain_id"] for m in r.json()] == [egg]
    assert aw.as_("other_sup").get(f"{BASE}/memberships/{ids['s1']}").status_code == 404

    r = admin.post(f"{BASE}/{egg}/members/{ids['s1']}/leave", json={})
    assert r.status_code == 200 and r.json()["left_on"]
    assert aw.as_("sup_op").get(f"{BASE}/{egg}").status_code == 404  # a former member no longer reads it
    r = admin.post(f"{BASE}/{egg}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert aw.as_("bank_op").get(f"{BASE}/{egg}").status_code == 404  # banks read active chains only


def _book(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "角色", "层级"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_members_workbook_over_http(fresh_api_world):
    aw = fresh_api_world
    egg = _chain(aw, "egg", aw.ids["chain"])
    admin = aw.as_("district_admin")
    bad = _book([[uscc(aw.world.base + 70), "好", "supplier", 1], ["123", "坏", "supplier", 1]])
    files = {"file": ("m.xlsx", bad, "application/octet-stream")}
    r = admin.post(f"{BASE}/{egg}/members.xlsx", files=files)
    assert r.status_code == 422 and r.json()["code"] == "excel.import_invalid"
    assert [(p["row"], p["column"]) for p in r.json()["details"]["rows"]] == [(3, "uscc")]
    assert aw.as_("district").get(f"{BASE}/{egg}").json()["chain"]["members"] == 0  # nothing half-imported
    good = _book([[uscc(aw.world.base + 70), "北京新蛋品有限公司", "经销商", 2]])
    r = admin.post(f"{BASE}/{egg}/members.xlsx", files={"file": ("m.xlsx", good, "application/octet-stream")})
    assert r.status_code == 200 and r.json()["added"] == 1 and r.json()["registered"] == 1, r.text
    r = aw.as_("chain").get(f"{BASE}/{egg}/members.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert aw.as_("other_sup").get(f"{BASE}/{egg}/members.xlsx").status_code == 404
    assert (
        aw.as_("bank_op").post(f"{BASE}/{egg}/members.xlsx", files={"file": ("m.xlsx", good, "x")}).status_code == 403
    )
