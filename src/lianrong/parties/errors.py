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
    Details: party, action, kind, reason, until (the last day in force, or None until lifted), restriction
    (the row's id) and source (the record that caused it, e.g. a black-list entry; None if recorded directly).
    The messages name the source, or else the restriction, so the refusal says which entry to look up."""

    code = "party.restricted"
    zh = "{party}受限制，不能{action}（{kind}：{reason}；限制至{until}；依据：{source}）"
    en = "{party} is restricted from {action} ({kind}: {reason}; until {until}; see {source})"

    _ACTION_ZH: ClassVar[dict[str, str]] = {
        "receive": "接收凭据",
        "transfer": "转让凭据",
        "issue": "签发凭据",
        "finance": "融资",
        "onboard": "开户准入",
    }
    _ACTION_EN: ClassVar[dict[str, str]] = {
        "receive": "receiving vouchers",
        "transfer": "transferring vouchers",
        "issue": "issuing vouchers",
        "finance": "financing",
        "onboard": "being onboarded",
    }

    def _ref(self, shown: dict[str, object]) -> object:
        return shown.get("source") or shown.get("restriction") or "—"

    @property
    def message_zh(self) -> str:
        shown = self._shown()
        shown["action"] = self._ACTION_ZH.get(str(shown.get("action")), shown.get("action"))
        shown["until"] = shown.get("until") or "解除为止"
        shown["source"] = self._ref(shown)
        return self.zh.format_map(KeepMissing(shown))

    @property
    def message_en(self) -> str:
        shown = self._shown()
        shown["action"] = self._ACTION_EN.get(str(shown.get("action")), shown.get("action"))
        shown["until"] = shown.get("until") or "lifted"
        shown["source"] = self._ref(shown)
        return self.en.format_map(KeepMissing(shown))
