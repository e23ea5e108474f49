"""One hierarchy of domain errors: each has a stable code and a Chinese and an English message.

Errors are raised by the domain and services and mapped to HTTP, console and CLI output in one place
each. Messages are templates filled from the error's ``details``; the code never changes once released.
"""

from __future__ import annotations

from typing import Any, ClassVar


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:  # a template field the caller did not give stays visible
        return "{" + key + "}"


class LianRongError(Exception):
    """Base of every refusal LianRong makes on purpose."""

    code: ClassVar[str] = "error"
    zh: ClassVar[str] = "操作失败"
    en: ClassVar[str] = "Operation failed"
    #: the HTTP status the API maps this error to
    status: ClassVar[int] = 400
    #: details that are amounts in fen: kept as integers in ``details``, shown in yuan in messages
    money: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **details: Any) -> None:
        self.details: dict[str, Any] = details
        super().__init__(f"[{self.code}] {self.message_en}")

    def _shown(self) -> dict[str, Any]:
        return {k: (_yuan(v) if k in self.money else v) for k, v in self.details.items()}

    @property
    def message_zh(self) -> str:
        return self.zh.format_map(_SafeDict({k: _zh(v) for k, v in self._shown().items()}))

    @property
    def message_en(self) -> str:
        return self.en.format_map(_SafeDict(self._shown()))

    def to_dict(self) -> dict[str, Any]:
        """The one error body used everywhere: ``{code, message_zh, message_en, details}``."""
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": {k: _jsonable(v) for k, v in self.details.items()},
        }


def _zh(value: Any) -> Any:
    return value


def _yuan(value: Any) -> Any:
    """An amount in fen shown in yuan with separators (users type yuan; 50000 fen reads 500.00)."""
    if isinstance(value, int) and not isinstance(value, bool):
        sign = "-" if value < 0 else ""
        value = abs(value)
        return f"{sign}{value // 100:,}.{value % 100:02d}"
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


# --- generic -------------------------------------------------------------------------------------


class ValidationFailed(LianRongError):
    code = "validation.failed"
    zh = "输入无效：{reason}"
    en = "Invalid input: {reason}"
    status = 422


class NotFound(LianRongError):
    """An id that names nothing. The code carries the entity: ``fragment.not_found``."""

    code = "not_found"
    zh = "未找到{entity_zh}：{id}"
    en = "{entity} not found: {id}"
    status = 404

    _ZH = {
        "party": "主体", "enterprise": "企业", "bank": "银行", "user": "用户", "voucher": "凭据",
        "fragment": "凭据拆分份额", "contract": "合同", "invoice": "发票", "credit_line": "授信额度",
        "financing": "融资申请", "attachment": "附件", "instruction": "支付指令", "rate": "利率",
        "onboarding": "开户信息", "designation": "核心企业核定", "token": "API令牌",
    }

    def __init__(self, entity: str, id: Any, **details: Any) -> None:  # noqa: A002
        super().__init__(entity=entity, id=id, entity_zh=self._ZH.get(entity, entity), **details)

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"{self.details['entity']}.not_found"


class AlreadyExists(LianRongError):
    code = "already_exists"
    zh = "{entity}已存在：{key}"
    en = "{entity} already exists: {key}"
    status = 409

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"{self.details.get('entity', 'record')}.exists"

    @property
    def message_zh(self) -> str:
        # the entity stays English in the details and the code; the Chinese message names it in Chinese
        shown = {**self._shown(), "entity": NotFound._ZH.get(str(self.details.get("entity")), self.details.get("entity"))}
        return self.zh.format_map(_SafeDict(shown))


class Forbidden(LianRongError):
    code = "auth.forbidden"
    zh = "无权执行此操作：{reason}"
    en = "Not allowed: {reason}"
    status = 403


class Conflict(LianRongError):
    code = "conflict"
    zh = "数据已被并发修改，请重试"
    en = "The data was changed concurrently; please retry"
    status = 409


# --- amounts and identifiers ---------------------------------------------------------------------


class AmountNotPositive(LianRongError):
    code = "amount.not_positive"
    zh = "金额必须大于零：{value}"
    en = "Amount must be positive: {value}"
    status = 422


class AmountFractionalFen(LianRongError):
    code = "amount.fractional_fen"
    zh = "金额精确到分，不能有分以下的小数：{value}"
    en = "Amounts are exact to the fen (0.01 yuan): {value}"
    status = 422


class AmountTooLarge(LianRongError):
    code = "amount.too_large"
    zh = "金额超出上限：{value}"
    en = "Amount exceeds the limit: {value}"
    status = 422


class AmountMalformed(LianRongError):
    code = "amount.malformed"
    zh = "金额格式无效：{value}"
    en = "Malformed amount: {value}"
    status = 422


class InvalidUSCC(LianRongError):
    code = "party.uscc_invalid"
    zh = "统一社会信用代码无效：{value}"
    en = "Invalid unified social credit code (USCC): {value}"
    status = 422


class InvalidInvoiceNumber(LianRongError):
    code = "invoice.number_invalid"
    zh = "发票号码无效：{value}（数电票为20位数字；传统发票为10或12位代码加8位号码）"
    en = "Invalid invoice number: {value} (e-invoice: 20 digits; legacy: 10/12-digit code + 8-digit number)"
    status = 422


class NotAWholeNumber(LianRongError):
    code = "input.not_integer"
    zh = "须为整数：{value}"
    en = "Must be a whole number: {value}"
    status = 422


class PercentMalformed(LianRongError):
    code = "input.percent_malformed"
    zh = "百分比格式无效：{value}（例如 90 或 0.50，最多{places}位小数）"
    en = "Malformed percentage: {value} (e.g. 90 or 0.50, at most {places} decimals)"
    status = 422


class OutOfRange(LianRongError):
    code = "input.out_of_range"
    zh = "须在{low}至{high}之间，输入为{value}"
    en = "Must be from {low} to {high}; {value} was entered"
    status = 422


class InvalidRate(LianRongError):
    code = "rate.invalid"
    zh = "利率无效：{value}"
    en = "Invalid rate: {value}"
    status = 422


class InvalidDate(LianRongError):
    code = "date.invalid"
    zh = "日期无效：{value}"
    en = "Invalid date: {value}"
    status = 422


class SettlementFutureDate(LianRongError):
    code = "settlement.future_date"
    zh = "兑付日期{date}晚于今天的营业日{today}：凭据到期前不能兑付"
    en = "Settlement date {date} is after today's business date {today}: vouchers are not settled before they mature"
    status = 422


class BusinessDateAhead(LianRongError):
    code = "clock.future_date"
    zh = "营业日{date}晚于今天的营业日{today}：只能补记过去的日期（测试环境模拟未来请设置 LIANRONG_SIMULATED_TODAY）"
    en = ("Business date {date} is after today's business date {today}: only past dates can be back-dated "
          "(to simulate the future on a test deployment, set LIANRONG_SIMULATED_TODAY)")
    status = 422


class SimulatedClockInProduction(LianRongError):
    code = "config.simulated_clock"
    zh = "生产环境（LIANRONG_ENVIRONMENT=production）不能设置模拟营业日 LIANRONG_SIMULATED_TODAY={date}"
    en = ("A production deployment (LIANRONG_ENVIRONMENT=production) refuses a simulated business date: "
          "LIANRONG_SIMULATED_TODAY={date}")
    status = 422  # raised at start-up only, never through the API


# --- parties and onboarding ----------------------------------------------------------------------


class NotOnboarded(LianRongError):
    code = "onboarding.incomplete"
    zh = "{party}在{bank}未完成开户（需结算账户、企业网银和U盾），不能接收或融资"
    en = "{party} is not onboarded at {bank} (settlement account, corporate e-banking and certificate are all required)"
    status = 422


class PartyRestricted(LianRongError):
    """A restriction in force (``party_restriction``: a black-list entry, a risk freeze, …) bars the party
    from the action. Its kind is a code and its reason the recorder's text: a new kind is data, not code.
    Details: party, action, kind, reason, until (the last day in force, or None until lifted)."""

    code = "party.restricted"
    zh = "{party}受限制，不能{action}（{kind}：{reason}；限制至{until}）"
    en = "{party} is restricted from {action} ({kind}: {reason}; until {until})"
    status = 422

    _ACTION_ZH = {"receive": "接收凭据", "transfer": "转让凭据", "issue": "签发凭据", "finance": "融资"}

    @property
    def message_zh(self) -> str:
        shown = self._shown()
        shown["action"] = self._ACTION_ZH.get(str(shown.get("action")), shown.get("action"))
        shown["until"] = shown.get("until") or "解除为止"
        return self.zh.format_map(_SafeDict(shown))

    @property
    def message_en(self) -> str:
        shown = self._shown()
        shown["until"] = shown.get("until") or "lifted"
        return self.en.format_map(_SafeDict(shown))


class NotCoreEnterprise(LianRongError):
    code = "party.not_core"
    zh = "{party}未被{bank}核定为数字供应链核心企业"
    en = "{party} is not designated a core enterprise by {bank}"
    status = 422


class NotInLedger(LianRongError):
    code = "party.not_in_ledger"
    zh = "{party}不在核心企业{core}于{bank}的客户台账中"
    en = "{party} is not in the customer ledger of core enterprise {core} at {bank}"
    status = 422


class WrongPartyKind(LianRongError):
    code = "party.wrong_kind"
    zh = "主体类型不符：{party}不是{expected}"
    en = "Wrong party kind: {party} is not a {expected}"
    status = 422


class InvalidParameter(LianRongError):
    code = "params.invalid"
    zh = "融资参数无效：{reason}"
    en = "Invalid financing parameter: {reason}"
    status = 422


# --- trade documents -----------------------------------------------------------------------------


class InvoicePartyMismatch(LianRongError):
    code = "invoice.party_mismatch"
    zh = "发票的销售方和购买方必须与合同一致"
    en = "The invoice's seller and buyer must match the contract's"
    status = 422


class InvoiceOverallocated(LianRongError):
    code = "invoice.overallocated"
    zh = "发票{invoice}未占用金额不足：可用{available}元，申请{requested}元（一票不得多融）"
    en = "Invoice {invoice} has {available} yuan unallocated, {requested} yuan requested (one invoice cannot back more than its amount)"
    status = 422
    money = ('available', 'requested')


class InvoiceExceedsContract(LianRongError):
    code = "invoice.exceeds_contract"
    zh = "合同项下发票总额超过合同金额"
    en = "The invoices under a contract exceed the contract amount"
    status = 422


class ContractMismatch(LianRongError):
    code = "contract.mismatch"
    zh = "合同与交易双方不符：{reason}"
    en = "The contract does not match the parties: {reason}"
    status = 422


class AttachmentRejected(LianRongError):
    code = "attachment.rejected"
    zh = "附件被拒绝：{reason}"
    en = "Attachment rejected: {reason}"
    status = 422


class OfdInvalid(LianRongError):
    """A ZIP that is no OFD document: no ``OFD.xml`` at its root, one that is not XML in the OFD namespace
    (or declares a DTD or entities), or a broken container."""

    code = "attachment.ofd_invalid"
    zh = "不是有效的OFD文件：须在根目录含有命名空间为 {namespace} 的 OFD.xml（{problem}）"
    en = "Not a valid OFD file: it needs an OFD.xml at its root in the {namespace} namespace ({problem})"
    status = 422


class OfdTooLarge(LianRongError):
    """An OFD container whose entries would inflate beyond the limits (a ZIP bomb is refused unread)."""

    code = "attachment.ofd_too_large"
    zh = "OFD文件解压后不得超过 {limit} 字节、{max_entries} 个条目"
    en = "An OFD file may inflate to at most {limit} bytes in {max_entries} entries"
    status = 422


class ContractUnconfirmed(LianRongError):
    code = "contract.unconfirmed"
    zh = "合同{contract}尚未经另一方确认，不能作为凭据签发或流转的贸易背景"
    en = "Contract {contract} is not yet confirmed by its other party: it cannot back a voucher or a transfer"
    status = 422


class InvoiceDocumentReused(LianRongError):
    code = "invoice.document_reused"
    zh = "附件{sha256}已是另一张发票的凭证：同一份扫描件不能用于两个发票号码"
    en = "File {sha256} already documents another invoice: one scan cannot back two invoice numbers"
    status = 422


class NoDocumentsToVerify(LianRongError):
    code = "financing.no_documents"
    zh = "该融资的贸易背景没有任何附件，不能勾选“贸易单据已核验”"
    en = "No document is attached to this financing's trade: \"trade documents verified\" cannot be ticked"
    status = 422


# --- credit --------------------------------------------------------------------------------------


class NoCreditLine(LianRongError):
    code = "credit.no_line"
    zh = "{bank}未给核心企业{core}在{on}有效的授信额度"
    en = "{bank} has no credit line for core enterprise {core} valid on {on}"
    status = 422


class CreditExceeded(LianRongError):
    code = "credit.exceeded"
    zh = "授信额度不足：额度{limit}元，已占用{occupied}元，本次{requested}元"
    en = "Credit line exceeded: limit {limit} yuan, occupied {occupied} yuan, requested {requested} yuan"
    status = 422
    money = ('limit', 'occupied', 'requested')


# --- issue ---------------------------------------------------------------------------------------


class MaturityInPast(LianRongError):
    code = "issue.maturity_past"
    zh = "到期日{maturity}不晚于签发日{today}"
    en = "Maturity {maturity} is not after the issue date {today}"
    status = 422


class TermOverOneYear(LianRongError):
    """The term counts to the maturity after rolling; when the requested date rolled, the message says so."""

    code = "issue.term_over_one_year"
    zh = "凭据付款期限不得超过一年（银发〔2025〕77号）：签发日{issue}至到期日{maturity}共{days}天"
    en = ("A voucher's payment term may not exceed one year (PBoC 2025 No. 77): {days} days from the issue date "
          "{issue} to the maturity {maturity}")
    zh_rolled = ("凭据付款期限不得超过一年（银发〔2025〕77号）：约定到期日{requested}不是工作日，顺延至{maturity}，"
                 "签发日{issue}至{maturity}共{days}天")
    en_rolled = ("A voucher's payment term may not exceed one year (PBoC 2025 No. 77): the requested maturity "
                 "{requested} is not a working day and rolls to {maturity}, {days} days from the issue date {issue}")
    status = 422

    def _rolled(self) -> bool:
        return self.details.get("requested") not in (None, self.details.get("maturity"))

    @property
    def message_zh(self) -> str:
        template = self.zh_rolled if self._rolled() else self.zh
        return template.format_map(_SafeDict({k: _zh(v) for k, v in self._shown().items()}))

    @property
    def message_en(self) -> str:
        return (self.en_rolled if self._rolled() else self.en).format_map(_SafeDict(self._shown()))


class LongTermNeedsReason(LianRongError):
    code = "issue.long_term_reason_required"
    zh = "付款期限超过六个月须记录原因并经银行审批（银发〔2025〕77号）"
    en = "A payment term over six months needs a recorded reason and the bank's approval (PBoC 2025 No. 77)"
    status = 422


class LongTermNeedsBankApproval(LianRongError):
    code = "issue.long_term_bank_approval_required"
    zh = "付款期限超过六个月，须先经银行审批"
    en = "A payment term over six months needs the bank's approval first"
    status = 422


class IssuerDefaulted(LianRongError):
    code = "issue.issuer_defaulted"
    zh = "核心企业{core}曾于{on}到期未兑付，不得签发新凭据（银发〔2025〕77号）"
    en = "Core enterprise {core} defaulted at maturity on {on} and may not issue new vouchers (PBoC 2025 No. 77)"
    status = 422


class SameUser(LianRongError):
    code = "approval.same_user"
    zh = "经办与复核不能是同一用户"
    en = "The approver must be a different user from the preparer"
    status = 403


class InvalidState(LianRongError):
    code = "state.invalid"
    zh = "{entity}当前状态为{state}，不能{action}"
    en = "{entity} is {state}; cannot {action}"
    status = 409

    _ZH = {
        "voucher": "凭据", "financing": "融资申请", "fragment": "凭据份额",
        "pending": "待复核", "active": "有效", "settled": "已兑付", "overdue": "逾期", "rejected": "已拒绝",
        "applied": "已申请", "approved": "已审批", "disbursed": "已放款", "repaid": "已还款",
        "approve": "复核", "approve term": "审批期限", "reject": "拒绝", "transfer": "流转", "finance": "融资",
        "review": "审核", "register": "登记", "disburse": "放款", "retry payment": "重新支付",
    }

    @property
    def message_zh(self) -> str:
        # the details stay English (stable for machines); the Chinese message names them in Chinese
        shown = {k: self._ZH.get(str(v), v) for k, v in self.details.items()}
        return self.zh.format_map(_SafeDict(shown))


class AllocationMismatch(LianRongError):
    code = "issue.allocation_mismatch"
    zh = "发票占用合计{allocated}元，与凭据金额{amount}元不符（相差{difference}元）"
    en = "The invoice allocations total {allocated} yuan, not the voucher amount of {amount} yuan (a difference of {difference} yuan)"
    status = 422
    money = ('allocated', 'amount', 'difference')


class InvoiceRepeated(LianRongError):
    code = "issue.invoice_repeated"
    zh = "发票{invoice}已在第{row}行选择，每张发票只选一次"
    en = "Invoice {invoice} is already chosen in row {row}; choose each invoice once"
    status = 422


class InvoiceOtherContract(LianRongError):
    code = "issue.invoice_other_contract"
    zh = "发票{invoice}属于合同{contract}，与第{row}行发票的合同{first}不同：同一张凭据的发票须属同一合同"
    en = "Invoice {invoice} is under contract {contract}, not {first} like row {row}'s: a voucher's invoices are all under one contract"
    status = 422


class AmountExceedsInvoices(LianRongError):
    code = "issue.exceeds_invoices"
    zh = "凭据金额{amount}元超过所附发票未占用金额{available}元"
    en = "Voucher amount {amount} yuan exceeds the invoices' unallocated {available} yuan"
    status = 422
    money = ('amount', 'available')


# --- split and transfer --------------------------------------------------------------------------


class FragmentNotActive(LianRongError):
    code = "fragment.not_active"
    zh = "凭据份额{fragment}当前状态为{state}，不能流转或融资"
    en = "Fragment {fragment} is {state} and cannot be transferred or financed"
    status = 409


class NotHolder(LianRongError):
    code = "fragment.not_holder"
    zh = "{party}不是凭据份额{fragment}的持有人"
    en = "{party} does not hold fragment {fragment}"
    status = 403


class TransferToSelf(LianRongError):
    code = "transfer.to_self"
    zh = "不能转让给自己"
    en = "Cannot transfer to oneself"
    status = 422


class NoTrade(LianRongError):
    code = "transfer.no_trade"
    zh = "{sender}与{recipient}之间没有已登记的贸易合同"
    en = "No recorded trade contract from {sender} to {recipient}"
    status = 422


class BelowMinimum(LianRongError):
    code = "transfer.below_minimum"
    zh = "拆分金额{amount}元低于最低拆分金额{minimum}元"
    en = "Split amount {amount} yuan is below the minimum of {minimum} yuan"
    status = 422
    money = ('amount', 'minimum')


class TierExceeded(LianRongError):
    code = "transfer.tier_exceeded"
    zh = "流转层级{tier}超过上限{max_tier}"
    en = "Tier {tier} exceeds the maximum of {max_tier}"
    status = 422


class SplitSumMismatch(LianRongError):
    code = "transfer.sum_mismatch"
    zh = "拆分金额合计{total}元超过份额金额{amount}元"
    en = "The parts sum to {total} yuan, more than the fragment's {amount} yuan"
    status = 422
    money = ('total', 'amount')


class Matured(LianRongError):
    code = "fragment.matured"
    zh = "凭据已于{maturity}到期，不能{action}"
    en = "The voucher matured on {maturity}; cannot {action}"
    status = 409


# --- financing -----------------------------------------------------------------------------------


class FinancingRatioExceeded(LianRongError):
    code = "financing.ratio_exceeded"
    zh = "融资金额{principal}元超过凭据金额{amount}元的{ratio}"
    en = "Principal {principal} yuan exceeds {ratio} of the voucher amount {amount} yuan"
    status = 422
    money = ('principal', 'amount')


class FinancingTermExceeded(LianRongError):
    code = "financing.term_exceeded"
    zh = "融资期限{days}天超过上限{max_days}天（不超过12个月且不超过凭据剩余期限）"
    en = "Financing term {days} days exceeds {max_days} days (≤ 12 months and ≤ the voucher's remaining term)"
    status = 422


class FinancingMixedCores(LianRongError):
    code = "financing.mixed_core"
    zh = "一笔融资只能包含同一核心企业、同一到期日的凭据"
    en = "One financing may only cover fragments of one core enterprise with one maturity"
    status = 422


class RegistrationRequired(LianRongError):
    code = "financing.registration_required"
    zh = "放款前须登记中登网（动产融资统一登记公示系统）登记编号和时间"
    en = "The registration number and time in the unified movable-property registry are required before disbursement"
    status = 422


class ChecklistIncomplete(LianRongError):
    code = "financing.checklist_incomplete"
    zh = "贸易背景真实性审核未完成：{missing}"
    en = "Trade-authenticity review incomplete: {missing}"
    status = 422


class NoRate(LianRongError):
    code = "rate.missing"
    zh = "{bank}在{on}没有生效的LPR报价"
    en = "{bank} has no LPR entry in force on {on}"
    status = 422


# --- idempotency and payments --------------------------------------------------------------------


class IdempotencyConflict(LianRongError):
    code = "idempotency.conflict"
    zh = "幂等键{key}已用于另一个不同的请求"
    en = "Idempotency key {key} was already used for a different request"
    status = 409


class IdempotencyKeyMissing(LianRongError):
    code = "idempotency.key_missing"
    zh = "变更操作须提供幂等键"
    en = "A mutating call needs an idempotency key"
    status = 422


class PaymentFileInvalid(LianRongError):
    code = "payments.file_invalid"
    zh = "支付确认文件无效：{reason}"
    en = "Invalid payment confirmation file: {reason}"
    status = 422


class CalendarFileInvalid(LianRongError):
    """An official holiday schedule failed validation; ``details['rows']`` lists every problem, row by row."""

    code = "calendar.file_invalid"
    zh = "节假日文件校验未通过：共{problems}处问题，未导入任何日期（逐行明细见 rows）"
    en = "The holiday file failed validation with {problems} problem(s); no date was loaded (see rows)"
    status = 422


class AuditFileInvalid(LianRongError):
    code = "audit.file_invalid"
    zh = "审计文件无效：{reason}"
    en = "Invalid audit file: {reason}"
    status = 422


class NonCashNotAgreed(LianRongError):
    code = "contract.non_cash_not_agreed"
    zh = "合同未约定以非现金方式（含凭据）支付，不能据此签发或转让凭据（保障中小企业款项支付条例）"
    en = "The contract does not agree to non-cash payment, so no voucher may pay it (SME payment regulation)"
    status = 422


# --- accounts ------------------------------------------------------------------------------------


class LoginFailed(LianRongError):
    code = "auth.login_failed"
    zh = "用户名或密码错误"
    en = "Wrong user name or password"
    status = 401


class AccountLocked(LianRongError):
    """Too many failed logins of this user name: the next attempt waits (the delay ends by itself)."""

    code = "auth.locked"
    zh = "该用户名登录失败次数过多，请{retry_after}秒后再试"
    en = "Too many failed logins for this user name; try again in {retry_after} seconds"
    status = 429


class NotAuthenticated(LianRongError):
    code = "auth.required"
    zh = "请先登录或提供有效的API令牌"
    en = "Log in or present a valid API token"
    status = 401


class TokenNeedsPassword(LianRongError):
    code = "auth.password_required"
    zh = "API令牌不能创建令牌：请以用户名和密码登录后创建"
    en = "An API token cannot create tokens: log in with your user name and password to create one"
    status = 403


class WeakPassword(LianRongError):
    code = "auth.weak_password"
    zh = "密码至少{min}位，须同时包含字母和数字，且不得包含用户名"
    en = "A password needs at least {min} characters with letters and digits, and must not contain the user name"
    status = 422


class PasswordsDiffer(LianRongError):
    code = "auth.password_mismatch"
    zh = "两次输入的密码不一致"
    en = "The two passwords differ"
    status = 422


# --- spreadsheets --------------------------------------------------------------------------------


class ExcelImportInvalid(LianRongError):
    """An uploaded workbook failed validation; ``details['rows']`` lists every problem, row by row."""

    code = "excel.import_invalid"
    zh = "Excel文件校验未通过：共{problems}处问题，未导入任何数据（逐行明细见 rows）"
    en = "The Excel file failed validation with {problems} problem(s); nothing was imported (see rows)"
    status = 422


# --- HTTP API transport --------------------------------------------------------------------------


class CsrfFailed(LianRongError):
    code = "auth.csrf"
    zh = "缺少或错误的CSRF令牌（使用会话Cookie的修改请求须带X-CSRF-Token请求头）"
    en = "Missing or wrong CSRF token (a cookie-authenticated change needs the X-CSRF-Token header)"
    status = 403


class RateLimited(LianRongError):
    code = "rate.limited"
    zh = "请求过于频繁，请{retry_after}秒后再试"
    en = "Too many requests; retry in {retry_after} seconds"
    status = 429


class PayloadTooLarge(LianRongError):
    code = "upload.too_large"
    zh = "上传内容过大：上限{limit}字节"
    en = "Upload too large: the limit is {limit} bytes"
    status = 413


class RequestMalformed(LianRongError):
    """A request body the API cannot read: not parseable, or JSON nested deeper than ``max_depth``."""

    code = "request.malformed"
    zh = "请求格式错误，无法处理：{reason}"
    en = "Malformed request: {reason}"
    status = 400

    @classmethod
    def too_deep(cls, max_depth: int) -> RequestMalformed:
        return cls(reason=f"JSON nested deeper than {max_depth} levels, or unbalanced / "
                          f"JSON嵌套超过{max_depth}层或括号不配对", max_depth=max_depth)


class RouteNotFound(LianRongError):
    code = "route.not_found"
    zh = "接口不存在：{path}"
    en = "No such endpoint: {path}"
    status = 404


class MethodNotAllowed(LianRongError):
    code = "route.method_not_allowed"
    zh = "接口不支持{method}方法：{path}"
    en = "Method {method} is not allowed on {path}"
    status = 405


class CannotListen(LianRongError):
    code = "serve.cannot_listen"
    zh = "无法在{host}:{port}上监听：{reason}（端口已被占用或无权使用）"
    en = "Cannot listen on {host}:{port}: {reason} (the port is in use or not permitted)"
    status = 409  # raised by `lianrong serve` only, never through the API
