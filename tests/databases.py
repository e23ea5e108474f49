"""Test databases: a brand-new database per test, copied from a template built once per test process.

Building a migrated database and the base ``World`` through the real services costs more than most
tests themselves. So each test process (each pytest-xdist worker) builds a *template* once per database
kind and *shape* — ``migrated`` (the newest schema, no rows), ``world`` (plus the base World),
``api_world`` (plus the HTTP API's overseers, users with passwords and bearer tokens) — and every test
gets a private copy of it:

* SQLite: the template's engine is disposed and its WAL checkpointed into the file, then the file is copied;
* PostgreSQL: ``CREATE DATABASE … TEMPLATE …`` (the template has no open connection: its engine is
  disposed right after the build), dropped ``WITH (FORCE)`` after the test.

A shape's builder returns a *record* (ids, usernames, tokens …) from which the test's objects are restored
on the copy (``World.restore``): nothing is rebuilt. The counters of ``factories`` (idempotency keys,
World numbers in USCCs, contract and invoice numbers) live in the same process and only go up, so what a
test makes never collides with what its template holds. Each test still gets its own context, with its
own fixed clock and settings.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from lianrong import bootstrap

#: the template a test's database is copied from, by the fixture that asks for it (first match wins)
SHAPE_OF_FIXTURE = {"fresh_api_world": "api_world", "world": "world"}
#: where a test's database copy keeps its template's record, for the fixture restoring the World from it
TEMPLATE_RECORD = pytest.StashKey[Any]()
#: a shape's builder: given the template's URL, build it and return what the tests restore their objects from
Builder = Callable[[str], Any]


def pg_unavailable(reason: str) -> None:
    """Skip a PostgreSQL test without a server, except on CI (``CI=true``), where it fails."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"PostgreSQL is required on CI (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def admin_engine(pg_admin_url: str) -> Engine:
    return create_engine(
        pg_admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool, connect_args={"connect_timeout": 5}
    )


def pg_database_url(pg_admin_url: str, name: str) -> str:
    return make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin: Engine, pg_admin_url: str, name: str) -> None:
    """Dispose this process's engines on the database, then drop it (terminating anything left)."""
    bootstrap.dispose(pg_database_url(pg_admin_url, name))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_pg_database(pg_admin_url: str, *, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (empty, or a copy of ``template``), dropped afterwards."""
    name = f"lr_test_{secrets.token_hex(6)}"
    admin = admin_engine(pg_admin_url)
    clause = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    except SQLAlchemyError as exc:
        admin.dispose()
        pg_unavailable(f"cannot create database {name}: {exc}")
    try:
        yield pg_database_url(pg_admin_url, name)
    finally:
        try:
            drop_pg_database(admin, pg_admin_url, name)
        finally:
            admin.dispose()


def checkpoint_sqlite(path: Path) -> None:
    """Fold a SQLite file's write-ahead log into the file, so that copying the file copies everything."""
    conn = sqlite3.connect(path)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, f"{path}: the checkpoint was blocked by another connection"
    finally:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"


@dataclass
class Templates:
    """This process's templates, built on first use: ``(kind, shape) → (template, record)``."""

    folder: Path
    #: the PostgreSQL maintenance database's URL, given with the first PostgreSQL copy
    pg_admin_url: str | None = None
    builders: dict[str, Builder] = field(default_factory=dict)
    built: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    pg_names: list[str] = field(default_factory=list)

    def register(self, shape: str, builder: Builder) -> None:
        self.builders.setdefault(shape, builder)

    def _template(self, kind: str, shape: str) -> tuple[str, Any]:
        if (kind, shape) not in self.built:
            build = self.builders[shape]
            if kind == "sqlite":
                path = self.folder / f"{shape}.db"
                url = f"sqlite:///{path}"
                record = build(url)
                bootstrap.dispose(url)
                checkpoint_sqlite(path)
                self.built[kind, shape] = (str(path), record)
            else:
                admin_url = self.pg_admin_url
                assert admin_url is not None
                name = f"lr_tpl_{shape}_{secrets.token_hex(5)}"
                admin = admin_engine(admin_url)
                try:
                    with admin.connect() as conn:
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                    self.pg_names.append(name)
                    url = pg_database_url(admin_url, name)
                    record = build(url)
                    bootstrap.dispose(url)  # CREATE DATABASE … TEMPLATE needs it without connections
                finally:
                    admin.dispose()
                self.built[kind, shape] = (name, record)
        return self.built[kind, shape]

    @contextlib.contextmanager
    def copy(
        self, kind: str, shape: str, folder: Path, *, pg_admin_url: str | None = None
    ) -> Iterator[tuple[str, Any]]:
        """A private copy of the template (a file in ``folder`` on SQLite): its URL and the template's record."""
        if kind == "postgres":
            assert pg_admin_url is not None, "a PostgreSQL copy needs the maintenance database's URL"
            self.pg_admin_url = pg_admin_url
        template, record = self._template(kind, shape)
        if kind == "sqlite":
            target = folder / "engine.db"
            shutil.copyfile(template, target)
            url = f"sqlite:///{target}"
            try:
                yield url, record
            finally:
                bootstrap.dispose(url)
            return
        with fresh_pg_database(pg_admin_url, template=template) as url:
            yield url, record

    def close(self) -> None:
        for kind, shape in list(self.built):
            if kind == "sqlite":
                bootstrap.dispose(f"sqlite:///{self.built[kind, shape][0]}")
        if self.pg_names and self.pg_admin_url:
            admin_url = self.pg_admin_url
            admin = admin_engine(admin_url)
            try:
                for name in self.pg_names:
                    drop_pg_database(admin, admin_url, name)
            finally:
                admin.dispose()


def shape_for(request: pytest.FixtureRequest, default: str | None) -> str | None:
    """The template a test's database is copied from: the World it asks for, else ``default``."""
    for fixture, shape in SHAPE_OF_FIXTURE.items():
        if fixture in request.fixturenames:
            return shape
    return default


@contextlib.contextmanager
def database_for(request: pytest.FixtureRequest, kind: str, folder, default_shape: str | None) -> Iterator[str]:
    """This test's database of ``kind``: a copy of the template its fixtures need, else an empty one."""
    shape = shape_for(request, default_shape)
    if shape is None:
        if kind == "sqlite":
            yield f"sqlite:///{folder / 'engine.db'}"
            return
        with fresh_pg_database(request.getfixturevalue("pg_admin_url")) as url:
            yield url
        return
    templates: Templates = request.getfixturevalue("db_templates")
    admin_url = request.getfixturevalue("pg_admin_url") if kind == "postgres" else None
    with templates.copy(kind, shape, folder, pg_admin_url=admin_url) as (url, record):
        request.node.stash[TEMPLATE_RECORD] = record
        yield url
