"""PostgreSQL: ``lianrong_transfer`` claims its idempotency key with a plain ``INSERT``.

``INSERT … ON CONFLICT (key) DO NOTHING`` is a speculative insertion: PostgreSQL probes the index, takes a
speculative token, inserts, and writes a confirmation record to the WAL, on every transfer, for a conflict
that happens only when a key is replayed. A plain ``INSERT`` aborts the whole statement on a taken key, as
the ``'key'`` guard did: nothing of the transfer is written either way. The services map the unique
violation of ``pk_idempotency`` to ``KeyTaken`` (``services.vouchers._transfer_in_database``), so a
replay still returns the first result and another request under the same key is still refused.

The function is the one of migration 20261201_0004 with that one statement changed; its downgrade puts
that version back.

Revision ID: 20261202_0006
Revises: 20261202_0005
Create Date: 2026-12-02 16:00:00

"""
import importlib.util
from pathlib import Path
from typing import Sequence, Union

from alembic import op

revision: str = '20261202_0006'
down_revision: Union[str, Sequence[str], None] = '20261202_0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _previous_transfer() -> str:
    path = Path(__file__).with_name("20261201_0004_transfer_function.py")
    spec = importlib.util.spec_from_file_location("lianrong_migration_20261201_0004", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.TRANSFER


_SPECULATIVE = "WHERE p_key IS NOT NULL\n         ON CONFLICT (key) DO NOTHING RETURNING 1)"
_PLAIN = "WHERE p_key IS NOT NULL\n         RETURNING 1)"


def transfer_sql() -> str:
    """The function's new text: 0004's with the idempotency claim as a plain insert."""
    previous = _previous_transfer()
    if previous.count(_SPECULATIVE) != 1:
        raise RuntimeError("migration 20261201_0004's lianrong_transfer is not the text this migration changes")
    return previous.replace(_SPECULATIVE, _PLAIN)


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(transfer_sql())


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_previous_transfer())
