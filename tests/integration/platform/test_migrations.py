"""The packaged Alembic migrations build exactly the schema of ``lianrong.adapters.db.tables``.

Nothing here lists tables: the models' ``metadata`` is the reference, so a column added to
``tables.py`` without a migration makes ``test_migrated_schema_equals_models`` fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import make_url

from lianrong.adapters.db import migrate
from lianrong.adapters.db.engine import make_engine
from lianrong.adapters.db.tables import metadata

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """An empty database of each kind."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def schema_diff(url: str) -> list:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_migrated_schema_equals_models(db_url):
    migrate.upgrade(db_url)

    assert schema_diff(db_url) == []
    assert table_names(db_url) == set(metadata.tables) | {"alembic_version"}
    assert migrate.current(db_url) == migrate.head()


def test_downgrade_then_upgrade_round_trips(db_url):
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")

    assert table_names(db_url) <= {"alembic_version"}
    assert migrate.current(db_url) is None

    migrate.upgrade(db_url, "head")
    assert schema_diff(db_url) == []
    assert migrate.current(db_url) == migrate.head()


def test_every_revision_steps_up_and_down(db_url):
    """Stairway: each revision upgrades, downgrades and upgrades again from its predecessor."""
    previous = "base"
    for revision in revisions_oldest_first():
        migrate.upgrade(db_url, revision)
        migrate.downgrade(db_url, previous)
        migrate.upgrade(db_url, revision)
        assert migrate.current(db_url) == revision
        previous = revision
    assert schema_diff(db_url) == []


def test_single_head_with_date_prefixed_files():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    for s in script.walk_revisions():
        assert re.fullmatch(r"\d{8}_\d{4}", s.revision), s.revision
        assert Path(s.path).name.startswith(f"{s.revision}_"), s.path
    assert migrate.MIGRATIONS_DIR.joinpath("env.py").is_file()
    assert migrate.MIGRATIONS_DIR.joinpath("script.py.mako").is_file()


def test_upgrade_accepts_an_application_engine_and_keeps_its_pragmas(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        assert migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            conn.rollback()
    finally:
        engine.dispose()
    assert schema_diff(sqlite_url) == []


def test_upgrade_on_a_caller_owned_connection(sqlite_url):
    engine = create_engine(sqlite_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
            assert migrate.current(conn) == migrate.head()
    finally:
        engine.dispose()
    assert migrate.current(sqlite_url) == migrate.head()  # committed with the caller's transaction
    assert schema_diff(sqlite_url) == []


def test_plain_postgresql_url_is_accepted(pg_url):
    plain = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    migrate.upgrade(plain)
    assert migrate.current(plain) == migrate.head()
    engine = create_engine(pg_url, poolclass=pool.NullPool)
    try:
        migrate.downgrade(engine)
        assert migrate.current(engine) is None
    finally:
        engine.dispose()


@pytest.mark.skipif(not (REPO_ROOT / "alembic.ini").is_file(), reason="needs a source checkout")
@pytest.mark.parametrize("via", ["env", "x-arg"])
def test_alembic_command_line_from_repo_root(sqlite_url, via):
    env = {k: v for k, v in os.environ.items() if k != "LIANRONG_DATABASE_URL"}
    args = [sys.executable, "-m", "alembic"]
    if via == "env":
        env["LIANRONG_DATABASE_URL"] = sqlite_url
    else:
        args += ["-x", f"url={sqlite_url}"]
    result = subprocess.run([*args, "upgrade", "head"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert migrate.current(sqlite_url) == migrate.head()
    assert schema_diff(sqlite_url) == []


def _rows(url: str, sql: str) -> set[tuple]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return {tuple(r) for r in conn.exec_driver_sql(sql)}
    finally:
        engine.dispose()


def test_financings_at_0009_keep_their_fragments_as_financing_assets(db_url):
    """Migration 20261203_0011: every financing → fragment link of the old table becomes a ``voucher`` asset
    (with the fragment's amount), whatever the financing's state; the downgrade puts the links back."""
    from factories import World, key, make_context

    from lianrong.financing import service as financing

    world = World(make_context(db_url))
    root = world.issue(1_000_00)
    out = world.transfer(root, "s1", [("s2", 400_00)])
    s2, rest = world.child(out, "s2"), world.child(out, "s1")
    disbursed = world.finance([s2], "s2").id
    applied = financing.apply(world.ctx, actor=world.user("s1"), fragment_ids=[rest], idempotency_key=key()).id
    rejected = financing.apply(
        world.ctx, actor=world.user("s1"), fragment_ids=[world.issue(500_00)], idempotency_key=key()
    ).id
    financing.review(
        world.ctx,
        actor=world.user("bank", "approver"),
        financing_id=rejected,
        approve=False,
        reason="no",
        idempotency_key=key(),
    )
    world.ctx.engine.dispose()
    assets = _rows(db_url, "SELECT financing_id, kind, asset_id, core_id, amount_fen FROM financing_asset")
    assert {a[0] for a in assets} == {disbursed, applied, rejected} and {a[1] for a in assets} == {"voucher"}

    migrate.downgrade(db_url, "20261203_0009")
    links = _rows(db_url, "SELECT financing_id, fragment_id, core_id FROM financing_fragment")
    assert links == {(f, a, c) for f, _, a, c, _ in assets}

    migrate.upgrade(db_url)
    assert _rows(db_url, "SELECT financing_id, kind, asset_id, core_id, amount_fen FROM financing_asset") == assets
    assert {(f, a, n) for f, _, a, _, n in assets} >= {(disbursed, s2, 400_00), (applied, rest, 600_00)}
    assert schema_diff(db_url) == []
