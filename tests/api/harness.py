"""HTTP API fixtures: a World (see tests/factories.py) with overseers, bearer tokens for every role, and a
TestClient on the real application.

Roles: ``anon`` (no credentials), ``district`` and ``chain`` (viewers of the district and chain offices),
``district_admin``, ``bank_op`` / ``bank_ap`` (the bank's operator and approver), ``core_op`` / ``core_ap``,
``sup_op`` (tier-1 supplier s1's operator) and ``other_sup`` (supplier s4's operator, who has no part in
anything s1 holds); ``tier2_op`` (s2's operator, s1's seller) has a token too but is not in the matrix.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from factories import World, make_context, uscc
from fastapi.testclient import TestClient

from lianrong.accounts import service as accounts
from lianrong.entrypoints.api.app import create_app
from lianrong.parties import designations as designations
from lianrong.parties import service as parties

PASSWORD = "lianrong2026"
ROLES = (
    "anon",
    "district",
    "chain",
    "district_admin",
    "bank_op",
    "bank_ap",
    "core_op",
    "core_ap",
    "sup_op",
    "other_sup",
)


class Api:
    """Requests under ``/api/v1`` as one caller; every POST gets a fresh Idempotency-Key unless told."""

    def __init__(self, client: TestClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def request(
        self, method: str, path: str, *, key: str | None | bool = True, headers: dict | None = None, **kwargs: Any
    ):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if key is True and method in ("POST", "PUT", "PATCH", "DELETE"):
            h["Idempotency-Key"] = f"t-{uuid.uuid4()}"
        elif isinstance(key, str):
            h["Idempotency-Key"] = key
        return self.client.request(method, "/api/v1" + path, headers=h, **kwargs)

    def get(self, path: str, **kw: Any):
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.request("POST", path, json=json, **kw)

    def delete(self, path: str, **kw: Any):
        return self.request("DELETE", path, **kw)


@dataclass
class ApiWorld:
    """A World plus overseers, usernames and bearer tokens per role, and a client on the app."""

    world: World
    client: TestClient
    usernames: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ctx(self):
        return self.world.ctx

    @property
    def ids(self) -> dict[str, str]:
        return self.world.ids

    def as_(self, role: str) -> Api:
        """The API as one role (``anon``: no credentials)."""
        return Api(self.client, self.tokens.get(role))

    def actor(self, role: str):
        return parties.actor_for(self.ctx, self.usernames[role])


def build_api_world(url: str, *, console: bool = True, **settings: Any) -> ApiWorld:
    """A World on ``url`` with district and chain offices, a token per role and a TestClient."""
    return restore_api_world(url, build_api_records(url, **settings), console=console, **settings)


def build_api_records(url: str, **settings: Any) -> dict[str, Any]:
    """Build a World on ``url`` with district and chain offices, users with ``PASSWORD`` and a bearer token per
    role; return what ``restore_api_world`` needs (the World's record, the usernames and the tokens)."""
    world = World(make_context(url, **settings))
    ctx, base = world.ctx, world.base
    for k, (kind, name) in enumerate((("district", "district"), ("chain_office", "chain")), start=1):
        world.ids[name] = parties.register_party(
            ctx,
            kind=kind,
            uscc=uscc(base * 10 + k, prefix="1111011700"),
            name=f"{name}-office-{base}",
            idempotency_key=f"api-{kind}-{base}",
        ).id
    usernames = {
        "district": f"district-viewer-{base}",
        "chain": f"chain-viewer-{base}",
        "district_admin": f"district-admin-{base}",
        "bank_op": f"bank-operator-{base}",
        "bank_ap": f"bank-approver-{base}",
        "core_op": f"core-operator-{base}",
        "core_ap": f"core-approver-{base}",
        "sup_op": f"s1-operator-{base}",
        "other_sup": f"s4-operator-{base}",
        "tier2_op": f"s2-operator-{base}",
    }
    for username, org, role in (
        (usernames["district"], "district", "viewer"),
        (usernames["chain"], "chain", "viewer"),
        (usernames["district_admin"], "district", "admin"),
    ):
        parties.add_user(
            ctx,
            party=world.ids[org],
            username=username,
            display_name=username,
            role=role,
            idempotency_key=f"api-user-{username}",
        )
    password_hash = accounts.hash_password(PASSWORD)
    for username in usernames.values():
        accounts.set_initial_password_hash(ctx, username=username, password_hash=password_hash)
    tokens = {role: accounts.issue_token(ctx, username=u, name=f"test {role}").token for role, u in usernames.items()}
    return {"world": world.record(), "usernames": usernames, "tokens": tokens}


def restore_api_world(url: str, records: dict[str, Any], *, console: bool = True, **settings: Any) -> ApiWorld:
    """The ApiWorld of ``build_api_records`` on ``url`` (its database or a copy of it), with a new context (fixed
    clock, ``settings``) and a TestClient on a new application."""
    world = World.restore(make_context(url, **settings), records["world"])
    client = TestClient(create_app(world.ctx, console=console))
    return ApiWorld(world=world, client=client, usernames=dict(records["usernames"]), tokens=dict(records["tokens"]))


#: roles of ``add_outsiders``: organisations with no part in anything the World's bank, core and s1 do
OUTSIDERS = ("bank2_op", "bank2_ap", "core2_op", "core2_ap", "other_sup", "other_sup_ap")


def add_outsiders(aw: ApiWorld) -> None:
    """A second bank (``bank2``) with its own designated core enterprise (``core2``), their operators and
    approvers, and s4's approver, each with a bearer token; nothing of theirs touches the World's vouchers."""
    world, ctx, base = aw.world, aw.ctx, aw.world.base
    world.ids["bank2"] = parties.register_party(
        ctx, kind="bank", uscc=uscc(base + 50), name=f"第二银行{base}", idempotency_key=f"api-bank2-{base}"
    ).id
    world.ids["core2"] = parties.register_party(
        ctx, kind="enterprise", uscc=uscc(base + 51), name=f"第二核心{base}", idempotency_key=f"api-core2-{base}"
    ).id
    names = {
        "bank2_op": ("bank2", "operator"),
        "bank2_ap": ("bank2", "approver"),
        "core2_op": ("core2", "operator"),
        "core2_ap": ("core2", "approver"),
    }
    password_hash = accounts.hash_password(PASSWORD)
    for role, (org, user_role) in names.items():
        username = aw.usernames[role] = f"{org}-{user_role}-{base}"
        parties.add_user(
            ctx,
            party=world.ids[org],
            username=username,
            display_name=username,
            role=user_role,
            idempotency_key=f"api-user-{username}",
        )
        accounts.set_initial_password_hash(ctx, username=username, password_hash=password_hash)
    aw.usernames["other_sup_ap"] = f"s4-approver-{base}"
    for role in ("bank2_op", "bank2_ap", "core2_op", "core2_ap", "other_sup_ap"):
        aw.tokens[role] = accounts.issue_token(ctx, username=aw.usernames[role], name=f"test {role}").token
    bank2 = parties.actor_for(ctx, aw.usernames["bank2_ap"])
    parties.onboard(
        ctx,
        actor=bank2,
        bank=world.ids["bank2"],
        party=world.ids["core2"],
        settlement_account=f"62220000{base:06d}99",
        ebanking=True,
        certificate="UKEY-core2",
        idempotency_key=f"api-onboard-core2-{base}",
    )
    designations.designate_core(
        ctx,
        actor=bank2,
        bank=world.ids["bank2"],
        core=world.ids["core2"],
        idempotency_key=f"api-designate-core2-{base}",
    )
