"""Errors of the targets and banks' monthly reports: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import ValidationFailed


class InvalidMonth(ValidationFailed):
    code = "targets.invalid_month"
    zh = "月份格式无效：{value}（应为YYYY-MM，如2026-11）"
    en = "Invalid month: {value} (YYYY-MM, e.g. 2026-11)"


class FutureMonth(ValidationFailed):
    code = "targets.future_month"
    zh = "不能报送尚未开始的月份{month}（本月为{current}）"
    en = "Month {month} has not begun (this month is {current}): it cannot be reported"


class BadFigure(ValidationFailed):
    code = "targets.bad_figure"
    zh = "报送数据无效：{field}={value}（金额为不小于0的整数分，产品数为0至1000的整数）"
    en = "Invalid figure: {field}={value} (amounts are whole fen, not negative; products 0 to 1000)"


class UnknownTarget(ValidationFailed):
    code = "targets.unknown"
    zh = "未知的目标：{value}"
    en = "Unknown target: {value}"


class ChainNotReportable(ValidationFailed):
    code = "targets.chain_inactive"
    zh = "产业链{chain}未启用，不能报送"
    en = "Chain {chain} is not active: it cannot be reported on"
