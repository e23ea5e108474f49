"""Logging in, sessions, CSRF, API tokens and the rate limit, over HTTP (login throttling:
``test_login_throttle.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from api.harness import PASSWORD, Api
from fastapi.testclient import TestClient

from lianrong.accounts import service as accounts
from lianrong.entrypoints.api.app import create_app


def _login(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def _browser(aw) -> TestClient:
    """A client of its own, so the session cookie it gets is not shared with other callers."""
    return TestClient(aw.client.app)


def test_login_sets_an_http_only_lax_session_cookie_and_returns_the_csrf_token(fresh_api_world):
    aw = fresh_api_world
    browser = _browser(aw)
    r = _login(browser, aw.usernames["core_op"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["username"] == aw.usernames["core_op"] and body["user"]["is_core"] is True
    assert body["user"]["auth"] == "session" and len(body["csrf_token"]) >= 32
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("lr_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development; see the next test
    me = browser.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["auth"] == "session"


def test_the_cookie_is_secure_when_the_settings_say_so(api_world):
    ctx = dataclasses.replace(
        api_world.ctx, settings=api_world.ctx.settings.model_copy(update={"session_cookie_secure": True})
    )
    r = _login(TestClient(create_app(ctx, console=False)), api_world.usernames["sup_op"])
    assert r.status_code == 200 and "Secure" in r.headers["set-cookie"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(api_world):
    for username in (api_world.usernames["bank_op"], "nobody-at-all"):
        r = _login(_browser(api_world), username, "wrong-password-1")
        assert r.status_code == 401 and r.json()["code"] == "auth.login_failed"


def test_a_cookie_change_without_the_csrf_header_is_refused(fresh_api_world):
    aw = fresh_api_world
    browser = _browser(aw)
    csrf = _login(browser, aw.usernames["sup_op"]).json()["csrf_token"]
    url = "/api/v1/auth/tokens"
    refused = browser.post(url, json={"name": "no header"})
    assert refused.status_code == 403 and refused.json()["code"] == "auth.csrf"
    wrong = browser.post(url, json={"name": "wrong header"}, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "auth.csrf"
    ok = browser.post(url, json={"name": "with header"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    # a mutating domain call too: the header is checked before anything else
    change = browser.post(
        "/api/v1/attachments",
        files={"file": ("a.pdf", b"%PDF-1.4 csrf", "application/pdf")},
        headers={"Idempotency-Key": "csrf-1"},
    )
    assert change.status_code == 403 and change.json()["code"] == "auth.csrf"
    # reads need no token
    assert browser.get("/api/v1/vouchers").status_code == 200


def test_bearer_requests_need_no_csrf_token(api_world):
    made = accounts.issue_token(api_world.ctx, username=api_world.usernames["sup_op"], name="to revoke")
    r = api_world.as_("sup_op").delete(f"/auth/tokens/{made.id}")
    assert r.status_code == 200 and r.json() == {"id": made.id, "revoked": True}


def test_a_session_expires_after_eight_hours(fresh_api_world):
    aw = fresh_api_world
    browser = _browser(aw)
    assert _login(browser, aw.usernames["bank_ap"]).status_code == 200
    assert browser.get("/api/v1/auth/me").status_code == 200
    aw.ctx.clock.day += dt.timedelta(days=1)  # the fixed clock reads 09:00: a day later is 24 h on
    r = browser.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.json()["code"] == "auth.required"


def test_logout_ends_the_session(fresh_api_world):
    aw = fresh_api_world
    browser = _browser(aw)
    csrf = _login(browser, aw.usernames["core_ap"]).json()["csrf_token"]
    assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_a_revoked_token_no_longer_authenticates(api_world):
    made = accounts.issue_token(api_world.ctx, username=api_world.usernames["other_sup"], name="short-lived")
    mine = Api(api_world.client, made.token)
    assert mine.get("/auth/me").status_code == 200
    assert mine.delete(f"/auth/tokens/{made.id}").json() == {"id": made.id, "revoked": True}
    r = mine.get("/auth/me")
    assert r.status_code == 401 and r.json()["code"] == "auth.required"
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_malformed_or_unknown_credentials_are_refused(api_world):
    for header in ("Bearer lrt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "lrt_x"):
        r = api_world.client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["code"] == "auth.required", header
    browser = _browser(api_world)
    browser.cookies.set("lr_session", "forged")
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_the_rate_limit_answers_429_with_retry_after(api_world):
    ctx = dataclasses.replace(
        api_world.ctx, settings=api_world.ctx.settings.model_copy(update={"api_rate_limit_per_minute": 3})
    )
    client = TestClient(create_app(ctx, console=False))
    bank, sup = Api(client, api_world.tokens["bank_op"]), Api(client, api_world.tokens["sup_op"])
    assert [bank.get("/auth/me").status_code for _ in range(3)] == [200, 200, 200]
    r = bank.get("/auth/me")
    assert r.status_code == 429 and r.json()["code"] == "rate.limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert sup.get("/auth/me").status_code == 200  # per principal: another user has its own window
    anon = Api(client)
    assert [anon.get("/vouchers").status_code for _ in range(4)] == [401, 401, 401, 429]  # per address
