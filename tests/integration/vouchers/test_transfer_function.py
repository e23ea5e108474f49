"""PostgreSQL's ``lianrong_transfer`` has one source, ``lianrong/vouchers/transfer.sql``: the newest migration
installs exactly it, and no migration builds its text from another's."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from lianrong.adapters.db import migrate

SOURCE = resources.files("lianrong.vouchers").joinpath("transfer.sql").read_text(encoding="utf-8")


def _body(sql: str) -> str:
    """The function's body: the text between its ``$$`` quotes, trailing blanks of each line dropped."""
    match = re.search(r"\$\$(.*)\$\$", sql, re.S)
    assert match, "no $$-quoted body"
    return "\n".join(line.rstrip() for line in match.group(1).strip("\n").splitlines())


def _installed(url: str) -> tuple[str, str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT p.prosrc, pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.proname = 'lianrong_transfer'")
            ).one()
    finally:
        engine.dispose()


def test_a_freshly_migrated_postgresql_database_runs_exactly_the_transfer_sql_file(pg_url):
    migrate.upgrade(pg_url)
    prosrc, definition = _installed(pg_url)
    assert _body(f"$${prosrc}$$") == _body(SOURCE)
    # the signature too: the file's header as PostgreSQL prints it back
    assert "lianrong_transfer(p_fragment text, p_sender text, p_actor text, p_refs text[]" in definition
    assert "party_restriction" in prosrc  # the restrictions are guarded where the function writes


def test_migrations_read_their_function_texts_and_never_import_each_other():
    versions = Path(migrate.MIGRATIONS_DIR) / "versions"
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "importlib.util" not in source and "spec_from_file_location" not in source, path.name
    # the newest migration that installs the function reads the file as it stands (later ones leave it alone)
    installing = [p for p in sorted(versions.glob("*.py")) if "lianrong_transfer" in p.read_text(encoding="utf-8")]
    assert 'joinpath("transfer.sql")' in installing[-1].read_text(encoding="utf-8")
