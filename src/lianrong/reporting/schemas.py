"""API schemas of reporting: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict

from lianrong.api.schemas import Output, Page, SplitFindingCode
from lianrong.vouchers.model import VoucherStatus

#: a read model's answer, read by attribute from the feature's frozen dataclasses, exactly the fields declared
READ_MODEL = ConfigDict(from_attributes=True, extra="ignore")


class SplitFinding(Output):
    """Something unusual in a voucher's splitting; further fields name the details (tier, holder_id, on, …).

    Open (``extra="allow"``): each kind of finding carries its own details, as ``vouchers.splitwatch`` words
    them, and clients get them all."""

    code: SplitFindingCode
    message_zh: str
    message_en: str


class SplitWatchRead(Output):
    """One voucher of the split report (77号: split depth and unusual splitting)."""

    model_config = READ_MODEL

    voucher_id: str
    number: str
    core_id: str
    core_name: str
    bank_id: str
    status: VoucherStatus
    face_fen: int
    maturity_on: dt.date
    fragments: int
    transfers: int
    max_tier: int
    allowed_tier: int | None
    depth: int
    active_parts: int
    smallest_active_fen: int | None
    findings: list[SplitFinding]


class SplitSummary(Output):
    model_config = READ_MODEL

    vouchers: int
    flagged: int
    findings_by_code: dict[str, int]


class SplitLimits(Output):
    model_config = READ_MODEL

    tier_margin: int
    max_fragments: int
    daily_transfers: int


class SplitReportPage(Page[SplitWatchRead]):
    """A page of the report, with the summary of the whole selection and the deployment's thresholds."""

    model_config = READ_MODEL

    summary: SplitSummary
    limits: SplitLimits
