"""A party's holdings as a workbook (the 应收账款 accounting class, each part's lineage)."""

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
from lianrong.vouchers import model as v

#: 财会〔2021〕32号: a digital credit voucher is accounted for as a receivable, not a note receivable
ACCOUNTING_CLASS_ZH = "应收账款"


ACCOUNTING_CLASS_EN = "Accounts receivable"


_STATUS_EN = {
    v.ACTIVE: "held",
    v.SPENT: "transferred",
    v.FROZEN: "frozen",
    v.FINANCED: "financed",
    v.SETTLED: "paid",
    v.OVERDUE: "overdue",
}


def export_holdings_xlsx(ctx: Context, *, actor: Actor, party: str, include_closed: bool = False) -> bytes:
    """A party's voucher holdings, classified as receivables (应收账款, 财会〔2021〕32号)."""
    columns = (
        Col("voucher_number", "凭据编号", "Voucher number"),
        Col("fragment_id", "份额编号", "Part (fragment) ID"),
        Col("accounting_class", "会计科目", "Accounting classification"),
        Col("issuer_name", "签发人（核心企业）", "Issuer (core enterprise)"),
        Col("issuer_uscc", "签发人统一社会信用代码", "Issuer USCC"),
        Col("bank_name", "开立银行", "Bank"),
        Col("tier", "层级", "Tier", "int"),
        Col("status", "状态", "Status"),
        Col("amount_fen", "金额（分）", "Amount (fen)", "fen"),
        Col("amount_yuan", "金额（元）", "Amount (CNY)", "yuan"),
        Col("issue_on", "签发日", "Issue date", "date"),
        Col("maturity_on", "到期日", "Maturity date", "date"),
        Col("days_to_maturity", "剩余天数", "Days to maturity", "int"),
        Col("maturity_note", "到期日说明", "Maturity note"),
        Col("contract_number", "取得依据合同", "Acquired under contract"),
    )
    with ctx.uow(readonly=True) as uow:
        p = resolve_party(uow, party)
        statuses = (v.ACTIVE, v.FROZEN, v.FINANCED) + ((v.SETTLED, v.OVERDUE) if include_closed else ())
        f, vo = t.fragment, t.voucher
        rows = uow.conn.execute(
            select(
                f.c.id,
                f.c.tier,
                f.c.status,
                f.c.amount_fen,
                vo.c.number,
                vo.c.core_id,
                vo.c.bank_id,
                vo.c.issue_on,
                vo.c.maturity_on,
                vo.c.requested_maturity,
                vo.c.maturity_official,
                t.contract.c.number.label("contract_number"),
            )
            .join(vo, vo.c.id == f.c.voucher_id)
            .outerjoin(t.contract, t.contract.c.id == f.c.contract_id)
            .where(scope.holdings_filter(uow, actor, p.id), f.c.status.in_(statuses))
            .order_by(vo.c.maturity_on, vo.c.number, f.c.id)
        ).all()
        names = names_of(uow, [r.core_id for r in rows] + [r.bank_id for r in rows])
        requested_by = requester_name(uow, actor)
    today = ctx.clock.today()
    data = []
    for r in rows:
        notes = []
        if r.requested_maturity != r.maturity_on:
            notes.append(f"顺延自 rolled from {r.requested_maturity.isoformat()}")
        if not r.maturity_official:
            notes.append("非官方节假日 unofficial calendar")
        data.append(
            [
                r.number,
                r.id,
                f"{ACCOUNTING_CLASS_ZH} {ACCOUNTING_CLASS_EN}",
                names[r.core_id].name,
                names[r.core_id].uscc,
                names[r.bank_id].name,
                r.tier,
                f"{v.STATUS_ZH.get(r.status, r.status)} {_STATUS_EN.get(r.status, r.status)}",
                r.amount_fen,
                r.amount_fen,
                r.issue_on,
                r.maturity_on,
                (r.maturity_on - today).days,
                "；".join(notes),
                r.contract_number,
            ]
        )
    wb = new_workbook()
    add_sheet(wb, "持有凭据 Holdings", columns, data, first=True)
    add_about(
        wb,
        [
            ("持有人", "Holder", f"{p.name} {p.uscc}"),
            ("数据日期", "As of", today.isoformat()),
            ("导出时间", "Generated (Beijing)", generated_at(ctx).strftime("%Y-%m-%d %H:%M:%S")),
            ("导出机构", "Requested by", requested_by),
            ("笔数", "Rows", len(data)),
            ("合计（分）", "Total (fen)", sum(r.amount_fen for r in rows)),
            (
                "会计处理",
                "Accounting",
                (
                    "依据财会〔2021〕32号，数字信用凭据作为“应收账款”核算与列报，不属于“应收票据”。"
                    " Per MoF Kuaiji [2021] No. 32 the vouchers are receivables, not notes receivable."
                ),
            ),
        ],
    )
    return save(wb)
