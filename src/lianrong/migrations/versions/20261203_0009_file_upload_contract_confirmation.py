"""Documents: who uploaded which file (``file_upload``), and the counterparty's confirmation of a contract.

Linking a stored file to a record needs the linker's organisation to have uploaded it, or to be a party
of a record that already carries it; knowing a file's hash is no longer enough. Each organisation's
upload is recorded once, with the name it gave the file. Existing files are recorded for the
organisation of the user who first uploaded them.

A contract names the party that recorded it (``recorded_by``) and the moment the other party confirmed
it (``confirmed_at``). Contracts recorded before this revision count as confirmed. On PostgreSQL the
transfer function ``lianrong_transfer`` takes only a confirmed contract as a transfer's trade (the
function of migration 20261202_0006 with that one condition added; its downgrade puts that version back;
both texts are frozen in ``migrations/functions/``).

Revision ID: 20261203_0009
Revises: 20261203_0008
Create Date: 2026-12-03 14:00:00

"""

from pathlib import Path
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0009"
down_revision: Union[str, Sequence[str], None] = "20261203_0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _frozen(revision: str) -> str:
    """The text of ``lianrong_transfer`` as migration ``revision`` installed it (frozen beside the migrations)."""
    return (Path(__file__).parents[1] / "functions" / f"lianrong_transfer.{revision}.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "file_upload",
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.String(length=40), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_file_upload_party_id_party")),
        sa.ForeignKeyConstraint(["sha256"], ["attachment.sha256"], name=op.f("fk_file_upload_sha256_attachment")),
        sa.PrimaryKeyConstraint("party_id", "sha256", name=op.f("pk_file_upload")),
    )
    with op.batch_alter_table("file_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_upload_sha256"), ["sha256"], unique=False)
    op.execute(
        "INSERT INTO file_upload (party_id, sha256, filename, uploaded_by, uploaded_at) "
        "SELECT u.party_id, a.sha256, a.filename, a.uploaded_by, a.created_at "
        "FROM attachment a JOIN app_user u ON u.id = a.uploaded_by"
    )

    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE contract SET confirmed_at = created_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_frozen("20261203_0009"))


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_frozen("20261202_0006"))
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("recorded_by")
    with op.batch_alter_table("file_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_upload_sha256"))
    op.drop_table("file_upload")
