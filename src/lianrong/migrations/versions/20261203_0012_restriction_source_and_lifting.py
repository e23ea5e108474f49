"""Restrictions name what caused them and are lifted, never deleted.

``party_restriction`` gains ``source`` (the record that caused it: a black-list entry, a risk case, …; shown
in every refusal), and ``lifted_at``, ``lifted_by``, ``lift_reason``: lifting ends a restriction the day
before it is lifted (``valid_until``), so every rule that reads the table stops applying it without a
change, and the row stays as history.

Revision ID: 20261203_0012
Revises: 20261203_0011
Create Date: 2026-12-03 19:20:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0012"
down_revision: Union[str, Sequence[str], None] = "20261203_0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("party_restriction") as batch:
        batch.add_column(sa.Column("source", sa.String(80)))
        batch.add_column(sa.Column("lifted_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("lifted_by", sa.String(40)))
        batch.add_column(sa.Column("lift_reason", sa.String(200)))
    op.create_index("ix_party_restriction_source", "party_restriction", ["source"])


def downgrade() -> None:
    op.drop_index("ix_party_restriction_source", table_name="party_restriction")
    with op.batch_alter_table("party_restriction") as batch:
        batch.drop_column("lift_reason")
        batch.drop_column("lifted_by")
        batch.drop_column("lifted_at")
        batch.drop_column("source")
