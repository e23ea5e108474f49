"""Batch payment files: instruction exports for a bank and the confirmation files it sends back.

LianRong holds no money. Pending payment instructions go to a bank as a CSV or Excel (.xlsx) file with
one bilingual header row ("指令编号 instruction_id"); the bank returns a confirmation file that this
module reads. Reading is all-or-nothing: every problem of every row is collected and reported together
in one ``PaymentFileInvalid`` whose ``rows`` detail lists them, and nothing is returned partially.
Pure file formats: no database, no services. Money is integer fen throughout."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lianrong.adapters.spreadsheet import (
    CONTROL_CHARS,
    new_workbook,
    save,
    text_width,
    write_atomically,
)
from lianrong.kernel import errors
from lianrong.settlement import errors as settlement_errors


def _check_suffix(suffix: str) -> None:
    if suffix not in (".csv", ".xlsx"):
        raise settlement_errors.PaymentFileInvalid(
            reason=f"unsupported file type {suffix or '(none)'}; use .csv or .xlsx"
            " / 不支持的文件类型，请使用 .csv 或 .xlsx",
            suffix=suffix,
        )


#: statuses of a confirmation; the bank may also write 成功 / 失败
CONFIRMED = "confirmed"


FAILED = "failed"


#: the largest amount a file may carry, in fen (an amount above it is refused)
MAX_AMOUNT_FEN = 10**15


#: naive times in a bank's file are China Standard Time (no daylight saving since 1991)
CHINA_TZ = timezone(timedelta(hours=8), "CST")


#: instruction export columns in order: (key, Chinese label); the header cell is "label key"
INSTRUCTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("instruction_id", "指令编号"),
    ("kind", "指令类型"),
    ("value_on", "付款日期"),
    ("payer_name", "付款方名称"),
    ("payer_uscc", "付款方统一社会信用代码"),
    ("payee_name", "收款方名称"),
    ("payee_uscc", "收款方统一社会信用代码"),
    ("payee_account", "收款账号"),
    ("amount_fen", "金额（分）"),
    ("amount_yuan", "金额（元）"),
    ("voucher_number", "凭据编号"),
    ("reference_hint", "附言"),
)


#: confirmation file columns: (key, Chinese label)
CONFIRMATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("instruction_id", "指令编号"),
    ("status", "状态"),
    ("reference", "银行流水号"),
    ("amount_fen", "金额（分）"),
    ("confirmed_at", "确认时间"),
    ("failure_reason", "失败原因"),
)


_REQUIRED_COLUMNS = ("instruction_id", "status", "amount_fen")


_LABEL_ZH = dict(CONFIRMATION_COLUMNS)


_STATUS_ALIASES = {
    "confirmed": CONFIRMED,
    "成功": CONFIRMED,
    "failed": FAILED,
    "失败": FAILED,
}


_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+|[+-]?[0-9]+\.[0-9]*", re.ASCII)


_CSV_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def header_label(key: str, zh: str) -> str:
    """The bilingual header cell of a column, e.g. ``指令编号 instruction_id``."""
    return f"{zh} {key}"


@dataclass(frozen=True, kw_only=True)
class InstructionLine:
    """One pending payment instruction as it appears in a batch file for the bank."""

    instruction_id: str
    kind: str
    value_on: date
    payer_name: str
    payer_uscc: str
    payee_name: str
    payee_uscc: str
    payee_account: str
    amount_fen: int
    voucher_number: str | None = None
    reference_hint: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount_fen, bool) or not isinstance(self.amount_fen, int):
            raise errors.AmountMalformed(value=self.amount_fen)
        if self.amount_fen <= 0:
            raise errors.AmountNotPositive(value=self.amount_fen)
        if self.amount_fen > MAX_AMOUNT_FEN:
            raise errors.AmountTooLarge(value=self.amount_fen)
        if isinstance(self.value_on, datetime) or not isinstance(self.value_on, date):
            raise errors.InvalidDate(value=self.value_on)
        for name in (
            "instruction_id",
            "kind",
            "payer_name",
            "payer_uscc",
            "payee_name",
            "payee_uscc",
            "payee_account",
            "voucher_number",
            "reference_hint",
        ):
            value = getattr(self, name)
            if value is None and name in ("voucher_number", "reference_hint"):
                continue
            if not isinstance(value, str):
                raise errors.ValidationFailed(reason=f"{name} must be text / {name}须为文本")
            if CONTROL_CHARS.search(value):
                raise errors.ValidationFailed(reason=f"{name} contains control characters / {name}含有控制字符")
        if not self.instruction_id.strip():
            raise errors.ValidationFailed(reason="instruction_id is empty / 指令编号为空")

    @property
    def amount_yuan(self) -> str:
        """The amount in yuan as exact text, e.g. ``1234.56``."""
        return f"{self.amount_fen // 100}.{self.amount_fen % 100:02d}"

    def cells(self) -> tuple[Any, ...]:
        """The row's values in ``INSTRUCTION_COLUMNS`` order (amount_fen an int, the rest text)."""
        return (
            self.instruction_id,
            self.kind,
            self.value_on.isoformat(),
            self.payer_name,
            self.payer_uscc,
            self.payee_name,
            self.payee_uscc,
            self.payee_account,
            self.amount_fen,
            self.amount_yuan,
            self.voucher_number or "",
            self.reference_hint or "",
        )


def export_csv(lines: Iterable[InstructionLine], path: str | os.PathLike[str]) -> int:
    """Write the instructions as UTF-8 CSV with a BOM (so Excel reads the Chinese); return the count."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header_label(k, zh) for k, zh in INSTRUCTION_COLUMNS])
    count = 0
    for line in lines:
        writer.writerow([_csv_text(v) if isinstance(v, str) else v for v in line.cells()])
        count += 1
    write_atomically(Path(path), buffer.getvalue().encode("utf-8-sig"))
    return count


def export_xlsx(lines: Iterable[InstructionLine], path: str | os.PathLike[str]) -> int:
    """Write the instructions as an Excel workbook (one sheet, frozen styled header); return the count."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = new_workbook()
    ws = wb.active
    ws.title = "支付指令"
    headers = [header_label(k, zh) for k, zh in INSTRUCTION_COLUMNS]
    widths = [text_width(h) for h in headers]
    ws.append(headers)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill(fill_type="solid", start_color="1F4E78", end_color="1F4E78")
    header_border = Border(bottom=Side(style="thin", color="000000"))
    for cell in ws[1]:
        cell.font = header_font
        cell.fill = header_fill
        cell.border = header_border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    count = 0
    for line in lines:
        count += 1
        row = count + 1
        for col, value in enumerate(line.cells(), start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even when the text starts with "="
                cell.number_format = "@"  # USCCs and account numbers stay text, digits intact
            else:
                cell.number_format = "0"
            widths[col - 1] = max(widths[col - 1], text_width(str(value)))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 10), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    write_atomically(Path(path), save(wb))
    return count


def export_batch(lines: Iterable[InstructionLine], path: str | os.PathLike[str]) -> int:
    """Write the instructions as CSV or Excel according to the path's suffix; return the count."""
    suffix = Path(path).suffix.lower()
    _check_suffix(suffix)
    return export_csv(lines, path) if suffix == ".csv" else export_xlsx(lines, path)


def _csv_text(value: str) -> str:
    # a spreadsheet would run text starting with = + - @ as a formula (CSV injection): quote it
    return "'" + value if value.startswith(_CSV_FORMULA_LEAD) else value
