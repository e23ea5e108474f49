"""Errors of credit lines: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class NoCreditLine(LianRongError):
    code = "credit.no_line"
    zh = "{bank}未给核心企业{core}在{on}有效的授信额度"
    en = "{bank} has no credit line for core enterprise {core} valid on {on}"


class CreditExceeded(LianRongError):
    code = "credit.exceeded"
    zh = "授信额度不足：额度{limit}元，已占用{occupied}元，本次{requested}元"
    en = "Credit line exceeded: limit {limit} yuan, occupied {occupied} yuan, requested {requested} yuan"
    money = ("limit", "occupied", "requested")
