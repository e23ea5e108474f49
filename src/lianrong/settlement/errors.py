"""Errors of settlement and payment files: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class SettlementFutureDate(LianRongError):
    code = "settlement.future_date"
    zh = "兑付日期{date}晚于今天的营业日{today}：凭据到期前不能兑付"
    en = "Settlement date {date} is after today's business date {today}: vouchers are not settled before they mature"


class PaymentFileInvalid(LianRongError):
    code = "payments.file_invalid"
    zh = "支付确认文件无效：{reason}"
    en = "Invalid payment confirmation file: {reason}"
