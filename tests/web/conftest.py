"""Console test fixtures: the demo database (seeded once per session, copied per module) and logins.

Each test module gets its own copy of the seeded demo database, so a module that writes (forms)
never disturbs another. ``login(username)`` returns a TestClient signed in as that demo user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from factories import TODAY, copy_sqlite, make_context
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lianrong import bootstrap
from lianrong.entrypoints.console.app import install
from lianrong.entrypoints.demo import DEMO_PASSWORD, seed

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the seeded demo (seeding runs the real services once per session)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    seed(make_context(url, sqlite_synchronous="NORMAL"))
    bootstrap.dispose(url)
    return path


@pytest.fixture(scope="module")
def console(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A FastAPI app with only the console installed, on this module's copy of the demo database."""
    path = tmp_path_factory.mktemp("console") / "console.db"
    copy_sqlite(demo_template, path)
    ctx = make_context(f"sqlite:///{path}", today=TODAY, sqlite_synchronous="NORMAL")
    app = FastAPI()
    install(app, ctx)
    yield SimpleNamespace(app=app, ctx=ctx)
    bootstrap.dispose(f"sqlite:///{path}")


def _csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def _key_of(html: str) -> str:
    m = KEY_RE.search(html)
    assert m, "no idempotency key on the page"
    return m.group(1)


@pytest.fixture(scope="session")
def csrf_of() -> Callable[[str], str]:
    """The CSRF token in a rendered page."""
    return _csrf_of


@pytest.fixture(scope="session")
def key_of() -> Callable[[str], str]:
    """The first idempotency key in a rendered page."""
    return _key_of


@pytest.fixture(scope="module")
def login(console: SimpleNamespace) -> Callable[..., TestClient]:
    """A signed-in TestClient for a demo user (optionally in English).

    Password checks are slow on purpose (argon2), so one session per user and module is opened and
    each call gets a new client carrying it; ``fresh=True`` opens a new session (to log it out).
    """
    sessions: dict[str, str] = {}

    def _login(username: str, *, lang: str | None = None, fresh: bool = False) -> TestClient:
        client = TestClient(console.app)
        if lang:
            client.cookies.set("lr_lang", lang)
        if username in sessions and not fresh:
            client.cookies.set("lr_session", sessions[username])
            return client
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": _csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        if not fresh:
            sessions[username] = client.cookies["lr_session"]
        return client

    return _login
