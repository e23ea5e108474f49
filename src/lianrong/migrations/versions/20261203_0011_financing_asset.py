"""Financing: what a financing is secured by, for any kind of asset (``financing_asset``).

``financing_fragment`` (financing → voucher fragment) becomes ``financing_asset`` (financing, kind,
asset_id, core_id, amount_fen): a voucher's fragment is the asset kind ``voucher``; receivables,
warehouse receipts and orders will be others. Every existing link is copied (kind ``voucher``, the
fragment's amount as the face value applied for), then the old table goes. The downgrade copies the
``voucher`` links back (links of other kinds have no place in the old table and are dropped).

Revision ID: 20261203_0011
Revises: 20261203_0010
Create Date: 2026-12-03 17:00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0011"
down_revision: Union[str, Sequence[str], None] = "20261203_0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "financing_asset",
        sa.Column("financing_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("asset_id", sa.String(length=40), nullable=False),
        sa.Column("core_id", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["financing_id"], ["financing.id"], name=op.f("fk_financing_asset_financing_id_financing")
        ),
        sa.PrimaryKeyConstraint("financing_id", "kind", "asset_id", name=op.f("pk_financing_asset")),
    )
    with op.batch_alter_table("financing_asset", schema=None) as batch_op:
        batch_op.create_index("ix_financing_asset_kind_asset", ["kind", "asset_id"], unique=False)
    op.execute(
        "INSERT INTO financing_asset (financing_id, kind, asset_id, core_id, amount_fen) "
        "SELECT ff.financing_id, 'voucher', ff.fragment_id, ff.core_id, f.amount_fen "
        "FROM financing_fragment ff LEFT JOIN fragment f ON f.id = ff.fragment_id"
    )
    op.drop_table("financing_fragment")


def downgrade() -> None:
    """Downgrade schema."""
    op.create_table(
        "financing_fragment",
        sa.Column("financing_id", sa.String(length=40), nullable=False),
        sa.Column("fragment_id", sa.String(length=40), nullable=False),
        sa.Column("core_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["financing_id"], ["financing.id"], name=op.f("fk_financing_fragment_financing_id_financing")
        ),
        sa.ForeignKeyConstraint(
            ["fragment_id"], ["fragment.id"], name=op.f("fk_financing_fragment_fragment_id_fragment")
        ),
        sa.PrimaryKeyConstraint("financing_id", "fragment_id", name=op.f("pk_financing_fragment")),
    )
    op.execute(
        "INSERT INTO financing_fragment (financing_id, fragment_id, core_id) "
        "SELECT financing_id, asset_id, core_id FROM financing_asset WHERE kind = 'voucher'"
    )
    with op.batch_alter_table("financing_asset", schema=None) as batch_op:
        batch_op.drop_index("ix_financing_asset_kind_asset")
    op.drop_table("financing_asset")
