"""Shared fixtures: database URLs for SQLite and PostgreSQL.

``pg_url`` gives each test a brand-new PostgreSQL database (``lr_test_<random>``) created on the
server named by ``LIANRONG_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and dropped afterwards. When that server is unreachable the test is skipped, except on CI
(``CI=true``), where it fails. Tests using ``pg_url`` are marked ``postgres`` automatically, so
``pytest -m "not postgres"`` deselects them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lianrong.adapters.db.engine import normalize_url

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest hook signature
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def _pg_unavailable(reason: str):
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"PostgreSQL is required on CI (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the maintenance database test databases are created from; checked once per session."""
    raw = os.environ.get("LIANRONG_TEST_PG_URL") or DEFAULT_TEST_PG_URL
    url = normalize_url(raw)
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        _pg_unavailable(f"cannot connect to {shown} (LIANRONG_TEST_PG_URL): {exc.__class__.__name__}: "
                        f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip()}")
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def _fresh_pg_database(pg_admin_url: str) -> Iterator[str]:
    name = f"lr_test_{secrets.token_hex(6)}"
    admin = create_engine(
        pg_admin_url,
        isolation_level="AUTOCOMMIT",
        poolclass=pool.NullPool,
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        _pg_unavailable(f"cannot create database {name}: {exc}")
    try:
        yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test only; dropped (WITH FORCE) afterwards."""
    with _fresh_pg_database(pg_admin_url) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db_url(request, tmp_path_factory) -> Iterator[str]:
    """One SQLite and one PostgreSQL database shared by a module's tests (which must not depend on each
    other's writes)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module') / 'engine.db'}"
        return
    with _fresh_pg_database(request.getfixturevalue("pg_admin_url")) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A SQLite database file in this test's temporary directory (created on first connect)."""
    return f"sqlite:///{tmp_path / 'lianrong.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """Each engine test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'engine.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def world(db_url):
    """A migrated database with a bank, a core enterprise and four suppliers (see tests/factories.py)."""
    from factories import World, make_context

    return World(make_context(db_url))
