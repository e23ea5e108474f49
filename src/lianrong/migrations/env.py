"""Alembic environment for LianRong; ships inside the package so an installed copy can migrate itself.

Where the database comes from, first match wins:

1. a :class:`~sqlalchemy.engine.Connection` in ``config.attributes["connection"]`` (programmatic use,
   see :mod:`lianrong.adapters.db.migrate`); it is used as-is and neither committed nor closed here
   unless this module began its transaction;
2. ``-x url=...`` on the ``alembic`` command line;
3. the ``sqlalchemy.url`` main option (set by :func:`lianrong.adapters.db.migrate.alembic_config`);
4. the ``LIANRONG_DATABASE_URL`` environment variable, else ``sqlite:///lianrong.db``.

Plain ``postgresql://`` URLs are routed to psycopg 3. SQLite gets ``render_as_batch=True`` so that
future ``ALTER`` operations are emitted as table rebuilds.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from lianrong.adapters.db.engine import normalize_url
from lianrong.adapters.db.tables import metadata

config = context.config

# only configure logging when run from an alembic.ini; programmatic callers keep their own logging
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

log = logging.getLogger("alembic.env")

target_metadata = metadata

DEFAULT_URL = "sqlite:///lianrong.db"
_REV_ID = re.compile(r"^(\d{8})_(\d{4})$")


def _database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        url = config.get_main_option("sqlalchemy.url")
    if not url:
        url = os.environ.get("LIANRONG_DATABASE_URL") or DEFAULT_URL
    return normalize_url(url)


def _next_revision_id() -> str:
    """``YYYYMMDD_NNNN``: today's date and a project-wide running number (revisions sort by name)."""
    from alembic.script import ScriptDirectory

    numbers = [0]
    for script in ScriptDirectory.from_config(config).walk_revisions():
        m = _REV_ID.match(script.revision)
        if m:
            numbers.append(int(m.group(2)))
    return f"{_dt.date.today():%Y%m%d}_{max(numbers) + 1:04d}"


def _process_revision_directives(ctx, revision, directives) -> None:
    """Give new revisions a date-prefixed id unless ``--rev-id`` was passed; skip empty autogenerates."""
    if not directives:
        return
    script = directives[0]
    cmd_opts = getattr(config, "cmd_opts", None)
    if cmd_opts is not None and getattr(cmd_opts, "autogenerate", False):
        if script.upgrade_ops.is_empty():
            log.info("no schema changes detected; no revision file written")
            directives[:] = []
            return
    if not (cmd_opts is not None and getattr(cmd_opts, "rev_id", None)):
        script.rev_id = _next_revision_id()


def _configure_kwargs(dialect_name: str) -> dict:
    return dict(
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=dialect_name == "sqlite",
        process_revision_directives=_process_revision_directives,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) instead of running it."""
    url = _database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_kwargs(url.split(":", 1)[0].split("+", 1)[0]),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_with_connection(connection: Connection) -> None:
    context.configure(connection=connection, **_configure_kwargs(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live database, on the caller's connection when one was handed in."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with_connection(connection)
        return
    # a private, unpooled engine: on SQLite this also leaves ``PRAGMA foreign_keys`` at its default
    # (off), which batch table rebuilds need
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            _run_with_connection(conn)
            if conn.in_transaction():  # e.g. SQLite, where alembic does not manage the transaction
                conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
