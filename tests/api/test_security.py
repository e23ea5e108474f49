"""Security headers on every answer, values signed with the secret key, the ``Secure`` cookie flag, and
API tokens made only by a password session (and revoked with the tokens made with them).

Every test runs on SQLite and on PostgreSQL, on a world whose ``LIANRONG_SECRET_KEY`` is its own.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterator

import pytest
from api.harness import PASSWORD, Api, ApiWorld, build_api_world
from fastapi.testclient import TestClient
from pydantic import SecretStr

from lianrong.accounts import service as accounts
from lianrong.adapters import signing
from lianrong.entrypoints.api import hot
from lianrong.entrypoints.api.app import create_app
from lianrong.settings import DEFAULT_SECRET

SECRET = "test-secret-key-of-this-deployment-0123456789"
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def secured(db_url) -> Iterator[ApiWorld]:
    aw = build_api_world(db_url, secret_key=SECRET)
    with aw.client:
        yield aw


def _app(aw: ApiWorld, **settings) -> TestClient:
    ctx = dataclasses.replace(aw.ctx, settings=aw.ctx.settings.model_copy(update=settings)) if settings else aw.ctx
    return create_app(ctx)


def _api_login(client: TestClient, username: str):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r


# --- headers ------------------------------------------------------------------------------------


def _assert_guarded(r, csp_part: str = "default-src 'none'") -> None:
    where = f"{r.request.method} {r.request.url.path} → {r.status_code}"
    assert r.headers.get("x-content-type-options") == "nosniff", where
    assert r.headers.get("cache-control") == "no-store", where
    assert r.headers.get("x-frame-options") == "DENY", where
    csp = r.headers.get("content-security-policy", "")
    assert csp_part in csp and "frame-ancestors 'none'" in csp, where
    assert r.headers.get("referrer-policy") == "same-origin", where
    assert "strict-transport-security" not in r.headers, where  # plain HTTP, not production


def test_every_kind_of_answer_carries_the_security_headers(secured, monkeypatch):
    aw, client = secured, secured.client
    answered: list[str] = []
    original = hot.HotPaths._answer

    async def spy(self, *args):
        out = await original(self, *args)
        answered.append(args[-2])
        return out

    monkeypatch.setattr(hot.HotPaths, "_answer", spy)
    api = aw.as_("sup_op")
    _assert_guarded(api.get("/auth/me"))  # API JSON
    browser = TestClient(client.app)
    login = _api_login(browser, aw.usernames["sup_op"])  # the CSRF token
    _assert_guarded(login)
    made = browser.post(
        "/api/v1/auth/tokens",
        json={"name": "headers"},  # a token's secret
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert made.status_code == 201
    _assert_guarded(made)
    # the transfer's ASGI path: an answer and a refusal
    fragment = aw.world.issue(10_000_00)
    ok = api.post(f"/fragments/{fragment}/transfer", {"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100}]})
    assert ok.status_code == 200, ok.text
    _assert_guarded(ok)
    refused = api.post(f"/fragments/{fragment}/transfer", {"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100}]})
    assert refused.status_code == 409, refused.text  # the fragment is spent
    _assert_guarded(refused)
    assert answered == [fragment, fragment]
    # errors: unknown route, no credentials, a body too large (refused by the outer middleware)
    _assert_guarded(client.get("/api/v1/no-such-thing"))
    _assert_guarded(aw.as_("anon").get("/vouchers"))
    too_large = client.post("/api/v1/attachments", headers={"Content-Length": str(10**10)}, content=b"")
    assert too_large.status_code == 413
    _assert_guarded(too_large)
    # the docs page: Swagger UI's scripts from the platform, no inline script, no frame
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    _assert_guarded(docs, "script-src 'self';")
    assert re.findall(r"<script(?![^>]*\bsrc=)", docs.text) == []
    # the console
    page = client.get("/login")
    assert page.status_code == 200
    _assert_guarded(page, "script-src 'self';")
    _assert_guarded(client.get("/no-such-page"), "script-src 'self';")
    # static assets may be cached, and are never sniffed
    for path in ("/api/v1/docs/assets/swagger-ui.css", "/api/v1/docs/assets/docs-init.js"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
        assert "cache-control" not in r.headers


@pytest.mark.slow
def test_hsts_is_sent_over_https_and_where_the_deployment_is_served_over_https(secured):
    aw = secured
    hsts = "strict-transport-security"
    assert hsts not in aw.client.get("/api/v1/auth/me").headers
    over_https = TestClient(aw.client.app, base_url="https://testserver")
    assert over_https.get("/api/v1/auth/me").headers[hsts] == "max-age=31536000"
    assert over_https.get("/login").headers[hsts] == "max-age=31536000"
    for settings in ({"session_cookie_secure": True}, {"environment": "production"}):
        client = TestClient(_app(aw, **settings))
        assert client.get("/api/v1/auth/me").headers[hsts] == "max-age=31536000", settings
        assert client.get("/api/v1/docs").headers[hsts] == "max-age=31536000", settings
    plain_production = TestClient(_app(aw, environment="production", session_cookie_secure=False))
    assert hsts not in plain_production.get("/api/v1/auth/me").headers


# --- tokens -------------------------------------------------------------------------------------


def test_a_bearer_token_cannot_create_tokens(secured):
    aw = secured
    api = aw.as_("core_op")
    before = api.get("/auth/tokens").json()["total"]
    r = api.post("/auth/tokens", {"name": "made by a token"})
    assert r.status_code == 403 and r.json()["code"] == "auth.password_required", r.text
    assert api.get("/auth/tokens").json()["total"] == before
    browser = TestClient(aw.client.app)
    csrf = _api_login(browser, aw.usernames["core_op"]).json()["csrf_token"]
    made = browser.post("/api/v1/auth/tokens", json={"name": "made by a login"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["token"].startswith("lrt_")


def test_revoking_a_token_revokes_the_tokens_made_with_it(secured):
    aw = secured
    user = aw.usernames["bank_op"]
    root = accounts.issue_token(aw.ctx, username=user, name="root")
    child = accounts.issue_token(aw.ctx, username=user, name="child", parent_token_id=root.id)
    grandchild = accounts.issue_token(aw.ctx, username=user, name="grandchild", parent_token_id=child.id)
    sibling = accounts.issue_token(aw.ctx, username=user, name="sibling")
    assert Api(aw.client, grandchild.token).get("/auth/me").status_code == 200
    r = Api(aw.client, sibling.token).delete(f"/auth/tokens/{root.id}")
    assert r.status_code == 200 and r.json() == {"id": root.id, "revoked": True}
    for made in (root, child, grandchild):
        r = Api(aw.client, made.token).get("/auth/me")
        assert r.status_code == 401 and r.json()["code"] == "auth.required", made.name
    assert Api(aw.client, sibling.token).get("/auth/me").status_code == 200
    revoked = {
        t["id"] for t in Api(aw.client, sibling.token).get("/auth/tokens", params={"active": "false"}).json()["items"]
    }
    assert {root.id, child.id, grandchild.id} <= revoked and sibling.id not in revoked


# --- the secret key -----------------------------------------------------------------------------


def test_a_csrf_token_or_session_forged_without_the_secret_key_is_refused(secured):
    aw = secured
    browser = TestClient(aw.client.app)
    login = _api_login(browser, aw.usernames["sup_op"])
    csrf = login.json()["csrf_token"]
    cookie = browser.cookies["lr_session"]
    secret, _, _ = cookie.rpartition(".")
    url = "/api/v1/auth/tokens"
    # a CSRF token made the platform's way with a key other than this deployment's (the published default)
    forged = signing.mac(DEFAULT_SECRET.encode(), "lianrong.csrf", secret)
    r = browser.post(url, json={"name": "forged"}, headers={"X-CSRF-Token": forged})
    assert r.status_code == 403 and r.json()["code"] == "auth.csrf"
    # the session's own secret, signed with another key, is no session
    other = TestClient(
        aw.client.app, cookies={"lr_session": signing.sign(DEFAULT_SECRET.encode(), "lianrong.session", secret)}
    )
    assert other.get("/api/v1/auth/me").status_code == 401
    # the same database served with another key: every session and CSRF token is void
    rotated = TestClient(_app(aw, secret_key=SecretStr("another-key-" + "x" * 40)), cookies={"lr_session": cookie})
    assert rotated.get("/api/v1/auth/me").status_code == 401
    assert rotated.post(url, json={"name": "rotated"}, headers={"X-CSRF-Token": csrf}).status_code == 401
    # and with this deployment's key, the genuine pair works
    ok = browser.post(url, json={"name": "genuine"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


def test_a_one_time_message_planted_without_the_secret_key_is_not_shown(secured):
    aw = secured
    message = {"m": "Account frozen: call 400-000-0000", "t": "ok"}
    payload = base64.urlsafe_b64encode(json.dumps(message).encode()).decode()
    planted = TestClient(aw.client.app, cookies={"lr_flash": payload})
    page = planted.get("/login")
    assert page.status_code == 200 and "400-000-0000" not in page.text
    signed = TestClient(aw.client.app, cookies={"lr_flash": signing.sign(SECRET.encode(), "lianrong.flash", payload)})
    assert "400-000-0000" in signed.get("/login").text  # the platform's own messages still show


# --- the Secure flag ----------------------------------------------------------------------------


def _cookies_of(r) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in r.headers.get_list("set-cookie")}


def _console_login(client: TestClient, username: str) -> dict[str, str]:
    page = client.get("/login")
    cookies = _cookies_of(page)
    token = LOGIN_CSRF.search(page.text).group(1)
    # sent by hand: a client on plain HTTP keeps a Secure cookie to itself (behind a TLS proxy the browser
    # speaks HTTPS)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"lr_login_csrf={token}"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    cookies.update(_cookies_of(r))
    cookies.update(_cookies_of(client.get("/lang/en", follow_redirects=False)))
    cookies["api"] = _cookies_of(_api_login(client, username))["lr_session"]
    return cookies


@pytest.mark.parametrize(
    ("settings", "https", "secure"),
    [
        ({}, False, False),  # development over plain HTTP
        ({}, True, True),  # an https request
        ({"session_cookie_secure": True}, False, True),  # a TLS proxy, no X-Forwarded-Proto
        ({"environment": "production"}, False, True),  # production implies HTTPS
        ({"environment": "production", "session_cookie_secure": False}, False, False),  # unless turned off
    ],
    ids=["dev-http", "dev-https", "setting-http", "production-http", "production-turned-off"],
)
def test_cookies_are_secure_when_the_deployment_is_served_over_https(secured, settings, https, secure):
    aw = secured
    client = TestClient(_app(aw, **settings), base_url="https://testserver" if https else "http://testserver")
    cookies = _console_login(client, aw.usernames["core_ap"])
    assert set(cookies) >= {"lr_login_csrf", "lr_session", "lr_lang", "api"}
    for name, cookie in cookies.items():
        if "Max-Age=0" in cookie:  # a deletion
            continue
        assert ("; Secure" in cookie or "; secure" in cookie) is secure, f"{name}: {cookie}"
