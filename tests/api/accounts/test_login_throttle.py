"""Login throttling (``services/accounts.py``): failures are counted per user name before the password is
checked, so concurrent guesses never exceed the budget; after the budget each next attempt waits a growing
delay that ends by itself; names that exist and names that do not get the same answers; every client
address is throttled too, on the API's and the console's login alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from api.harness import PASSWORD, build_api_world
from factories import in_threads, key
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianrong.accounts import service as accounts
from lianrong.accounts.errors import AccountLocked, LoginFailed
from lianrong.adapters.db import tables as t
from lianrong.entrypoints.api.app import create_app
from lianrong.parties import service as parties
from lianrong.platform.context import BEIJING


@dataclass
class MovableClock:
    """A clock that moves by the second (the fixed clock of the fixtures moves by the day)."""

    at: dt.datetime

    def today(self) -> dt.date:
        return self.at.astimezone(BEIJING).date()

    def now(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def _movable(ctx) -> MovableClock:
    ctx.clock = MovableClock(ctx.clock.now())
    return ctx.clock


def _user_with_password(world, name: str) -> str:
    parties.add_user(
        world.ctx,
        party=world.ids["s2"],
        username=name,
        display_name=name,
        role="operator",
        password=PASSWORD,
        idempotency_key=key(),
    )
    return name


def _outcome(ctx, username: str, password: str) -> str:
    try:
        accounts.authenticate(ctx, username=username, password=password)
    except LoginFailed:
        return "failed"
    except AccountLocked:
        return "locked"
    return "in"


def _failures(ctx, username: str) -> int | None:
    with ctx.engine.connect() as conn:
        return conn.execute(
            select(t.login_throttle.c.failures).where(t.login_throttle.c.name_hash == accounts.name_key(username))
        ).scalar()


def test_concurrent_wrong_guesses_never_check_more_passwords_than_the_budget(world):
    ctx = world.ctx
    name = _user_with_password(world, f"guessed-{world.base}")
    outcomes: list[str] = []
    in_threads(lambda i: outcomes.append(_outcome(ctx, name, f"wrong-guess-{i}")), list(range(40)))
    assert outcomes.count("failed") == accounts.FREE_ATTEMPTS
    assert outcomes.count("locked") == 40 - accounts.FREE_ATTEMPTS
    assert _failures(ctx, name) == accounts.FREE_ATTEMPTS


def test_the_right_password_among_concurrent_guesses_does_not_get_in_once_the_budget_is_spent(world):
    ctx = world.ctx
    name = _user_with_password(world, f"spent-{world.base}")
    passwords = [f"wrong-guess-{i}" for i in range(accounts.FREE_ATTEMPTS)]
    in_threads(lambda p: _outcome(ctx, name, p), passwords)  # the budget, spent concurrently
    outcomes: list[str] = []
    attempts = [f"wrong-again-{i}" for i in range(29)] + [PASSWORD]
    in_threads(lambda p: outcomes.append(_outcome(ctx, name, p)), attempts)
    assert outcomes == ["locked"] * 30
    assert _failures(ctx, name) == accounts.FREE_ATTEMPTS


def _answers(client: TestClient, username: str, password: str, n: int) -> list[tuple]:
    out = []
    for _ in range(n):
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        out.append((r.status_code, r.json()["code"], r.headers.get("Retry-After")))
    return out


@pytest.mark.slow
def test_a_known_and_an_unknown_user_name_get_the_same_answers(fresh_api_world):
    aw = fresh_api_world
    clock = _movable(aw.ctx)
    client = TestClient(aw.client.app)
    known, unknown = aw.usernames["core_op"], f"nobody-{aw.world.base}"
    for name in (known, unknown):  # interleaved would do as well: each name has its own record
        assert (
            _answers(client, name, "wrong-pass-1", 7)
            == [(401, "auth.login_failed", None)] * 5 + [(429, "auth.locked", "60")] * 2
        )
    clock.move(seconds=61)
    seen = [_answers(client, name, "wrong-pass-2", 2) for name in (known, unknown)]
    assert seen[0] == seen[1] == [(401, "auth.login_failed", None), (429, "auth.locked", "120")]
    # the answer during a delay does not depend on the password: the right one is not even looked at
    right = client.post("/api/v1/auth/login", json={"username": known, "password": PASSWORD})
    wrong = client.post("/api/v1/auth/login", json={"username": known, "password": "wrong-pass-3"})
    assert right.status_code == wrong.status_code == 429 and right.json() == wrong.json()


@pytest.mark.slow
def test_the_delay_grows_is_capped_and_ends_by_itself(fresh_api_world):
    aw = fresh_api_world
    clock = _movable(aw.ctx)
    client = TestClient(aw.client.app)
    name = aw.usernames["bank_op"]
    _answers(client, name, "wrong-pass-1", accounts.FREE_ATTEMPTS)
    waits = []
    for _ in range(7):
        r = client.post("/api/v1/auth/login", json={"username": name, "password": "wrong-pass-1"})
        assert r.status_code == 429 and r.json()["code"] == "auth.locked"
        waits.append(int(r.headers["Retry-After"]))
        clock.move(seconds=waits[-1])  # the delay ends by itself: nothing to unlock
        assert _answers(client, name, "wrong-pass-2", 1)[0][0] == 401
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 429
    clock.move(seconds=900)
    assert client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD}).status_code == 200
    assert _failures(aw.ctx, name) is None  # a success clears the record: five free attempts again


@pytest.mark.slow
def test_logins_are_limited_per_client_address_on_the_api_and_the_console_together(db_url):
    aw = build_api_world(db_url, login_attempts_per_minute=4)
    app = create_app(aw.ctx)
    mine, other = TestClient(app, client=("203.0.113.7", 5000)), TestClient(app, client=("198.51.100.9", 5000))
    api = [
        mine.post("/api/v1/auth/login", json={"username": f"user-{i}", "password": "wrong-pass-1"}).status_code
        for i in range(2)
    ]
    console = []
    for i in range(3):  # each login page carries its own token (double-submit cookie)
        token = mine.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        console.append(
            mine.post("/login", data={"username": f"user-c{i}", "password": "wrong-pass-1", "csrf_token": token})
        )
    assert api == [401, 401] and [r.status_code for r in console] == [401, 401, 429]
    assert 'data-code="rate.limited"' in console[-1].text and int(console[-1].headers["Retry-After"]) >= 1
    refused = mine.post("/api/v1/auth/login", json={"username": aw.usernames["sup_op"], "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["code"] == "rate.limited"
    # another address has its own window, and the user names tried above were not held against it
    ok = other.post("/api/v1/auth/login", json={"username": aw.usernames["sup_op"], "password": PASSWORD})
    assert ok.status_code == 200
    aw.client.close()
