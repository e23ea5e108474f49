"""The split report (77号: split depth and unusual splitting are tracked and reported).

For each voucher in the reader's view: how many fragments, transfers and live parts it has, its deepest
tier against the core enterprise's maximum, the longest chain of transfers, and the findings of
``domain.splitwatch`` (depth near the limit, many parts, bursts of splitting, parts flowing back to an
earlier holder). Read by the district and chain offices (every voucher), a bank (the vouchers it
carries) and an enterprise (the vouchers it issued as a core enterprise: a supplier that issued none gets
an empty report, as the whole trees of the vouchers it holds parts of are not its to see).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, select, type_coerce

from lianrong.adapters.db import tables as t
from lianrong.kernel import errors
from lianrong.platform import scope
from lianrong.platform.common import jsonable, resolve_party
from lianrong.platform.context import BEIJING, Actor, Context
from lianrong.vouchers import splitwatch as sw
from lianrong.vouchers.model import VoucherStatus

_OPEN = (VoucherStatus.ACTIVE,)


@dataclass(frozen=True, slots=True)
class SplitWatch:
    """One voucher of the split report: its size, depth against the allowed tier, and findings."""

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
    allowed_tier: int | None  # None only for a core no longer designated at the bank
    depth: int
    active_parts: int
    smallest_active_fen: int | None
    # ``splitwatch``'s findings as JSON: code, message_zh, message_en and the details of each kind
    findings: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class SplitSummary:
    """The whole selection: how many vouchers, how many flagged, and the vouchers with each finding."""

    vouchers: int
    flagged: int
    findings_by_code: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class SplitLimits:
    """The deployment's split-watch thresholds the report applied."""

    tier_margin: int
    max_fragments: int
    daily_transfers: int


@dataclass(frozen=True, slots=True)
class SplitReport:
    """One page of the split report (``items`` of ``total``), the summary and the thresholds."""

    items: tuple[SplitWatch, ...]
    total: int
    limit: int
    offset: int
    summary: SplitSummary
    limits: SplitLimits


class _BusinessDays:
    """Stored timestamps as Beijing business dates: SQLite keeps UTC text without a zone (its date and
    hour decide the day, so each distinct ``YYYY-MM-DD HH`` is parsed once), PostgreSQL hands over
    zone-aware datetimes."""

    def __init__(self) -> None:
        self._seen: dict[str, dt.date] = {}

    def __call__(self, value: Any) -> dt.date:
        if isinstance(value, str):
            hour = value[:13]
            day = self._seen.get(hour)
            if day is None:
                day = self._seen[hour] = self._convert(dt.datetime.fromisoformat(value))
            return day
        return self._convert(value)

    @staticmethod
    def _convert(value: dt.datetime) -> dt.date:
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(BEIJING).date()


def split_report(
    ctx: Context,
    *,
    actor: Actor,
    core: str | None = None,
    bank: str | None = None,
    voucher_id: str | None = None,
    include_closed: bool = False,
    flagged_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> SplitReport:
    """One page of the split report, newest voucher first, with a summary of the whole selection.

    Default: active vouchers; ``include_closed`` adds settled and overdue ones; ``voucher_id`` reports
    that one voucher in any status; ``flagged_only`` keeps the vouchers with at least one finding.
    """
    if not (isinstance(limit, int) and isinstance(offset, int) and 1 <= limit <= 10_000 and offset >= 0):
        raise errors.ValidationFailed(
            reason="limit must be 1–10000 and offset ≥ 0 / 每页条数须为1至10000，偏移量不小于0"
        )
    limits = ctx.policy.split_watch
    v, f, d = t.voucher, t.fragment, t.core_designation
    with ctx.uow(readonly=True) as uow:
        readable = scope.issued_or_carried_filter(uow, actor)
        where = [] if readable is None else [readable]
        if core:
            where.append(v.c.core_id == resolve_party(uow, core, kind="enterprise").id)
        if bank:
            where.append(v.c.bank_id == resolve_party(uow, bank, kind="bank").id)
        if voucher_id is not None:  # one voucher asked for by id is reported whatever its status
            if not isinstance(voucher_id, str) or not voucher_id:
                raise errors.NotFound("voucher", voucher_id)
            where.append(v.c.id == voucher_id)
        else:
            where.append(
                v.c.status.in_((*_OPEN, VoucherStatus.SETTLED, VoucherStatus.OVERDUE) if include_closed else _OPEN)
            )
        heads = uow.conn.execute(
            select(
                v.c.id,
                v.c.number,
                v.c.core_id,
                v.c.bank_id,
                v.c.status,
                v.c.face_fen,
                v.c.maturity_on,
                v.c.created_at,
                d.c.max_tier,
                t.party.c.name.label("core_name"),
            )
            .join(t.party, t.party.c.id == v.c.core_id)
            .outerjoin(d, (d.c.bank_id == v.c.bank_id) & (d.c.core_id == v.c.core_id))
            .where(*where)
            .order_by(v.c.created_at.desc(), v.c.id)
        ).all()
        if voucher_id is not None and not heads:
            raise errors.NotFound("voucher", voucher_id)
        trees: dict[str, list[sw.Node]] = {h.id: [] for h in heads}
        # every fragment of the selected vouchers, as stored (the timestamp untouched by the ORM's types)
        rows = uow.conn.execute(
            select(
                f.c.voucher_id,
                f.c.id,
                f.c.parent_id,
                f.c.holder_id,
                f.c.amount_fen,
                f.c.tier,
                f.c.status,
                type_coerce(f.c.created_at, String),
            )
            .join(v, v.c.id == f.c.voucher_id)
            .where(*where)
        )
        day = _BusinessDays()
        node = sw.Node
        for chunk in rows.partitions(20_000):
            for vid, fid, parent, holder, amount, tier, status, created in chunk:
                trees[vid].append(node(fid, parent, holder, amount, tier, status, day(created)))
    items: list[SplitWatch] = []
    by_code: Counter[str] = Counter()  # vouchers with each finding
    flagged = 0
    for h in heads:
        allowed = h.max_tier  # None only for a core no longer designated at the bank
        w = sw.watch(trees[h.id], allowed_tier=allowed, limits=limits)
        by_code.update({c["code"] for c in w.findings})
        flagged += bool(w.findings)
        if flagged_only and not w.findings:
            continue
        items.append(
            SplitWatch(
                voucher_id=h.id,
                number=h.number,
                core_id=h.core_id,
                core_name=h.core_name,
                bank_id=h.bank_id,
                status=VoucherStatus(h.status),
                face_fen=h.face_fen,
                maturity_on=h.maturity_on,
                fragments=w.fragments,
                transfers=w.transfers,
                max_tier=w.max_tier,
                allowed_tier=allowed,
                depth=w.depth,
                active_parts=w.active_parts,
                smallest_active_fen=w.smallest_active_fen,
                findings=tuple(jsonable(f) for f in w.findings),
            )
        )
    return SplitReport(
        items=tuple(items[offset : offset + limit]),
        total=len(items),
        limit=limit,
        offset=offset,
        summary=SplitSummary(vouchers=len(heads), flagged=flagged, findings_by_code=dict(sorted(by_code.items()))),
        limits=SplitLimits(
            tier_margin=limits.tier_margin,
            max_fragments=limits.max_fragments,
            daily_transfers=limits.daily_transfers,
        ),
    )
