"""SQLite's pinned writer (adapters/db/engine.SqliteWriter): the hot write paths of one process take turns
on one connection behind a lock, instead of a pooled connection each and SQLite's sleeping busy handler."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator

import pytest
from factories import World, in_threads, make_context

from lianrong.adapters.db.engine import sqlite_writer
from lianrong.vouchers import audit
from lianrong.vouchers import service as vouchers


@pytest.fixture
def sqlite_world(tmp_path, db_templates) -> Iterator[World]:
    """A World of two suppliers on a copy of the migrated SQLite template."""
    with db_templates.copy("sqlite", "migrated", tmp_path) as (url, _):
        yield World(make_context(url), n_suppliers=2)


def _transfer(world: World, fragment: str, n: int) -> str:
    r = vouchers.transfer(
        world.ctx,
        actor=world.user("s1"),
        fragment_id=fragment,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 1}],
        idempotency_key=f"w-{fragment}-{n}",
    )
    return r.children[-1].id


def test_threads_of_one_process_transfer_in_turn_on_one_connection(sqlite_world):
    world = sqlite_world
    roots = [world.issue(1000_00) for _ in range(8)]
    seen: set[int] = set()
    writer = sqlite_writer(world.ctx.engine)
    assert writer is not None
    original = writer.acquire

    def spy():
        pooled = original()
        if pooled is not None:
            seen.add(id(pooled.dbapi_connection))
        return pooled

    writer.acquire = spy  # type: ignore[method-assign]

    def run(root: str) -> None:
        current = root
        for n in range(25):
            current = _transfer(world, current, n)

    in_threads(run, roots)
    assert len(seen) == 1  # 200 transfers from 8 threads, one connection
    assert world.ctx.engine.pool.checkedout() == 1  # the pinned one, idle between writers
    report = audit.verify(world.ctx)
    assert report.ok, report


def test_disposing_the_engine_closes_the_pinned_connection_and_the_next_write_pins_a_new_one(sqlite_world):
    world = sqlite_world
    root = world.issue(1000_00)
    engine = world.ctx.engine
    nxt = _transfer(world, root, 0)
    pinned = sqlite_writer(engine).acquire()
    dbapi = pinned.dbapi_connection
    sqlite_writer(engine).release()
    engine.dispose()
    assert engine.pool.checkedout() == 0
    with pytest.raises(sqlite3.ProgrammingError):
        dbapi.execute("select 1")  # closed, not left open by a pool that is gone
    _transfer(world, nxt, 1)
    assert sqlite_writer(engine).acquire().dbapi_connection is not dbapi
    sqlite_writer(engine).release()


def test_a_thread_that_holds_the_writer_is_given_none_and_other_threads_wait(sqlite_world):
    writer = sqlite_writer(sqlite_world.ctx.engine)
    first = writer.acquire()
    assert first is not None
    assert writer.acquire() is None  # nested in the same thread: the caller takes a pooled connection
    got: list = []
    other = threading.Thread(target=lambda: (got.append(writer.acquire()), writer.release()))
    other.start()
    other.join(0.3)
    assert other.is_alive() and not got  # waits its turn
    writer.release()
    other.join(10)
    assert got == [first]


def test_a_broken_connection_is_dropped_and_replaced(sqlite_world):
    world = sqlite_world
    root = world.issue(1000_00)
    writer = sqlite_writer(world.ctx.engine)
    first = writer.acquire()
    dbapi = first.dbapi_connection
    writer.release(broken=True)
    with pytest.raises(sqlite3.ProgrammingError):
        dbapi.execute("select 1")
    _transfer(world, root, 0)
    assert writer.acquire().dbapi_connection is not dbapi
    writer.release()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_pins_its_own_connection_even_while_the_parent_holds_the_lock(sqlite_world):
    world = sqlite_world
    root = world.issue(1000_00)
    writer = sqlite_writer(world.ctx.engine)
    parents = writer.acquire()  # held across the fork
    pid = os.fork()
    if pid == 0:  # the child: must neither wait for the parent's lock nor use the parent's connection
        code = 1
        try:
            mine = writer.acquire()
            code = 0 if mine is not None and mine.dbapi_connection is not parents.dbapi_connection else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    writer.release()
    assert os.waitstatus_to_exitcode(status) == 0
    _transfer(world, root, 0)  # the parent's connection still serves the parent


def test_disposal_while_another_thread_writes_leaves_the_drop_to_that_writer(sqlite_world, monkeypatch):
    writer = sqlite_writer(sqlite_world.ctx.engine)
    monkeypatch.setattr(writer, "CLOSE_WAIT", 0.1)
    holding, finish = threading.Event(), threading.Event()
    seen: list = []

    def write() -> None:  # a unit of work that outlasts the disposal's wait
        pooled = writer.acquire()
        holding.set()
        finish.wait(10)
        seen.append(pooled.dbapi_connection.execute("select 1").fetchone())  # still its own to use
        writer.release()

    holder = threading.Thread(target=write)
    holder.start()
    assert holding.wait(10)
    dbapi = writer._pooled.dbapi_connection
    writer.close()  # returns after CLOSE_WAIT instead of waiting for the writer
    finish.set()
    holder.join(10)
    assert seen == [(1,)]
    with pytest.raises(sqlite3.ProgrammingError):
        dbapi.execute("select 1")  # dropped by the writer when it let go
