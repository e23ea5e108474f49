"""The black list's API: the district's maker–checker over HTTP, and scope (another's entry, archive or repair
is 404; a wrong kind of organisation 403)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from programme_factories import Programme

from lianrong.accounts import service as accounts
from lianrong.entrypoints.api.app import create_app

BASE = "/api/v1/programme/blacklist"


@pytest.fixture
def api(world):
    prog = Programme(world)
    prog.chain("egg")
    prog.member("egg", "s2")
    client = TestClient(create_app(world.ctx, console=False))

    def as_(org: str, role: str = "operator"):
        token = accounts.issue_token(world.ctx, username=f"{org}-{role}-{world.base}", name="test").token

        def call(method: str, path: str, json=None):
            headers = {"Authorization": f"Bearer {token}"}
            if method == "POST":
                headers["Idempotency-Key"] = f"t-{uuid.uuid4()}"
            return client.request(method, BASE + path, json=json, headers=headers)

        return call

    with client:
        yield world, as_


def test_the_district_lists_an_entry_and_scope_decides_who_sees_it(api):
    world, as_ = api
    op, ap = as_("district"), as_("district", "approver")
    body = {
        "subject": "enterprise",
        "party": world.ids["s2"],
        "source": "court",
        "severity": "serious",
        "reason": "失信被执行人",
    }
    r = op("POST", "", body)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    assert r.json()["status"] == "proposed"
    assert as_("core")("POST", "", body).status_code == 403
    assert op("POST", f"/{entry_id}/approve", {}).status_code == 403  # an operator does not decide
    r = ap("POST", f"/{entry_id}/approve", {})
    assert r.status_code == 200 and r.json()["status"] == "listed", r.text
    detail = op("GET", f"/{entry_id}").json()
    assert {x["action"] for x in detail["restrictions"]} == {"issue", "receive", "finance"}
    assert [x["id"] for x in as_("bank")("GET", "").json()] == [entry_id]
    assert [x["id"] for x in as_("s2")("GET", "").json()] == [entry_id]
    assert as_("s3")("GET", "").json() == []
    assert as_("s3")("GET", f"/{entry_id}").status_code == 404
    assert as_("s3")("GET", f"/archive/{world.ids['s2']}").status_code == 404
    assert as_("bank")("GET", f"/archive/{world.ids['s2']}").status_code == 404
    archive = as_("s2")("GET", f"/archive/{world.ids['s2']}")
    assert archive.status_code == 200 and archive.json()["entries"][0]["entry"]["id"] == entry_id
    assert archive.json()["alerts"] == []
    bad = op(
        "POST",
        "",
        {
            **body,
            "subject": "principal",
            "party": None,
            "principal_name": "李四",
            "principal_id_no": "110105194912310021",
            "principal_role": "legal_representative",
        },
    )
    assert bad.status_code == 422 and bad.json()["code"] == "blacklist.id_number_invalid"


def test_a_repair_over_http_and_its_scope(api):
    world, as_ = api
    op, ap = as_("district"), as_("district", "approver")
    e = op(
        "POST",
        "",
        {"subject": "enterprise", "party": world.ids["s2"], "source": "tax", "severity": "minor", "reason": "r"},
    ).json()
    ap("POST", f"/{e['id']}/approve", {})
    assert as_("s3")("POST", "/repairs", {"entry_id": e["id"], "statement": "s"}).status_code == 404
    assert as_("bank")("POST", "/repairs", {"entry_id": e["id"], "statement": "s"}).status_code == 403
    r = as_("s2")("POST", "/repairs", {"entry_id": e["id"], "statement": "已纠正"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert as_("s3")("GET", f"/repairs/{rid}").status_code == 404
    assert as_("office-egg")("POST", f"/repairs/{rid}/endorse", {}).status_code == 200
    assert op("POST", f"/repairs/{rid}/review", {"opinion": "同意"}).status_code == 200
    refused = ap("POST", f"/repairs/{rid}/approve", {})
    assert refused.status_code == 422 and refused.json()["code"] == "credit_repair.minimum_period"
    assert [s["action"] for s in as_("s2")("GET", f"/repairs/{rid}").json()["steps"]] == ["apply", "endorse", "review"]
