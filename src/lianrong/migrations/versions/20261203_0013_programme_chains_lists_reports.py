"""The district programme, part I: chains and members, the core-enterprise white list (entries, their
versions as events, pushes to banks and acknowledgements, yearly renewal rounds and cards), the black list
and credit repair, and banks' monthly reports. New tables only; nothing existing changes.

Revision ID: 20261203_0013
Revises: 20261203_0012
Create Date: 2026-12-03 19:52:33.994530

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "20261203_0013"
down_revision: Union[str, Sequence[str], None] = "20261203_0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "renewal_round",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_round")),
        sa.UniqueConstraint("year", name=op.f("uq_renewal_round_year")),
    )
    op.create_table(
        "blacklist_entry",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("principal_name", sa.String(length=60), nullable=True),
        sa.Column("principal_id_no", sa.String(length=18), nullable=True),
        sa.Column("principal_role", sa.String(length=24), nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("min_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removed_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(subject = 'enterprise' AND party_id IS NOT NULL) OR (subject = 'principal' AND principal_id_no IS NOT NULL)",
            name=op.f("ck_blacklist_entry_subject"),
        ),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_blacklist_entry_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_entry")),
    )
    with op.batch_alter_table("blacklist_entry", schema=None) as batch_op:
        batch_op.create_index("ix_blacklist_entry_party", ["party_id", "status"], unique=False)
        batch_op.create_index("ix_blacklist_entry_principal", ["principal_id_no"], unique=False)

    op.create_table(
        "chain",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("office_id", sa.String(length=40), nullable=True),
        sa.Column("key_chain", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["party.id"], name=op.f("fk_chain_office_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain")),
        sa.UniqueConstraint("code", name=op.f("uq_chain_code")),
    )
    op.create_table(
        "whitelist_push",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round_id", sa.String(length=40), nullable=True),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=40), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["party.id"], name=op.f("fk_whitelist_push_bank_id_party")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["renewal_round.id"], name=op.f("fk_whitelist_push_round_id_renewal_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whitelist_push")),
    )
    with op.batch_alter_table("whitelist_push", schema=None) as batch_op:
        batch_op.create_index("ix_whitelist_push_bank", ["bank_id", "acknowledged_at"], unique=False)

    op.create_table(
        "bank_report",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("chain_id", sa.String(length=40), nullable=False),
        sa.Column("credit_granted_fen", sa.BigInteger(), nullable=False),
        sa.Column("financing_fen", sa.BigInteger(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("submitted_by", sa.String(length=40), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "credit_granted_fen >= 0 AND financing_fen >= 0 AND products >= 0", name=op.f("ck_bank_report_amounts")
        ),
        sa.ForeignKeyConstraint(["bank_id"], ["party.id"], name=op.f("fk_bank_report_bank_id_party")),
        sa.ForeignKeyConstraint(["chain_id"], ["chain.id"], name=op.f("fk_bank_report_chain_id_chain")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_report")),
        sa.UniqueConstraint("bank_id", "month", "chain_id", name="bank_month_chain"),
    )
    op.create_table(
        "chain_member",
        sa.Column("chain_id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role in ('leader', 'supplier', 'producer', 'distributor', 'brand', 'logistics')",
            name=op.f("ck_chain_member_role"),
        ),
        sa.CheckConstraint("tier >= 0 AND tier <= 20", name=op.f("ck_chain_member_tier")),
        sa.ForeignKeyConstraint(["chain_id"], ["chain.id"], name=op.f("fk_chain_member_chain_id_chain")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_chain_member_party_id_party")),
        sa.PrimaryKeyConstraint("chain_id", "party_id", name=op.f("pk_chain_member")),
    )
    with op.batch_alter_table("chain_member", schema=None) as batch_op:
        batch_op.create_index("ix_chain_member_party", ["party_id", "chain_id", "joined_on", "left_on"], unique=False)

    op.create_table(
        "credit_repair",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("applicant_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["party.id"], name=op.f("fk_credit_repair_applicant_id_party")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["blacklist_entry.id"], name=op.f("fk_credit_repair_entry_id_blacklist_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repair")),
    )
    with op.batch_alter_table("credit_repair", schema=None) as batch_op:
        batch_op.create_index("ix_credit_repair_entry", ["entry_id"], unique=False)

    op.create_table(
        "whitelist_entry",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("core_id", sa.String(length=40), nullable=False),
        sa.Column("chain_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("proposed_by", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chain_id"], ["chain.id"], name=op.f("fk_whitelist_entry_chain_id_chain")),
        sa.ForeignKeyConstraint(["core_id"], ["party.id"], name=op.f("fk_whitelist_entry_core_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whitelist_entry")),
        sa.UniqueConstraint("core_id", "chain_id", name="core_chain"),
    )
    with op.batch_alter_table("whitelist_entry", schema=None) as batch_op:
        batch_op.create_index("ix_whitelist_entry_status", ["status"], unique=False)

    op.create_table(
        "credit_repair_step",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("repair_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repair_id"], ["credit_repair.id"], name=op.f("fk_credit_repair_step_repair_id_credit_repair")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repair_step")),
    )
    op.create_table(
        "renewal_card",
        sa.Column("round_id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["whitelist_entry.id"], name=op.f("fk_renewal_card_entry_id_whitelist_entry")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["renewal_round.id"], name=op.f("fk_renewal_card_round_id_renewal_round")
        ),
        sa.PrimaryKeyConstraint("round_id", "entry_id", name=op.f("pk_renewal_card")),
    )
    op.create_table(
        "whitelist_event",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["whitelist_entry.id"], name=op.f("fk_whitelist_event_entry_id_whitelist_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whitelist_event")),
        sa.UniqueConstraint("entry_id", "version", name="entry_version"),
    )
    # the black list's steps (propose, list, reject, remove): who did what to an entry, when and why
    op.create_table(
        "blacklist_step",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["blacklist_entry.id"], name=op.f("fk_blacklist_step_entry_id_blacklist_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_step")),
    )
    with op.batch_alter_table("blacklist_step", schema=None) as batch_op:
        batch_op.create_index("ix_blacklist_step_entry", ["entry_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("blacklist_step", schema=None) as batch_op:
        batch_op.drop_index("ix_blacklist_step_entry")
    op.drop_table("blacklist_step")
    op.drop_table("whitelist_event")
    op.drop_table("renewal_card")
    op.drop_table("credit_repair_step")
    with op.batch_alter_table("whitelist_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_whitelist_entry_status")

    op.drop_table("whitelist_entry")
    with op.batch_alter_table("credit_repair", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_repair_entry")

    op.drop_table("credit_repair")
    with op.batch_alter_table("chain_member", schema=None) as batch_op:
        batch_op.drop_index("ix_chain_member_party")

    op.drop_table("chain_member")
    op.drop_table("bank_report")
    with op.batch_alter_table("whitelist_push", schema=None) as batch_op:
        batch_op.drop_index("ix_whitelist_push_bank")

    op.drop_table("whitelist_push")
    op.drop_table("chain")
    with op.batch_alter_table("blacklist_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_blacklist_entry_principal")
        batch_op.drop_index("ix_blacklist_entry_party")

    op.drop_table("blacklist_entry")
    op.drop_table("renewal_round")
