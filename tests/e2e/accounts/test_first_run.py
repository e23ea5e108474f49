"""A fresh installation gets its first administrator: ``lianrong admin create`` (or the console's one-time
``/setup`` page), who registers parties and adds users with a first password through the API;
``lianrong user set-password`` resets a password and the failed logins."""

from __future__ import annotations

import re

import pytest
from factories import make_context, uscc
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lianrong.accounts import service as accounts
from lianrong.accounts.errors import AccountLocked, LoginFailed
from lianrong.adapters.db import tables as t
from lianrong.entrypoints.api.app import create_app
from lianrong.entrypoints.cli import app as cli
from lianrong.entrypoints.console.app import install
from lianrong.parties import service as parties

OFFICE_USCC = uscc(1, prefix="1111011700")
PASSWORD = "First-run-2026"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _run(*args: str, input: str | None = None):  # noqa: A002 - CliRunner's name
    return CliRunner().invoke(cli, list(args), input=input)


def _districts(ctx) -> list:
    with ctx.engine.connect() as conn:
        return conn.execute(select(t.party.c.id).where(t.party.c.kind == "district")).all()


def test_admin_create_makes_the_district_office_and_an_administrator_who_then_adds_parties_and_users(db_url):
    r = _run(
        "admin",
        "create",
        "--db",
        db_url,
        "--office-name",
        "平谷区金融办",
        "--office-uscc",
        OFFICE_USCC,
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # typed twice at the hidden prompt
    assert r.exit_code == 0, r.output
    assert "administrator admin created" in r.output and PASSWORD not in r.output
    ctx = make_context(db_url)
    admin = accounts.authenticate(ctx, username="admin", password=PASSWORD)
    assert admin.actor.role == "admin" and admin.party_kind == "district" and admin.party_name == "平谷区金融办"

    client = TestClient(create_app(ctx, console=False))
    login = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}

    def post(path: str, body: dict, key: str):
        return client.post("/api/v1" + path, json=body, headers={**headers, "Idempotency-Key": key})

    bank = post("/parties", {"kind": "bank", "uscc": uscc(2), "name": "测试银行平谷支行"}, "first-bank")
    assert bank.status_code == 201, bank.text
    weak = post(
        f"/parties/{bank.json()['id']}/users",
        {"username": "bank_admin", "display_name": "银行管理员", "role": "admin", "password": "bank_admin-2026"},
        "weak",
    )
    assert weak.status_code == 422 and weak.json()["code"] == "auth.weak_password"
    user = post(
        f"/parties/{bank.json()['id']}/users",
        {"username": "bank_admin", "display_name": "银行管理员", "role": "admin", "password": "Bank-first-2026"},
        "user",
    )
    assert user.status_code == 201, user.text
    theirs = TestClient(client.app).post(
        "/api/v1/auth/login", json={"username": "bank_admin", "password": "Bank-first-2026"}
    )
    assert theirs.status_code == 200 and theirs.json()["user"]["party_id"] == bank.json()["id"]
    # a second administrator joins the existing office: nothing to ask about it
    again = _run(
        "admin", "create", "--db", db_url, "--username", "admin2", "--password-stdin", input="Second-admin-2026\n"
    )
    assert again.exit_code == 0, again.output
    assert len(_districts(ctx)) == 1


@pytest.mark.parametrize("password", ["short1", "admin-and-2026", "onlyletterslong"])
def test_admin_create_refuses_a_weak_password_and_writes_nothing(db_url, password):
    r = _run(
        "admin",
        "create",
        "--db",
        db_url,
        "--office-name",
        "平谷区金融办",
        "--office-uscc",
        OFFICE_USCC,
        "--password-stdin",
        input=password + "\n",
    )
    assert r.exit_code == 1 and "auth.weak_password" in r.output
    ctx = make_context(db_url)
    assert parties.needs_setup(ctx) and not _districts(ctx)


def test_admin_create_from_a_script_needs_the_office_when_there_is_none(db_url):
    r = _run("admin", "create", "--db", db_url, "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 1 and "--office-uscc" in r.output
    assert parties.needs_setup(make_context(db_url))


def test_set_password_replaces_the_password_and_ends_the_login_delay(db_url):
    ctx = make_context(db_url)
    parties.create_district_admin(
        ctx, username="admin", password=PASSWORD, office_name="平谷区金融办", office_uscc=OFFICE_USCC
    )
    for i in range(accounts.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            accounts.authenticate(ctx, username="admin", password=f"wrong-guess-{i}")
    with pytest.raises(AccountLocked):
        accounts.authenticate(ctx, username="admin", password=PASSWORD)
    r = _run("user", "set-password", "admin", "--db", db_url, input="Reset-pass-2026\nReset-pass-2026\n")
    assert r.exit_code == 0, r.output
    assert accounts.authenticate(ctx, username="admin", password="Reset-pass-2026").username == "admin"
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, username="admin", password=PASSWORD)
    weak = _run("user", "set-password", "admin", "--db", db_url, "--password-stdin", input="admin123456\n")
    assert weak.exit_code == 1 and "auth.weak_password" in weak.output
    unknown = _run("user", "set-password", "nobody", "--db", db_url, "--password-stdin", input="Whatever-2026\n")
    assert unknown.exit_code == 1 and "user.not_found" in unknown.output


def _console(db_url: str) -> TestClient:
    app = FastAPI()
    install(app, make_context(db_url))
    return TestClient(app)


def _setup(client: TestClient, **fields: str):
    token = CSRF_RE.search(client.get("/setup").text).group(1)
    return client.post("/setup", data={"csrf_token": token, **fields}, follow_redirects=False)


def test_the_setup_page_creates_the_first_administrator_and_then_is_gone(db_url):
    client = _console(db_url)
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 303 and root.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200 and "首次使用" in page.text and 'data-testid="form-setup"' in page.text
    client.cookies.set("lr_lang", "en")
    assert "Create the administrator" in client.get("/setup").text
    fields = {
        "office_name": "平谷区金融办",
        "office_uscc": OFFICE_USCC,
        "username": "admin",
        "display_name": "金融办管理员",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    no_token = client.post("/setup", data=fields)
    assert no_token.status_code == 403
    differ = _setup(client, **{**fields, "password_confirm": PASSWORD + "x"})
    assert differ.status_code == 422 and 'data-code="auth.password_mismatch"' in differ.text
    assert PASSWORD not in differ.text  # never echoed
    weak = _setup(client, **{**fields, "password": "admin-2026-x", "password_confirm": "admin-2026-x"})
    assert weak.status_code == 422 and 'data-code="auth.weak_password"' in weak.text
    assert parties.needs_setup(make_context(db_url))  # nothing half-written
    done = _setup(client, **fields)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=fields).status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    token = CSRF_RE.search(client.get("/login").text).group(1)
    login = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert login.status_code == 303 and login.headers["location"] == "/overview"


def test_the_setup_page_does_not_exist_once_any_user_does(db_url):
    ctx = make_context(db_url)
    party = parties.register_party(ctx, kind="bank", uscc=uscc(3), name="测试银行", idempotency_key="setup-bank")
    parties.add_user(
        ctx,
        party=party.id,
        username="someone",
        display_name="someone",
        role="operator",
        idempotency_key="setup-user",
    )
    client = _console(db_url)
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data={"username": "admin"}).status_code == 404
