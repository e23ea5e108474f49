"""Fixtures of the HTTP API tests; the world they build is described in ``harness.py``.

Both fixtures start from a copy of the API world's template (built once per test process, see
``tests/databases.py``) and restore the ApiWorld from its record: a new context and application per copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api.harness import ApiWorld, build_api_records, restore_api_world
from databases import TEMPLATE_RECORD, Templates


@pytest.fixture(scope="session", autouse=True)
def _api_world_template(db_templates: Templates) -> None:
    """The API world is a template shape (``fresh_api_world``'s database is a copy of it)."""
    db_templates.register("api_world", build_api_records)


@pytest.fixture(scope="module")
def api_world(db_templates: Templates, tmp_path_factory) -> Iterator[ApiWorld]:
    """One SQLite database per test module (fast): tests must not depend on each other's writes."""
    with db_templates.copy("sqlite", "api_world", tmp_path_factory.mktemp("api")) as (url, records):
        aw = restore_api_world(url, records, sqlite_synchronous="NORMAL")
        with aw.client:
            yield aw


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_api_copy(request, db_templates: Templates, tmp_path_factory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A module's own copy of the API world's template, on SQLite and on PostgreSQL: its URL and the record to
    restore the ApiWorld from (``restore_api_world``); the module's tests share it."""
    admin_url = request.getfixturevalue("pg_admin_url") if request.param == "postgres" else None
    with db_templates.copy(
        request.param, "api_world", tmp_path_factory.mktemp("module"), pg_admin_url=admin_url
    ) as copy:
        yield copy


@pytest.fixture
def fresh_api_world(request, db_url) -> Iterator[ApiWorld]:
    """A world of its own on SQLite and on PostgreSQL, for tests that move the clock or lock accounts."""
    aw = restore_api_world(db_url, request.node.stash[TEMPLATE_RECORD])
    with aw.client:
        yield aw
