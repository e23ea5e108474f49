"""The unit of work: one database transaction per use case; only services commit."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from .raw import Raw


class UnitOfWork:
    """A transaction on one connection. Leaving the block without ``commit()`` rolls back.

    ``readonly``: reads only (SQLite: a deferred BEGIN, no write lock). ``autocommit``: reads only, and on
    PostgreSQL outside any transaction, each statement on its own (for hot reads whose statements need not
    share a snapshot: READ COMMITTED gives each its own anyway).
    """

    def __init__(self, engine: Engine, *, readonly: bool = False, autocommit: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly or autocommit
        self.autocommit = autocommit
        self.conn: Connection
        self._committed = False
        self._raw: Raw | None = None
        # the idempotency row the use case owes (services.common.run_idempotent), if any
        self.idempotency: Any = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def raw(self) -> Raw:
        """Fixed SQL on this unit of work's DBAPI connection (one cursor, made on first use)."""
        if self._raw is None:
            from .raw import Raw

            self._raw = Raw(self.conn)
        return self._raw

    def __enter__(self) -> UnitOfWork:
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
        """Make the use case's writes durable."""
        self._tx.commit()
        self._committed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed and self._tx.is_active:
                self._tx.rollback()
        finally:
            self._raw = None
            self.conn.close()
