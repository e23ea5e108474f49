"""Errors of chains and their members: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from typing import Any, ClassVar

from lianrong.kernel.errors import LianRongError, NotFound


class ChainNotFound(NotFound):
    """A chain (or a membership) that does not exist or is outside the caller's scope (404)."""

    _ZH: ClassVar[dict[str, str]] = {**NotFound._ZH, "chain": "产业链", "chain_member": "产业链成员"}

    def __init__(self, id: Any, *, entity: str = "chain") -> None:  # noqa: A002
        super().__init__(entity, id)


class ChainCodeInvalid(LianRongError):
    code = "chain.code_invalid"
    zh = "产业链代码无效：{value}（2–40位小写字母、数字或下划线，以字母开头）"
    en = "Invalid chain code: {value} (2–40 lower-case letters, digits or underscores, starting with a letter)"


class ChainNameInvalid(LianRongError):
    code = "chain.name_invalid"
    zh = "产业链名称无效：{value}"
    en = "Invalid chain name: {value}"


class MemberRoleInvalid(LianRongError):
    code = "chain.role_invalid"
    zh = "成员角色无效：{value}（链主、供应商、生产商、经销商、品牌商、物流仓储）"
    en = "Invalid member role: {value} (leader, supplier, producer, distributor, brand, logistics)"


class MemberTierInvalid(LianRongError):
    code = "chain.tier_invalid"
    zh = "成员层级无效：{reason}"
    en = "Invalid member tier: {reason}"


class NotAMember(LianRongError):
    code = "chain.not_member"
    zh = "{party}不是{chain}的在链成员"
    en = "{party} is not a current member of {chain}"


class AlreadyMember(LianRongError):
    code = "chain.already_member"
    zh = "{party}已是{chain}的成员"
    en = "{party} is already a member of {chain}"


class LeftBeforeJoined(LianRongError):
    code = "chain.left_before_joined"
    zh = "退出日期{left_on}早于加入日期{joined_on}"
    en = "The leaving date {left_on} is before the joining date {joined_on}"
