"""Engine creation for SQLite (WAL, immediate transactions) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from typing import Any

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

        writer = _WRITERS[engine] = SqliteWriter(engine)
        event.listen(engine, "engine_disposed", lambda _engine: writer.close())
        weakref.finalize(engine, writer.close)  # an engine dropped without dispose(): no connection left out
        return engine
    # no pre-ping (a round trip per unit of work); stale connections are recycled instead
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, pool_recycle=1800)
    kept = _STATEMENT_CONNECTIONS[engine] = StatementConnections(engine, recycle=1800.0)
    event.listen(engine, "engine_disposed", lambda _engine: kept.close())
    weakref.finalize(engine, kept.close)
    return engine


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


class SqliteWriter:
    """SQLite's one writer, per process: the hot write paths (``UnitOfWork(single_write=True)``) take turns on
    one pinned connection behind a Python lock.

    SQLite admits one writing transaction at a time anyway. Without this, each such unit of work checks a
    connection out of the pool and gives it back (about a twentieth of a transfer's time), and writers of
    one process that meet wait in SQLite's busy handler, which sleeps and polls; the lock hands over at
    once and in order. Writers of other processes and the other units of work still meet in SQLite's own
    lock. The connection is the pool's (its connect-time pragmas applied) and is given back when the engine
    is disposed; a forked child pins its own.
    """

    #: seconds ``close`` waits for a writer that holds the connection before leaving the drop to it
    CLOSE_WAIT = 5.0

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)  # the engine owns its writer, not the other way round
        self._after_fork()

    def _after_fork(self) -> None:
        """A fresh state (also in a forked child: the parent's connection and lock are not its own)."""
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._pooled: Any = None
        self._stale = False

    def acquire(self) -> Any:
        """The pinned pooled connection, held until ``release``; None when this thread holds it already (a
        nested unit of work then takes a connection of its own from the pool)."""
        me = threading.get_ident()
        if self._owner == me:
            return None
        self._lock.acquire()
        self._owner = me
        try:
            if self._pooled is None:
                engine = self._engine()
                if engine is None:
                    raise RuntimeError("the engine of this writer is gone")
                self._pooled = engine.raw_connection()
        except BaseException:
            self._owner = None
            self._lock.release()
            raise
        return self._pooled

    def release(self, *, broken: bool = False) -> None:
        """Hand the connection to the next writer; ``broken``: it must not be used again (a new one is pinned)."""
        try:
            if broken or self._stale:
                self._drop()
        finally:
            self._owner = None
            self._lock.release()

    def close(self) -> None:
        """Close the pinned connection (the engine is being disposed or dropped); the next writer pins a new
        one. A writer that holds it keeps it to the end of its unit of work and then drops it."""
        # never a wait without end: this also runs at interpreter exit, where a daemon thread may hold it
        if self._owner == threading.get_ident() or not self._lock.acquire(timeout=self.CLOSE_WAIT):
            self._stale = True  # dropped by the writer that holds it, when it lets go
            return
        try:
            self._drop()
        finally:
            self._lock.release()

    def _drop(self) -> None:
        pooled, self._pooled, self._stale = self._pooled, None, False
        if pooled is not None:
            # closed outright: it was checked out of a pool the disposal has replaced
            pooled.invalidate()


_WRITERS: weakref.WeakKeyDictionary[Engine, SqliteWriter] = weakref.WeakKeyDictionary()


class StatementConnections:
    """PostgreSQL: the connections of one-statement units of work (``UnitOfWork(single_write=True)``), kept
    in autocommit with their cursor, per process.

    Such a unit of work runs one or two statements outside any transaction. Checked out of the engine's
    pool and given back, with a new cursor each time and autocommit switched on and off, its connection
    costs about a third of a transfer's client CPU; kept here, ready, it costs a list ``pop`` and ``append``
    (atomic under the GIL, so threads need no lock on that path). The connections are the engine's own
    (its ``connect`` configuration and events), detached from its pool, so the pool's capacity is
    untouched. At most ``size`` exist at once; beyond that, or after a failure, the unit of work falls back
    to the pool. A connection older than ``recycle`` seconds, one that failed, or one in use while the
    engine was disposed is closed instead of kept; a forked child starts with none (the parent's stay the
    parent's: psycopg does not close a connection in a process that did not open it).
    """

    def __init__(self, engine: Engine, *, size: int = 16, recycle: float = 1800.0) -> None:
        self._engine = weakref.ref(engine)
        self.size = size
        self.recycle = recycle
        self._after_fork()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[StatementConnection] = []
        self._open = 0
        self._generation = 0

    def acquire(self) -> StatementConnection | None:
        """A kept connection (autocommit, idle) for the caller alone, or None when ``size`` are in use."""
        while True:
            try:
                slot = self._idle.pop()
            except IndexError:
                break
            if slot.usable(self.recycle):
                return slot
            self._discard(slot)
        with self._lock:
            if self._open >= self.size:
                return None
            self._open += 1
            generation = self._generation
        try:
            engine = self._engine()
            if engine is None:
                raise RuntimeError("the engine of these connections is gone")
            pooled = engine.raw_connection()
            pooled.detach()  # ours from now on: closed, not returned, when done
            dbapi = pooled.dbapi_connection
            dbapi.autocommit = True
        except BaseException:
            with self._lock:
                self._open -= 1
            raise
        return StatementConnection(dbapi, generation)

    def release(self, slot: StatementConnection) -> None:
        """Keep the connection for the next unit of work, or close it (failed, stale, or from before a
        disposal)."""
        if slot.generation != self._generation or not slot.usable(self.recycle):
            self._discard(slot)
            if slot.dbapi.closed:
                # the server closed it: after a restart every kept one is dead, so none is handed out again
                # to fail a request of its own (those in use are checked when they come back)
                self._forget_idle()
        else:
            self._idle.append(slot)

    def _forget_idle(self) -> None:
        for slot in self._take_idle():
            self._discard(slot)

    def _take_idle(self) -> list[StatementConnection]:
        """Every idle connection, each taken by an atomic ``pop`` as ``acquire`` takes one, so none is both
        handed to a unit of work and closed."""
        taken = []
        while True:
            try:
                taken.append(self._idle.pop())
            except IndexError:
                return taken

    def _discard(self, slot: StatementConnection) -> None:
        with self._lock:
            if slot.generation == self._generation:
                self._open -= 1
        slot.close()

    def close(self) -> None:
        """Close the idle connections (the engine is disposed or dropped); those in use are closed when their
        unit of work gives them back."""
        with self._lock:
            self._generation += 1
            self._open = 0
        for slot in self._take_idle():
            slot.close()


class StatementConnection:
    """One kept autocommit DBAPI connection and the state a unit of work needs on it."""

    __slots__ = ("dbapi", "generation", "opened", "raw")

    def __init__(self, dbapi: Any, generation: int) -> None:
        self.dbapi = dbapi
        self.generation = generation
        self.opened = time.monotonic()
        self.raw: Any = None  # the unit of work's Raw on it, made once (its cursor is kept)

    def usable(self, recycle: float) -> bool:
        dbapi = self.dbapi
        return (
            not dbapi.closed
            and dbapi.info.transaction_status == 0  # psycopg.pq.TransactionStatus.IDLE
            and time.monotonic() - self.opened < recycle
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already broken: nothing left to close
            self.dbapi.close()


_STATEMENT_CONNECTIONS: weakref.WeakKeyDictionary[Engine, StatementConnections] = weakref.WeakKeyDictionary()


def statement_connections(engine: Engine) -> StatementConnections | None:
    """The engine's kept one-statement connections (PostgreSQL engines made by ``make_engine``), else None."""
    return _STATEMENT_CONNECTIONS.get(engine)


def _writers_after_fork() -> None:
    for writer in list(_WRITERS.values()):
        writer._after_fork()
    for kept in list(_STATEMENT_CONNECTIONS.values()):
        kept._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_writers_after_fork)


def sqlite_writer(engine: Engine) -> SqliteWriter | None:
    """The engine's pinned SQLite writer (engines made by ``make_engine`` on SQLite), else None."""
    return _WRITERS.get(engine)
