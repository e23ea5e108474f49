"""Console sign-in: login, logout, session cookie, CSRF on every POST, expiry, login delays."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lianrong.adapters.db import tables as t
from lianrong.entrypoints.demo import DEMO_PASSWORD


def test_login_page_is_chinese_by_default(console):
    r = TestClient(console.app).get("/login")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "登录" in r.text and "用户名" in r.text and 'data-testid="form-login"' in r.text


def test_root_sends_anonymous_users_to_login(console):
    r = TestClient(console.app).get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_login_sets_an_httponly_lax_session_cookie_and_goes_to_the_role_home(console, csrf_of):
    client = TestClient(console.app)
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"username": "yukou_op", "password": DEMO_PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/core"
    cookie = r.headers["set-cookie"]
    assert "lr_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = client.get("/core")
    assert home.status_code == 200 and "峪口财务经办 张丽" in home.text


def test_wrong_password_is_refused_in_chinese_and_keeps_the_user_name(console, csrf_of):
    client = TestClient(console.app)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "feed_op", "password": "wrong-pass-1", "csrf_token": token})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text and 'data-code="auth.login_failed"' in r.text
    assert 'value="feed_op"' in r.text and "wrong-pass-1" not in r.text
    assert "lr_session" not in client.cookies


def test_after_five_failures_the_next_login_waits(console, csrf_of):
    client = TestClient(console.app)
    for _ in range(5):
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": "soy_ap", "password": "bad-password-9", "csrf_token": token})
        assert r.status_code == 401
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "soy_ap", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and 'data-code="auth.locked"' in r.text  # even the right password waits
    assert r.headers["Retry-After"] == "60" and "60" in r.text


def test_login_without_its_csrf_token_is_refused(console):
    client = TestClient(console.app)
    client.get("/login")
    r = client.post("/login", data={"username": "yukou_op", "password": DEMO_PASSWORD})
    assert r.status_code == 403 and 'data-testid="error-page"' in r.text
    assert "lr_session" not in client.cookies


def test_login_never_redirects_off_site(console, csrf_of):
    client = TestClient(console.app)
    token = csrf_of(client.get("/login?next=//evil.example/x").text)
    r = client.post(
        "/login",
        data={"username": "district", "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/overview"


def test_pages_need_a_session(console):
    client = TestClient(console.app)
    r = client.get("/core/vouchers", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/core/vouchers")
    hx = client.get("/core/vouchers", headers={"HX-Request": "true"}, follow_redirects=False)
    assert hx.headers["HX-Redirect"].startswith("/login")


def test_logout_ends_the_session(console, login, csrf_of):
    client = login("icbc_op", fresh=True)
    page = client.get("/bank")
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/bank", follow_redirects=False).status_code == 303


def test_logout_without_csrf_is_refused(console, login):
    client = login("icbc_op")
    r = client.post("/logout", data={})
    assert r.status_code == 403 and 'data-testid="error-code">auth.csrf<' in r.text
    assert client.get("/bank").status_code == 200  # still signed in


def test_csrf_header_is_accepted_as_htmx_sends_it(console, login, csrf_of):
    client = login("corn_op", fresh=True)
    token = csrf_of(client.get("/supplier").text)
    r = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303


def test_an_expired_session_goes_back_to_login(console, login):
    client = login("pack_op", fresh=True)
    with console.ctx.engine.begin() as conn:
        mine = select(t.app_user.c.id).where(t.app_user.c.username == "pack_op").scalar_subquery()
        conn.execute(
            update(t.web_session)
            .where(t.web_session.c.user_id == mine)
            .values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
    r = client.get("/supplier", follow_redirects=False)
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    page = client.get(r.headers["location"])
    assert 'data-testid="session-expired"' in page.text


def test_the_demo_has_a_district_administrator(console, login):
    page = login("district_admin").get("/overview")
    assert page.status_code == 200
    assert "管理员" in page.text.split('data-testid="role-label">', 1)[1].split("<", 1)[0]
