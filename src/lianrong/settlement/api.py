"""Maturity settlement: pay every final holder of the vouchers due on a date; unpaid → overdue."""

from __future__ import annotations

from lianrong.api.deps import Ctx, IdempotencyKey, WritingActor
from lianrong.api.routing import ApiRouter
from lianrong.settlement import service as settlement
from lianrong.settlement.schemas import SettlementCreate, SettlementRead

router = ApiRouter(prefix="/settlement", tags=["settlement"])


@router.post("/runs", response_model=SettlementRead)
def run(body: SettlementCreate, ctx: Ctx, actor: WritingActor, _key: IdempotencyKey) -> settlement.SettlementRun:
    """Settle the vouchers due on or before a date (a bank: those it carries; the district admin: all).

    Settlement is idempotent by construction (a leaf is paid at most once), so a rerun changes nothing;
    the idempotency key is required like on every change but not stored.
    """
    return settlement.settle(ctx, actor=actor, on=body.date or ctx.clock.today())
