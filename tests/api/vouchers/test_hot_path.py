"""The transfer hot path (``lianrong.entrypoints.api.hot``) answers every request exactly as the FastAPI route does.

Each case is sent twice on the same database, once to the application with the hot path and once to the
same application without it (``create_app(hot_paths=False)``), each on a fresh voucher; status, error code
and the shape of the result must be equal. On PostgreSQL the hot path awaits the token look-up and the
transfer on the event loop (``adapters/db/aio.py``); the tests also show that path is the one taken, that
a failing asynchronous connection falls back to the threaded service, and that concurrent requests spend
a fragment exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import ledger_asserts as la
import pytest
from api.harness import ApiWorld, build_api_world, restore_api_world
from factories import World, lift, restrict
from fastapi.testclient import TestClient

from lianrong.accounts import service as accounts
from lianrong.adapters.db import aio
from lianrong.adapters.db import tables as t
from lianrong.entrypoints.api import hot
from lianrong.entrypoints.api.app import create_app
from lianrong.vouchers import audit
from lianrong.vouchers import service as vouchers


@pytest.fixture(scope="module")
def twins(module_api_copy) -> Iterator[tuple[ApiWorld, TestClient, TestClient]]:
    """A world, a client on the application with the hot path, and one on the same without it (one per
    module and database: every case works on vouchers of its own)."""
    aw = restore_api_world(*module_api_copy, console=False)
    plain = TestClient(create_app(aw.ctx, console=False, hot_paths=False))
    with aw.client, plain:
        yield aw, aw.client, plain


@pytest.fixture
def answered(monkeypatch) -> list[str]:
    """The paths the hot path answered itself (not passed on)."""
    seen: list[str] = []
    original = hot.HotPaths._answer

    async def spy(self, ctx, limiter, secret, key, fragment_id, request):
        out = await original(self, ctx, limiter, secret, key, fragment_id, request)
        seen.append(fragment_id)
        return out

    monkeypatch.setattr(hot.HotPaths, "_answer", spy)
    return seen


def _post(
    client: TestClient,
    fragment: str,
    *,
    token: str | None,
    body: Any = None,
    key: str | None = "auto",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if key == "auto":
        key = f"hot-{uuid.uuid4()}"
    if key is not None:
        h["Idempotency-Key"] = key
    if content is not None:
        return client.post(f"/api/v1/fragments/{fragment}/transfer", headers=h, content=content)
    return client.post(f"/api/v1/fragments/{fragment}/transfer", headers=h, json=body)


def _to(w: World, who: str, fen: int = 100) -> dict[str, Any]:
    return {"parts": [{"recipient": w.ids[who], "amount_fen": fen}]}


# Each case: (name, how to send it given the world, a fresh fragment held by s1, a client and the tokens).
# The transfer's rules are tested once each at the rule function (tests/unit/test_transfer_rules.py); here
# one refusal of the rule ("no trade with recipient") and one success stand for all of them, beside the
# cases of the request itself (key, body, credentials), which the hot path passes on or answers.
Case = Callable[[ApiWorld, str, TestClient], Any]

CASES: dict[str, Case] = {
    "transfer": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2")),
    "two recipients": lambda aw, f, c: _post(
        c,
        f,
        token=aw.tokens["sup_op"],
        body={"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100}, {"recipient": aw.ids["s2"], "amount_fen": 50}]},
    ),
    "recipient by USCC": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body={"parts": [{"recipient": _uscc(aw, "s2"), "amount_fen": 100}]}
    ),
    "no idempotency key": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key=None),
    "blank idempotency key": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key="   "
    ),
    "overlong idempotency key": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key="k" * 121
    ),
    "zero amount": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2", 0)),
    "amount as text": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body={"parts": [{"recipient": aw.ids["s2"], "amount_fen": "100"}]}
    ),
    "fractional amount": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body={"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100.5}]}
    ),
    "absurd amount": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2", 10**16)),
    "unknown field": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], body={"parts": [{"recipient": aw.ids["s2"], "amount_fen": 100, "note": "x"}]}
    ),
    "no parts": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body={"parts": []}),
    "not JSON": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], content=b"{parts:", headers={"Content-Type": "application/json"}
    ),
    "JSON as text/plain": lambda aw, f, c: _post(
        c, f, token=aw.tokens["sup_op"], content=b'{"parts": []}', headers={"Content-Type": "text/plain"}
    ),
    "no credentials": lambda aw, f, c: _post(c, f, token=None, body=_to(aw.world, "s2")),
    "unknown token": lambda aw, f, c: _post(c, f, token="lrt_" + "x" * 40, body=_to(aw.world, "s2")),
    "basic scheme": lambda aw, f, c: _post(
        c, f, token=None, body=_to(aw.world, "s2"), headers={"Authorization": "Basic eDp5"}
    ),
    "viewer": lambda aw, f, c: _post(c, f, token=aw.tokens["district"], body=_to(aw.world, "s2")),
    "no trade with recipient": lambda aw, f, c: _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s4")),
    "unknown fragment": lambda aw, f, c: _post(
        c, "frg_01NOSUCHFRAGMENT", token=aw.tokens["sup_op"], body=_to(aw.world, "s2")
    ),
    "malformed fragment id": lambda aw, f, c: _post(c, "frg.01", token=aw.tokens["sup_op"], body=_to(aw.world, "s2")),
    "spent fragment": lambda aw, f, c: (
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2")),
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2")),
    )[1],
    "replay": lambda aw, f, c: (
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key=f"same-{f}"),
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key=f"same-{f}"),
    )[1],
    "same key, other body": lambda aw, f, c: (
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2"), key=f"other-{f}"),
        _post(c, f, token=aw.tokens["sup_op"], body=_to(aw.world, "s2", 7), key=f"other-{f}"),
    )[1],
    "session cookie without CSRF": lambda aw, f, c: _cookie_post(aw, f, c),
}

#: the cases the hot path answers itself; every other one it passes on to the route
ANSWERED = {
    "transfer",
    "two recipients",
    "recipient by USCC",
    "viewer",
    "no trade with recipient",
    "unknown fragment",
    "spent fragment",
    "replay",
    "same key, other body",
}


def _uscc(aw: ApiWorld, who: str) -> str:
    return la.row(aw.ctx, t.party, aw.ids[who]).uscc


def _cookie_post(aw: ApiWorld, fragment: str, client: TestClient):
    login = client.post("/api/v1/auth/login", json={"username": aw.usernames["sup_op"], "password": "lianrong2026"})
    assert login.status_code == 200, login.text
    try:
        return _post(client, fragment, token=None, body=_to(aw.world, "s2"))
    finally:
        client.cookies.clear()


def _shape(response) -> tuple[int, Any]:
    body = response.json()
    if response.status_code >= 400:
        assert set(body) == {"code", "message_zh", "message_en", "details"}, body
        return response.status_code, body["code"]
    return response.status_code, (set(body), [(c["holder_id"], c["amount_fen"], c["tier"]) for c in body["children"]])


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_hot_path_answers_every_transfer_request_as_the_route_does(twins, answered, case):
    aw, fast, plain = twins
    w = aw.world
    roots = [w.issue(1_000_000), w.issue(1_000_000)]
    with_hot = CASES[case](aw, roots[0], fast)
    served_by_hot = bool(answered)
    without = CASES[case](aw, roots[1], plain)
    assert _shape(with_hot) == _shape(without), (with_hot.text, without.text)
    assert served_by_hot == (case in ANSWERED)
    if with_hot.status_code == 200:
        assert with_hot.headers["content-type"].startswith("application/json")
        assert with_hot.headers.get("x-request-id")
    assert audit.verify(aw.ctx).ok


def test_a_restriction_refuses_on_the_hot_path_as_on_the_route_until_it_is_removed(twins, answered):
    aw, fast, plain = twins
    w = aw.world
    rid = restrict(w, "s2", "receive", kind="risk_freeze", reason="风险冻结")
    try:
        with_hot, without = (
            _post(client, w.issue(1_000_000), token=aw.tokens["sup_op"], body=_to(w, "s2")) for client in (fast, plain)
        )
        assert _shape(with_hot) == _shape(without) == (422, "party.restricted")
        assert with_hot.json() == without.json()
        assert with_hot.json()["details"]["kind"] == "risk_freeze"
    finally:
        lift(w, rid)
    assert answered  # the hot path answered the refusal itself (through the service)
    assert _post(fast, w.issue(1_000_000), token=aw.tokens["sup_op"], body=_to(w, "s2")).status_code == 200


DEEP_BODIES = {"arrays": b"[" * 100_000 + b"]" * 100_000, "objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
def test_a_deeply_nested_body_is_the_same_coded_400_on_the_hot_path_and_the_routes(twins, answered, shape):
    aw, fast, plain = twins
    root = aw.world.issue(1_000_000)
    body = DEEP_BODIES[shape]
    answers = [_post(client, root, token=aw.tokens["sup_op"], content=body, headers=JSON) for client in (fast, plain)]
    answers += [
        aw.as_("core_op").post("/contracts", content=body, headers=JSON),
        aw.as_("core_op").post("/vouchers", content=body, headers={"Content-Type": "application/merge+json"}),
        aw.as_("sup_op").post("/financings/preview", content=body),
    ]  # no content type: read as JSON
    for r in answers:
        assert r.status_code == 400 and r.headers["content-type"] == "application/json", r.text[:300]
        assert r.headers.get("x-request-id")
    assert all(r.json() == answers[0].json() for r in answers)
    assert answers[0].json()["code"] == "request.malformed" and answers[0].json()["details"]["max_depth"] == 32
    assert not answered and la.row(aw.ctx, t.fragment, root).status == "active"


def test_a_body_nested_32_levels_is_read_and_33_levels_are_refused(twins):
    aw, fast, _ = twins
    root = aw.world.issue(1_000_000)
    part = {"recipient": aw.ids["s2"], "amount_fen": 100, "note": "x"}
    for levels, code in ((32, "validation.failed"), (33, "request.malformed")):
        note: Any = "x"
        for _ in range(levels - 3):  # {"parts": [{…, "note": …}]} is three levels
            note = [note]
        r = _post(fast, root, token=aw.tokens["sup_op"], body={"parts": [{**part, "note": note}]})
        assert r.json()["code"] == code, (levels, r.text[:300])
    strings = {"parts": [{**part, "note": "[{" * 100}]}  # brackets in a string are text
    assert _post(fast, root, token=aw.tokens["sup_op"], body=strings).json()["code"] == "validation.failed"


def test_a_rate_limited_transfer_is_refused_on_the_hot_path_as_on_the_route(db_url, answered):
    aw = build_api_world(db_url, console=False, api_rate_limit_per_minute=2)
    w = aw.world
    with aw.client:
        statuses = [_post(aw.client, w.issue(1000), token=aw.tokens["sup_op"], body=_to(w, "s2")) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].json()["code"] == "rate.limited"
    assert int(statuses[2].headers["retry-after"]) >= 1
    assert len(answered) == 3
    assert la.count(aw.ctx, t.fragment, t.fragment.c.status == "spent") == 2


def test_a_revoked_token_is_refused_by_the_route_on_the_next_transfer(db_url, answered):
    aw = build_api_world(db_url, console=False)
    w = aw.world
    with aw.client:
        first = _post(aw.client, w.issue(1000), token=aw.tokens["sup_op"], body=_to(w, "s2"))
        owner = aw.actor("sup_op")
        (token,) = la.rows(aw.ctx, t.api_token, t.api_token.c.user_id == owner.user_id)
        accounts.revoke_token(aw.ctx, actor=owner, token_id=token.id)
        second = _post(aw.client, w.issue(1000), token=aw.tokens["sup_op"], body=_to(w, "s2"))
    assert first.status_code == 200
    assert second.status_code == 401 and second.json()["code"] == "auth.required"
    assert len(answered) == 1  # the refused one went on to the route


# --- PostgreSQL: the asynchronous path ----------------------------------------------------------------


@pytest.fixture
def pg_world(pg_url) -> Iterator[ApiWorld]:
    aw = build_api_world(pg_url, console=False)
    with aw.client:
        yield aw


def test_on_postgresql_a_transfer_is_awaited_on_the_loop_without_the_threaded_service(pg_world, monkeypatch):
    aw, w = pg_world, pg_world.world
    calls = Counter()
    for name in ("transfer_plain", "transfer_async"):
        original = getattr(vouchers, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(vouchers, name, counted)
    root = w.issue(1_000_000)
    r = _post(aw.client, root, token=aw.tokens["sup_op"], body=_to(w, "s2", 400))
    assert r.status_code == 200, r.text
    assert calls == {"transfer_async": 1}
    assert [(c["holder_id"], c["amount_fen"]) for c in r.json()["children"]] == [
        (w.ids["s2"], 400),
        (w.ids["s1"], 999_600),
    ]
    # a refusal is decided (and named) by the service's general path
    again = _post(aw.client, root, token=aw.tokens["sup_op"], body=_to(w, "s2", 400))
    assert again.status_code == 409 and again.json()["code"] == "fragment.not_active"
    assert calls == {"transfer_async": 2, "transfer_plain": 1}
    assert audit.verify(aw.ctx).ok


def test_on_postgresql_a_failing_asynchronous_connection_falls_back_to_the_threaded_service(pg_world, monkeypatch):
    aw, w = pg_world, pg_world.world

    async def unavailable(self, sql, params):
        raise aio.DatabaseUnavailable("connection refused")

    monkeypatch.setattr(aio.AsyncPg, "one", unavailable)
    r = _post(aw.client, w.issue(1000), token=aw.tokens["sup_op"], body=_to(w, "s2"))
    assert r.status_code == 200, r.text
    assert la.count(aw.ctx, t.fragment, t.fragment.c.status == "spent") == 1
    assert audit.verify(aw.ctx).ok


def test_on_postgresql_concurrent_requests_spend_a_fragment_exactly_once(pg_world):
    aw, w = pg_world, pg_world.world
    root = w.issue(1_000_000)
    app = aw.client.app

    async def race(keys: list[str]) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {aw.tokens['sup_op']}"}
            return await asyncio.gather(
                *(
                    client.post(
                        f"/api/v1/fragments/{root}/transfer",
                        json=_to(w, "s2", 100 + i),
                        headers={**headers, "Idempotency-Key": k},
                    )
                    for i, k in enumerate(keys)
                )
            )

    responses = asyncio.run(race([f"race-{i}" for i in range(8)]))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 7}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"fragment.not_active"}
    assert la.count(aw.ctx, t.fragment, t.fragment.c.parent_id == root) == 2
    assert audit.verify(aw.ctx).ok


def test_on_postgresql_concurrent_replays_of_one_key_all_get_the_first_result(pg_world):
    aw, w = pg_world, pg_world.world
    root = w.issue(1_000_000)
    app = aw.client.app

    async def replays() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {aw.tokens['sup_op']}", "Idempotency-Key": "one-key"}
            return await asyncio.gather(
                *(
                    client.post(f"/api/v1/fragments/{root}/transfer", json=_to(w, "s2"), headers=headers)
                    for _ in range(6)
                )
            )

    responses = asyncio.run(replays())
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert la.count(aw.ctx, t.fragment, t.fragment.c.parent_id == root) == 2


# --- the asynchronous connections themselves ----------------------------------------------------------


def test_async_connections_run_statements_and_name_a_self_refusing_write(pg_url):
    from factories import make_context

    make_context(pg_url)  # migrated: lianrong_refuse exists
    db = aio.AsyncPg(pg_url, size=2)

    async def go() -> tuple[Any, Any]:
        row = await db.one("SELECT :a::int + 1", {"a": 41})
        try:
            await db.one("SELECT lianrong_refuse('spent')", {})
        except aio.GuardFailed as refused:
            guarded = refused.what
        try:
            await db.one("SELECT no_such_column FROM party", {})
        except aio.DatabaseUnavailable:
            failed = True
        return row, (guarded, failed, len(db._idle))

    row, (guarded, failed, idle) = asyncio.run(go())
    assert row == (42,)
    assert guarded == "spent" and failed
    assert idle == 1  # one connection served all three (an error outside a transaction leaves it reusable)
    db.close()


def test_async_connections_of_a_finished_loop_are_closed_when_another_loop_comes(pg_url):
    db = aio.AsyncPg(pg_url, size=4)

    async def use() -> Any:
        await db.one("SELECT 1", {})
        return db._idle[0][0]

    first = asyncio.run(use())
    assert not first.closed
    second = asyncio.run(use())
    assert first.closed and not second.closed and second is not first
    db.close()
    assert second.closed


def test_conninfo_keeps_credentials_and_drops_the_driver_name():
    assert (
        aio.conninfo("postgresql+psycopg://u:p%40ss@db.example:5433/lr") == "postgresql://u:p%40ss@db.example:5433/lr"
    )
