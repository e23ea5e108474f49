"""Errors of parties, onboarding and financing parameters: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from typing import ClassVar

from lianrong.kernel.errors import KeepMissing, LianRongError


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


class NoRate(LianRongError):
    code = "rate.missing"
    zh = "{bank}在{on}没有生效的LPR报价"
    en = "{bank} has no LPR entry in force on {on}"


class PartyRestricted(LianRongError):
    """A restriction in force (``party_restriction``: a black-list entry, a risk freeze, …) bars the party
    from the action. Its kind is a code and its reason the recorder's text: a new kind is data, not code.
    Details: party, action, kind, reason, until (the last day in force, or None until lifted)."""

    code = "party.restricted"
    zh = "{party}受限制，不能{action}（{kind}：{reason}；限制至{until}）"
    en = "{party} is restricted from {action} ({kind}: {reason}; until {until})"

    _ACTION_ZH: ClassVar[dict[str, str]] = {
        "receive": "接收凭据",
        "transfer": "转让凭据",
        "issue": "签发凭据",
        "finance": "融资",
    }

    @property
    def message_zh(self) -> str:
        shown = self._shown()
        shown["action"] = self._ACTION_ZH.get(str(shown.get("action")), shown.get("action"))
        shown["until"] = shown.get("until") or "解除为止"
        return self.zh.format_map(KeepMissing(shown))

    @property
    def message_en(self) -> str:
        shown = self._shown()
        shown["until"] = shown.get("until") or "lifted"
        return self.en.format_map(KeepMissing(shown))
