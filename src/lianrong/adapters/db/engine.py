"""Engine creation for SQLite (WAL, immediate transactions) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them to psycopg 3."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 5) -> Engine:
    """Create an engine; on SQLite every transaction takes the write lock up front."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every SQLite test
            # let SQLAlchemy, not pysqlite, issue BEGIN so we can make it IMMEDIATE: a reader that
            # later writes would otherwise fail with SQLITE_BUSY instead of waiting its turn
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # pragma: no cover
            # straight to the driver: this runs once per unit of work, on the hot path
            raw = conn.connection.dbapi_connection
            raw.execute("BEGIN" if conn.get_execution_options().get("lianrong_readonly") else "BEGIN IMMEDIATE")

        return engine
    # no pre-ping (a round trip per unit of work); stale connections are recycled instead
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_recycle=1800)


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"
