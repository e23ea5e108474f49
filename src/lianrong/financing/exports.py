"""Financings as a workbook."""

from __future__ import annotations

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.adapters.spreadsheet import Col, add_about, add_sheet, new_workbook, save
from lianrong.platform import scope
from lianrong.platform.common import (
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.workbooks import generated_at, names_of, requester_name

_FIN_STATUS_ZH = {
    "applied": "已申请",
    "approved": "已审批",
    "rejected": "已拒绝",
    "disbursed": "已放款",
    "repaid": "已还款",
    "overdue": "逾期",
}


def export_financings_xlsx(ctx: Context, *, actor: Actor, bank: str | None = None, status: str | None = None) -> bytes:
    """Financings the actor may see (optionally one bank's, one status), with pricing and registration."""
    columns = (
        Col("id", "融资编号", "Financing ID"),
        Col("status", "状态", "Status"),
        Col("bank_name", "融资银行", "Bank"),
        Col("applicant_name", "申请人", "Applicant"),
        Col("applicant_uscc", "申请人统一社会信用代码", "Applicant USCC"),
        Col("core_name", "核心企业", "Core enterprise"),
        Col("voucher_numbers", "凭据编号", "Voucher numbers"),
        Col("face_fen", "凭据金额（分）", "Voucher amount (fen)", "fen"),
        Col("face_yuan", "凭据金额（元）", "Voucher amount (CNY)", "yuan"),
        Col("principal_fen", "融资本金（分）", "Principal (fen)", "fen"),
        Col("principal_yuan", "融资本金（元）", "Principal (CNY)", "yuan"),
        Col("annual_rate", "年利率", "Annual rate", "rate"),
        Col("lpr", "LPR", "LPR", "rate"),
        Col("spread", "利差", "Spread", "rate"),
        Col("applied_on", "申请日", "Applied on", "date"),
        Col("financing_on", "放款日", "Disbursed on", "date"),
        Col("maturity_on", "到期日", "Maturity date", "date"),
        Col("days", "计息天数", "Interest days", "int"),
        Col("interest_fen", "预收利息（分）", "Prepaid interest (fen)", "fen"),
        Col("interest_yuan", "预收利息（元）", "Prepaid interest (CNY)", "yuan"),
        Col("net_fen", "实付金额（分）", "Net proceeds (fen)", "fen"),
        Col("net_yuan", "实付金额（元）", "Net proceeds (CNY)", "yuan"),
        Col("registration_no", "中登网登记编号", "Registry number"),
        Col("registered_at", "登记时间", "Registered at", "datetime"),
    )
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.financing).order_by(t.financing.c.applied_on, t.financing.c.created_at, t.financing.c.id)
        limit = scope.financing_filter(uow, actor)
        if limit is not None:
            stmt = stmt.where(limit)
        if bank:
            stmt = stmt.where(t.financing.c.bank_id == resolve_party(uow, bank, kind="bank").id)
        if status:
            stmt = stmt.where(t.financing.c.status == status)
        rows = uow.conn.execute(stmt).all()
        numbers: dict[str, list[str]] = {}
        ids = [r.id for r in rows]
        for i in range(0, len(ids), 500):
            for r in uow.conn.execute(
                select(t.financing_asset.c.financing_id, t.voucher.c.number)
                .distinct()
                .join(t.fragment, t.fragment.c.id == t.financing_asset.c.asset_id)
                .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
                .where(t.financing_asset.c.kind == "voucher", t.financing_asset.c.financing_id.in_(ids[i : i + 500]))
            ):
                numbers.setdefault(r.financing_id, []).append(r.number)
        names = names_of(uow, [x for r in rows for x in (r.bank_id, r.applicant_id, r.core_id)])
        requested_by = requester_name(uow, actor)
    data = []
    for r in rows:
        data.append(
            [
                r.id,
                f"{_FIN_STATUS_ZH.get(r.status, r.status)} {r.status}",
                names[r.bank_id].name,
                names[r.applicant_id].name,
                names[r.applicant_id].uscc,
                names[r.core_id].name if r.core_id in names else r.core_id,
                "、".join(sorted(numbers.get(r.id, []))),
                r.face_fen,
                r.face_fen,
                r.principal_fen,
                r.principal_fen,
                r.annual_rate,
                r.lpr,
                r.spread,
                r.applied_on,
                r.financing_on,
                r.maturity_on,
                r.days,
                r.interest_fen,
                r.interest_fen,
                r.net_fen,
                r.net_fen,
                r.registration_no,
                r.registered_at,
            ]
        )
    wb = new_workbook()
    add_sheet(wb, "融资 Financings", columns, data, first=True)
    add_about(
        wb,
        [
            ("导出时间", "Generated (Beijing)", generated_at(ctx).strftime("%Y-%m-%d %H:%M:%S")),
            ("导出机构", "Requested by", requested_by),
            ("筛选", "Filter", f"bank={bank or '*'} status={status or '*'}"),
            ("笔数", "Rows", len(data)),
            (
                "计息规则",
                "Interest",
                (
                    "预收利息 = 本金 × 年利率 × 天数 / 360，四舍五入到分；实付 = 本金 − 利息。"
                    " Prepaid interest = principal × rate × days / 360, rounded half up to the fen;"
                    " net = principal − interest."
                ),
            ),
        ],
    )
    return save(wb)
