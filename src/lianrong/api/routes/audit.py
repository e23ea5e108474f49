"""Audit: the six ledger invariants checked on the live database."""

from __future__ import annotations

from fastapi import APIRouter

from ...services import audit
from ..deps import Ctx, CurrentActor
from ..routing import ApiRoute
from ..schemas import AuditRead

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)


@router.get("/verify", response_model=AuditRead)
def verify(ctx: Ctx, actor: CurrentActor) -> dict:
    """Check every invariant (sums, tree, amounts, invoices, credit, hash chains); the overseers only."""
    return audit.verify(ctx, actor=actor)
