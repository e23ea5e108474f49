"""Integration fixtures: fast migrated databases, and worlds with non-default settings.

Migrating a fresh database costs more than most engine tests themselves, so each session migrates
one template per engine and every test gets its own copy: a file copy on SQLite, ``CREATE DATABASE
… TEMPLATE`` on PostgreSQL. Each test still owns a brand-new database, dropped afterwards; the
root ``pg_admin_url`` fixture keeps its rule (skip without PostgreSQL, fail on CI).
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from factories import TODAY, World, make_context
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from lianrong.adapters.db import migrate


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def _pg_template(pg_admin_url: str) -> Iterator[tuple[str, Any]]:
    name = f"lr_tpl_{secrets.token_hex(6)}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool,
                          connect_args={"connect_timeout": 5})
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        migrate.upgrade(make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False))
        yield name, admin
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """Each engine test runs on SQLite and on PostgreSQL, on a fresh copy of a migrated database."""
    if request.param == "sqlite":
        target = tmp_path / "engine.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template, admin = request.getfixturevalue("_pg_template")
    name = f"lr_test_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(request.getfixturevalue("pg_admin_url")).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def make_world(db_url):
    """Build a World on this test's database with settings overrides (``payments="batch"`` …).

    World options (``n_suppliers``, ``credit_limit_fen``, ``core_funds_fen``) and the start date
    ``today`` are taken apart from the settings.
    """

    def build(*, today: dt.date = TODAY, n_suppliers: int = 4, credit_limit_fen: int = 10**12,
              core_funds_fen: int = 10**12, **settings: Any) -> World:
        return World(make_context(db_url, today=today, **settings), n_suppliers=n_suppliers,
                     credit_limit_fen=credit_limit_fen, core_funds_fen=core_funds_fen)

    return build
