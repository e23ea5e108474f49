"""Errors of the white list: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class NotListed(LianRongError):
    code = "whitelist.not_listed"
    zh = "核心企业{core}不在核心企业白名单上，不能签发凭据（规则：签发须列入白名单）"
    en = "Core enterprise {core} is not on the core-enterprise white list; it may not issue vouchers (rule: issuing requires the white list)"


class CriteriaNotMet(LianRongError):
    code = "whitelist.criteria_not_met"
    zh = "白名单准入条件不满足：{reason}"
    en = "White-list criteria not met: {reason}"


class SameUser(LianRongError):
    code = "whitelist.same_user"
    zh = "审核人不能是提交人本人（双人复核）"
    en = "The reviewer must not be the user who proposed (maker–checker)"


class ReasonRequired(LianRongError):
    code = "whitelist.reason_required"
    zh = "须填写理由"
    en = "A reason is required"


class AlreadyProposed(LianRongError):
    code = "whitelist.already_on_list"
    zh = "{core}在{chain}已是{status}状态，不能重复提名"
    en = "{core} is already {status} on chain {chain}; it cannot be proposed again"


class RoundOpen(LianRongError):
    code = "whitelist.round_exists"
    zh = "{year}年度复核已开启"
    en = "The renewal round of {year} has already been opened"


class RoundClosed(LianRongError):
    code = "whitelist.round_closed"
    zh = "{year}年度复核已结束"
    en = "The renewal round of {year} is closed"


class AlreadyAcknowledged(LianRongError):
    code = "whitelist.already_acknowledged"
    zh = "该推送已于{at}确认"
    en = "This push was already acknowledged at {at}"
