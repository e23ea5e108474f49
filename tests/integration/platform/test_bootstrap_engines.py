"""``bootstrap`` keeps one engine per database URL per process; ``bootstrap.dispose`` closes it and forgets it."""

from __future__ import annotations

from factories import make_context
from sqlalchemy import create_engine, pool, text

from lianrong import bootstrap


def _other_connections(url: str) -> int:
    """Server connections to the database other than the one asking (PostgreSQL)."""
    probe = create_engine(url, poolclass=pool.NullPool)
    try:
        with probe.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    finally:
        probe.dispose()


def test_disposing_a_url_closes_its_engines_connections_and_the_next_context_gets_a_new_engine(db_url):
    ctx = make_context(db_url)
    engine = ctx.engine
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert db_url in bootstrap.cached_urls()
    assert engine.pool.checkedin() >= 1
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        assert _other_connections(db_url) >= 1

    bootstrap.dispose(db_url)

    assert db_url not in bootstrap.cached_urls()
    assert engine.pool.checkedin() == 0
    if postgres:  # nothing left open: the database can be dropped, or copied as a template
        assert _other_connections(db_url) == 0
    again = make_context(db_url)
    assert again.engine is not engine
    assert db_url in bootstrap.cached_urls()
