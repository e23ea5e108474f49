"""Console sessions keep no CSRF token (it is derived from the session's secret with the secret key);
an API token records the token it was made with, so that revoking one revokes what it made.

The session cookie is now signed with ``LIANRONG_SECRET_KEY``: cookies given out before cannot be, so
their sessions are deleted here (their users log in again). The downgrade leaves no session behind
either, as the older code needs a stored CSRF token for each.

Revision ID: 20261203_0008
Revises: 20261203_0007
Create Date: 2026-12-03 14:00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0008"
down_revision: Union[str, Sequence[str], None] = "20261203_0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("DELETE FROM web_session")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_column("csrf_token")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_token_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_token_parent_id_api_token"), "api_token", ["parent_id"], ["id"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_token_parent_id_api_token"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_token_parent_id"))
        batch_op.drop_column("parent_id")
    op.execute("DELETE FROM web_session")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csrf_token", sa.String(length=64), nullable=False))
