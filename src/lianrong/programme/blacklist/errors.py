"""Errors of the black list and credit repair (四.12): each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class IdNumberInvalid(LianRongError):
    code = "blacklist.id_number_invalid"
    zh = "居民身份证号码{value}无效：{problem}"
    en = "Resident identity card number {value} is invalid: {problem}"


class EntryInput(LianRongError):
    code = "blacklist.input_invalid"
    zh = "黑名单条目有误：{problem}"
    en = "The black-list entry is invalid: {problem}"


class EntryState(LianRongError):
    code = "blacklist.state_invalid"
    zh = "黑名单条目当前为“{status}”，不能{action}"
    en = "The black-list entry is {status}; it cannot be {action}"


class SameUser(LianRongError):
    code = "blacklist.same_user"
    zh = "审批人不能是经办人本人（双人复核）"
    en = "The decision must be taken by another user than the one who prepared it (maker–checker)"


class AlreadyListed(LianRongError):
    code = "blacklist.already_listed"
    zh = "{subject}已有同来源的有效黑名单条目{entry}"
    en = "{subject} already has an open black-list entry {entry} from the same source"


class RepairState(LianRongError):
    code = "credit_repair.state_invalid"
    zh = "信用修复申请当前为“{status}”，不能{action}"
    en = "The credit repair application is {status}; it cannot be {action}"


class RepairOpen(LianRongError):
    code = "credit_repair.already_open"
    zh = "该黑名单条目已有进行中的信用修复申请{repair}"
    en = "The black-list entry already has a credit repair application in progress: {repair}"


class MinimumPeriod(LianRongError):
    code = "credit_repair.minimum_period"
    zh = "{severity}失信条目最短公示期为{months}个月，最早可于{earliest}移出黑名单"
    en = "A {severity} entry stays listed at least {months} months: the earliest removal date is {earliest}"


class NotYourChain(LianRongError):
    code = "credit_repair.not_chain_member"
    zh = "申请企业不是本链办所管产业链的成员"
    en = "The applicant is not a member of a chain of this chain office"
