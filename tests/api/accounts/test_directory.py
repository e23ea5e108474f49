"""Users of one's own organisation and one's own API tokens: listed without ever showing a secret."""

from __future__ import annotations

import datetime as dt

from factories import key
from sqlalchemy import insert

from lianrong.accounts import service as accounts
from lianrong.adapters.db import tables as t
from lianrong.parties import service as parties

SECRETS = {"password_hash", "token", "token_hash", "failed_logins"}


def test_an_approver_lists_the_users_of_its_own_organisation_only(api_world):
    r = api_world.as_("bank_ap").get("/users")
    assert r.status_code == 200, r.text
    page = r.json()
    bank = api_world.ids["bank"]
    assert page["total"] == len(page["items"]) >= 2 and (page["limit"], page["offset"]) == (50, 0)
    assert {u["party_id"] for u in page["items"]} == {bank}
    names = [u["username"] for u in page["items"]]
    assert api_world.usernames["bank_op"] in names and api_world.usernames["bank_ap"] in names
    assert names == sorted(names)
    assert all(not (SECRETS & set(u)) for u in page["items"])
    me = next(u for u in page["items"] if u["username"] == api_world.usernames["bank_ap"])
    assert me["role"] == "approver" and me["active"] is True and me["display_name"]


def test_users_filter_by_role_and_page(api_world):
    api = api_world.as_("core_ap")
    operators = api.get("/users", params={"role": "operator"}).json()
    assert operators["items"] and {u["role"] for u in operators["items"]} == {"operator"}
    first = api.get("/users", params={"limit": 1}).json()
    second = api.get("/users", params={"limit": 1, "offset": 1}).json()
    assert first["total"] == second["total"] >= 2
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_the_district_administrator_sees_its_office_and_not_the_others(api_world):
    items = api_world.as_("district_admin").get("/users").json()["items"]
    assert {u["party_id"] for u in items} == {api_world.ids["district"]}
    assert {"viewer", "admin"} <= {u["role"] for u in items}


def test_operators_and_viewers_may_not_list_users(api_world):
    for role in ("bank_op", "core_op", "sup_op", "district"):
        r = api_world.as_(role).get("/users")
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden", (role, r.text)


def test_a_locked_account_shows_until_when(api_world):
    ctx, ids = api_world.ctx, api_world.ids
    name = f"locked-{api_world.world.base}"
    parties.add_user(
        ctx, party=ids["bank"], username=name, display_name="被锁定", role="operator", idempotency_key=key()
    )
    until = ctx.clock.now() + dt.timedelta(minutes=10)
    with ctx.engine.begin() as conn:  # its next login must wait (failed logins: services/accounts.py)
        conn.execute(
            insert(t.login_throttle).values(
                name_hash=accounts.name_key(name), failures=8, next_at=until, last_at=ctx.clock.now()
            )
        )
    users = {u["username"]: u for u in api_world.as_("bank_ap").get("/users", params={"limit": 200}).json()["items"]}
    assert dt.datetime.fromisoformat(users[name]["locked_until"]) == until
    assert users[api_world.usernames["bank_op"]]["locked_until"] is None


def test_a_user_lists_its_own_tokens_without_their_secrets(api_world):
    api = api_world.as_("sup_op")
    made = accounts.issue_token(api_world.ctx, username=api_world.usernames["sup_op"], name="对账脚本")
    page = api.get("/auth/tokens").json()
    assert page["total"] == len(page["items"]) >= 2  # the harness's token and this one
    assert page["items"][0]["id"] == made.id and page["items"][0]["name"] == "对账脚本"  # newest first
    assert all(not (SECRETS & set(tok)) for tok in page["items"])
    assert made.token not in str(page)
    others = api_world.as_("other_sup").get("/auth/tokens").json()["items"]
    assert made.id not in {tok["id"] for tok in others}


def test_a_revoked_token_is_listed_as_revoked(api_world):
    api = api_world.as_("core_op")
    made = accounts.issue_token(api_world.ctx, username=api_world.usernames["core_op"], name="to revoke")
    assert api.delete(f"/auth/tokens/{made.id}").status_code == 200
    revoked = api.get("/auth/tokens", params={"active": "false"}).json()["items"]
    assert [tok["id"] for tok in revoked if tok["id"] == made.id] == [made.id]
    assert all(tok["active"] is False and tok["revoked_at"] for tok in revoked)
    active = api.get("/auth/tokens", params={"active": "true"}).json()["items"]
    assert made.id not in {tok["id"] for tok in active} and all(tok["active"] for tok in active)


def test_listing_needs_credentials(api_world):
    for path in ("/users", "/auth/tokens"):
        r = api_world.as_("anon").get(path)
        assert r.status_code == 401 and r.json()["code"] == "auth.required"
