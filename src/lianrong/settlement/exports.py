"""Settlement instructions as a workbook."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.spreadsheet import Col, add_about, add_sheet, new_workbook, save
from lianrong.platform import scope
from lianrong.platform.context import Actor, Context
from lianrong.platform.workbooks import generated_at, names_of, requester_name

_PAY_STATUS_ZH = {"pending": "待执行", "confirmed": "已成功", "failed": "失败"}


_PAY_KIND_ZH = {"settlement": "到期兑付", "disbursement": "融资放款", "surplus": "余额返还"}


def export_settlements_xlsx(
    ctx: Context, *, actor: Actor, on: dt.date | None = None, kind: str | None = "settlement"
) -> bytes:
    """Payment instructions at maturity (by default; ``kind=None`` for all) the actor is party to."""
    columns = (
        Col("id", "指令编号", "Instruction ID"),
        Col("kind", "类型", "Kind"),
        Col("value_on", "付款日", "Value date", "date"),
        Col("voucher_number", "凭据编号", "Voucher number"),
        Col("fragment_id", "份额编号", "Part (fragment) ID"),
        Col("payer_name", "付款方", "Payer"),
        Col("payer_uscc", "付款方统一社会信用代码", "Payer USCC"),
        Col("payee_name", "收款方", "Payee"),
        Col("payee_uscc", "收款方统一社会信用代码", "Payee USCC"),
        Col("payee_account", "收款账号", "Payee account"),
        Col("amount_fen", "金额（分）", "Amount (fen)", "fen"),
        Col("amount_yuan", "金额（元）", "Amount (CNY)", "yuan"),
        Col("status", "状态", "Status"),
        Col("reference", "银行流水号", "Bank reference"),
        Col("confirmed_at", "确认时间", "Confirmed at", "datetime"),
        Col("failure", "失败原因", "Failure reason"),
    )
    p = t.payment_instruction
    with ctx.uow(readonly=True) as uow:
        stmt = (
            select(p, t.voucher.c.number.label("voucher_number"))
            .outerjoin(t.voucher, t.voucher.c.id == p.c.voucher_id)
            .order_by(p.c.value_on, p.c.created_at, p.c.id)
        )
        if not scope.sees_everything(uow, actor):
            me = actor.party_id
            stmt = stmt.where(or_(p.c.payer_id == me, p.c.payee_id == me, p.c.bank_id == me, p.c.core_id == me))
        if on is not None:
            stmt = stmt.where(p.c.value_on == on)
        if kind:
            stmt = stmt.where(p.c.kind == kind)
        rows = uow.conn.execute(stmt).all()
        names = names_of(uow, [x for r in rows for x in (r.payer_id, r.payee_id)])
        requested_by = requester_name(uow, actor)
    data = [
        [
            r.id,
            f"{_PAY_KIND_ZH.get(r.kind, r.kind)} {r.kind}",
            r.value_on,
            r.voucher_number,
            r.fragment_id,
            names[r.payer_id].name,
            names[r.payer_id].uscc,
            names[r.payee_id].name,
            names[r.payee_id].uscc,
            r.payee_account,
            r.amount_fen,
            r.amount_fen,
            f"{_PAY_STATUS_ZH.get(r.status, r.status)} {r.status}",
            r.reference,
            r.confirmed_at,
            r.failure,
        ]
        for r in rows
    ]
    wb = new_workbook()
    add_sheet(wb, "兑付 Settlements" if kind == "settlement" else "支付指令 Payments", columns, data, first=True)
    add_about(
        wb,
        [
            ("导出时间", "Generated (Beijing)", generated_at(ctx).strftime("%Y-%m-%d %H:%M:%S")),
            ("导出机构", "Requested by", requested_by),
            ("付款日", "Value date", on.isoformat() if on else "全部 all"),
            ("类型", "Kind", kind or "全部 all"),
            ("笔数", "Rows", len(data)),
            ("合计（分）", "Total (fen)", sum(r.amount_fen for r in rows)),
            (
                "说明",
                "Note",
                (
                    "平台不持有资金；指令由核心企业开户行执行，状态以银行确认为准。"
                    " LianRong holds no money: the core enterprise's bank executes the instructions."
                ),
            ),
        ],
    )
    return save(wb)
