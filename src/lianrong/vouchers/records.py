"""The vouchers' shared records: what more than one read model answers (frozen, typed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from lianrong.vouchers.model import VoucherStatus


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher's record (its issuance warnings aside)."""

    id: str
    number: str
    core_id: str
    bank_id: str
    supplier_id: str
    contract_id: str
    face_fen: int
    issue_on: dt.date
    requested_maturity: dt.date | None
    maturity_on: dt.date
    maturity_official: bool
    status: VoucherStatus
    long_term_reason: str | None
    bank_approved_by: str | None
    prepared_by: str | None
    approved_by: str | None
    credit_line_id: str | None
    seq: int
    head_hash: str
    hash_algorithm: str
    created_at: dt.datetime


_VOUCHER_FIELDS = tuple(f.name for f in fields(Voucher))


def voucher_values(row: Any) -> dict[str, Any]:
    """A voucher row's values as ``Voucher`` takes them."""
    m = row._mapping
    return {**{k: m[k] for k in _VOUCHER_FIELDS}, "status": VoucherStatus(m["status"])}
