"""Fixtures of the HTTP API tests; the world they build is described in ``harness.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.harness import ApiWorld, build_api_world


@pytest.fixture(scope="module")
def api_world(tmp_path_factory) -> Iterator[ApiWorld]:
    """One SQLite database per test module (fast): tests must not depend on each other's writes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    aw = build_api_world(url, sqlite_synchronous="NORMAL")
    with aw.client:
        yield aw


@pytest.fixture
def fresh_api_world(db_url) -> Iterator[ApiWorld]:
    """A world of its own on SQLite and on PostgreSQL, for tests that move the clock or lock accounts."""
    aw = build_api_world(db_url)
    with aw.client:
        yield aw
