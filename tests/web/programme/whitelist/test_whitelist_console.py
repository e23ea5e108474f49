"""The white list in the console, on the demo: the district reviews proposals (maker–checker), revokes with a
reason, sees rounds and cards; the chain office proposes; the bank acknowledges pushes. Only allowed actions are
shown. The module's demo database is its own copy: these tests write."""

from __future__ import annotations

import re

from ledger_asserts import party_by_short_name as _party
from sqlalchemy import select

from lianrong.adapters.db import programme_tables as pt

HOME = "/programme/whitelist"


def _entry(ctx, short_name: str):
    with ctx.engine.connect() as conn:
        return conn.execute(
            select(pt.whitelist_entry).where(pt.whitelist_entry.c.core_id == _party(ctx, short_name))
        ).first()


def _post(client, csrf_of, page_path: str, path: str, data: dict, key: str):
    page = client.get(page_path)
    return client.post(
        path, data={"csrf_token": csrf_of(page.text), "idempotency_key": key, **data}, follow_redirects=False
    )


def test_district_sees_proposals_list_and_rounds(login):
    page = login("district_ap").get(HOME)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-testid="row-proposal"' in html and "谷丰饲料" in html
    assert 'data-testid="form-review"' in html  # the approver decides
    assert 'data-status="listed"' in html and 'data-status="revoked"' in html
    assert 'data-testid="row-round"' in html and 'data-testid="form-propose"' in html
    # a viewer of the district sees the same list but no action
    viewer = login("district").get(HOME).text
    assert 'data-testid="row-proposal"' in viewer and 'data-testid="form-review"' not in viewer
    assert 'data-testid="form-propose"' not in viewer
    # the chain office proposes but does not decide
    chain = login("chain_op").get(HOME).text
    assert 'data-testid="form-propose"' in chain and 'data-testid="form-review"' not in chain


def test_other_areas_may_not_open_the_overseer_pages(login):
    assert login("feed_op").get(HOME).status_code == 403
    assert login("icbc_op").get(HOME).status_code == 403
    assert login("district_ap").get("/bank/whitelist").status_code == 403


def test_reject_needs_a_reason_then_approve_publishes(console, login, csrf_of):
    ctx, client = console.ctx, login("district_ap")
    feed = _entry(ctx, "谷丰饲料")
    r = _post(client, csrf_of, HOME, f"{HOME}/{feed.id}/review", {"decision": "reject", "reason": ""}, "web-wl-1")
    assert r.status_code == 422 and 'data-testid="error-reason"' in r.text
    r = _post(client, csrf_of, HOME, f"{HOME}/{feed.id}/review", {"decision": "approve"}, "web-wl-2")
    assert r.status_code == 303 and r.headers["location"] == f"{HOME}/{feed.id}"
    assert _entry(ctx, "谷丰饲料").status == "listed"
    page = client.get(f"{HOME}/{feed.id}").text
    assert [m for m in re.findall(r'data-action="(\w+)"', page)] == ["propose", "approve"]
    assert 'data-testid="note-existing-vouchers"' in page and 'data-testid="form-revoke"' in page


def test_the_proposer_may_not_decide(console, login, csrf_of):
    ctx, client = console.ctx, login("district_ap")
    entry = _entry(ctx, "绿源蛋品")  # revoked in the demo's round: proposed again by the district's approver
    data = {
        "core_id": entry.core_id,
        "chain_id": entry.chain_id,
        "debt_ratio": "60",
        "compliant": "1",
        "main_business": "鲜蛋分级包装",
    }
    r = _post(client, csrf_of, HOME, HOME, data, "web-wl-3")
    assert r.status_code == 303, r.text
    r = _post(client, csrf_of, HOME, f"{HOME}/{entry.id}/review", {"decision": "approve"}, "web-wl-4")
    assert r.status_code == 422 and 'data-code="whitelist.same_user"' in r.text
    assert _entry(ctx, "绿源蛋品").status == "proposed"


def test_criteria_refused_on_the_form(console, login, csrf_of):
    entry = _entry(console.ctx, "峪口禽业")
    data = {
        "core_id": _party(console.ctx, "冷链物流"),
        "chain_id": entry.chain_id,
        "debt_ratio": "85",
        "compliant": "1",
        "main_business": "冷链运输",
    }
    r = _post(login("chain_op"), csrf_of, HOME, HOME, data, "web-wl-5")
    assert r.status_code == 422 and 'data-code="whitelist.criteria_not_met"' in r.text


def test_revoke_with_a_reason(console, login, csrf_of):
    ctx, client = console.ctx, login("district_ap")
    yukou = _entry(ctx, "峪口禽业")
    page = f"{HOME}/{yukou.id}"
    r = _post(client, csrf_of, page, f"{page}/revoke", {"reason": ""}, "web-wl-6")
    assert r.status_code == 422 and 'data-testid="error-reason"' in r.text
    r = _post(client, csrf_of, page, f"{page}/revoke", {"reason": "测试撤销"}, "web-wl-7")
    assert r.status_code == 303
    html = client.get(page).text
    assert "测试撤销" in html and 'data-testid="form-revoke"' not in html


def test_round_page_shows_cards_with_figures(login):
    client = login("district_ap")
    rid = re.search(r'href="/programme/whitelist/rounds/(wlr_\w+)"', client.get(HOME).text).group(1)
    html = client.get(f"{HOME}/rounds/{rid}").text
    assert html.count('data-testid="row-card"') == 2
    assert 'data-testid="fig-confirmed"' in html and 'data-testid="form-decide"' not in html  # closed


def test_bank_sees_the_list_and_acknowledges_a_push(console, login, csrf_of):
    client = login("icbc_op")
    html = client.get("/bank/whitelist").text
    assert 'data-testid="table-whitelist"' in html
    pending = re.findall(r'data-testid="row-push" data-id="(wlp_\w+)" data-acknowledged="no"', html)
    assert pending and 'data-testid="submit-acknowledge"' in html
    r = _post(client, csrf_of, "/bank/whitelist", f"/bank/whitelist/pushes/{pending[0]}/acknowledge", {}, "web-wl-8")
    assert r.status_code == 303
    html = client.get("/bank/whitelist").text
    assert f'data-id="{pending[0]}" data-acknowledged="yes"' in html
    assert client.get("/bank/whitelist/" + _entry(console.ctx, "峪口禽业").id).status_code == 200


def test_pages_in_english(login):
    html = login("district_ap", lang="en").get(HOME).text
    assert "Core-enterprise white list" in html
