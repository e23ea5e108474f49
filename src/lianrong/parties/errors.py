"""Errors of parties, onboarding and financing parameters: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class NotOnboarded(LianRongError):
    code = "onboarding.incomplete"
    zh = "{party}在{bank}未完成开户（需结算账户、企业网银和U盾），不能接收或融资"
    en = "{party} is not onboarded at {bank} (settlement account, corporate e-banking and certificate are all required)"


class NotCoreEnterprise(LianRongError):
    code = "party.not_core"
    zh = "{party}未被{bank}核定为数字供应链核心企业"
    en = "{party} is not designated a core enterprise by {bank}"


class NotInLedger(LianRongError):
    code = "party.not_in_ledger"
    zh = "{party}不在核心企业{core}于{bank}的客户台账中"
    en = "{party} is not in the customer ledger of core enterprise {core} at {bank}"


class WrongPartyKind(LianRongError):
    code = "party.wrong_kind"
    zh = "主体类型不符：{party}不是{expected}"
    en = "Wrong party kind: {party} is not a {expected}"


class InvalidParameter(LianRongError):
    code = "params.invalid"
    zh = "融资参数无效：{reason}"
    en = "Invalid financing parameter: {reason}"


class NoRate(LianRongError):
    code = "rate.missing"
    zh = "{bank}在{on}没有生效的LPR报价"
    en = "{bank} has no LPR entry in force on {on}"
