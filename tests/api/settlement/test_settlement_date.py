"""The API refuses a settlement date after today's business date (the settlement use case's rule)."""

from __future__ import annotations

import datetime as dt

from factories import TODAY

from lianrong.adapters.db import tables as t
from lianrong.settlement import service as settlement

MATURITY = dt.date(2027, 3, 15)


def test_a_settlement_date_after_today_is_refused_by_the_api(fresh_api_world):
    aw = fresh_api_world
    root = aw.world.issue(1000_00, maturity=MATURITY)
    with aw.ctx.uow(readonly=True) as uow:
        voucher_id = uow.conn.execute(t.fragment.select().where(t.fragment.c.id == root)).one().voucher_id
    for role in ("bank_ap", "district_admin"):
        r = aw.as_(role).post("/settlement/runs", {"date": MATURITY.isoformat()})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "settlement.future_date", body
        assert body["details"] == {"date": "2027-03-15", "today": TODAY.isoformat()}
        assert "2027-03-15" in body["message_zh"] and "before they mature" in body["message_en"]
    with aw.ctx.uow(readonly=True) as uow:
        assert uow.conn.execute(t.voucher.select().where(t.voucher.c.id == voucher_id)).one().status == "active"
        assert (
            uow.conn.execute(t.payment_instruction.select().where(t.payment_instruction.c.kind == "settlement")).first()
            is None
        )
    # today's run is allowed and the same date runs once the business date has come
    assert aw.as_("bank_ap").post("/settlement/runs", {}).json()["date"] == TODAY.isoformat()
    aw.ctx.clock.day = MATURITY
    assert aw.as_("bank_ap").post("/settlement/runs", {"date": "2027-03-15"}).json()["vouchers"] == 1
    assert settlement.settlement_date(aw.ctx) == MATURITY
