"""API schemas of reporting: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt

from lianrong.api.schemas import Output, Page, SplitFindingCode
from lianrong.vouchers.model import VoucherStatus


class SplitFinding(Output):
    """Something unusual in a voucher's splitting; further fields name the details (tier, holder_id, on, …)."""

    code: SplitFindingCode
    message_zh: str
    message_en: str


class SplitWatchRead(Output):
    """One voucher of the split report (77号: split depth and unusual splitting)."""

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
    vouchers: int
    flagged: int
    findings_by_code: dict[str, int]


class SplitLimits(Output):
    tier_margin: int
    max_fragments: int
    daily_transfers: int


class SplitReportPage(Page[SplitWatchRead]):
    """A page of the report, with the summary of the whole selection and the deployment's thresholds."""

    summary: SplitSummary
    limits: SplitLimits
