"""Errors of financing applications: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class NoDocumentsToVerify(LianRongError):
    code = "financing.no_documents"
    zh = "该融资的贸易背景没有任何附件，不能勾选“贸易单据已核验”"
    en = 'No document is attached to this financing\'s trade: "trade documents verified" cannot be ticked'


class FinancingRatioExceeded(LianRongError):
    code = "financing.ratio_exceeded"
    zh = "融资金额{principal}元超过凭据金额{amount}元的{ratio}"
    en = "Principal {principal} yuan exceeds {ratio} of the voucher amount {amount} yuan"
    money = ("principal", "amount")


class FinancingTermExceeded(LianRongError):
    code = "financing.term_exceeded"
    zh = "融资期限{days}天超过上限{max_days}天（不超过12个月且不超过凭据剩余期限）"
    en = "Financing term {days} days exceeds {max_days} days (≤ 12 months and ≤ the voucher's remaining term)"


class FinancingMixedCores(LianRongError):
    code = "financing.mixed_core"
    zh = "一笔融资只能包含同一核心企业、同一到期日的凭据"
    en = "One financing may only cover fragments of one core enterprise with one maturity"


class RegistrationRequired(LianRongError):
    code = "financing.registration_required"
    zh = "放款前须登记中登网（动产融资统一登记公示系统）登记编号和时间"
    en = "The registration number and time in the unified movable-property registry are required before disbursement"


class ChecklistIncomplete(LianRongError):
    code = "financing.checklist_incomplete"
    zh = "贸易背景真实性审核未完成：{missing}"
    en = "Trade-authenticity review incomplete: {missing}"
