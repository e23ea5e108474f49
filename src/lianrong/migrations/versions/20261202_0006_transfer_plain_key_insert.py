"""PostgreSQL: ``lianrong_transfer`` claims its idempotency key with a plain ``INSERT``.

``INSERT … ON CONFLICT (key) DO NOTHING`` is a speculative insertion: PostgreSQL probes the index, takes a
speculative token, inserts, and writes a confirmation record to the WAL, on every transfer, for a conflict
that happens only when a key is replayed. A plain ``INSERT`` aborts the whole statement on a taken key, as
the ``'key'`` guard did: nothing of the transfer is written either way. The services map the unique
violation of ``pk_idempotency`` to ``KeyTaken`` (``services.vouchers._transfer_in_database``), so a
replay still returns the first result and another request under the same key is still refused.

The function is the one of migration 20261201_0004 with that one statement changed; its downgrade puts
that version back. Both texts are frozen in ``migrations/functions/`` (each migration reads its own file;
no migration imports or patches another's text).

Revision ID: 20261202_0006
Revises: 20261202_0005
Create Date: 2026-12-02 16:00:00

"""

from pathlib import Path
from typing import Sequence, Union

from alembic import op

revision: str = "20261202_0006"
down_revision: Union[str, Sequence[str], None] = "20261202_0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _frozen(revision: str) -> str:
    """The text of ``lianrong_transfer`` as migration ``revision`` installed it (frozen beside the migrations)."""
    return (Path(__file__).parents[1] / "functions" / f"lianrong_transfer.{revision}.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    """Upgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_frozen("20261202_0006"))


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_frozen("20261201_0004"))
