"""A bank's confirmation file (CSV or Excel) read back: every row checked, problems as data, nothing half-applied."""

from __future__ import annotations

import csv
import io
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from lianrong.adapters.spreadsheet import (
    EXCEL_EXACT,
    OLE_MAGIC,
    ZIP_MAGIC,
    BadCell,
    blank_row,
    cell_text,
    norm_header,
    problem,
)
from lianrong.settlement import errors as settlement_errors
from lianrong.settlement.payment_files import (
    _DECIMAL,
    _INTEGER,
    _LABEL_ZH,
    _REQUIRED_COLUMNS,
    _STATUS_ALIASES,
    CHINA_TZ,
    CONFIRMATION_COLUMNS,
    CONFIRMED,
    MAX_AMOUNT_FEN,
    _check_suffix,
    header_label,
)


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    """One row of a bank's confirmation file: an instruction confirmed (with the bank's reference) or failed."""

    instruction_id: str
    status: str
    reference: str | None
    amount_fen: int
    confirmed_at: datetime | None
    failure_reason: str | None
    #: the row as a spreadsheet shows it (header = row 1), to report a problem found later
    row: int | None = field(default=None, compare=False)


def _problem(*, row: int | None, column: str | None, zh: str, en: str, value: Any = None) -> dict[str, Any]:
    """One problem found in a confirmation file, as data (the spreadsheet adapter's shape)."""
    return problem(row or None, column, zh, en, value, column_zh=_LABEL_ZH.get(column or ""))


def parse_confirmations(path: str | os.PathLike[str]) -> list[Confirmation]:
    """Read a bank's confirmation file (.csv in UTF-8, or .xlsx): every row valid, or PaymentFileInvalid."""
    p = Path(path)
    _check_suffix(p.suffix.lower())
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise settlement_errors.PaymentFileInvalid(reason=f"file not found: {p.name} / 文件不存在") from None
    return parse_confirmation_bytes(data, filename=p.name)


def parse_confirmation_bytes(data: bytes, *, filename: str) -> list[Confirmation]:
    """``parse_confirmations`` for an uploaded file's content; its name's suffix (.csv, .xlsx) says the format."""
    suffix = Path(filename or "").suffix.lower()
    _check_suffix(suffix)
    rows = _read_csv(data) if suffix == ".csv" else _read_xlsx(data)
    return _validate(rows)


def _read_csv(data: bytes) -> list[tuple[int, Sequence[Any]]]:
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        raise settlement_errors.PaymentFileInvalid(
            reason="the .csv file is really a spreadsheet or archive; save it as CSV or name it .xlsx"
            " / 该 .csv 文件实为表格或压缩文件，请另存为CSV或使用 .xlsx 扩展名"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise settlement_errors.PaymentFileInvalid(
            reason='the CSV file is not UTF-8 (save it as "CSV UTF-8") / CSV文件不是UTF-8编码，请另存为“CSV UTF-8”',
        ) from None
    if "\x00" in text:
        raise settlement_errors.PaymentFileInvalid(reason="the CSV file contains NUL bytes / CSV文件含有空字符")
    try:
        # a record's number is its row as a spreadsheet shows it (header = row 1)
        return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    except csv.Error as exc:
        raise settlement_errors.PaymentFileInvalid(reason=f"malformed CSV: {exc} / CSV格式错误") from None


def _read_xlsx(data: bytes) -> list[tuple[int, Sequence[Any]]]:
    if not data.startswith(ZIP_MAGIC):
        hint = "a legacy .xls workbook" if data.startswith(OLE_MAGIC) else "not an Excel workbook"
        raise settlement_errors.PaymentFileInvalid(
            reason=f"the .xlsx file is {hint}; save it as Excel Workbook (.xlsx)"
            " / 该 .xlsx 文件不是Excel工作簿，请另存为 .xlsx"
        )
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise settlement_errors.PaymentFileInvalid(
            reason=f"unreadable Excel workbook ({type(exc).__name__}) / 无法读取Excel工作簿"
        ) from None
    try:
        if not wb.worksheets:
            return []
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # some generators write a wrong <dimension>; read every row regardless
        return list(enumerate(ws.iter_rows(values_only=True), start=1))
    finally:
        wb.close()


def _validate(rows: list[tuple[int, Sequence[Any]]]) -> list[Confirmation]:
    problems: list[dict[str, Any]] = []
    rows = [(n, cells) for n, cells in rows if not blank_row(cells)]
    if not rows:
        raise settlement_errors.PaymentFileInvalid(reason="the file is empty / 文件为空", rows=[])
    header_no, header = rows[0]
    columns = _map_columns(header_no, header, problems)
    body = rows[1:]
    if not body:
        problems.append(_problem(row=header_no, column=None, zh="文件没有数据行", en="the file has no data rows"))
    first_seen: dict[str, int] = {}
    confirmed_rows = False
    out: list[Confirmation] = []
    for row_no, cells in body:
        values = {key: (cells[i] if i < len(cells) else None) for key, i in columns.items()}
        before = len(problems)

        def check(key: str, parse: Callable[[Any], Any], _row: int = row_no, _values: dict[str, Any] = values) -> Any:
            if key not in columns:
                return None
            try:
                return parse(_values[key])
            except BadCell as bad:
                problems.append(_problem(row=_row, column=key, zh=bad.zh, en=bad.en, value=_values[key]))
                return None

        instruction_id = check("instruction_id", _parse_instruction_id)
        if instruction_id is not None:
            if instruction_id in first_seen:
                problems.append(
                    _problem(
                        row=row_no,
                        column="instruction_id",
                        value=instruction_id,
                        zh=f"指令编号与第{first_seen[instruction_id]}行重复",
                        en=f"instruction_id repeats row {first_seen[instruction_id]}",
                    )
                )
            else:
                first_seen[instruction_id] = row_no
        status = check("status", _parse_status)
        reference_ok = len(problems)
        reference = check("reference", _parse_reference)
        reference_ok = len(problems) == reference_ok
        amount_fen = check("amount_fen", _parse_amount_fen)
        confirmed_at = check("confirmed_at", _parse_confirmed_at)
        failure_reason = check("failure_reason", _parse_optional_text)
        if status == CONFIRMED:
            confirmed_rows = True
            if reference is None and reference_ok and "reference" in columns:
                problems.append(
                    _problem(
                        row=row_no,
                        column="reference",
                        zh="状态为成功时必须填写银行流水号",
                        en="a confirmed row needs the bank's reference",
                    )
                )
        if len(problems) == before:
            out.append(
                Confirmation(
                    instruction_id=instruction_id,
                    status=status,
                    reference=reference,
                    amount_fen=amount_fen,
                    confirmed_at=confirmed_at,
                    failure_reason=failure_reason,
                    row=row_no,
                )
            )
    if confirmed_rows and "reference" not in columns:
        problems.append(
            _problem(
                row=header_no,
                column="reference",
                zh="缺少列：银行流水号（成功的行必须填写）",
                en="missing column: reference (required for confirmed rows)",
            )
        )
    if problems:
        problems.sort(key=lambda p: p["row"] or 0)  # stable: within a row, columns keep file order
        raise _invalid(problems)
    return out


def _map_columns(row_no: int, header: Sequence[Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    aliases: dict[str, str] = {}
    for key, zh in CONFIRMATION_COLUMNS:
        for name in (key, zh, header_label(key, zh), f"{key} {zh}"):
            aliases[norm_header(name)] = key
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell)
        candidates = [norm_header(text)] + [norm_header(part) for part in unicodedata.normalize("NFKC", text).split()]
        key = next((aliases[c] for c in candidates if c in aliases), None)
        if key is None:
            continue  # the bank may keep the export's other columns, or add its own
        if key in columns:
            problems.append(
                _problem(
                    row=row_no, column=key, value=text, zh=f"列重复：{_LABEL_ZH[key]}", en=f"duplicate column: {key}"
                )
            )
            continue
        columns[key] = i
    for key in _REQUIRED_COLUMNS:
        if key not in columns:
            problems.append(
                _problem(row=row_no, column=key, zh=f"缺少列：{_LABEL_ZH[key]}", en=f"missing column: {key}")
            )
    return columns


def refuse_confirmations(problems: Sequence[dict[str, Any]]) -> settlement_errors.PaymentFileInvalid:
    """The refusal of a whole confirmation file for problems found after reading it (against the ledger).

    Each problem is ``{row, column, value, message_zh, message_en}``, as in the refusals of ``parse_confirmations``.
    """
    return _invalid(
        sorted(
            (
                _problem(
                    row=p.get("row"),
                    column=p.get("column"),
                    value=p.get("value"),
                    zh=p["message_zh"],
                    en=p["message_en"],
                )
                for p in problems
            ),
            key=lambda p: p["row"] or 0,
        )
    )


def _invalid(problems: list[dict[str, Any]]) -> settlement_errors.PaymentFileInvalid:
    first = problems[0]
    rows_hit = len({p["row"] for p in problems})
    where = f"{first['column']}: " if first["column"] else ""
    at_en, at_zh = (f"row {first['row']} ", f"第{first['row']}行 ") if first["row"] else ("", "")
    reason = (
        f"{len(problems)} problem(s) in {rows_hit} row(s); first: {at_en}{where}{first['message_en']}"
        f" / 共{len(problems)}处问题，涉及{rows_hit}行；首个：{at_zh}{where}{first['message_zh']}"
    )
    return settlement_errors.PaymentFileInvalid(reason=reason, rows=problems)


def _parse_instruction_id(value: Any) -> str:
    text = cell_text(value)
    if not text:
        raise BadCell("指令编号为空", "instruction_id is empty")
    return text


def _parse_status(value: Any) -> str:
    text = cell_text(value)
    if not text:
        raise BadCell(
            "状态为空（应为 confirmed/成功 或 failed/失败）", "status is empty (expected confirmed/成功 or failed/失败)"
        )
    status = _STATUS_ALIASES.get(text.casefold())
    if status is None:
        raise BadCell(
            f"状态无效：{text}（应为 confirmed/成功 或 failed/失败）",
            f"invalid status: {text} (expected confirmed/成功 or failed/失败)",
        )
    return status


def _parse_reference(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= EXCEL_EXACT:
        # Excel keeps 15 significant digits: a long reference stored as a number has lost digits
        raise BadCell(
            "银行流水号以数字保存，长号码可能已丢失位数，请将该列设为文本",
            "the reference is stored as a number and may have lost digits; format the column as text",
        )
    text = cell_text(value)
    return text or None


def _parse_optional_text(value: Any) -> str | None:
    text = cell_text(value)
    return text or None


def _parse_amount_fen(value: Any) -> int:
    if isinstance(value, bool):
        raise BadCell("金额（分）格式无效", "amount_fen is malformed")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadCell("金额（分）格式无效", "amount_fen is malformed")
        if not value.is_integer():
            raise BadCell("金额（分）必须是整数，不能有分以下的小数", "amount_fen must be a whole number of fen")
        value = int(value)
    if isinstance(value, int):
        amount = value
    else:
        text = cell_text(value)
        if not text:
            raise BadCell("金额（分）为空", "amount_fen is empty")
        if _DECIMAL.fullmatch(text):
            raise BadCell(
                "金额（分）必须是整数，不能有小数（注意单位是分而不是元）",
                "amount_fen must be a whole number of fen without a decimal point (fen, not yuan)",
            )
        if not _INTEGER.fullmatch(text):
            raise BadCell("金额（分）格式无效，应为整数", "amount_fen is malformed; expected an integer")
        amount = int(text)
    if amount <= 0:
        raise BadCell("金额（分）必须大于零", "amount_fen must be positive")
    if amount > MAX_AMOUNT_FEN:
        raise BadCell(f"金额（分）超出上限{MAX_AMOUNT_FEN}", f"amount_fen exceeds the limit of {MAX_AMOUNT_FEN}")
    return amount


def _parse_confirmed_at(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = cell_text(value)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise BadCell(
                f"确认时间无法识别：{text}（应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS）",
                f"unparseable confirmed_at: {text} (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)",
            ) from None
    else:
        raise BadCell(
            "确认时间无法识别（应为日期或日期时间）", "unparseable confirmed_at (expected a date or date-time)"
        )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)
