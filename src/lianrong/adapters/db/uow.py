"""The unit of work: one database transaction per use case; only services commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from lianrong.adapters.db.engine import (
    SqliteWriter,
    StatementConnection,
    sqlite_writer,
    statement_connections,
)
from lianrong.adapters.db.raw import Raw


class UnitOfWork:
    """A transaction on one connection. Leaving the block without ``commit()`` rolls back.

    ``readonly``: reads only (SQLite: a deferred BEGIN, no write lock). ``autocommit``: reads only, and on
    PostgreSQL outside any transaction, each statement on its own (for hot reads whose statements need not
    share a snapshot: READ COMMITTED gives each its own anyway).

    ``single_write``: a hot use case that runs fixed SQL only (``raw``; there is no SQLAlchemy ``conn``)
    on the pooled DBAPI connection itself, without SQLAlchemy's Connection and transaction bookkeeping
    around it. On PostgreSQL it writes everything in **one statement** that checks its own guards and
    aborts itself when one fails (``Raw.GuardFailed``; ``lianrong_refuse`` in the database), outside an
    explicit transaction: that statement is atomic and durable on its own, so there are no ``BEGIN`` and
    ``COMMIT`` round trips, and what was read is re-checked by the statement's guards, not held by locks
    (``statement_mode`` is True); its connection is one the engine keeps ready in autocommit
    (``engine.StatementConnections``), or the pool's when all those are in use. On SQLite it is an
    ordinary ``BEGIN IMMEDIATE`` … ``COMMIT`` on the process's pinned writer connection
    (``engine.SqliteWriter``).
    """

    def __init__(
        self, engine: Engine, *, readonly: bool = False, autocommit: bool = False, single_write: bool = False
    ) -> None:
        self.engine = engine
        self.readonly = readonly or autocommit
        self.autocommit = autocommit
        pg = engine.dialect.name == "postgresql"
        #: fixed SQL on the pooled DBAPI connection, no SQLAlchemy Connection
        self.raw_only = single_write and not self.readonly
        #: PostgreSQL without an explicit transaction, for a use case that writes in one guarded statement
        self.statement_mode = self.raw_only and pg
        self.conn: Connection
        self._committed = False
        self._raw: Raw | None = None
        self._pooled: Any = None
        self._writer: SqliteWriter | None = None  # when the connection is the SQLite writer's pinned one
        self._kept: StatementConnection | None = None  # PostgreSQL statement mode: a kept connection
        # the idempotency row the use case owes (services.common.run_idempotent), if any
        self.idempotency: Any = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def raw(self) -> Raw:
        """Fixed SQL on this unit of work's DBAPI connection (one cursor, made on first use)."""
        if self._raw is None:
            self._raw = Raw(self.conn)
        return self._raw

    def __enter__(self) -> UnitOfWork:
        if self.statement_mode:
            kept_connections = statement_connections(self.engine)
            kept = kept_connections.acquire() if kept_connections is not None else None
            if kept is not None:
                self._kept = kept
                if kept.raw is None:
                    kept.raw = Raw(dialect=self.engine.dialect, dbapi_connection=kept.dbapi)
                self._raw = kept.raw
                return self
        if self.raw_only:
            writer = None if self.statement_mode else sqlite_writer(self.engine)
            pooled = writer.acquire() if writer is not None else None
            if pooled is not None:
                self._writer = writer
            else:
                pooled = self.engine.raw_connection()
            self._pooled = pooled
            dbapi = pooled.dbapi_connection
            try:
                if self.statement_mode:
                    dbapi.autocommit = True
                self._raw = Raw(dialect=self.engine.dialect, dbapi_connection=dbapi)
                if not self.statement_mode:
                    # the engine's connections run without pysqlite's implicit transactions (engine.py)
                    self._raw.run("BEGIN IMMEDIATE", {})
            except BaseException:
                self._release()
                raise
            return self
        conn = self.engine.connect()
        if self.autocommit and self.engine.dialect.name == "postgresql":
            # a read that needs no transaction: under READ COMMITTED every statement takes its own snapshot
            # anyway, and without BEGIN and ROLLBACK a one-statement read is one round trip instead of
            # three (no server-side cursors then; the pool puts the connection back to its default)
            conn = conn.execution_options(isolation_level="AUTOCOMMIT", lianrong_readonly=True)
        elif self.readonly:
            conn = conn.execution_options(lianrong_readonly=True)
        self.conn = conn
        self._tx = conn.begin()
        return self

    def commit(self) -> None:
        """Make the use case's writes durable (in statement mode each statement already was)."""
        if not self.raw_only:
            self._tx.commit()
        elif not self.statement_mode:
            self.raw.run("COMMIT", {})
        self._committed = True

    def _release(self) -> None:
        """Give a raw-only unit of work's connection back as it was handed out: to the kept PostgreSQL
        connections, to the SQLite writer, or to the pool."""
        kept, self._kept = self._kept, None
        if kept is not None:
            self._raw = None
            statement_connections(self.engine).release(kept)  # type: ignore[union-attr]
            return
        pooled, self._pooled, self._raw = self._pooled, None, None
        writer, self._writer = self._writer, None
        dbapi = pooled.dbapi_connection
        broken = False
        try:
            if self.statement_mode:
                dbapi.autocommit = False
            elif dbapi.in_transaction:
                dbapi.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - a broken connection: the pool must not hand it out again
            broken = True
        if writer is not None:
            writer.release(broken=broken)
            return
        if broken:
            pooled.invalidate()
        pooled.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.raw_only:
            self._release()
            return
        try:
            if not self._committed and self._tx.is_active:
                self._tx.rollback()
        finally:
            self._raw = None
            self.conn.close()
