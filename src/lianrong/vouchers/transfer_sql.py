"""The transfer's SQL, sent straight to the driver: the facts read, the self-guarding write, the server-side function's call."""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

from sqlalchemy.exc import IntegrityError

from lianrong.adapters.db.raw import GuardFailed
from lianrong.kernel import errors
from lianrong.platform.common import (
    KeyTaken,
)
from lianrong.vouchers import errors as vouchers_errors

# The hot path of the ledger: fixed SQL on the driver (see adapters/db/raw.py). One statement reads every
# fact a transfer decides on (``vouchers.rules.TransferFacts``): the voucher (locked on PostgreSQL in a
# transaction), the fragment, the bank's and the sender's names, the financing parameters with the sender's
# ledger overrides, and per part the recipient, its onboarding at the voucher's bank, the sender's contracts
# with it, and whether any restriction row names the sender or it (one row per part). The sender is the
# actor's party, or the holder when the system acts (:sender NULL). Columns are read by name: each is
# (name, expression) below, and a row is a ``_TransferRow`` of those names.
_SENDER = "COALESCE(:sender, f.holder_id)"


_TRADE = f"FROM contract c WHERE c.buyer_id = {_SENDER} AND c.seller_id = p.id AND (c.id = r.cid OR r.cid = '')"


_TRANSFER_COLUMNS = (
    # the voucher's head (services.common.VOUCHER_HEAD_COLUMNS, in its order)
    ("voucher_id", "v.id"),
    ("core_id", "v.core_id"),
    ("bank_id", "v.bank_id"),
    ("voucher_status", "v.status"),
    ("maturity_on", "v.maturity_on"),
    ("seq", "v.seq"),
    ("head_hash", "v.head_hash"),
    ("hash_algorithm", "v.hash_algorithm"),
    ("credit_line_id", "v.credit_line_id"),
    ("face_fen", "v.face_fen"),
    ("bank_name", "b.name"),
    ("sender_name", "s.name"),
    # the fragment
    ("holder_id", "f.holder_id"),
    ("amount_fen", "f.amount_fen"),
    ("tier", "f.tier"),
    ("fragment_status", "f.status"),
    ("contract_id", "f.contract_id"),
    # the core's designation (NULL: not designated) and the sender's ledger overrides
    ("core_max_ratio", "d.max_ratio"),
    ("core_max_term_days", "d.max_term_days"),
    ("core_min_split_fen", "d.min_split_fen"),
    ("core_max_tier", "d.max_tier"),
    ("core_spread", "d.spread"),
    ("ledger_max_ratio", "l.max_ratio"),
    ("ledger_max_term_days", "l.max_term_days"),
    ("ledger_min_split_fen", "l.min_split_fen"),
    ("ledger_max_tier", "l.max_tier"),
    ("ledger_spread", "l.spread"),
    # the part and its recipient (NULLs: the reference names no party)
    ("ord", "r.ord"),
    ("party_id", "p.id"),
    ("party_name", "p.name"),
    ("party_kind", "p.kind"),
    ("settlement_account", "o.settlement_account"),
    ("ebanking", "o.ebanking"),
    ("certificate", "o.certificate"),
    (
        "trade_contract_id",
        f"(SELECT c.id {_TRADE} AND c.non_cash_agreed = :yes AND c.confirmed_at IS NOT NULL "
        "ORDER BY c.signed_on DESC, c.id LIMIT 1)",
    ),
    ("any_contract_id", f"(SELECT c.id {_TRADE} LIMIT 1)"),
    ("non_cash_contract_number", f"(SELECT c.number {_TRADE} AND c.non_cash_agreed = :yes LIMIT 1)"),
    # any restriction row on the sender's transferring or the recipient's receiving (the rows are read
    # only then; the rule decides which are in force)
    ("restricted", "EXISTS (SELECT 1 FROM party_restriction x WHERE x.party_id IN (p.id, s.id))"),
)


_TransferRow = namedtuple("_TransferRow", [name for name, _ in _TRANSFER_COLUMNS])  # type: ignore[misc]


_TRANSFER_READ = (
    "SELECT " + ", ".join(f"{expr} AS {name}" for name, expr in _TRANSFER_COLUMNS) + " "
    "FROM fragment f JOIN voucher v ON v.id = f.voucher_id "
    "LEFT JOIN party b ON b.id = v.bank_id "
    f"LEFT JOIN party s ON s.id = {_SENDER} "
    "LEFT JOIN core_designation d ON d.bank_id = v.bank_id AND d.core_id = v.core_id "
    f"LEFT JOIN supplier_ledger l ON l.bank_id = v.bank_id AND l.core_id = v.core_id AND l.supplier_id = {_SENDER} "
    "CROSS JOIN ({parts}) r "
    "LEFT JOIN party p ON p.id = r.ref OR p.uscc = r.uref "
    "LEFT JOIN onboarding o ON o.party_id = p.id AND o.bank_id = v.bank_id "
    "WHERE f.id = :f ORDER BY r.ord"
)


@lru_cache(maxsize=16)
def _transfer_read_sql(n_parts: int, lock: bool) -> str:
    parts = " UNION ALL ".join(
        f"SELECT {i} AS ord, :ref{i} AS ref, :uref{i} AS uref, :cid{i} AS cid" for i in range(n_parts)
    )
    return _TRANSFER_READ.replace("{parts}", parts) + (" FOR UPDATE OF v" if lock else "")


_INSERT_CHILD = (
    "(:id{i}, :voucher_id, :core_id, :parent_id, :holder{i}, :amount{i}, :tier{i}, 'active', "
    ":contract{i}, NULL, :created_at)"
)


_INSERT_CHILDREN = (
    "INSERT INTO fragment (id, voucher_id, core_id, parent_id, holder_id, amount_fen, tier, status, "
    "contract_id, financing_id, created_at) VALUES "
)


@lru_cache(maxsize=16)
def _insert_children_sql(n_children: int) -> str:
    return _INSERT_CHILDREN + ", ".join(_INSERT_CHILD.replace("{i}", str(i)) for i in range(n_children))


@lru_cache(maxsize=16)
def _transfer_write_sql(n_children: int, with_key: bool) -> str:
    """PostgreSQL: every write of a transfer in one statement (one round trip). Its guards (the fragment
    still active, the chain not moved on, the idempotency key not taken) are checked in the final
    ``SELECT``; when one fails, ``lianrong_refuse`` aborts the statement and nothing of it is written."""
    ctes = [
        "spent AS (UPDATE fragment SET status = 'spent' WHERE id = :parent_id AND status = 'active' RETURNING 1)",
        f"children AS ({_insert_children_sql(n_children)} RETURNING 1)",
        "head AS (UPDATE voucher SET seq = :seq, head_hash = :hash WHERE id = :voucher_id AND seq = :old_seq "
        "RETURNING 1)",
        "op AS (INSERT INTO voucher_op (voucher_id, seq, core_id, op, payload, prev_hash, hash, actor_id, at) "
        "VALUES (:voucher_id, :seq, :core_id, 'transfer', :payload, :prev_hash, :hash, :actor, :at) RETURNING 1)",
    ]
    if with_key:
        ctes.append(
            "idem AS (INSERT INTO idempotency (key, operation, request_hash, response, created_at) "
            "VALUES (:key, :op, :request_hash, :response, :at) ON CONFLICT (key) DO NOTHING RETURNING 1)"
        )
    key_guard = " WHEN (SELECT count(*) FROM idem) <> 1 THEN lianrong_refuse('key')" if with_key else ""
    return (
        "WITH " + ", ".join(ctes) + " SELECT CASE WHEN (SELECT count(*) FROM spent) <> 1 THEN lianrong_refuse('spent')"
        " WHEN (SELECT count(*) FROM head) <> 1 THEN lianrong_refuse('head')" + key_guard + " ELSE 1 END"
    )


def _constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint a PostgreSQL integrity error violated, if the driver says."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _guard_refusal(refused: GuardFailed, fragment_id: str) -> Exception:
    """What a transfer statement's failed guard stands for (``lianrong_refuse(what)``)."""
    if refused.what == "spent":
        return vouchers_errors.FragmentNotActive(fragment=fragment_id, state="spent")
    if refused.what == "key":
        return KeyTaken()  # the idempotency key was recorded first by another request
    return errors.Conflict()  # another operation on the voucher came first: retried


#: an id or a USCC (possibly empty, for "no contract named"): safe inside an array literal as it is
_PLAIN_REF = re.compile(r"^[A-Za-z0-9_]{0,64}$")


def _array(words: list[str]) -> str:
    return "{" + ",".join(f'"{w}"' for w in words) + "}"


_TRANSFER_CALL = (
    "SELECT lianrong_transfer(:f, :sender, :actor, :refs::text[], :amounts::bigint[], :cids::text[], "
    ":ids::text[], :today, :now, :key, :op, :request_hash)"
)
