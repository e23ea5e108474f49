"""Named, idempotent scheduled jobs. Each calls services; a failing item is logged, the batch goes on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import structlog

from lianrong.platform.context import Context
from lianrong.platform.results import record
from lianrong.programme.blacklist import service as blacklist
from lianrong.programme.whitelist import renewal as whitelist_renewal
from lianrong.settlement import service as settlement
from lianrong.vouchers import audit

log = structlog.get_logger(__name__)


def maturity_settlement(ctx: Context, *, on: dt.date | None = None) -> settlement.SettlementRun:
    """Settle every voucher due today (or on ``on``); vouchers already settled are untouched."""
    day = on or ctx.clock.today()
    result = settlement.settle(ctx, on=day)
    log.info(
        "job.maturity_settlement",
        date=day.isoformat(),
        vouchers=result.vouchers,
        overdue=len(result.overdue),
        errors=len(result.errors),
    )
    return result


def ledger_checkpoint(ctx: Context, *, on: dt.date | None = None) -> dict[str, Any]:
    """Hash all voucher chain heads into a checkpoint (tamper evidence across vouchers)."""
    result = audit.checkpoint(ctx)
    log.info("job.ledger_checkpoint", vouchers=result.vouchers, hash=result.hash)
    return record(result)


def ledger_audit(ctx: Context, *, on: dt.date | None = None) -> dict[str, Any]:
    """Verify the six ledger invariants; a violation is logged as an error."""
    result = audit.verify(ctx)
    if result.violation is not None:
        log.error("job.ledger_audit.violation", **record(result.violation))
    return record(result)


def blacklist_overdue(ctx: Context, *, on: dt.date | None = None) -> list[blacklist.OverdueProposal]:
    """Propose (never list) a black-list entry for each core enterprise whose voucher is overdue beyond
    ``LIANRONG_BLACKLIST_OVERDUE_DAYS``, for the district office to confirm; safe to rerun."""
    day = on or ctx.clock.today()
    found = blacklist.propose_overdue(ctx, on=day)
    log.info("job.blacklist_overdue", date=day.isoformat(), proposed=len(found))
    return found


def whitelist_renewal_job(ctx: Context, *, on: dt.date | None = None) -> dict[str, Any]:
    """The white list's yearly renewal: open the round in the configured month (once a year); close it after
    the configured days, expiring the entries not renewed and pushing the difference to every bank."""
    result = whitelist_renewal.renewal_job(ctx, on=on)
    log.info("job.whitelist_renewal", **result)
    return result


#: each job's summary: a typed record or a dict (``cli.show`` prints either)
JOBS: dict[str, Callable[..., Any]] = {
    "maturity-settlement": maturity_settlement,
    "ledger-checkpoint": ledger_checkpoint,
    "ledger-audit": ledger_audit,
    "blacklist-overdue": blacklist_overdue,
    "whitelist-renewal": whitelist_renewal_job,
}
