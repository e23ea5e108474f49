"""Schema migrations, driven from code: the Alembic scripts ship inside the package.

Typical use::

    from lianrong.adapters.db import migrate

    migrate.upgrade("postgresql://lianrong@db/lianrong")   # a URL ...
    migrate.upgrade(engine)                                 # ... or an Engine / Connection
    migrate.current(engine)                                 # "20261126_0001", or None if unmigrated

From a source checkout the ``alembic`` command works too (``alembic.ini`` at the repository root):
``LIANRONG_DATABASE_URL=... alembic upgrade head`` or ``alembic -x url=... upgrade head``.
New revisions: ``alembic revision --autogenerate -m "what changed"`` (env.py gives it the id
``YYYYMMDD_NNNN``, today's date and the next running number; the file is ``<id>_<slug>.py``). For a
hand-written revision without ``--autogenerate`` pass the id yourself: ``--rev-id 20261201_0002``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, pool, text

from lianrong.adapters.db.engine import normalize_url

#: the package's migrations folder (``lianrong/migrations``), found next to this module so that an
#: installed, non-editable package can migrate itself
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

Bind = Engine | Connection | str


def alembic_config(url: str | None = None) -> Config:
    """An Alembic :class:`~alembic.config.Config` built in code; no ``alembic.ini`` needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url:
        # ConfigParser interpolates '%': an encoded password such as p%40ss must be escaped
        cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def head() -> str:
    """The newest revision id shipped with this package."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected exactly one migration head, found {heads}")
    return heads[0]


def upgrade(engine_or_url: Bind, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (default: the newest)."""
    _run(engine_or_url, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine_or_url: Bind, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default ``"base"``: drop every table)."""
    _run(engine_or_url, lambda cfg: command.downgrade(cfg, revision))


def current(engine_or_url: Bind) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    if isinstance(engine_or_url, Connection):  # the caller's transaction is left alone
        heads = MigrationContext.configure(engine_or_url).get_current_heads()
    else:
        with _connection(engine_or_url) as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
            if conn.in_transaction():
                conn.rollback()
    if not heads:
        return None
    if len(heads) > 1:
        raise RuntimeError(f"database is at several revisions: {heads}")
    return heads[0]


def is_up_to_date(engine_or_url: Bind) -> bool:
    """True when the database is at this package's newest revision."""
    return current(engine_or_url) == head()


# --- internals -----------------------------------------------------------------------------------


@contextmanager
def _connection(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    if isinstance(bind, str):
        engine = create_engine(normalize_url(bind), poolclass=pool.NullPool)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()
        return
    with bind.connect() as conn:
        yield conn


def _run(bind: Bind, action) -> None:
    if isinstance(bind, Connection):
        # the caller owns the connection and its transaction; commit is theirs to do
        cfg = alembic_config()
        cfg.attributes["connection"] = bind
        action(cfg)
        return
    with _connection(bind) as conn, _sqlite_foreign_keys_off(conn), conn.begin():
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        action(cfg)
        if conn.dialect.name == "sqlite":
            _check_sqlite_foreign_keys(conn)


@contextmanager
def _sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite batch migrations rebuild tables; enforced foreign keys would break or cascade them.

    ``PRAGMA foreign_keys`` is a no-op inside a transaction, so it is switched on the raw DBAPI
    connection before the migration's transaction begins, and restored afterwards.
    """
    if conn.dialect.name != "sqlite" or conn.in_transaction():
        yield
        return
    raw = conn.connection.dbapi_connection
    was_on = bool(raw.execute("PRAGMA foreign_keys").fetchone()[0])
    if was_on:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if was_on:
            raw.execute("PRAGMA foreign_keys=ON")


def _check_sqlite_foreign_keys(conn: Connection) -> None:
    problems = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
    if problems:
        raise RuntimeError(f"migration left foreign-key violations: {problems[:10]}")
