"""Errors of chains and their members: each a stable code with a Chinese and an English message (a chain
outside the caller's scope, or none, is the kernel's ``NotFound("chain", …)``: ``chain.not_found``, 404)."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


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
    zh = "成员层级{tier}无效：应为0至{max_tier}的整数"
    en = "Invalid member tier {tier}: a whole number from 0 to {max_tier}"


class LeaderTier(LianRongError):
    code = "chain.leader_tier"
    zh = "链主的层级为0，层级0仅限链主（角色{role}，层级{tier}）"
    en = "A chain leader is tier 0 and tier 0 is the leader's (role {role}, tier {tier})"


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
