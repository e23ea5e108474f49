"""Fixed SQL on PostgreSQL from the event loop: psycopg's ``AsyncConnection``, a few kept per process.

The API's hottest request (a bearer transfer, ``api/hot.py``) is two statements on PostgreSQL: the token
look-up and one call of ``lianrong_transfer``. Handing them to a worker thread and back costs more CPU
than the statements themselves (~0.5 ms per request measured); awaited on an asynchronous connection
they cost no hand-off at all. Each statement runs on its own in autocommit (each is atomic by itself),
with the same ``:name`` SQL as ``Raw`` and the same ``GuardFailed`` for a self-refusing write.

Why not ``psycopg_pool.AsyncConnectionPool``: a pool belongs to the loop it was opened on and runs
maintenance tasks there, while an application may be driven by more than one loop in its life (a test
client starts one per request unless kept open). Here connections are opened on demand, at most
``size`` in use at once, up to ``size`` kept idle for the loop that uses them; when another loop comes,
the idle ones of the old loop are closed at the libpq level (no loop needed) and forgotten. A connection
that failed, or is older than ``recycle`` seconds, is closed instead of being kept.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy.engine import make_url

from lianrong.adapters.db.raw import GUARD_SQLSTATE, GuardFailed, _pyformat


class DatabaseUnavailable(Exception):
    """The statement did not run (no connection, or the driver failed): nothing was written by it."""


def conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy ``postgresql[+psycopg]://`` URL."""
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncPg:
    """Autocommit connections to one PostgreSQL database for the running event loop."""

    #: a write may be awaited here too (it waits for no lock held by this process)
    writes_on_loop = True

    def __init__(self, url: str, *, size: int = 8, recycle: float = 1800.0, connect_timeout: int = 10) -> None:
        self._conninfo = conninfo(url)
        self._size = size
        self._recycle = recycle
        self._connect_timeout = connect_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[tuple[Any, float]] = []  # (connection, opened at)
        self._slots: asyncio.Semaphore | None = None

    def _for_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._slots is None:
            self._forget_idle()
            self._loop, self._slots = loop, asyncio.Semaphore(self._size)
        return self._slots

    def _forget_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.pgconn.finish()  # libpq's close: needs no loop

    async def one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        """The first row of one statement (autocommit), or None; ``GuardFailed`` when it refused itself,
        ``DatabaseUnavailable`` when it could not run or failed otherwise (nothing of it written)."""
        import psycopg

        async with self._for_loop():
            conn = opened = None
            while self._idle:
                conn, opened = self._idle.pop()
                if not conn.closed and time.monotonic() - opened < self._recycle:
                    break
                conn.pgconn.finish()
                conn = None
            try:
                if conn is None:
                    conn = await psycopg.AsyncConnection.connect(
                        self._conninfo, autocommit=True, connect_timeout=self._connect_timeout
                    )
                    opened = time.monotonic()
                cur = await conn.execute(_pyformat(sql), params)
                row = await cur.fetchone()
            except psycopg.Error as exc:
                if (
                    conn is not None
                    and not conn.closed
                    and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                ):
                    self._keep(conn, opened)
                elif conn is not None:
                    conn.pgconn.finish()
                if getattr(exc, "sqlstate", None) == GUARD_SQLSTATE:
                    raise GuardFailed(exc.diag.message_primary or "") from None
                raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
            except BaseException:  # cancelled mid-statement: the connection's state is unknown
                if conn is not None:
                    conn.pgconn.finish()
                raise
            self._keep(conn, opened)
            return row

    def _keep(self, conn: Any, opened: float | None) -> None:
        if len(self._idle) < self._size:
            self._idle.append((conn, opened or time.monotonic()))
        else:
            conn.pgconn.finish()

    def close(self) -> None:
        """Close the idle connections (the application's shutdown)."""
        self._forget_idle()


class LoopSqlite:
    """SQLite: one-statement reads from the event loop on a connection of its own (the engine's, with its
    connect-time pragmas, detached from the pool), used by the loop's thread only.

    A read of a few indexed rows from a local file costs tens of microseconds, several times less than
    handing it to a worker thread and back; in WAL mode a reader never waits for a writer, so it cannot
    stall the loop. Writes never run here (they take SQLite's one write lock, and may wait for it): ``one``
    is for reads. Another thread (another loop) gets a connection of its own; the engine's disposal closes
    it, so a database file replaced behind a disposed engine is never read through an old handle.
    """

    writes_on_loop = False

    def __init__(self, engine: Any) -> None:
        import threading
        import weakref

        from sqlalchemy import event

        self._engine = weakref.ref(engine)
        self._local = threading.local()
        self._generation = 0
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    async def one(self, sql: str, params: dict[str, Any]) -> tuple | None:
        """The first row of one read, or None; ``DatabaseUnavailable`` when it could not run."""
        import sqlite3

        try:
            conn = self._conn()
            cur = conn.execute(sql, params)
            try:
                return cur.fetchone()
            finally:
                cur.close()
        except sqlite3.Error as exc:
            self._drop()
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _conn(self) -> Any:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.generation == self._generation:
            return conn
        self._drop()
        engine = self._engine()
        if engine is None:
            raise DatabaseUnavailable("the engine of this connection is gone")
        pooled = engine.raw_connection()
        pooled.detach()  # ours from now on: closed, not returned
        local.conn, local.generation = pooled.dbapi_connection, self._generation
        return local.conn

    def _drop(self) -> None:
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Forget every thread's connection (each is closed by its thread at its next use, or with it)."""
        self._generation += 1


class LoopStatements:
    """Per application: the statements its requests await on the event loop, per database — PostgreSQL's
    asynchronous connections (``AsyncPg``), SQLite's loop-side reader (``LoopSqlite``); None for an
    in-memory SQLite database (only the pool's connection sees it)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, Any]] = {}

    def for_engine(self, engine: Any) -> AsyncPg | LoopSqlite | None:
        known = self._known.get(id(engine))
        if known is None or known[0] is not engine:
            if engine.dialect.name == "postgresql":
                db: Any = AsyncPg(engine.url.render_as_string(hide_password=False))
            else:
                database = engine.url.database or ""
                db = None if database in ("", ":memory:") or "mode=memory" in str(engine.url) else LoopSqlite(engine)
            known = self._known[id(engine)] = (engine, db)
        return known[1]

    def close(self) -> None:
        """Close the idle connections (the application's shutdown)."""
        for _, db in self._known.values():
            if db is not None:
                db.close()
