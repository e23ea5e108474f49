"""Errors of issuing, transferring and auditing vouchers: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import KeepMissing, LianRongError, zh_value


class MaturityInPast(LianRongError):
    code = "issue.maturity_past"
    zh = "到期日{maturity}不晚于签发日{today}"
    en = "Maturity {maturity} is not after the issue date {today}"


class TermOverOneYear(LianRongError):
    """The term counts to the maturity after rolling; when the requested date rolled, the message says so."""

    code = "issue.term_over_one_year"
    zh = "凭据付款期限不得超过一年（银发〔2025〕77号）：签发日{issue}至到期日{maturity}共{days}天"
    en = (
        "A voucher's payment term may not exceed one year (PBoC 2025 No. 77): {days} days from the issue date "
        "{issue} to the maturity {maturity}"
    )
    zh_rolled = (
        "凭据付款期限不得超过一年（银发〔2025〕77号）：约定到期日{requested}不是工作日，顺延至{maturity}，"
        "签发日{issue}至{maturity}共{days}天"
    )
    en_rolled = (
        "A voucher's payment term may not exceed one year (PBoC 2025 No. 77): the requested maturity "
        "{requested} is not a working day and rolls to {maturity}, {days} days from the issue date {issue}"
    )

    def _rolled(self) -> bool:
        return self.details.get("requested") not in (None, self.details.get("maturity"))

    @property
    def message_zh(self) -> str:
        template = self.zh_rolled if self._rolled() else self.zh
        return template.format_map(KeepMissing({k: zh_value(v) for k, v in self._shown().items()}))

    @property
    def message_en(self) -> str:
        return (self.en_rolled if self._rolled() else self.en).format_map(KeepMissing(self._shown()))


class LongTermNeedsReason(LianRongError):
    code = "issue.long_term_reason_required"
    zh = "付款期限超过六个月须记录原因并经银行审批（银发〔2025〕77号）"
    en = "A payment term over six months needs a recorded reason and the bank's approval (PBoC 2025 No. 77)"


class LongTermNeedsBankApproval(LianRongError):
    code = "issue.long_term_bank_approval_required"
    zh = "付款期限超过六个月，须先经银行审批"
    en = "A payment term over six months needs the bank's approval first"


class IssuerDefaulted(LianRongError):
    code = "issue.issuer_defaulted"
    zh = "核心企业{core}曾于{on}到期未兑付，不得签发新凭据（银发〔2025〕77号）"
    en = "Core enterprise {core} defaulted at maturity on {on} and may not issue new vouchers (PBoC 2025 No. 77)"


class SameUser(LianRongError):
    code = "approval.same_user"
    zh = "经办与复核不能是同一用户"
    en = "The approver must be a different user from the preparer"


class AllocationMismatch(LianRongError):
    code = "issue.allocation_mismatch"
    zh = "发票占用合计{allocated}元，与凭据金额{amount}元不符（相差{difference}元）"
    en = "The invoice allocations total {allocated} yuan, not the voucher amount of {amount} yuan (a difference of {difference} yuan)"
    money = ("allocated", "amount", "difference")


class InvoiceRepeated(LianRongError):
    code = "issue.invoice_repeated"
    zh = "发票{invoice}已在第{row}行选择，每张发票只选一次"
    en = "Invoice {invoice} is already chosen in row {row}; choose each invoice once"


class InvoiceOtherContract(LianRongError):
    code = "issue.invoice_other_contract"
    zh = "发票{invoice}属于合同{contract}，与第{row}行发票的合同{first}不同：同一张凭据的发票须属同一合同"
    en = "Invoice {invoice} is under contract {contract}, not {first} like row {row}'s: a voucher's invoices are all under one contract"


class AmountExceedsInvoices(LianRongError):
    code = "issue.exceeds_invoices"
    zh = "凭据金额{amount}元超过所附发票未占用金额{available}元"
    en = "Voucher amount {amount} yuan exceeds the invoices' unallocated {available} yuan"
    money = ("amount", "available")


class FragmentNotActive(LianRongError):
    code = "fragment.not_active"
    zh = "凭据份额{fragment}当前状态为{state}，不能流转或融资"
    en = "Fragment {fragment} is {state} and cannot be transferred or financed"


class NotHolder(LianRongError):
    code = "fragment.not_holder"
    zh = "{party}不是凭据份额{fragment}的持有人"
    en = "{party} does not hold fragment {fragment}"


class TransferToSelf(LianRongError):
    code = "transfer.to_self"
    zh = "不能转让给自己"
    en = "Cannot transfer to oneself"


class NoTrade(LianRongError):
    code = "transfer.no_trade"
    zh = "{sender}与{recipient}之间没有已登记的贸易合同"
    en = "No recorded trade contract from {sender} to {recipient}"


class BelowMinimum(LianRongError):
    code = "transfer.below_minimum"
    zh = "拆分金额{amount}元低于最低拆分金额{minimum}元"
    en = "Split amount {amount} yuan is below the minimum of {minimum} yuan"
    money = ("amount", "minimum")


class TierExceeded(LianRongError):
    code = "transfer.tier_exceeded"
    zh = "流转层级{tier}超过上限{max_tier}"
    en = "Tier {tier} exceeds the maximum of {max_tier}"


class SplitSumMismatch(LianRongError):
    code = "transfer.sum_mismatch"
    zh = "拆分金额合计{total}元超过份额金额{amount}元"
    en = "The parts sum to {total} yuan, more than the fragment's {amount} yuan"
    money = ("total", "amount")


class Matured(LianRongError):
    code = "fragment.matured"
    zh = "凭据已于{maturity}到期，不能{action}"
    en = "The voucher matured on {maturity}; cannot {action}"


class AuditFileInvalid(LianRongError):
    code = "audit.file_invalid"
    zh = "审计文件无效：{reason}"
    en = "Invalid audit file: {reason}"
