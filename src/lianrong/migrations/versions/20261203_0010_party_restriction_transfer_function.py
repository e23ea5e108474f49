"""Party restrictions (``party_restriction``), and ``lianrong_transfer`` installed from its one ``.sql`` file.

``party_restriction`` bars a party from an action (receive, transfer, issue, finance, …) at one bank or at
every bank (``bank_id`` NULL), from ``valid_from`` to ``valid_until`` (inclusive; NULL until lifted), with a
kind code (``blacklist``, ``risk_freeze``, …) and the recorder's reason. A new kind of block is a row:
the transfer rule (``lianrong.vouchers.rules``) refuses any restriction in force with ``party.restricted``.

On PostgreSQL this revision installs ``lianrong_transfer`` exactly as ``lianrong/vouchers/transfer.sql``
reads (the function's one source; a test compares the installed body with the file). The function now
also declines (returns NULL, so the Python rule decides) when a restriction on the sender's transferring
or a recipient's receiving may be in force. Its downgrade puts back the text of 20261203_0009, frozen in
``migrations/functions/``. When the function changes again: freeze the file's current text as
``migrations/functions/lianrong_transfer.20261203_0010.sql``, point this revision at it, and install the
file from the new revision.

Revision ID: 20261203_0010
Revises: 20261203_0009
Create Date: 2026-12-03 17:00:00

"""

from importlib import resources
from pathlib import Path
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0010"
down_revision: Union[str, Sequence[str], None] = "20261203_0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _current() -> str:
    """The function's one source: ``lianrong/vouchers/transfer.sql``."""
    return resources.files("lianrong.vouchers").joinpath("transfer.sql").read_text(encoding="utf-8")


def _frozen(revision: str) -> str:
    """The text of ``lianrong_transfer`` as migration ``revision`` installed it (frozen beside the migrations)."""
    return (Path(__file__).parents[1] / "functions" / f"lianrong_transfer.{revision}.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "party_restriction",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("bank_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["party.id"], name=op.f("fk_party_restriction_bank_id_party")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_party_restriction_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_restriction")),
    )
    with op.batch_alter_table("party_restriction", schema=None) as batch_op:
        batch_op.create_index("ix_party_restriction_party", ["party_id", "action"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_current())


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_frozen("20261203_0009"))
    with op.batch_alter_table("party_restriction", schema=None) as batch_op:
        batch_op.drop_index("ix_party_restriction_party")
    op.drop_table("party_restriction")
