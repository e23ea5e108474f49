"""Shared fixtures: database URLs for SQLite and PostgreSQL, copied from per-process templates.

``pg_url`` gives each test a brand-new PostgreSQL database (``lr_test_<random>``) created on the
server named by ``LIANRONG_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and dropped afterwards. When that server is unreachable the test is skipped, except on CI
(``CI=true``), where it fails. Tests using ``pg_url`` are marked ``postgres`` automatically, so
``pytest -m "not postgres"`` deselects them.

``db_url`` runs a test on SQLite and on PostgreSQL. A test that uses ``world`` (or the API's
``fresh_api_world``) gets a private copy of a database that already holds that World, built once per
test process (``tests/databases.py``); the World is restored from the template's record, not rebuilt.

Every engine a test opened through ``bootstrap`` is disposed and forgotten when the test ends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import (
    TEMPLATE_RECORD,
    Templates,
    database_for,
    fresh_pg_database,
    pg_unavailable,
)
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lianrong import bootstrap
from lianrong.adapters.db import migrate
from lianrong.adapters.db.engine import normalize_url

# No time limit per example and no "too slow" health check: speed is measured by the benchmarks, never by a
# timed assertion in a test, and a loaded CI host (2 workers, a database server) must not turn a slow example
# into a failure. Tests that need other settings still pass their own.
settings.register_profile("lianrong", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lianrong")

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: tiers whose every test is ``slow``: command-line runs in subprocesses, and the console in Chromium
SLOW_TIERS = ("e2e", "browser")


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest hook signature
    here = Path(__file__).parent
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        with contextlib.suppress(ValueError):
            if item.path.relative_to(here).parts[0] in SLOW_TIERS:
                item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """Dispose and forget the engines this test opened (its connections, SQLite writer, kept connections)."""
    before = bootstrap.cached_urls()
    yield
    for url in bootstrap.cached_urls() - before:
        bootstrap.dispose(url)


def _build_world(url: str) -> dict:
    from factories import World, make_context

    return World(make_context(url)).record()


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory) -> Iterator[Templates]:
    """This process's template databases (built on first use) and the builders of their shapes."""
    templates = Templates(folder=tmp_path_factory.mktemp("templates"))
    templates.register("migrated", migrate.upgrade)
    templates.register("world", _build_world)
    yield templates
    templates.close()


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
        pg_unavailable(
            f"cannot connect to {shown} (LIANRONG_TEST_PG_URL): {exc.__class__.__name__}: "
            f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip()}"
        )
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test only; dropped (WITH FORCE) afterwards."""
    with fresh_pg_database(pg_admin_url) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db_url(request, tmp_path_factory) -> Iterator[str]:
    """One SQLite and one PostgreSQL database shared by a module's tests (which must not depend on each
    other's writes)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module') / 'engine.db'}"
        return
    with fresh_pg_database(request.getfixturevalue("pg_admin_url")) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A SQLite database file in this test's temporary directory (created on first connect)."""
    return f"sqlite:///{tmp_path / 'lianrong.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """Each engine test runs on SQLite and on PostgreSQL: an empty database, or a copy holding the World the
    test asks for."""
    with database_for(request, request.param, tmp_path, None) as url:
        yield url


@pytest.fixture
def world(request, db_url):
    """A migrated database with a bank, a core enterprise and four suppliers (see tests/factories.py), copied
    from this process's template; the World's ids and users are the template's, its context is the test's own."""
    from factories import World, make_context

    record = request.node.stash[TEMPLATE_RECORD]
    return World.restore(make_context(db_url), record.get("world", record))  # the API world's holds one
