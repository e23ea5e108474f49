"""PostgreSQL's kept one-statement connections (adapters/db/engine.StatementConnections): the hot write paths
(``UnitOfWork(single_write=True)``) run on connections kept in autocommit with their cursor instead of a
pool check-out each, fall back to the pool when all are in use, and never hand out a connection that
failed, outlived a disposal or belongs to another process."""

from __future__ import annotations

import os
import threading

import psycopg
import pytest
from factories import World, in_threads, make_context

from lianrong.adapters.db.engine import statement_connections
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.vouchers import audit
from lianrong.vouchers import service as vouchers


@pytest.fixture
def pg_world(pg_url) -> World:
    return World(make_context(pg_url), n_suppliers=2)


def _transfer(world: World, fragment: str, n: int, *, key: str | None = None) -> vouchers.TransferResult:
    return vouchers.transfer(
        world.ctx,
        actor=world.user("s1"),
        fragment_id=fragment,
        parts=[{"recipient": world.ids["s2"], "amount_fen": 1}],
        idempotency_key=key or f"k-{fragment}-{n}",
    )


def _backend_pid(uow: UnitOfWork) -> int:
    return uow.raw.one("SELECT pg_backend_pid()", {})[0]


def test_transfers_reuse_one_kept_connection_outside_the_pool(pg_world):
    world = pg_world
    engine = world.ctx.engine
    current = world.issue(1000_00)
    kept = statement_connections(engine)
    assert kept is not None
    for n in range(20):
        current = _transfer(world, current, n).children[-1].id
    assert kept._open == 1 and len(kept._idle) == 1  # twenty transfers, one connection
    slot = kept._idle[0]
    assert slot.dbapi.autocommit and slot.raw is not None  # kept ready: autocommit, its cursor made once
    assert engine.pool.checkedout() == 0  # detached: not counted against the pool
    report = audit.verify(world.ctx)
    assert report.ok, report


def test_a_unit_of_work_falls_back_to_the_pool_when_every_kept_connection_is_in_use(pg_world, monkeypatch):
    world = pg_world
    kept = statement_connections(world.ctx.engine)
    monkeypatch.setattr(kept, "size", 1)
    with UnitOfWork(world.ctx.engine, single_write=True) as outer:
        assert outer._kept is not None
        with UnitOfWork(world.ctx.engine, single_write=True) as inner:
            assert inner._kept is None and inner._pooled is not None  # the pool's, in autocommit
            assert inner.statement_mode and inner._pooled.dbapi_connection.autocommit
            assert _backend_pid(inner) != _backend_pid(outer)
        assert world.ctx.engine.pool.checkedout() == 0
    assert kept._open == 1
    root = world.issue(1000_00)
    assert _transfer(world, root, 0).children  # and the hot path still works at the cap


def test_threads_never_share_a_kept_connection(pg_world):
    world = pg_world
    roots = [world.issue(1000_00) for _ in range(6)]
    kept = statement_connections(world.ctx.engine)
    in_use: set[int] = set()
    guard = threading.Lock()
    original_acquire, original_release = kept.acquire, kept.release

    def acquire():
        slot = original_acquire()
        if slot is not None:
            with guard:
                assert id(slot) not in in_use, "one connection handed to two units of work"
                in_use.add(id(slot))
        return slot

    def release(slot, **kw):
        with guard:
            in_use.discard(id(slot))
        original_release(slot, **kw)

    kept.acquire, kept.release = acquire, release  # type: ignore[method-assign]

    def run(root: str) -> None:
        current = root
        for n in range(15):
            current = _transfer(world, current, n).children[-1].id

    in_threads(run, roots)
    assert 1 <= kept._open <= 6
    report = audit.verify(world.ctx)
    assert report.ok, report


def test_replays_and_conflicting_keys_are_decided_as_on_the_pool(pg_world):
    world = pg_world
    root = world.issue(1000_00)
    first = _transfer(world, root, 0, key="same")
    assert _transfer(world, root, 0, key="same") == first  # replay: the first result
    from lianrong.kernel import errors
    from lianrong.vouchers import errors as vouchers_errors

    other = world.issue(1000_00)
    with pytest.raises(errors.IdempotencyConflict):
        _transfer(world, other, 0, key="same")
    with pytest.raises(vouchers_errors.FragmentNotActive):
        _transfer(world, root, 1)  # spent by the first
    assert statement_connections(world.ctx.engine)._open == 1  # refusals do not lose the connection


def test_a_connection_that_failed_is_closed_and_replaced(pg_world):
    world = pg_world
    kept = statement_connections(world.ctx.engine)
    root = world.issue(1000_00)
    nxt = _transfer(world, root, 0).children[-1].id
    slot = kept._idle[-1]
    pid = slot.dbapi.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(
        world.ctx.engine.url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # the driver's error for a terminated session
    with pytest.raises(Exception), UnitOfWork(world.ctx.engine, single_write=True) as uow:  # noqa: B017
        uow.raw.one("SELECT 1", {})
    assert slot.dbapi.closed and slot not in kept._idle and kept._open == 0
    assert _transfer(world, nxt, 1).children  # a new connection serves the next one


def test_disposing_the_engine_closes_kept_connections_and_those_in_use_when_given_back(pg_world):
    world = pg_world
    engine = world.ctx.engine
    kept = statement_connections(engine)
    root = world.issue(1000_00)
    busy = UnitOfWork(engine, single_write=True).__enter__()
    nxt = _transfer(world, root, 0).children[-1].id  # on a second kept connection
    idle = kept._idle[-1]
    assert idle is not busy._kept and kept._open == 2
    engine.dispose()
    assert idle.dbapi.closed and not kept._idle and kept._open == 0
    assert not busy._kept.dbapi.closed  # still its unit of work's to finish
    held = busy._kept
    busy.__exit__(None, None, None)
    assert held.dbapi.closed and not kept._idle  # from before the disposal: closed, not kept
    assert _transfer(world, nxt, 1).children
    assert kept._open == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_its_own_connections_and_leaves_the_parents_alone(pg_world):
    world = pg_world
    kept = statement_connections(world.ctx.engine)
    root = world.issue(1000_00)
    nxt = _transfer(world, root, 0).children[-1].id
    parents = kept._idle[-1]
    pid = os.fork()
    if pid == 0:  # the child: must not use (nor close) the parent's session
        code = 1
        try:
            with UnitOfWork(world.ctx.engine, single_write=True) as uow:
                code = 0 if uow._kept is not None and uow._kept is not parents else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not parents.dbapi.closed
    assert _transfer(world, nxt, 1).children  # the parent's connection still serves the parent
    assert kept._idle[-1] is parents


def test_after_a_database_restart_the_next_transfer_succeeds_and_no_dead_connection_is_kept(pg_world):
    world = pg_world
    engine = world.ctx.engine
    kept = statement_connections(engine)
    roots = [world.issue(1000_00) for _ in range(3)]
    busy = [UnitOfWork(engine, single_write=True).__enter__() for _ in range(2)]
    for uow in busy:
        uow.__exit__(None, None, None)  # two kept connections, idle
    nxt = _transfer(world, roots[0], 0).children[-1].id
    actor = world.user("s1")  # looked up before the restart: only the transfer is under test
    assert kept._open == 2 and len(kept._idle) == 2
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:  # what a restart does to every session
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    def again() -> dict:
        return vouchers.transfer(
            world.ctx,
            actor=actor,
            fragment_id=nxt,
            idempotency_key="after-restart",
            parts=[{"recipient": world.ids["s2"], "amount_fen": 1}],
        )

    r = again()  # the lost connection is retried on a new one (same idempotency key)
    assert r.children
    assert all(not slot.dbapi.closed for slot in kept._idle) and kept._open == len(kept._idle) == 1
    assert again() == r  # a replay: the first result, not a second transfer
    engine.dispose()  # the pool's connections died too (SQLAlchemy drops them at their first error)
    report = audit.verify(world.ctx)
    assert report.ok, report
