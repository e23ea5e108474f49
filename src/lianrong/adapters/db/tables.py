"""The database schema as SQLAlchemy Core tables, the same on SQLite and PostgreSQL.

Conventions: ids are prefixed, time-ordered random strings (never global sequences), money is BIGINT
fen, rates are exact decimal strings, every hot table carries ``core_id`` (the voucher tree's issuer)
so the schema can be distributed by core enterprise without redesign.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(40)


class UtcDateTime(TypeDecorator):
    """A moment, always read back with its zone: SQLite keeps no zone, so a moment is written there in UTC
    and read back as UTC (PostgreSQL's ``timestamptz`` keeps it anyway). Every timestamp a service hands
    out, and so every one the API answers, carries its offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None and dialect.name == "sqlite":
            return value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


TS = UtcDateTime()

party = Table(
    "party",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(16), nullable=False),  # enterprise | bank | district | chain_office | guarantor
    Column("uscc", String(18), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("short_name", String(60)),
    Column("defaulted_on", Date),  # a core enterprise unpaid at a maturity; blocks new issuance
    Column("created_at", TS, nullable=False),
    CheckConstraint("kind in ('enterprise', 'bank', 'district', 'chain_office', 'guarantor')", name="kind"),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", ID, primary_key=True),
    Column("party_id", ID, ForeignKey("party.id"), nullable=False, index=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("role", String(16), nullable=False),  # operator | approver | viewer | admin
    Column("created_at", TS, nullable=False),
    Column("password_hash", String(255)),  # argon2 (pwdlib); null: cannot log in
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("last_login_at", TS),
)

login_throttle = Table(
    "login_throttle",  # failed logins per user name, known or not (services/accounts.py: the policy)
    metadata,
    Column("name_hash", String(64), primary_key=True),  # SHA-256 of the name as typed (stripped)
    Column("failures", Integer, nullable=False, server_default="0"),  # attempts since the last success
    Column("next_at", TS),  # no attempt of this name is checked before this moment
    Column("last_at", TS, nullable=False, index=True),  # the last attempt counted (idle rows are purged)
)

api_token = Table(
    "api_token",  # bearer tokens for systems; only a hash is stored
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("app_user.id"), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("last_used_at", TS),
    Column("revoked_at", TS),
    #: the token this one was made with (revoking that one revokes this one)
    Column("parent_id", ID, ForeignKey("api_token.id"), index=True),
)

web_session = Table(
    "web_session",  # console login sessions; the cookie carries a secret whose hash is the key
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", ID, ForeignKey("app_user.id"), nullable=False, index=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
)

onboarding = Table(
    "onboarding",
    metadata,
    Column("bank_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("party_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("settlement_account", String(40)),
    Column("ebanking", Boolean, nullable=False, default=False),
    Column("certificate", String(60)),  # U盾 serial; empty means none issued
    Column("updated_at", TS, nullable=False),
)

#: a party barred from an action (receive, transfer, issue, finance, …), at one bank or every bank (NULL), for
#: a period: a black-list entry, a risk freeze. One generic mechanism: a new kind of block is a row
#: (``domain.restrictions``), read by the transfer's facts loader and by ``lianrong_transfer``.
party_restriction = Table(
    "party_restriction",
    metadata,
    Column("id", ID, primary_key=True),
    Column("party_id", ID, ForeignKey("party.id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("bank_id", ID, ForeignKey("party.id")),  # the scope; NULL: every bank
    Column("kind", String(40), nullable=False),  # blacklist | risk_freeze | …: a code, shown in the refusal
    Column("reason", String(200), nullable=False, default=""),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),  # the last day in force; NULL: until lifted
    Column("created_by", ID),  # the user who recorded it
    Column("created_at", TS, nullable=False),
    Column("source", String(80)),  # the record that caused it (a black-list entry, a risk case): named in refusals
    Column("lifted_at", TS),  # lifting ends it the day before (valid_until); the row stays as history
    Column("lifted_by", ID),
    Column("lift_reason", String(200)),
    Index("ix_party_restriction_party", "party_id", "action"),
    Index("ix_party_restriction_source", "source"),
)

core_designation = Table(
    "core_designation",
    metadata,
    Column("bank_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("core_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("designated_on", Date, nullable=False),
    Column("max_ratio", String(12), nullable=False),  # decimal fraction, ≤ 1
    Column("max_term_days", Integer, nullable=False),
    Column("min_split_fen", BigInteger, nullable=False),
    Column("max_tier", Integer, nullable=False),
    Column("spread", String(12), nullable=False),  # decimal fraction added to the LPR
    Column("updated_at", TS, nullable=False),
)

supplier_ledger = Table(
    "supplier_ledger",  # 客户台账: a core enterprise's suppliers as imported by its bank
    metadata,
    Column("bank_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("core_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("supplier_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("max_ratio", String(12)),  # per-supplier overrides; null means the core's value
    Column("max_term_days", Integer),
    Column("min_split_fen", BigInteger),
    Column("max_tier", Integer),
    Column("spread", String(12)),
    Column("imported_at", TS, nullable=False),
)

lpr = Table(
    "lpr",
    metadata,
    Column("bank_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("effective_on", Date, primary_key=True),
    Column("rate", String(12), nullable=False),
)

attachment = Table(
    "attachment",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(80), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", ID),
    Column("created_at", TS, nullable=False),
)

file_upload = Table(
    "file_upload",
    metadata,
    # who stored which file: linking a file needs the linker's organisation to have uploaded it (or to be a
    # party of a record that carries it); the bytes themselves are stored once, in ``attachment``
    Column("party_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("sha256", String(64), ForeignKey("attachment.sha256"), primary_key=True, index=True),
    Column("filename", String(255), nullable=False),  # the name this organisation gave it
    Column("uploaded_by", ID),
    Column("uploaded_at", TS, nullable=False),
)

document_link = Table(
    "document_link",
    metadata,
    Column("owner_kind", String(16), primary_key=True),  # contract | invoice | financing
    Column("owner_id", ID, primary_key=True),
    Column("sha256", String(64), ForeignKey("attachment.sha256"), primary_key=True),
)

contract = Table(
    "contract",
    metadata,
    Column("id", ID, primary_key=True),
    Column("number", String(60), nullable=False),
    Column("buyer_id", ID, ForeignKey("party.id"), nullable=False),
    Column("seller_id", ID, ForeignKey("party.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),  # contractual payment due date
    Column("non_cash_agreed", Boolean, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("recorded_by", ID),  # the party that recorded it; the other one confirms it
    Column("confirmed_at", TS),  # the counterparty's confirmation; until then the contract is unconfirmed
    UniqueConstraint("seller_id", "number", name="seller_number"),
    Index("ix_contract_trade", "buyer_id", "seller_id"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

invoice = Table(
    "invoice",
    metadata,
    Column("id", ID, primary_key=True),
    Column("contract_id", ID, ForeignKey("contract.id"), nullable=False, index=True),
    Column("code", String(12), nullable=False, default=""),  # legacy invoice code; '' for 数电票
    Column("number", String(20), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("allocated_fen", BigInteger, nullable=False, default=0),
    Column("issued_on", Date, nullable=False),
    Column("seller_id", ID, ForeignKey("party.id"), nullable=False),
    Column("buyer_id", ID, ForeignKey("party.id"), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("code", "number", name="code_number"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("allocated_fen >= 0 AND allocated_fen <= amount_fen", name="allocation_within"),
)

credit_line = Table(
    "credit_line",
    metadata,
    Column("id", ID, primary_key=True),
    Column("bank_id", ID, ForeignKey("party.id"), nullable=False),
    Column("core_id", ID, ForeignKey("party.id"), nullable=False),
    Column("limit_fen", BigInteger, nullable=False),
    Column("occupied_fen", BigInteger, nullable=False, default=0),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_credit_line_core", "core_id", "bank_id"),
    CheckConstraint("limit_fen > 0", name="limit_positive"),
    CheckConstraint("occupied_fen >= 0 AND occupied_fen <= limit_fen", name="occupied_within"),
)

voucher = Table(
    "voucher",
    metadata,
    Column("id", ID, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("core_id", ID, ForeignKey("party.id"), nullable=False, index=True),
    Column("bank_id", ID, ForeignKey("party.id"), nullable=False),
    Column("supplier_id", ID, ForeignKey("party.id"), nullable=False),
    Column("contract_id", ID, ForeignKey("contract.id"), nullable=False),
    Column("face_fen", BigInteger, nullable=False),
    Column("issue_on", Date, nullable=False),
    Column("requested_maturity", Date, nullable=False),
    Column("maturity_on", Date, nullable=False, index=True),  # after rolling to a working day
    Column("maturity_official", Boolean, nullable=False),  # False: weekends-only fallback was used
    Column("status", String(16), nullable=False),  # pending|active|settled|overdue|rejected
    Column("long_term_reason", Text),
    Column("bank_approved_by", ID),
    Column("prepared_by", ID, nullable=False),
    Column("approved_by", ID),
    Column("credit_line_id", ID),  # set when credit is occupied at issuance (cfg)
    Column("warnings", JSON, nullable=False),
    Column("seq", Integer, nullable=False, default=0),  # length of the operation hash chain
    Column("head_hash", String(64), nullable=False),
    Column("hash_algorithm", String(8), nullable=False),
    Column("created_at", TS, nullable=False),
    CheckConstraint("face_fen > 0", name="face_positive"),
)

voucher_invoice = Table(
    "voucher_invoice",
    metadata,
    Column("voucher_id", ID, ForeignKey("voucher.id"), primary_key=True),
    Column("invoice_id", ID, ForeignKey("invoice.id"), primary_key=True),
    Column("core_id", ID, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

fragment = Table(
    "fragment",
    metadata,
    Column("id", ID, primary_key=True),
    Column("voucher_id", ID, ForeignKey("voucher.id"), nullable=False),
    Column("core_id", ID, nullable=False),
    Column("parent_id", ID, ForeignKey("fragment.id")),
    Column("holder_id", ID, ForeignKey("party.id"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("tier", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # active|spent|frozen|financed|settled|overdue
    Column("contract_id", ID),  # the trade that moved it to this holder
    Column("financing_id", ID),
    Column("created_at", TS, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("status in ('active', 'spent', 'frozen', 'financed', 'settled', 'overdue')", name="status"),
    Index("ix_fragment_holder_status", "holder_id", "status"),  # holdings pages: a holder's live parts
    # a voucher's fragments (its tree, settlement, sums) and, within it, a fragment's children: one index
    # for both (migration 20261202_0005), one b-tree fewer to write per new fragment
    Index("ix_fragment_voucher_parent", "voucher_id", "parent_id"),
)

financing = Table(
    "financing",
    metadata,
    Column("id", ID, primary_key=True),
    Column("core_id", ID, nullable=False, index=True),
    Column("bank_id", ID, ForeignKey("party.id"), nullable=False),
    Column("applicant_id", ID, ForeignKey("party.id"), nullable=False),
    Column("status", String(12), nullable=False),  # applied|approved|rejected|disbursed|repaid|overdue
    Column("face_fen", BigInteger, nullable=False),  # sum of the fragments financed
    Column("principal_fen", BigInteger, nullable=False),
    Column("annual_rate", String(12), nullable=False),
    Column("lpr", String(12), nullable=False),
    Column("spread", String(12), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("financing_on", Date),  # disbursement date; interest days count from it
    Column("maturity_on", Date, nullable=False),
    Column("days", Integer, nullable=False),
    Column("interest_fen", BigInteger, nullable=False),
    Column("net_fen", BigInteger, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("registration_no", String(60)),
    Column("registered_at", TS),
    Column("applied_by", ID, nullable=False),
    Column("reviewed_by", ID),
    Column("disbursed_by", ID),
    Column("credit_line_id", ID),
    Column("occupied_fen", BigInteger, nullable=False, default=0),
    Column("created_at", TS, nullable=False),
    CheckConstraint("principal_fen > 0", name="principal_positive"),
)

# what a financing is secured by: one row per asset, of any kind with a collateral implementation
# (``financing/collateral.py``); for ``voucher`` the asset is a fragment. Links are never deleted: a rejected
# or failed financing keeps the assets it was applied for (migration 20261203_0011 replaced financing_fragment)
financing_asset = Table(
    "financing_asset",
    metadata,
    Column("financing_id", ID, ForeignKey("financing.id"), primary_key=True),
    Column("kind", String(24), primary_key=True),  # voucher (later: receivable, warehouse_receipt, order)
    Column("asset_id", ID, primary_key=True),
    Column("core_id", ID, nullable=False),  # the obligor who pays the asset at maturity
    Column("amount_fen", BigInteger),  # the asset's face value when applied for
    Index("ix_financing_asset_kind_asset", "kind", "asset_id"),  # an asset's financings (scope, holdings)
)

payment_instruction = Table(
    "payment_instruction",
    metadata,
    Column("id", ID, primary_key=True),
    Column("core_id", ID, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # disbursement | settlement | surplus
    Column("voucher_id", ID, index=True),
    Column("fragment_id", ID, unique=True),  # a settled fragment is paid by exactly one instruction
    Column("financing_id", ID),
    Column("payer_id", ID, ForeignKey("party.id"), nullable=False),
    Column("payee_id", ID, ForeignKey("party.id"), nullable=False),
    Column("payee_account", String(40)),
    Column("bank_id", ID, nullable=False),  # the bank executing it
    Column("amount_fen", BigInteger, nullable=False),
    Column("value_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # pending | confirmed | failed
    Column("reference", String(80)),  # the bank's confirmation reference
    Column("failure", Text),
    Column("created_at", TS, nullable=False),
    Column("confirmed_at", TS),
    Index("ix_payment_instruction_status", "status", "value_on"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)

sim_account = Table(
    "sim_account",  # balances of the built-in simulated bank (demo and tests); never real money
    metadata,
    Column("party_id", ID, ForeignKey("party.id"), primary_key=True),
    Column("balance_fen", BigInteger, nullable=False),
    CheckConstraint("balance_fen >= 0", name="balance_nonnegative"),
)

voucher_op = Table(
    "voucher_op",  # each voucher's operation log, an unbroken hash chain
    metadata,
    Column("voucher_id", ID, ForeignKey("voucher.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("core_id", ID, nullable=False),
    Column("op", String(24), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON, hashed as stored
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("actor_id", ID),
    Column("at", TS, nullable=False),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("operation", String(40), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
)

calendar_override = Table(
    "calendar_override",  # official working-day data loaded by an operator past the package's data
    metadata,
    Column("day", Date, primary_key=True),
    Column("workday", Boolean, nullable=False),
    Column("note", String(120)),
)

checkpoint = Table(
    "checkpoint",  # periodic hash over all voucher chain heads
    metadata,
    Column("id", ID, primary_key=True),
    Column("at", TS, nullable=False),
    Column("vouchers", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)


# the district programme's tables, on the same metadata (a module of their own for size)
from lianrong.adapters.db import programme_tables as programme_tables  # noqa: E402
