"""The district programme's tables (on the one ``metadata`` of ``tables.py``; migration ``20261203_0013``).

Kept apart from ``tables.py`` for size; ``tables.py`` imports this module at its end, so whoever reads the
schema (the migration test, snapshots, ``metadata.create_all``) sees every table. Money is BIGINT fen; ids are prefixed time-ordered strings;
a record is never deleted where history matters — it gets a state and an event row.

- chains and their offices (``chain``), members with a role and tier (``chain_member``);
- the core-enterprise white list: one ``whitelist_entry`` per core and chain, every change an
  ``whitelist_event`` (a version), pushes of changes to banks and their acknowledgements
  (``whitelist_push``), yearly renewal rounds and their cards (``renewal_round``, ``renewal_card``);
- the black list (``blacklist_entry``: an enterprise or a principal), the restrictions it causes (in the
  engine's ``party_restriction``, ``source = 'blacklist:<id>'``), and credit repair with its steps
  (``credit_repair``, ``credit_repair_step``);
- banks' monthly reports of what the platform did not originate (``bank_report``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lianrong.adapters.db.tables import ID, TS, metadata

chain = Table(
    "chain",
    metadata,
    Column("id", ID, primary_key=True),  # chn_…
    Column("code", String(40), nullable=False, unique=True),  # a short stable code: egg, pig, live_commerce, …
    Column("name", String(60), nullable=False),  # 蛋鸡鸡蛋产业链
    Column("name_en", String(80), nullable=False),
    Column("office_id", ID, ForeignKey("party.id")),  # its chain office (链办), a party of kind chain_office
    Column("key_chain", Boolean, nullable=False, default=False),  # a key chain of the work plan's targets
    Column("description", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False, default=0),  # the order chains are listed in
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

chain_member = Table(
    "chain_member",
    metadata,
    Column("chain_id", ID, ForeignKey("chain.id"), primary_key=True),
    Column("party_id", ID, ForeignKey("party.id"), primary_key=True),
    # leader (链主/核心企业) | supplier | producer | distributor | brand | logistics
    Column("role", String(16), nullable=False),
    Column("tier", Integer, nullable=False),  # 0: the chain leader; 1, 2, …: tiers upstream or downstream
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date),  # NULL while a member
    Column("note", String(200), nullable=False, default=""),
    Column("created_by", ID),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    CheckConstraint("role in ('leader', 'supplier', 'producer', 'distributor', 'brand', 'logistics')", name="role"),
    CheckConstraint("tier >= 0 AND tier <= 20", name="tier"),
    # a party's memberships, covering the membership-on-a-day test the targets run per financing (party, chain, dates)
    Index("ix_chain_member_party", "party_id", "chain_id", "joined_on", "left_on"),
)

whitelist_entry = Table(
    "whitelist_entry",
    metadata,
    Column("id", ID, primary_key=True),  # wle_…
    Column("core_id", ID, ForeignKey("party.id"), nullable=False),
    Column("chain_id", ID, ForeignKey("chain.id"), nullable=False),
    # proposed | listed | rejected | expired | revoked (see programme/whitelist/model.py for the transitions)
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),  # the number of the latest whitelist_event
    Column("listed_on", Date),  # first published
    Column("valid_until", Date),  # the end of the current year's listing (renewal extends it)
    Column("proposed_by", ID),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("core_id", "chain_id", name="core_chain"),
    Index("ix_whitelist_entry_status", "status"),
)

whitelist_event = Table(
    "whitelist_event",
    metadata,
    Column("id", ID, primary_key=True),  # wlv_…
    Column("entry_id", ID, ForeignKey("whitelist_entry.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # propose | approve | reject | renew | expire | revoke | …
    Column("status", String(16), nullable=False),  # the entry's status after it
    Column("criteria", JSON, nullable=False),  # the evidence of the criteria as proposed (ratio, compliance, …)
    Column("reason", String(500), nullable=False, default=""),
    Column("actor_id", ID),  # the user (NULL: the system, a job)
    Column("at", TS, nullable=False),
    UniqueConstraint("entry_id", "version", name="entry_version"),
)

whitelist_push = Table(
    "whitelist_push",
    metadata,
    Column("id", ID, primary_key=True),  # wlp_…
    Column("bank_id", ID, ForeignKey("party.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # publish (one entry) | round (a renewal round's difference) | revoke
    Column("round_id", ID, ForeignKey("renewal_round.id")),
    Column("added", JSON, nullable=False),  # entry ids added to the list by this push
    Column("removed", JSON, nullable=False),  # entry ids removed from it
    Column("created_at", TS, nullable=False),
    Column("acknowledged_by", ID),
    Column("acknowledged_at", TS),
    Index("ix_whitelist_push_bank", "bank_id", "acknowledged_at"),
)

renewal_round = Table(
    "renewal_round",
    metadata,
    Column("id", ID, primary_key=True),  # wlr_…
    Column("year", Integer, nullable=False, unique=True),
    Column("opened_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed
    Column("closed_at", TS),
)

renewal_card = Table(
    "renewal_card",
    metadata,
    Column("round_id", ID, ForeignKey("renewal_round.id"), primary_key=True),
    Column("entry_id", ID, ForeignKey("whitelist_entry.id"), primary_key=True),
    Column("figures", JSON, nullable=False),  # computed from the ledger for the past year, as of the opening
    Column("decision", String(16)),  # renew | revoke | NULL (pending; expires when the round closes)
    Column("reason", String(500), nullable=False, default=""),
    Column("decided_by", ID),
    Column("decided_at", TS),
)

blacklist_entry = Table(
    "blacklist_entry",
    metadata,
    Column("id", ID, primary_key=True),  # blk_…
    Column("subject", String(16), nullable=False),  # enterprise | principal
    Column("party_id", ID, ForeignKey("party.id")),  # the enterprise (a principal's enterprise, if known)
    Column("principal_name", String(60)),
    Column("principal_id_no", String(18)),  # 居民身份证号码, validated (GB 11643)
    Column("principal_role", String(24)),  # legal_representative | actual_controller
    Column("source", String(24), nullable=False),  # court | financial | tax | platform_overdue | other
    Column("severity", String(16), nullable=False),  # minor | serious | grave (effects and periods: settings)
    Column("reason", String(500), nullable=False),
    Column("evidence", JSON, nullable=False),  # attachment ids (documents' files)
    Column("listed_on", Date, nullable=False),
    Column("min_until", Date, nullable=False),  # the earliest day a repair may remove it
    Column("status", String(16), nullable=False),  # proposed | listed | rejected | removed
    Column("removed_on", Date),
    Column("removed_reason", String(500)),
    Column("created_by", ID),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    CheckConstraint(
        "(subject = 'enterprise' AND party_id IS NOT NULL) OR (subject = 'principal' AND principal_id_no IS NOT NULL)",
        name="subject",
    ),
    Index("ix_blacklist_entry_party", "party_id", "status"),
    Index("ix_blacklist_entry_principal", "principal_id_no"),
)

blacklist_step = Table(
    "blacklist_step",  # an entry's steps: propose, list, reject, remove (who, when, why)
    metadata,
    Column("id", ID, primary_key=True),
    Column("entry_id", ID, ForeignKey("blacklist_entry.id"), nullable=False),
    Column("action", String(16), nullable=False),  # propose | list | reject | remove
    Column("status", String(16), nullable=False),  # the entry's status after it
    Column("reason", String(500), nullable=False, default=""),
    Column("actor_id", ID),
    Column("at", TS, nullable=False),
    Index("ix_blacklist_step_entry", "entry_id"),
)

credit_repair = Table(
    "credit_repair",
    metadata,
    Column("id", ID, primary_key=True),  # crp_…
    Column("entry_id", ID, ForeignKey("blacklist_entry.id"), nullable=False),
    Column("applicant_id", ID, ForeignKey("party.id"), nullable=False),
    Column("status", String(16), nullable=False),  # applied | endorsed | returned | reviewed | approved | refused
    Column("statement", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_credit_repair_entry", "entry_id"),
)

credit_repair_step = Table(
    "credit_repair_step",
    metadata,
    Column("id", ID, primary_key=True),
    Column("repair_id", ID, ForeignKey("credit_repair.id"), nullable=False),
    Column("action", String(16), nullable=False),  # apply | endorse | return | review | approve | refuse
    Column("status", String(16), nullable=False),  # the repair's status after it
    Column("reason", String(500), nullable=False, default=""),
    Column("actor_id", ID),
    Column("at", TS, nullable=False),
)

bank_report = Table(
    "bank_report",
    metadata,
    Column("id", ID, primary_key=True),  # bkr_…
    Column("bank_id", ID, ForeignKey("party.id"), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("chain_id", ID, ForeignKey("chain.id"), nullable=False),
    Column("credit_granted_fen", BigInteger, nullable=False),  # credit granted to the chain's members that month
    Column("financing_fen", BigInteger, nullable=False),  # financing disbursed outside the voucher engine
    Column("products", Integer, nullable=False, default=0),  # digital supply-chain products offered
    Column("note", String(500), nullable=False, default=""),
    Column("submitted_by", ID),
    Column("submitted_at", TS, nullable=False),
    UniqueConstraint("bank_id", "month", "chain_id", name="bank_month_chain"),
    CheckConstraint("credit_granted_fen >= 0 AND financing_fen >= 0 AND products >= 0", name="amounts"),
)
