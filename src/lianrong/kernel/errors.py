"""One hierarchy of domain errors: each has a stable code and a Chinese and an English message.

Errors are raised by the domain and services and mapped to HTTP, console and CLI output in one place
each. Messages are templates filled from the error's ``details``; the code never changes once released.
"""

from __future__ import annotations

from typing import Any, ClassVar


class KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:  # a template field the caller did not give stays visible
        return "{" + key + "}"


class LianRongError(Exception):
    """Base of every refusal LianRong makes on purpose."""

    code: ClassVar[str] = "error"
    zh: ClassVar[str] = "操作失败"
    en: ClassVar[str] = "Operation failed"
    #: details that are amounts in fen: kept as integers in ``details``, shown in yuan in messages
    money: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **details: Any) -> None:
        self.details: dict[str, Any] = details
        super().__init__(f"[{self.code}] {self.message_en}")

    def _shown(self) -> dict[str, Any]:
        return {k: (yuan_text(v) if k in self.money else v) for k, v in self.details.items()}

    @property
    def message_zh(self) -> str:
        return self.zh.format_map(KeepMissing({k: zh_value(v) for k, v in self._shown().items()}))

    @property
    def message_en(self) -> str:
        return self.en.format_map(KeepMissing(self._shown()))

    def to_dict(self) -> dict[str, Any]:
        """The one error body used everywhere: ``{code, message_zh, message_en, details}``."""
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": {k: _jsonable(v) for k, v in self.details.items()},
        }


def zh_value(value: Any) -> Any:
    return value


def yuan_text(value: Any) -> Any:
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


class NotFound(LianRongError):
    """An id that names nothing. The code carries the entity: ``fragment.not_found``."""

    zh = "未找到{entity_zh}：{id}"
    en = "{entity} not found: {id}"

    _ZH = {
        "party": "主体",
        "enterprise": "企业",
        "bank": "银行",
        "user": "用户",
        "voucher": "凭据",
        "fragment": "凭据拆分份额",
        "contract": "合同",
        "invoice": "发票",
        "credit_line": "授信额度",
        "financing": "融资申请",
        "attachment": "附件",
        "instruction": "支付指令",
        "rate": "利率",
        "onboarding": "开户信息",
        "designation": "核心企业核定",
        "token": "API令牌",
        "chain": "产业链",
    }

    def __init__(self, entity: str, id: Any, **details: Any) -> None:  # noqa: A002
        super().__init__(entity=entity, id=id, entity_zh=self._ZH.get(entity, entity), **details)

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"{self.details['entity']}.not_found"


class AlreadyExists(LianRongError):
    """A key already taken. The code carries the entity: ``party.exists``."""

    zh = "{entity}已存在：{key}"
    en = "{entity} already exists: {key}"

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"{self.details.get('entity', 'record')}.exists"

    @property
    def message_zh(self) -> str:
        # the entity stays English in the details and the code; the Chinese message names it in Chinese
        shown = {
            **self._shown(),
            "entity": NotFound._ZH.get(str(self.details.get("entity")), self.details.get("entity")),
        }
        return self.zh.format_map(KeepMissing(shown))


class Forbidden(LianRongError):
    code = "auth.forbidden"
    zh = "无权执行此操作：{reason}"
    en = "Not allowed: {reason}"


class Conflict(LianRongError):
    code = "conflict"
    zh = "数据已被并发修改，请重试"
    en = "The data was changed concurrently; please retry"


# --- amounts and identifiers ---------------------------------------------------------------------


class AmountNotPositive(LianRongError):
    code = "amount.not_positive"
    zh = "金额必须大于零：{value}"
    en = "Amount must be positive: {value}"


class AmountFractionalFen(LianRongError):
    code = "amount.fractional_fen"
    zh = "金额精确到分，不能有分以下的小数：{value}"
    en = "Amounts are exact to the fen (0.01 yuan): {value}"


class AmountTooLarge(LianRongError):
    code = "amount.too_large"
    zh = "金额超出上限：{value}"
    en = "Amount exceeds the limit: {value}"


class AmountMalformed(LianRongError):
    code = "amount.malformed"
    zh = "金额格式无效：{value}"
    en = "Malformed amount: {value}"


class InvalidUSCC(LianRongError):
    code = "party.uscc_invalid"
    zh = "统一社会信用代码无效：{value}"
    en = "Invalid unified social credit code (USCC): {value}"


class InvalidInvoiceNumber(LianRongError):
    code = "invoice.number_invalid"
    zh = "发票号码无效：{value}（数电票为20位数字；传统发票为10或12位代码加8位号码）"
    en = "Invalid invoice number: {value} (e-invoice: 20 digits; legacy: 10/12-digit code + 8-digit number)"


class NotAWholeNumber(LianRongError):
    code = "input.not_integer"
    zh = "须为整数：{value}"
    en = "Must be a whole number: {value}"


class PercentMalformed(LianRongError):
    code = "input.percent_malformed"
    zh = "百分比格式无效：{value}（例如 90 或 0.50，最多{places}位小数）"
    en = "Malformed percentage: {value} (e.g. 90 or 0.50, at most {places} decimals)"


class OutOfRange(LianRongError):
    code = "input.out_of_range"
    zh = "须在{low}至{high}之间，输入为{value}"
    en = "Must be from {low} to {high}; {value} was entered"


class InvalidRate(LianRongError):
    code = "rate.invalid"
    zh = "利率无效：{value}"
    en = "Invalid rate: {value}"


class InvalidDate(LianRongError):
    code = "date.invalid"
    zh = "日期无效：{value}"
    en = "Invalid date: {value}"


class BusinessDateAhead(LianRongError):
    code = "clock.future_date"
    zh = "营业日{date}晚于今天的营业日{today}：只能补记过去的日期（测试环境模拟未来请设置 LIANRONG_SIMULATED_TODAY）"
    en = (
        "Business date {date} is after today's business date {today}: only past dates can be back-dated "
        "(to simulate the future on a test deployment, set LIANRONG_SIMULATED_TODAY)"
    )


class SimulatedClockInProduction(LianRongError):
    code = "config.simulated_clock"
    zh = "生产环境（LIANRONG_ENVIRONMENT=production）不能设置模拟营业日 LIANRONG_SIMULATED_TODAY={date}"
    en = (
        "A production deployment (LIANRONG_ENVIRONMENT=production) refuses a simulated business date: "
        "LIANRONG_SIMULATED_TODAY={date}"
    )


# --- issue ---------------------------------------------------------------------------------------


class InvalidState(LianRongError):
    code = "state.invalid"
    zh = "{entity}当前状态为{state}，不能{action}"
    en = "{entity} is {state}; cannot {action}"

    _ZH = {
        "voucher": "凭据",
        "financing": "融资申请",
        "fragment": "凭据份额",
        "pending": "待复核",
        "active": "有效",
        "settled": "已兑付",
        "overdue": "逾期",
        "rejected": "已拒绝",
        "applied": "已申请",
        "approved": "已审批",
        "disbursed": "已放款",
        "repaid": "已还款",
        "approve": "复核",
        "approve term": "审批期限",
        "reject": "拒绝",
        "transfer": "流转",
        "finance": "融资",
        "review": "审核",
        "register": "登记",
        "disburse": "放款",
        "retry payment": "重新支付",
        "payment instruction": "支付指令",
        "confirmed": "已成功",
        "failed": "失败",
        "confirm": "确认成功",
        "fail": "确认失败",
    }

    @property
    def message_zh(self) -> str:
        # the details stay English (stable for machines); the Chinese message names them in Chinese
        shown = {k: self._ZH.get(str(v), v) for k, v in self.details.items()}
        return self.zh.format_map(KeepMissing(shown))


# --- idempotency and payments --------------------------------------------------------------------


class IdempotencyConflict(LianRongError):
    code = "idempotency.conflict"
    zh = "幂等键{key}已用于另一个不同的请求"
    en = "Idempotency key {key} was already used for a different request"


class IdempotencyKeyMissing(LianRongError):
    code = "idempotency.key_missing"
    zh = "变更操作须提供幂等键"
    en = "A mutating call needs an idempotency key"


# --- spreadsheets --------------------------------------------------------------------------------


class ExcelImportInvalid(LianRongError):
    """An uploaded workbook failed validation; ``details['rows']`` lists every problem, row by row."""

    code = "excel.import_invalid"
    zh = "Excel文件校验未通过：共{problems}处问题，未导入任何数据（逐行明细见 rows）"
    en = "The Excel file failed validation with {problems} problem(s); nothing was imported (see rows)"


# --- HTTP API transport --------------------------------------------------------------------------


class CsrfFailed(LianRongError):
    code = "auth.csrf"
    zh = "缺少或错误的CSRF令牌（使用会话Cookie的修改请求须带X-CSRF-Token请求头）"
    en = "Missing or wrong CSRF token (a cookie-authenticated change needs the X-CSRF-Token header)"


class RateLimited(LianRongError):
    code = "rate.limited"
    zh = "请求过于频繁，请{retry_after}秒后再试"
    en = "Too many requests; retry in {retry_after} seconds"


class PayloadTooLarge(LianRongError):
    code = "upload.too_large"
    zh = "上传内容过大：上限{limit}字节"
    en = "Upload too large: the limit is {limit} bytes"


class RequestMalformed(LianRongError):
    """A request body the API cannot read: not parseable, or JSON nested deeper than ``max_depth``."""

    code = "request.malformed"
    zh = "请求格式错误，无法处理：{reason}"
    en = "Malformed request: {reason}"

    @classmethod
    def too_deep(cls, max_depth: int) -> RequestMalformed:
        return cls(
            reason=f"JSON nested deeper than {max_depth} levels, or unbalanced / JSON嵌套超过{max_depth}层或括号不配对",
            max_depth=max_depth,
        )


class RouteNotFound(LianRongError):
    code = "route.not_found"
    zh = "接口不存在：{path}"
    en = "No such endpoint: {path}"


class MethodNotAllowed(LianRongError):
    code = "route.method_not_allowed"
    zh = "接口不支持{method}方法：{path}"
    en = "Method {method} is not allowed on {path}"


class CannotListen(LianRongError):
    code = "serve.cannot_listen"
    zh = "无法在{host}:{port}上监听：{reason}（端口已被占用或无权使用）"
    en = "Cannot listen on {host}:{port}: {reason} (the port is in use or not permitted)"


class InvalidParameter(LianRongError):
    code = "params.invalid"
    zh = "融资参数无效：{reason}"
    en = "Invalid financing parameter: {reason}"


class WrongPartyKind(LianRongError):
    code = "party.wrong_kind"
    zh = "主体类型不符：{party}不是{expected}"
    en = "Wrong party kind: {party} is not a {expected}"
