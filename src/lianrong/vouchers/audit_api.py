"""Audit: the six ledger invariants checked on the live database."""

from __future__ import annotations

from lianrong.api.deps import Ctx, CurrentActor
from lianrong.api.routing import ApiRouter
from lianrong.vouchers import audit
from lianrong.vouchers.schemas import AuditRead

router = ApiRouter(prefix="/audit", tags=["audit"])


@router.get("/verify", response_model=AuditRead)
def verify(ctx: Ctx, actor: CurrentActor) -> audit.AuditResult:
    """Check every invariant (sums, tree, amounts, invoices, credit, hash chains); the overseers only."""
    return audit.verify(ctx, actor=actor)
