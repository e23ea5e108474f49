"""Integration fixtures: fast migrated databases, and worlds with non-default settings.

Migrating a fresh database costs more than most engine tests themselves, so every test here starts
from a copy of a migrated template (built once per test process, ``tests/databases.py``) — or of the
World template when it asks for ``world``. Each test still owns a brand-new database, dropped
afterwards; the root ``pg_admin_url`` fixture keeps its rule (skip without PostgreSQL, fail on CI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from databases import database_for
from factories import TODAY, World, make_context


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """Each engine test runs on SQLite and on PostgreSQL, on a fresh copy of a migrated database (holding the
    World when the test asks for ``world``)."""
    with database_for(request, request.param, tmp_path, "migrated") as url:
        yield url


@pytest.fixture
def make_world(db_url):
    """Build a World on this test's database with settings overrides (``payments="batch"`` …).

    World options (``n_suppliers``, ``credit_limit_fen``, ``core_funds_fen``) and the start date
    ``today`` are taken apart from the settings.
    """

    def build(
        *,
        today: dt.date = TODAY,
        n_suppliers: int = 4,
        credit_limit_fen: int = 10**12,
        core_funds_fen: int = 10**12,
        **settings: Any,
    ) -> World:
        return World(
            make_context(db_url, today=today, **settings),
            n_suppliers=n_suppliers,
            credit_limit_fen=credit_limit_fen,
            core_funds_fen=core_funds_fen,
        )

    return build
