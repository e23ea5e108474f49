"""The customer ledger's cells parsed one by one: each refusal a problem naming the row, the column and why."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lianrong.adapters.spreadsheet import (
    CONTROL_CHARS,
    EXCEL_EXACT,
    BadCell,
    cell_text,
    norm_header,
    problem,
)
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.kernel.money import parse_yuan

#: the sheet the template names and the importer prefers (else the first sheet is read)
LEDGER_SHEET = "客户台账"


_MAX_TIER = 100


_MAX_TERM_DAYS = 366


_SPREAD_RANGE = (Decimal("-0.05"), Decimal("0.5"))  # the range FinancingParams accepts


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the ledger workbook."""

    key: str
    zh: str
    en: str
    required: bool
    hint_zh: str
    hint_en: str
    example: Any


LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(
        "uscc",
        "统一社会信用代码",
        "USCC",
        True,
        "18位，含校验位；请将单元格设为文本",
        "18 characters with check character; format as text",
        "91110117MAEXAMP1E1",
    ),
    LedgerColumn(
        "name",
        "企业名称",
        "Enterprise name",
        True,
        "营业执照上的全称，1至200个字符",
        "full registered name, 1–200 characters",
        "北京某禽业有限公司",
    ),
    LedgerColumn(
        "settlement_account",
        "结算账号",
        "Settlement account",
        False,
        "可选；本行结算账号，6至40位数字",
        "optional; settlement account at this bank, 6–40 digits",
        "6222000012345678",
    ),
    LedgerColumn(
        "max_ratio",
        "最高融资比例",
        "Max financing ratio",
        False,
        "可选；大于0且不超过1，如0.8或80%",
        "optional; above 0 and at most 1, e.g. 0.8 or 80%",
        "80%",
    ),
    LedgerColumn(
        "min_split_yuan",
        "最低拆分金额（元）",
        "Min split amount (CNY)",
        False,
        "可选；单位元，精确到分",
        "optional; in yuan, exact to the fen",
        "1000.00",
    ),
    LedgerColumn(
        "max_tier",
        "最大层级",
        "Max tier",
        False,
        f"可选；1至{_MAX_TIER}的整数",
        f"optional; a whole number 1–{_MAX_TIER}",
        5,
    ),
    LedgerColumn(
        "max_term_days",
        "最长融资期限（天）",
        "Max financing term (days)",
        False,
        f"可选；1至{_MAX_TERM_DAYS}的整数",
        f"optional; a whole number 1–{_MAX_TERM_DAYS}",
        180,
    ),
    LedgerColumn(
        "spread",
        "利差",
        "Spread over LPR",
        False,
        "可选；加在LPR上的利差，如0.5%或0.005（-5%至50%）",
        "optional; added to the LPR, e.g. 0.5% or 0.005 (-5% to 50%)",
        "0.50%",
    ),
)


_COLUMN = {c.key: c for c in LEDGER_COLUMNS}


def _problem(row: int | None, column: str | None, zh: str, en: str, value: Any = None) -> dict[str, Any]:
    label = _COLUMN.get(column) if column else None
    return problem(row, column, zh, en, value, column_zh=label.zh if label else None)


def _map_header(row_no: int, header: Sequence[Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    aliases: dict[str, str] = {}
    for c in LEDGER_COLUMNS:
        for name in (c.key, c.zh, c.en, f"{c.zh} {c.key}", f"{c.zh}\n{c.en}", f"{c.zh} {c.en}"):
            aliases[norm_header(name)] = c.key
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = cell_text(cell)
        if not text:
            continue
        candidates = [norm_header(text)] + [norm_header(p) for p in re.split(r"[\n/|]", text)]
        key = next((aliases[c] for c in candidates if c in aliases), None)
        if key is None:
            continue  # extra columns (remarks and the like) are allowed and ignored
        if key in columns:
            problems.append(_problem(row_no, key, f"列重复：{_COLUMN[key].zh}", f"duplicate column: {key}", text))
            continue
        columns[key] = i
    for c in LEDGER_COLUMNS:
        if c.required and c.key not in columns:
            problems.append(_problem(row_no, c.key, f"缺少列：{c.zh}", f"missing column: {c.key} ({c.en})"))
    return columns


def _parse_uscc(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadCell(
            "统一社会信用代码以数字保存，可能已丢失位数，请将该列设为文本",
            "the USCC is stored as a number and may have lost digits; format the column as text",
        )
    text = cell_text(value)
    if not text:
        raise BadCell("统一社会信用代码为空", "the USCC is empty")
    try:
        return normalize_uscc(text)
    except errors.InvalidUSCC:
        raise BadCell(
            f"统一社会信用代码无效（长度、字符或校验位错误）：{text}",
            f"invalid USCC (length, characters or check character): {text}",
        ) from None


def _parse_name(value: Any) -> str:
    text = cell_text(value)
    if not text:
        raise BadCell("企业名称为空", "the enterprise name is empty")
    if len(text) > 200:
        raise BadCell("企业名称超过200个字符", "the enterprise name is longer than 200 characters")
    if CONTROL_CHARS.search(text):
        raise BadCell("企业名称含有控制字符", "the enterprise name contains control characters")
    return text


def _parse_account(value: Any) -> str | None:
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= EXCEL_EXACT):
        raise BadCell(
            "结算账号以数字保存，可能已丢失位数，请将该列设为文本",
            "the settlement account is stored as a number and may have lost digits; format the column as text",
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= EXCEL_EXACT:
        raise BadCell(
            "结算账号以数字保存，可能已丢失位数，请将该列设为文本",
            "the settlement account is stored as a number and may have lost digits; format the column as text",
        )
    text = re.sub(r"[\s-]+", "", cell_text(value))
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 6 <= len(text) <= 40):
        raise BadCell("结算账号须为6至40位数字", "the settlement account must be 6–40 digits")
    return text


def _decimal(value: Any, *, percent_ok: bool) -> tuple[Decimal, bool]:
    """A cell as an exact Decimal (floats through their shortest repr) and whether it had a % sign."""
    if isinstance(value, bool):
        raise ValueError  # noqa: TRY004 - an internal "not a number" signal, mapped to BadCell
    if isinstance(value, int):
        return Decimal(value), False
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError
        return Decimal(repr(value)), False
    if isinstance(value, Decimal):
        return value, False
    text = cell_text(value).replace(",", "")
    percent = percent_ok and text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    return (number.scaleb(-2) if percent else number), percent


def _parse_ratio(value: Any, *, ceiling: Decimal) -> Decimal | None:
    if cell_text(value) == "":
        return None
    try:
        ratio, _ = _decimal(value, percent_ok=True)
    except ValueError:
        raise BadCell("最高融资比例格式无效（如0.8或80%）", "malformed max ratio (e.g. 0.8 or 80%)") from None
    limit = min(Decimal(1), ceiling)
    if not (Decimal(0) < ratio <= limit):
        raise BadCell(
            f"最高融资比例须大于0且不超过{limit}：{cell_text(value)}",
            f"the max ratio must be above 0 and at most {limit}: {cell_text(value)}",
        )
    return ratio.normalize() if ratio == ratio.to_integral_value() else ratio


def _parse_min_split(value: Any) -> int | None:
    if cell_text(value) == "":
        return None
    try:
        amount, _ = _decimal(value, percent_ok=False)
    except ValueError:
        raise BadCell(
            "最低拆分金额格式无效（单位元，如1000.00）", "malformed minimum split amount (in yuan, e.g. 1000.00)"
        ) from None
    try:
        return parse_yuan(amount)
    except errors.LianRongError as exc:
        raise BadCell(
            f"最低拆分金额无效：{exc.message_zh}", f"invalid minimum split amount: {exc.message_en}"
        ) from None


def _parse_int(value: Any, *, low: int, high: int, zh: str, en: str) -> int | None:
    if cell_text(value) == "":
        return None
    try:
        number, _ = _decimal(value, percent_ok=False)
    except ValueError:
        raise BadCell(f"{zh}须为整数", f"{en} must be a whole number") from None
    if number != number.to_integral_value():
        raise BadCell(f"{zh}须为整数", f"{en} must be a whole number")
    if not (low <= number <= high):
        raise BadCell(f"{zh}须在{low}至{high}之间", f"{en} must be between {low} and {high}")
    return int(number)


def _parse_spread(value: Any) -> Decimal | None:
    if cell_text(value) == "":
        return None
    try:
        spread, _ = _decimal(value, percent_ok=True)
    except ValueError:
        raise BadCell("利差格式无效（如0.5%或0.005）", "malformed spread (e.g. 0.5% or 0.005)") from None
    low, high = _SPREAD_RANGE
    if not (low <= spread <= high):
        raise BadCell("利差须在-5%至50%之间", "the spread must be between -5% and 50%")
    return spread
