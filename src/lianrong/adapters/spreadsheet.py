"""Excel (.xlsx) in and out: the customer-ledger import and the accounting/operations exports.

Import (客户台账): a bank uploads a core enterprise's supplier list. Every row is validated first and
every problem of every row is reported together (row, column, value, Chinese and English message) in
one ``ExcelImportInvalid``; if there is any problem nothing is imported. Otherwise unknown enterprises
are registered and all rows enter the ledger in one unit of work — all or nothing.

Exports: bilingual headers (Chinese over English), amounts both as integer fen and as yuan, real dates,
a frozen header row, an auto-filter and sized columns. Per 财会〔2021〕32号 voucher holdings are
classified as receivables (应收账款), not notes receivable, in the holdings export."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lianrong.kernel import errors
from lianrong.kernel.calendar import BEIJING

#: refuse larger uploads outright (a supplier list is a few hundred rows)
MAX_IMPORT_BYTES = 10 * 1024 * 1024


MAX_IMPORT_ROWS = 5000


ZIP_MAGIC = b"PK\x03\x04"


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls


EXCEL_EXACT = 10**15  # Excel keeps 15 significant digits


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadCell(Exception):
    """A cell's value is refused, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def problem(
    row: int | None, column: str | None, zh: str, en: str, value: Any = None, *, column_zh: str | None = None
) -> dict[str, Any]:
    """One refused cell, row or file, as data: where, the value shown, why in both languages."""
    return {
        "row": row,
        "column": column,
        "column_zh": column_zh,
        "value": shown(value),
        "message_zh": zh,
        "message_en": en,
    }


def refuse(problems: list[dict[str, Any]]) -> errors.ExcelImportInvalid:
    problems = sorted(problems, key=lambda p: p["row"] or 0)
    bad_rows = len({p["row"] for p in problems if p["row"]})
    return errors.ExcelImportInvalid(problems=len(problems), bad_rows=bad_rows, rows=problems)


def file_refusal(zh: str, en: str) -> errors.ExcelImportInvalid:
    return refuse([problem(None, None, zh, en)])


def shown(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def norm_header(text: str) -> str:
    return re.sub(r"[\s_\-()（）/]+", "", unicodedata.normalize("NFKC", text).casefold())


def blank_row(cells: Sequence[Any]) -> bool:
    """Whether every cell of a row is empty or only spaces."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def load_rows(content: bytes, *, sheet: str | None = None) -> list[tuple[int, Sequence[Any]]]:
    if not isinstance(content, (bytes, bytearray)) or not content:
        raise file_refusal("文件为空", "the file is empty")
    if len(content) > MAX_IMPORT_BYTES:
        raise file_refusal(
            f"文件超过{MAX_IMPORT_BYTES // (1024 * 1024)}MB",
            f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB",
        )
    if bytes(content[:4]) != ZIP_MAGIC:
        if bytes(content[:8]) == OLE_MAGIC:
            raise file_refusal(
                "这是旧版 .xls 文件，请另存为 Excel 工作簿（.xlsx）",
                "this is a legacy .xls file; save it as Excel Workbook (.xlsx)",
            )
        raise file_refusal("不是Excel工作簿（.xlsx）文件", "not an Excel workbook (.xlsx)")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(bytes(content)), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for damaged or foreign zips
        raise file_refusal(
            "无法读取Excel工作簿（文件损坏或不是 .xlsx）", "unreadable Excel workbook (damaged, or not .xlsx)"
        ) from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise file_refusal("工作簿没有工作表", "the workbook has no worksheet")
        ws = next((s for s in sheets if s.title.strip() == sheet), sheets[0])
        ws.reset_dimensions()  # some generators write a wrong <dimension>: read every row
        rows: list[tuple[int, Sequence[Any]]] = []
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            if blank_row(cells):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_IMPORT_ROWS + 1:
                raise file_refusal(
                    f"数据行超过{MAX_IMPORT_ROWS}行，请分批导入",
                    f"more than {MAX_IMPORT_ROWS} data rows; split the file",
                )
        return rows
    finally:
        wb.close()


@dataclass(frozen=True)
class Col:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | fen | yuan | date | datetime | rate


_FORMATS = {
    "text": "@",
    "int": "0",
    "fen": "0",
    "yuan": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "rate": "0.0000%",
}


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell_value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "yuan":
        fen = int(value)
        return Decimal(fen).scaleb(-2)  # exact: 123456 -> 1234.56
    if kind in ("fen", "int"):
        return int(value)
    if kind == "rate":
        return Decimal(str(value))
    if kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind == "datetime":
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:  # Excel has no time zones: show Beijing time
            moment = moment.astimezone(BEIJING).replace(tzinfo=None)
        return moment
    return str(value)


def add_sheet(
    wb: Any, title: str, columns: Sequence[Col], rows: Iterable[Sequence[Any]], *, first: bool = False
) -> int:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill(fill_type="solid", start_color="1F3A5F", end_color="1F3A5F")
    border = Border(bottom=Side(style="thin", color="000000"))
    widths = []
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=f"{col.zh}\n{col.en}")
        cell.font, cell.fill, cell.border = header_font, header_fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths.append(max(text_width(col.zh), text_width(col.en)))
    ws.row_dimensions[1].height = 32
    count = 0
    for count, values in enumerate(rows, start=1):
        for i, (col, raw) in enumerate(zip(columns, values, strict=True), start=1):
            value = cell_value(col.kind, raw)
            cell = ws.cell(row=count + 1, column=i, value=value)
            cell.number_format = _FORMATS[col.kind]
            if isinstance(value, str):
                cell.data_type = "s"  # text is never a formula, even when it starts with "="
            text = (
                f"{value:,.2f}"
                if col.kind == "yuan" and value is not None
                else value.strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(value, dt.datetime)
                else value.isoformat()
                if isinstance(value, dt.date)
                else str(value if value is not None else "")
            )
            widths[i - 1] = max(widths[i - 1], text_width(text))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    return count


def add_about(wb: Any, lines: Sequence[tuple[str, str, Any]]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("说明 About")
    for r, (zh, en, value) in enumerate(lines, start=1):
        ws.cell(row=r, column=1, value=zh).font = Font(bold=True)
        ws.cell(row=r, column=2, value=en).font = Font(color="6B7280")
        cell = ws.cell(row=r, column=3, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, str):
            cell.data_type = "s"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 90


def save(wb: Any) -> bytes:
    wb.properties.creator = "LianRong 链融"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook()


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a bank's pickup directory must never see a half-written file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
