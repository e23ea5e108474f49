"""Banks' monthly reports as an Excel workbook: the template a bank fills in, and its rows parsed and checked.

One row per month and chain: 月份 (YYYY-MM), 产业链 (the chain's code or name), 授信金额（元）, 融资金额（元）,
数字化产品数, 备注. Every problem of every row is collected (row, column, value, why in both languages); one
problem and nothing of the file is recorded (``spreadsheet.refuse``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lianrong.adapters import spreadsheet as xl
from lianrong.kernel import errors
from lianrong.kernel.money import parse_yuan
from lianrong.programme.targets import model

SHEET = "银行月报"


@dataclass(frozen=True)
class ReportColumn:
    key: str
    zh: str
    en: str
    required: bool
    hint_zh: str
    hint_en: str


COLUMNS: tuple[ReportColumn, ...] = (
    ReportColumn(
        "month",
        "月份",
        "Month",
        True,
        "YYYY-MM，如2026-11；不得为未来月份",
        "YYYY-MM, e.g. 2026-11; not a future month",
    ),
    ReportColumn(
        "chain",
        "产业链",
        "Chain",
        True,
        "产业链代码或名称（见“产业链”表）",
        "the chain's code or name (see the Chains sheet)",
    ),
    ReportColumn(
        "credit_granted",
        "授信金额（元）",
        "Credit granted (yuan)",
        True,
        "当月向链上企业新增授信，元，精确到分；无则填0",
        "credit granted to chain members that month, yuan; 0 if none",
    ),
    ReportColumn(
        "financing",
        "融资金额（元）",
        "Financing (yuan)",
        True,
        "当月平台外发放的融资，元；无则填0",
        "financing disbursed outside the platform that month, yuan; 0 if none",
    ),
    ReportColumn(
        "products",
        "数字化产品数",
        "Digital products",
        False,
        "提供的数字化供应链金融产品数（0–1000）",
        "digital supply-chain finance products offered (0–1000)",
    ),
    ReportColumn("note", "备注", "Note", False, "可选，不超过500字", "optional, at most 500 characters"),
)
_COL = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class ReportRow:
    """A parsed row: what ``service.import_reports`` records."""

    row: int
    month: str
    chain_id: str
    credit_granted_fen: int
    financing_fen: int
    products: int
    note: str


def template(chains: Sequence[tuple[str, str, str, bool]], *, month: str) -> bytes:
    """An empty report workbook with one example row per chain of ``month``; ``chains``: (id, code, name, key)."""
    wb = xl.new_workbook()
    cols = [xl.Col(c.key, c.zh, c.en, "text") for c in COLUMNS]
    rows = [(month, code, "0.00", "0.00", "0", "") for _, code, _, _ in chains]
    xl.add_sheet(wb, SHEET, cols, rows, first=True)
    xl.add_sheet(
        wb,
        "产业链 Chains",
        [xl.Col("code", "代码", "Code"), xl.Col("name", "名称", "Name"), xl.Col("key", "重点产业链", "Key chain")],
        [(code, name, "是 yes" if key else "否 no") for _, code, name, key in chains],
    )
    xl.add_about(wb, [(c.zh, c.en, f"{c.hint_zh}\n{c.hint_en}") for c in COLUMNS])
    return xl.save(wb)


def _problem(row: int | None, key: str | None, zh: str, en: str, value: Any = None) -> dict[str, Any]:
    col = _COL.get(key) if key else None
    return xl.problem(row, key, zh, en, value, column_zh=col.zh if col else None)


def _header(row_no: int, header: Sequence[Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    aliases: dict[str, str] = {}
    for c in COLUMNS:
        for name in (c.key, c.zh, c.en, f"{c.zh}\n{c.en}", f"{c.zh} {c.en}"):
            aliases[xl.norm_header(name)] = c.key
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = xl.cell_text(cell)
        if not text:
            continue
        keys = [aliases.get(xl.norm_header(p)) for p in [text, *re.split(r"[\n/|]", text)]]
        key = next((k for k in keys if k), None)
        if key and key not in found:
            found[key] = i
    for c in COLUMNS:
        if c.required and c.key not in found:
            problems.append(_problem(row_no, c.key, f"缺少列：{c.zh}", f"missing column: {c.en}"))
    return found


def _amount(value: Any) -> int:
    text = xl.cell_text(value)
    if text == "":
        raise xl.BadCell("金额为空（无则填0）", "the amount is empty (0 if none)")
    try:
        number = Decimal(text.replace(",", "").lstrip("¥"))
    except InvalidOperation:
        raise xl.BadCell("金额格式无效（单位元，如1234.56）", "malformed amount (yuan, e.g. 1234.56)") from None
    if number == 0:
        return 0
    if number < 0:
        raise xl.BadCell("金额不能为负数", "the amount cannot be negative")
    try:
        return parse_yuan(number)
    except errors.LianRongError as exc:
        raise xl.BadCell(f"金额无效：{exc.message_zh}", f"invalid amount: {exc.message_en}") from None


def _products(value: Any) -> int:
    text = xl.cell_text(value)
    if text == "":
        return 0
    if not re.fullmatch(r"\d{1,4}", text) or int(text) > 1000:
        raise xl.BadCell("产品数须为0至1000的整数", "products must be a whole number from 0 to 1000")
    return int(text)


def _month(value: Any, today: dt.date) -> str:
    if isinstance(value, dt.date):
        value = f"{value.year:04d}-{value.month:02d}"
    try:
        return model.check_report_month(xl.cell_text(value), today=today)
    except errors.LianRongError as exc:
        raise xl.BadCell(exc.message_zh, exc.message_en) from None


def parse(content: bytes, *, chains: dict[str, str], today: dt.date) -> list[ReportRow]:
    """Every row of the workbook, or ``ExcelImportInvalid`` listing every problem; ``chains``: a chain's code,
    name or id (normalised) → its id (active chains only)."""
    rows = xl.load_rows(content, sheet=SHEET)
    problems: list[dict[str, Any]] = []
    if not rows:
        raise xl.file_refusal("工作簿没有数据", "the workbook has no rows")
    header_no, header = rows[0]
    cols = _header(header_no, header, problems)
    if problems:
        raise xl.refuse(problems)
    out: list[ReportRow] = []
    seen: dict[tuple[str, str], int] = {}
    parsers: dict[str, Any] = {
        "month": lambda v: _month(v, today),
        "chain": lambda v: _chain(v, chains),
        "credit_granted": _amount,
        "financing": _amount,
        "products": _products,
        "note": _note,
    }
    for number, cells in rows[1:]:
        values: dict[str, Any] = {}
        for c in COLUMNS:
            raw = cells[cols[c.key]] if c.key in cols and cols[c.key] < len(cells) else None
            try:
                values[c.key] = parsers[c.key](raw)
            except xl.BadCell as bad:
                problems.append(_problem(number, c.key, bad.zh, bad.en, raw))
        if len(values) != len(COLUMNS):
            continue
        key = (values["month"], values["chain"])
        if key in seen:
            problems.append(
                _problem(
                    number,
                    "chain",
                    f"与第{seen[key]}行重复（同一月份和产业链）",
                    f"repeats row {seen[key]} (same month and chain)",
                    key[0],
                )
            )
            continue
        seen[key] = number
        out.append(
            ReportRow(
                number,
                values["month"],
                values["chain"],
                values["credit_granted"],
                values["financing"],
                values["products"],
                values["note"],
            )
        )
    if problems:
        raise xl.refuse(problems)
    if not out:
        raise xl.file_refusal("工作簿没有数据行", "the workbook has no data rows")
    return out


def _chain(value: Any, chains: dict[str, str]) -> str:
    text = xl.cell_text(value)
    found = chains.get(xl.norm_header(text))
    if not text or found is None:
        raise xl.BadCell("未知或未启用的产业链", "unknown or inactive chain")
    return found


def _note(value: Any) -> str:
    text = xl.cell_text(value)
    if len(text) > 500:
        raise xl.BadCell("备注超过500字", "the note is longer than 500 characters")
    if xl.CONTROL_CHARS.search(text):
        raise xl.BadCell("备注含有控制字符", "the note contains control characters")
    return text
