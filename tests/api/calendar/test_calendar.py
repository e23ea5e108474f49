"""The official calendar over HTTP: the API (`/calendar/days`) and the district console page, on SQLite and
PostgreSQL. The district office's administrator loads the State Council's schedule; others are refused."""

from __future__ import annotations

import datetime as dt
import re

from api.harness import PASSWORD
from factories import key
from fastapi.testclient import TestClient

from lianrong.adapters.db import tables as t
from lianrong.vouchers import issuance as issuance

SPRING = "日期,类型,名称\n" + "".join(f"2027-02-{d:02d},休,春节\n" for d in range(6, 14)) + "2027-02-21,班,春节\n"


def _csv(text: str) -> dict:
    return {"files": {"file": ("holidays-2027.csv", text.encode(), "text/csv")}}


def _overrides(aw) -> list:
    with aw.ctx.uow(readonly=True) as uow:
        return list(uow.conn.execute(t.calendar_override.select().order_by(t.calendar_override.c.day)))


def test_the_district_administrator_loads_official_days_over_the_api(fresh_api_world):
    aw = fresh_api_world
    rolled = issuance.prepare(
        aw.ctx,
        actor=aw.world.user("core"),
        bank=aw.ids["bank"],
        supplier=aw.ids["s1"],
        contract_id=aw.world.contracts[("core", "s1")],
        invoices=[{"invoice_id": aw.world.invoice(1000_00), "amount_fen": 1000_00}],
        amount_fen=1000_00,
        maturity_on=dt.date(2027, 2, 6),
        idempotency_key=key(),
    )
    for role in ("bank_op", "bank_ap", "core_op", "sup_op", "district", "chain"):
        r = aw.as_(role).post("/calendar/days", **_csv(SPRING))
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", (role, r.text)
    assert aw.as_("anon").post("/calendar/days", **_csv(SPRING)).status_code == 401
    assert _overrides(aw) == []

    bad = aw.as_("district_admin").post(
        "/calendar/days", **_csv("date,kind,name\n2027-02-06,休,春节\n2027-02-31,班,x\n")
    )
    assert bad.status_code == 422 and bad.json()["code"] == "calendar.file_invalid", bad.text
    assert [(p["row"], p["column"]) for p in bad.json()["details"]["rows"]] == [(3, "date")]
    assert _overrides(aw) == []

    r = aw.as_("district_admin").post("/calendar/days", **_csv(SPRING))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["inserted"], body["unchanged"], body["first"], body["last"]) == (
        9,
        9,
        0,
        "2027-02-06",
        "2027-02-21",
    )
    assert body["vouchers"] == [
        {
            "id": rolled.id,
            "number": rolled.number,
            "status": "pending",
            "requested_maturity": "2027-02-06",
            "maturity_on": "2027-02-08",
            "would_be": "2027-02-15",
        }
    ]
    again = aw.as_("district_admin").post("/calendar/days", **_csv(SPRING)).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 9)
    assert len(_overrides(aw)) == 9

    page = aw.as_("sup_op").get("/calendar/days", params={"year": 2027, "limit": 5})
    assert page.status_code == 200, page.text
    listed = page.json()
    assert listed["total"] == 9 and len(listed["items"]) == 5
    assert listed["items"][0] == {"day": "2027-02-06", "kind": "holiday", "workday": False, "name": "春节"}
    assert aw.as_("anon").get("/calendar/days").status_code == 401


def _console(aw, role: str) -> TestClient:
    client = TestClient(aw.client.app)
    r = client.post("/api/v1/auth/login", json={"username": aw.usernames[role], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_district_console_page_loads_and_shows_official_days(fresh_api_world):
    aw = fresh_api_world
    rolled = issuance.prepare(
        aw.ctx,
        actor=aw.world.user("core"),
        bank=aw.ids["bank"],
        supplier=aw.ids["s1"],
        contract_id=aw.world.contracts[("core", "s1")],
        invoices=[{"invoice_id": aw.world.invoice(1000_00), "amount_fen": 1000_00}],
        amount_fen=1000_00,
        maturity_on=dt.date(2027, 2, 6),
        idempotency_key=key(),
    )
    admin = _console(aw, "district_admin")
    page = admin.get("/overview/calendar")
    assert page.status_code == 200, page.text
    assert "法定节假日" in page.text and 'data-testid="form-calendar"' in page.text
    assert 'data-testid="nav-overview-calendar"' in page.text and 'data-testid="empty"' in page.text

    bad = admin.post(
        "/overview/calendar",
        data={"csrf_token": _csrf(page.text), "idempotency_key": _key(page.text)},
        files={"file": ("h.csv", "2027-02-06,放假,春节\n".encode(), "text/csv")},
    )
    assert bad.status_code == 422 and 'data-code="calendar.file_invalid"' in bad.text, bad.text
    assert 'data-testid="form-error-items"' in bad.text and _overrides(aw) == []

    done = admin.post(
        "/overview/calendar",
        data={"csrf_token": _csrf(page.text), "idempotency_key": _key(page.text)},
        files={"file": ("h.csv", SPRING.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/overview/calendar", done.text
    shown = admin.get("/overview/calendar").text
    assert shown.count('data-testid="row-calendar-day"') == 9
    assert 'data-date="2027-02-21" data-kind="workday"' in shown and "调休上班" in shown
    change = re.search(r'<tr data-testid="row-maturity-change" data-id="([^"]+)">(.*?)</tr>', shown)
    assert change and change.group(1) == rolled.id and "2027-02-15" in change.group(2), shown
    assert "新增9天" in shown  # the one-time message

    admin.cookies.set("lr_lang", "en")
    english = admin.get("/overview/calendar").text
    assert "Official holidays" in english and "Make-up workday" in english and "Would now be" in english

    # the chain office sees the days but is offered no upload; a forged upload is refused by the service
    chain = _console(aw, "chain")
    chain_page = chain.get("/overview/calendar")
    assert chain_page.status_code == 200 and 'data-date="2027-02-21"' in chain_page.text
    assert 'data-testid="form-calendar"' not in chain_page.text
    assert 'data-testid="form-calendar"' in admin.get("/overview/calendar").text
    refused = chain.post(
        "/overview/calendar",
        data={"csrf_token": _csrf(chain_page.text), "idempotency_key": "web-test-chain-calendar"},
        files={"file": ("h.csv", "2027-10-01,休,国庆节\n".encode(), "text/csv")},
    )
    assert refused.status_code == 403 and "auth.forbidden" in refused.text
    assert len(_overrides(aw)) == 9
    # other areas cannot open it
    assert _console(aw, "bank_op").get("/overview/calendar").status_code == 403
