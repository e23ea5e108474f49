"""Excel (.xlsx) in and out: the customer-ledger import and the accounting/operations exports.

Import (客户台账): a bank uploads a core enterprise's supplier list. Every row is validated first and
every problem of every row is reported together (row, column, value, Chinese and English message) in
one ``ExcelImportInvalid``; if there is any problem nothing is imported. Otherwise unknown enterprises
are registered and all rows enter the ledger in one unit of work — all or nothing.

Exports: bilingual headers (Chinese over English), amounts both as integer fen and as yuan, real dates,
a frozen header row, an auto-filter and sized columns. Per 财会〔2021〕32号 voucher holdings are
classified as receivables (应收账款), not notes receivable, in the holdings export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.kernel.ids import new_id
from lianrong.kernel.money import parse_yuan
from lianrong.parties.service import core_params
from lianrong.platform import scope
from lianrong.platform.common import (
    Result,
    check_actor_party,
    check_actor_role,
    resolve_party,
    run_idempotent,
)
from lianrong.platform.context import BEIJING, Actor, Context
from lianrong.vouchers import model as v

__all__ = [
    "ACCOUNTING_CLASS_EN",
    "ACCOUNTING_CLASS_ZH",
    "LEDGER_COLUMNS",
    "LEDGER_SHEET",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "export_financings_xlsx",
    "export_holdings_xlsx",
    "export_settlements_xlsx",
    "import_ledger_xlsx",
    "ledger_template_xlsx",
    "read_ledger_xlsx",
]

#: 财会〔2021〕32号: a digital credit voucher is accounted for as a receivable, not a note receivable
ACCOUNTING_CLASS_ZH = "应收账款"
ACCOUNTING_CLASS_EN = "Accounts receivable"

#: the sheet the template names and the importer prefers (else the first sheet is read)
LEDGER_SHEET = "客户台账"
#: refuse larger uploads outright (a supplier list is a few hundred rows)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 5000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_EXCEL_EXACT = 10**15  # Excel keeps 15 significant digits
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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
    LedgerColumn("uscc", "统一社会信用代码", "USCC", True,
                 "18位，含校验位；请将单元格设为文本", "18 characters with check character; format as text",
                 "91110117MAEXAMP1E1"),
    LedgerColumn("name", "企业名称", "Enterprise name", True,
                 "营业执照上的全称，1至200个字符", "full registered name, 1–200 characters", "北京某禽业有限公司"),
    LedgerColumn("settlement_account", "结算账号", "Settlement account", False,
                 "可选；本行结算账号，6至40位数字", "optional; settlement account at this bank, 6–40 digits",
                 "6222000012345678"),
    LedgerColumn("max_ratio", "最高融资比例", "Max financing ratio", False,
                 "可选；大于0且不超过1，如0.8或80%", "optional; above 0 and at most 1, e.g. 0.8 or 80%", "80%"),
    LedgerColumn("min_split_yuan", "最低拆分金额（元）", "Min split amount (CNY)", False,
                 "可选；单位元，精确到分", "optional; in yuan, exact to the fen", "1000.00"),
    LedgerColumn("max_tier", "最大层级", "Max tier", False,
                 f"可选；1至{_MAX_TIER}的整数", f"optional; a whole number 1–{_MAX_TIER}", 5),
    LedgerColumn("max_term_days", "最长融资期限（天）", "Max financing term (days)", False,
                 f"可选；1至{_MAX_TERM_DAYS}的整数", f"optional; a whole number 1–{_MAX_TERM_DAYS}", 180),
    LedgerColumn("spread", "利差", "Spread over LPR", False,
                 "可选；加在LPR上的利差，如0.5%或0.005（-5%至50%）",
                 "optional; added to the LPR, e.g. 0.5% or 0.005 (-5% to 50%)", "0.50%"),
)
_COLUMN = {c.key: c for c in LEDGER_COLUMNS}


# --- problems ------------------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value is refused, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _problem(row: int | None, column: str | None, zh: str, en: str, value: Any = None) -> dict[str, Any]:
    label = _COLUMN.get(column) if column else None
    return {"row": row, "column": column, "column_zh": label.zh if label else None, "value": _shown(value),
            "message_zh": zh, "message_en": en}


def _refuse(problems: list[dict[str, Any]]) -> errors.ExcelImportInvalid:
    problems = sorted(problems, key=lambda p: (p["row"] or 0))
    bad_rows = len({p["row"] for p in problems if p["row"]})
    return errors.ExcelImportInvalid(problems=len(problems), bad_rows=bad_rows, rows=problems)


def _file_refusal(zh: str, en: str) -> errors.ExcelImportInvalid:
    return _refuse([_problem(None, None, zh, en)])


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_\-()（）/]+", "", unicodedata.normalize("NFKC", text).casefold())


# --- reading -------------------------------------------------------------------------------------------


def _load_rows(content: bytes) -> list[tuple[int, Sequence[Any]]]:
    if not isinstance(content, (bytes, bytearray)) or not content:
        raise _file_refusal("文件为空", "the file is empty")
    if len(content) > MAX_IMPORT_BYTES:
        raise _file_refusal(f"文件超过{MAX_IMPORT_BYTES // (1024 * 1024)}MB",
                            f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    if bytes(content[:4]) != _ZIP_MAGIC:
        if bytes(content[:8]) == _OLE_MAGIC:
            raise _file_refusal("这是旧版 .xls 文件，请另存为 Excel 工作簿（.xlsx）",
                                "this is a legacy .xls file; save it as Excel Workbook (.xlsx)")
        raise _file_refusal("不是Excel工作簿（.xlsx）文件", "not an Excel workbook (.xlsx)")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(bytes(content)), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for damaged or foreign zips
        raise _file_refusal("无法读取Excel工作簿（文件损坏或不是 .xlsx）",
                            "unreadable Excel workbook (damaged, or not .xlsx)") from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise _file_refusal("工作簿没有工作表", "the workbook has no worksheet")
        ws = next((s for s in sheets if s.title.strip() == LEDGER_SHEET), sheets[0])
        ws.reset_dimensions()  # some generators write a wrong <dimension>: read every row
        rows: list[tuple[int, Sequence[Any]]] = []
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_IMPORT_ROWS + 1:
                raise _file_refusal(f"数据行超过{MAX_IMPORT_ROWS}行，请分批导入",
                                    f"more than {MAX_IMPORT_ROWS} data rows; split the file")
        return rows
    finally:
        wb.close()


def _map_header(row_no: int, header: Sequence[Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    aliases: dict[str, str] = {}
    for c in LEDGER_COLUMNS:
        for name in (c.key, c.zh, c.en, f"{c.zh} {c.key}", f"{c.zh}\n{c.en}", f"{c.zh} {c.en}"):
            aliases[_norm_header(name)] = c.key
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = _text(cell)
        if not text:
            continue
        candidates = [_norm_header(text)] + [_norm_header(p) for p in re.split(r"[\n/|]", text)]
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
        raise _Bad("统一社会信用代码以数字保存，可能已丢失位数，请将该列设为文本",
                   "the USCC is stored as a number and may have lost digits; format the column as text")
    text = _text(value)
    if not text:
        raise _Bad("统一社会信用代码为空", "the USCC is empty")
    try:
        return normalize_uscc(text)
    except errors.InvalidUSCC:
        raise _Bad(f"统一社会信用代码无效（长度、字符或校验位错误）：{text}",
                   f"invalid USCC (length, characters or check character): {text}") from None


def _parse_name(value: Any) -> str:
    text = _text(value)
    if not text:
        raise _Bad("企业名称为空", "the enterprise name is empty")
    if len(text) > 200:
        raise _Bad("企业名称超过200个字符", "the enterprise name is longer than 200 characters")
    if _CONTROL.search(text):
        raise _Bad("企业名称含有控制字符", "the enterprise name contains control characters")
    return text


def _parse_account(value: Any) -> str | None:
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= _EXCEL_EXACT):
        raise _Bad("结算账号以数字保存，可能已丢失位数，请将该列设为文本",
                   "the settlement account is stored as a number and may have lost digits; format the column as text")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXCEL_EXACT:
        raise _Bad("结算账号以数字保存，可能已丢失位数，请将该列设为文本",
                   "the settlement account is stored as a number and may have lost digits; format the column as text")
    text = re.sub(r"[\s-]+", "", _text(value))
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and 6 <= len(text) <= 40):
        raise _Bad("结算账号须为6至40位数字", "the settlement account must be 6–40 digits")
    return text


def _decimal(value: Any, *, percent_ok: bool) -> tuple[Decimal, bool]:
    """A cell as an exact Decimal (floats through their shortest repr) and whether it had a % sign."""
    if isinstance(value, bool):
        raise ValueError  # noqa: TRY004 - an internal "not a number" signal, mapped to _Bad
    if isinstance(value, int):
        return Decimal(value), False
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError
        return Decimal(repr(value)), False
    if isinstance(value, Decimal):
        return value, False
    text = _text(value).replace(",", "")
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
    if _text(value) == "":
        return None
    try:
        ratio, _ = _decimal(value, percent_ok=True)
    except ValueError:
        raise _Bad("最高融资比例格式无效（如0.8或80%）", "malformed max ratio (e.g. 0.8 or 80%)") from None
    limit = min(Decimal(1), ceiling)
    if not (Decimal(0) < ratio <= limit):
        raise _Bad(f"最高融资比例须大于0且不超过{limit}：{_text(value)}",
                   f"the max ratio must be above 0 and at most {limit}: {_text(value)}")
    return ratio.normalize() if ratio == ratio.to_integral_value() else ratio


def _parse_min_split(value: Any) -> int | None:
    if _text(value) == "":
        return None
    try:
        amount, _ = _decimal(value, percent_ok=False)
    except ValueError:
        raise _Bad("最低拆分金额格式无效（单位元，如1000.00）",
                   "malformed minimum split amount (in yuan, e.g. 1000.00)") from None
    try:
        return parse_yuan(amount)
    except errors.LianRongError as exc:
        raise _Bad(f"最低拆分金额无效：{exc.message_zh}", f"invalid minimum split amount: {exc.message_en}") from None


def _parse_int(value: Any, *, low: int, high: int, zh: str, en: str) -> int | None:
    if _text(value) == "":
        return None
    try:
        number, _ = _decimal(value, percent_ok=False)
    except ValueError:
        raise _Bad(f"{zh}须为整数", f"{en} must be a whole number") from None
    if number != number.to_integral_value():
        raise _Bad(f"{zh}须为整数", f"{en} must be a whole number")
    if not (low <= number <= high):
        raise _Bad(f"{zh}须在{low}至{high}之间", f"{en} must be between {low} and {high}")
    return int(number)


def _parse_spread(value: Any) -> Decimal | None:
    if _text(value) == "":
        return None
    try:
        spread, _ = _decimal(value, percent_ok=True)
    except ValueError:
        raise _Bad("利差格式无效（如0.5%或0.005）", "malformed spread (e.g. 0.5% or 0.005)") from None
    low, high = _SPREAD_RANGE
    if not (low <= spread <= high):
        raise _Bad("利差须在-5%至50%之间", "the spread must be between -5% and 50%")
    return spread


def read_ledger_xlsx(content: bytes, *, max_ratio: Decimal = Decimal(1)) -> list[dict[str, Any]]:
    """Parse and check a ledger workbook without the database: its rows, or ``ExcelImportInvalid``.

    Each row comes back as ``{"row", "uscc", "name", "settlement_account", "max_ratio",
    "min_split_fen", "max_tier", "max_term_days", "spread"}`` (optional values None when blank).
    """
    rows = _load_rows(content)
    problems: list[dict[str, Any]] = []
    if not rows:
        raise _file_refusal("文件没有内容", "the file has no content")
    header_no, header = rows[0]
    columns = _map_header(header_no, header, problems)
    body = rows[1:]
    if not body:
        problems.append(_problem(header_no, None, "文件没有数据行", "the file has no data rows"))
    parsers: dict[str, Callable[[Any], Any]] = {
        "uscc": _parse_uscc,
        "name": _parse_name,
        "settlement_account": _parse_account,
        "max_ratio": lambda x: _parse_ratio(x, ceiling=max_ratio),
        "min_split_yuan": _parse_min_split,
        "max_tier": lambda x: _parse_int(x, low=1, high=_MAX_TIER, zh="最大层级", en="max tier"),
        "max_term_days": lambda x: _parse_int(x, low=1, high=_MAX_TERM_DAYS, zh="最长融资期限", en="max term"),
        "spread": _parse_spread,
    }
    out: list[dict[str, Any]] = []
    first_seen: dict[str, int] = {}
    for row_no, cells in body:
        entry: dict[str, Any] = {"row": row_no}
        ok = True
        for key, parse in parsers.items():
            raw = cells[columns[key]] if key in columns and columns[key] < len(cells) else None
            if key not in columns:
                entry[key] = None
                continue
            try:
                entry[key] = parse(raw)
            except _Bad as bad:
                problems.append(_problem(row_no, key, bad.zh, bad.en, raw))
                entry[key] = None
                ok = False
        code = entry.get("uscc")
        if code:
            if code in first_seen:
                problems.append(_problem(row_no, "uscc", f"统一社会信用代码与第{first_seen[code]}行重复",
                                         f"the USCC repeats row {first_seen[code]}", code))
                ok = False
            else:
                first_seen[code] = row_no
        entry["min_split_fen"] = entry.pop("min_split_yuan", None)
        if ok:
            out.append(entry)
    if problems:
        raise _refuse(problems)
    return out


# --- import --------------------------------------------------------------------------------------------


def import_ledger_xlsx(ctx: Context, *, actor: Actor, bank: str, core: str, content: bytes,
                       idempotency_key: str) -> Result:
    """Import a core enterprise's supplier list (.xlsx) into the bank's customer ledger, all or nothing.

    Unknown enterprises are registered; a given settlement account is recorded at the bank (e-banking
    and certificate are still the bank's onboarding step); blank parameter cells keep the core
    enterprise's value (or the supplier's existing override). Any problem in any row refuses the whole
    file with ``ExcelImportInvalid`` listing every problem.
    """
    entries = read_ledger_xlsx(content, max_ratio=ctx.policy.max_financing_ratio)
    digest = hashlib.sha256(bytes(content)).hexdigest()
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> Result:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank keeps the customer ledger / 仅银行可维护客户台账")
        c = resolve_party(uow, core, kind="enterprise")
        base = core_params(uow, b.id, c.id)  # the core must be designated by this bank
        codes = [e["uscc"] for e in entries]
        known = {}
        for i in range(0, len(codes), 500):
            for r in uow.conn.execute(select(t.party.c.id, t.party.c.uscc, t.party.c.kind, t.party.c.name)
                                      .where(t.party.c.uscc.in_(codes[i:i + 500]))):
                known[r.uscc] = r
        problems: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        for e in entries:
            p = known.get(e["uscc"])
            if p is not None and p.kind != "enterprise":
                problems.append(_problem(e["row"], "uscc", f"该代码属于{p.name}，不是企业",
                                         f"the code belongs to {p.name}, which is not an enterprise", e["uscc"]))
            elif p is not None and p.id == c.id:
                problems.append(_problem(e["row"], "uscc", "核心企业不能是自己的供应商",
                                         "a core enterprise is not its own supplier", e["uscc"]))
            elif p is not None and p.name != e["name"]:
                warnings.append(_problem(e["row"], "name", f"平台登记名称为“{p.name}”，保留登记名称",
                                         f"registered as \"{p.name}\"; the registered name is kept", e["name"]))
            try:
                base.merged(max_ratio=e["max_ratio"], max_term_days=e["max_term_days"],
                            min_split_fen=e["min_split_fen"], max_tier=e["max_tier"], spread=e["spread"])
            except errors.LianRongError as exc:
                problems.append(_problem(e["row"], None, exc.message_zh, exc.message_en))
        if problems:
            raise _refuse(problems)
        now = ctx.clock.now()
        registered, added, updated = [], [], []
        for e in entries:
            p = known.get(e["uscc"])
            if p is None:
                pid = new_id("ent")
                uow.conn.execute(insert(t.party).values(id=pid, kind="enterprise", uscc=e["uscc"], name=e["name"],
                                                        created_at=now))
                registered.append({"row": e["row"], "id": pid, "uscc": e["uscc"], "name": e["name"]})
            else:
                pid = p.id
            overrides = {k: e[k] for k in ("max_ratio", "max_term_days", "min_split_fen", "max_tier", "spread")
                         if e[k] is not None}
            values = {k: (str(x) if isinstance(x, Decimal) else x) for k, x in overrides.items()}
            key = and_(t.supplier_ledger.c.bank_id == b.id, t.supplier_ledger.c.core_id == c.id,
                       t.supplier_ledger.c.supplier_id == pid)
            if uow.conn.execute(select(t.supplier_ledger.c.supplier_id).where(key)).first():
                if values:
                    uow.conn.execute(update(t.supplier_ledger).where(key).values(**values))
                updated.append(pid)
            else:
                uow.conn.execute(insert(t.supplier_ledger).values(bank_id=b.id, core_id=c.id, supplier_id=pid,
                                                                  imported_at=now, **values))
                added.append(pid)
            if e["settlement_account"]:
                okey = and_(t.onboarding.c.bank_id == b.id, t.onboarding.c.party_id == pid)
                if uow.conn.execute(select(t.onboarding.c.party_id).where(okey)).first():
                    uow.conn.execute(update(t.onboarding).where(okey).values(
                        settlement_account=e["settlement_account"], updated_at=now))
                else:
                    uow.conn.execute(insert(t.onboarding).values(
                        bank_id=b.id, party_id=pid, settlement_account=e["settlement_account"], ebanking=False,
                        certificate=None, updated_at=now))
        return {"bank_id": b.id, "core_id": c.id, "rows": len(entries), "registered": registered,
                "added": added, "updated": updated, "warnings": warnings, "sha256": digest}

    return run_idempotent(ctx, key=idempotency_key, operation="ledger.import_xlsx",
                          request={"actor": actor.user_id, "bank": bank, "core": core, "sha256": digest},
                          body=body)


# --- writing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | fen | yuan | date | datetime | rate


_FORMATS = {"text": "@", "int": "0", "fen": "0", "yuan": "#,##0.00", "date": "yyyy-mm-dd",
            "datetime": "yyyy-mm-dd hh:mm:ss", "rate": "0.0000%"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_value(kind: str, value: Any) -> Any:
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


def _sheet(wb: Any, title: str, columns: Sequence[_Col], rows: Iterable[Sequence[Any]], *,
           first: bool = False) -> int:
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
        widths.append(max(_width(col.zh), _width(col.en)))
    ws.row_dimensions[1].height = 32
    count = 0
    for count, values in enumerate(rows, start=1):
        for i, (col, raw) in enumerate(zip(columns, values, strict=True), start=1):
            value = _cell_value(col.kind, raw)
            cell = ws.cell(row=count + 1, column=i, value=value)
            cell.number_format = _FORMATS[col.kind]
            if isinstance(value, str):
                cell.data_type = "s"  # text is never a formula, even when it starts with "="
            shown = (f"{value:,.2f}" if col.kind == "yuan" and value is not None else
                     value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, dt.datetime) else
                     value.isoformat() if isinstance(value, dt.date) else str(value if value is not None else ""))
            widths[i - 1] = max(widths[i - 1], _width(shown))
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


def _about(wb: Any, lines: Sequence[tuple[str, str, Any]]) -> None:
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


def _save(wb: Any) -> bytes:
    wb.properties.creator = "LianRong 链融"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _new_workbook() -> Any:
    from openpyxl import Workbook

    return Workbook()


def _generated(ctx: Context) -> dt.datetime:
    now = ctx.clock.now()
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return now.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def _names(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Any]:
    wanted = sorted({i for i in ids if i})
    out: dict[str, Any] = {}
    for i in range(0, len(wanted), 500):
        for r in uow.conn.execute(select(t.party.c.id, t.party.c.name, t.party.c.uscc)
                                  .where(t.party.c.id.in_(wanted[i:i + 500]))):
            out[r.id] = r
    return out


def _requested_by(uow: UnitOfWork, actor: Actor) -> str:
    if actor.role == "system":
        return "系统 System"
    return uow.conn.execute(select(t.party.c.name).where(t.party.c.id == actor.party_id)).scalar() or actor.party_id


_STATUS_EN = {v.ACTIVE: "held", v.SPENT: "transferred", v.FROZEN: "frozen", v.FINANCED: "financed",
              v.SETTLED: "paid", v.OVERDUE: "overdue"}
_FIN_STATUS_ZH = {"applied": "已申请", "approved": "已审批", "rejected": "已拒绝", "disbursed": "已放款",
                  "repaid": "已还款", "overdue": "逾期"}
_PAY_STATUS_ZH = {"pending": "待执行", "confirmed": "已成功", "failed": "失败"}
_PAY_KIND_ZH = {"settlement": "到期兑付", "disbursement": "融资放款", "surplus": "余额返还"}


def ledger_template_xlsx() -> bytes:
    """An empty customer-ledger workbook: bilingual headers, cell hints and validations, an example row.

    The example row is on the instructions sheet, so the ledger sheet can be filled in and uploaded as is.
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = _new_workbook()
    ws = wb.active
    ws.title = LEDGER_SHEET
    fill = PatternFill(fill_type="solid", start_color="1F3A5F", end_color="1F3A5F")
    optional_fill = PatternFill(fill_type="solid", start_color="4B6A8F", end_color="4B6A8F")
    last = MAX_IMPORT_ROWS + 1
    rules = {
        "uscc": {"type": "textLength", "operator": "equal", "formula1": "18"},
        "name": {"type": "textLength", "operator": "between", "formula1": "1", "formula2": "200"},
        "settlement_account": {"type": "textLength", "operator": "between", "formula1": "6", "formula2": "40"},
        "max_tier": {"type": "whole", "operator": "between", "formula1": "1", "formula2": str(_MAX_TIER)},
        "max_term_days": {"type": "whole", "operator": "between", "formula1": "1",
                          "formula2": str(_MAX_TERM_DAYS)},
        "min_split_yuan": {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0.01"},
    }
    for i, c in enumerate(LEDGER_COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=f"{c.zh}\n{c.en}")
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill if c.required else optional_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(f"{'必填' if c.required else '选填'} {c.hint_zh}\n"
                               f"{'Required' if c.required else 'Optional'}: {c.hint_en}", "LianRong")
        ws.column_dimensions[letter].width = max(_width(c.zh), _width(c.en), 14) + 4
        if c.key in ("uscc", "settlement_account", "name"):  # text as typed: long codes keep every digit
            ws.column_dimensions[letter].number_format = "@"
        dv = DataValidation(allow_blank=not c.required, showInputMessage=True, showErrorMessage=True,
                            promptTitle=c.zh[:32], prompt=f"{c.hint_zh}\n{c.hint_en}"[:255],
                            errorTitle="输入无效 Invalid", error=f"{c.hint_zh}\n{c.hint_en}"[:255],
                            **rules.get(c.key, {}))
        if c.key not in rules:  # hint only: ratios and spreads are also typed as "80%" text
            dv.type = None
            dv.showErrorMessage = False
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last}")
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"

    guide = wb.create_sheet("填写说明 Instructions")
    guide.append(["列 Column", "必填 Required", "说明", "Notes", "示例 Example"])
    for c in LEDGER_COLUMNS:
        guide.append([f"{c.zh} {c.en}", "是 yes" if c.required else "否 no", c.hint_zh, c.hint_en, c.example])
    guide.append([])
    guide.append(["示例行 Example row（复制到“客户台账”表使用 / copy into the 客户台账 sheet）"])
    guide.append([f"{c.zh}\n{c.en}" for c in LEDGER_COLUMNS])
    guide.append([c.example for c in LEDGER_COLUMNS])
    guide.append([])
    for line in ("每行一家供应商；空白的参数单元格沿用核心企业的融资参数。",
                 "One supplier per row; a blank parameter cell keeps the core enterprise's parameter.",
                 "任何一行有误则整个文件不导入，并逐行列出全部问题。",
                 "If any row has a problem nothing is imported, and every problem is listed row by row.",
                 "结算账号仅登记账号；企业网银和U盾由银行在开户信息中维护。",
                 "Only the account number is recorded; e-banking and the certificate are kept in onboarding."):
        guide.append([line])
    for row in guide.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = Font(bold=True)
    for row in guide.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (30, 14, 40, 50, 22), strict=True):
        guide.column_dimensions[letter].width = width
    return _save(wb)


def export_holdings_xlsx(ctx: Context, *, actor: Actor, party: str, include_closed: bool = False) -> bytes:
    """A party's voucher holdings, classified as receivables (应收账款, 财会〔2021〕32号)."""
    columns = (
        _Col("voucher_number", "凭据编号", "Voucher number"),
        _Col("fragment_id", "份额编号", "Part (fragment) ID"),
        _Col("accounting_class", "会计科目", "Accounting classification"),
        _Col("issuer_name", "签发人（核心企业）", "Issuer (core enterprise)"),
        _Col("issuer_uscc", "签发人统一社会信用代码", "Issuer USCC"),
        _Col("bank_name", "开立银行", "Bank"),
        _Col("tier", "层级", "Tier", "int"),
        _Col("status", "状态", "Status"),
        _Col("amount_fen", "金额（分）", "Amount (fen)", "fen"),
        _Col("amount_yuan", "金额（元）", "Amount (CNY)", "yuan"),
        _Col("issue_on", "签发日", "Issue date", "date"),
        _Col("maturity_on", "到期日", "Maturity date", "date"),
        _Col("days_to_maturity", "剩余天数", "Days to maturity", "int"),
        _Col("maturity_note", "到期日说明", "Maturity note"),
        _Col("contract_number", "取得依据合同", "Acquired under contract"),
    )
    with ctx.uow(readonly=True) as uow:
        p = resolve_party(uow, party)
        statuses = (v.ACTIVE, v.FROZEN, v.FINANCED) + ((v.SETTLED, v.OVERDUE) if include_closed else ())
        f, vo = t.fragment, t.voucher
        rows = uow.conn.execute(
            select(f.c.id, f.c.tier, f.c.status, f.c.amount_fen, vo.c.number, vo.c.core_id, vo.c.bank_id,
                   vo.c.issue_on, vo.c.maturity_on, vo.c.requested_maturity, vo.c.maturity_official,
                   t.contract.c.number.label("contract_number"))
            .join(vo, vo.c.id == f.c.voucher_id)
            .outerjoin(t.contract, t.contract.c.id == f.c.contract_id)
            .where(scope.holdings_filter(uow, actor, p.id), f.c.status.in_(statuses))
            .order_by(vo.c.maturity_on, vo.c.number, f.c.id)).all()
        names = _names(uow, [r.core_id for r in rows] + [r.bank_id for r in rows])
        requested_by = _requested_by(uow, actor)
    today = ctx.clock.today()
    data = []
    for r in rows:
        notes = []
        if r.requested_maturity != r.maturity_on:
            notes.append(f"顺延自 rolled from {r.requested_maturity.isoformat()}")
        if not r.maturity_official:
            notes.append("非官方节假日 unofficial calendar")
        data.append([r.number, r.id, f"{ACCOUNTING_CLASS_ZH} {ACCOUNTING_CLASS_EN}", names[r.core_id].name,
                     names[r.core_id].uscc, names[r.bank_id].name, r.tier,
                     f"{v.STATUS_ZH.get(r.status, r.status)} {_STATUS_EN.get(r.status, r.status)}",
                     r.amount_fen, r.amount_fen, r.issue_on, r.maturity_on, (r.maturity_on - today).days,
                     "；".join(notes), r.contract_number])
    wb = _new_workbook()
    _sheet(wb, "持有凭据 Holdings", columns, data, first=True)
    _about(wb, [
        ("持有人", "Holder", f"{p.name} {p.uscc}"),
        ("数据日期", "As of", today.isoformat()),
        ("导出时间", "Generated (Beijing)", _generated(ctx).strftime("%Y-%m-%d %H:%M:%S")),
        ("导出机构", "Requested by", requested_by),
        ("笔数", "Rows", len(data)),
        ("合计（分）", "Total (fen)", sum(r.amount_fen for r in rows)),
        ("会计处理", "Accounting", ("依据财会〔2021〕32号，数字信用凭据作为“应收账款”核算与列报，不属于“应收票据”。"
                                   " Per MoF Kuaiji [2021] No. 32 the vouchers are receivables, not notes receivable.")),
    ])
    return _save(wb)


def export_financings_xlsx(ctx: Context, *, actor: Actor, bank: str | None = None,
                           status: str | None = None) -> bytes:
    """Financings the actor may see (optionally one bank's, one status), with pricing and registration."""
    columns = (
        _Col("id", "融资编号", "Financing ID"),
        _Col("status", "状态", "Status"),
        _Col("bank_name", "融资银行", "Bank"),
        _Col("applicant_name", "申请人", "Applicant"),
        _Col("applicant_uscc", "申请人统一社会信用代码", "Applicant USCC"),
        _Col("core_name", "核心企业", "Core enterprise"),
        _Col("voucher_numbers", "凭据编号", "Voucher numbers"),
        _Col("face_fen", "凭据金额（分）", "Voucher amount (fen)", "fen"),
        _Col("face_yuan", "凭据金额（元）", "Voucher amount (CNY)", "yuan"),
        _Col("principal_fen", "融资本金（分）", "Principal (fen)", "fen"),
        _Col("principal_yuan", "融资本金（元）", "Principal (CNY)", "yuan"),
        _Col("annual_rate", "年利率", "Annual rate", "rate"),
        _Col("lpr", "LPR", "LPR", "rate"),
        _Col("spread", "利差", "Spread", "rate"),
        _Col("applied_on", "申请日", "Applied on", "date"),
        _Col("financing_on", "放款日", "Disbursed on", "date"),
        _Col("maturity_on", "到期日", "Maturity date", "date"),
        _Col("days", "计息天数", "Interest days", "int"),
        _Col("interest_fen", "预收利息（分）", "Prepaid interest (fen)", "fen"),
        _Col("interest_yuan", "预收利息（元）", "Prepaid interest (CNY)", "yuan"),
        _Col("net_fen", "实付金额（分）", "Net proceeds (fen)", "fen"),
        _Col("net_yuan", "实付金额（元）", "Net proceeds (CNY)", "yuan"),
        _Col("registration_no", "中登网登记编号", "Registry number"),
        _Col("registered_at", "登记时间", "Registered at", "datetime"),
    )
    with ctx.uow(readonly=True) as uow:
        stmt = select(t.financing).order_by(t.financing.c.applied_on, t.financing.c.created_at, t.financing.c.id)
        limit = scope.financing_filter(uow, actor)
        if limit is not None:
            stmt = stmt.where(limit)
        if bank:
            stmt = stmt.where(t.financing.c.bank_id == resolve_party(uow, bank, kind="bank").id)
        if status:
            stmt = stmt.where(t.financing.c.status == status)
        rows = uow.conn.execute(stmt).all()
        numbers: dict[str, list[str]] = {}
        ids = [r.id for r in rows]
        for i in range(0, len(ids), 500):
            for r in uow.conn.execute(
                    select(t.financing_fragment.c.financing_id, t.voucher.c.number).distinct()
                    .join(t.fragment, t.fragment.c.id == t.financing_fragment.c.fragment_id)
                    .join(t.voucher, t.voucher.c.id == t.fragment.c.voucher_id)
                    .where(t.financing_fragment.c.financing_id.in_(ids[i:i + 500]))):
                numbers.setdefault(r.financing_id, []).append(r.number)
        names = _names(uow, [x for r in rows for x in (r.bank_id, r.applicant_id, r.core_id)])
        requested_by = _requested_by(uow, actor)
    data = []
    for r in rows:
        data.append([r.id, f"{_FIN_STATUS_ZH.get(r.status, r.status)} {r.status}", names[r.bank_id].name,
                     names[r.applicant_id].name, names[r.applicant_id].uscc,
                     names[r.core_id].name if r.core_id in names else r.core_id,
                     "、".join(sorted(numbers.get(r.id, []))), r.face_fen, r.face_fen, r.principal_fen,
                     r.principal_fen, r.annual_rate, r.lpr, r.spread, r.applied_on, r.financing_on, r.maturity_on,
                     r.days, r.interest_fen, r.interest_fen, r.net_fen, r.net_fen, r.registration_no,
                     r.registered_at])
    wb = _new_workbook()
    _sheet(wb, "融资 Financings", columns, data, first=True)
    _about(wb, [
        ("导出时间", "Generated (Beijing)", _generated(ctx).strftime("%Y-%m-%d %H:%M:%S")),
        ("导出机构", "Requested by", requested_by),
        ("筛选", "Filter", f"bank={bank or '*'} status={status or '*'}"),
        ("笔数", "Rows", len(data)),
        ("计息规则", "Interest", ("预收利息 = 本金 × 年利率 × 天数 / 360，四舍五入到分；实付 = 本金 − 利息。"
                                  " Prepaid interest = principal × rate × days / 360, rounded half up to the fen;"
                                  " net = principal − interest.")),
    ])
    return _save(wb)


def export_settlements_xlsx(ctx: Context, *, actor: Actor, on: dt.date | None = None,
                            kind: str | None = "settlement") -> bytes:
    """Payment instructions at maturity (by default; ``kind=None`` for all) the actor is party to."""
    columns = (
        _Col("id", "指令编号", "Instruction ID"),
        _Col("kind", "类型", "Kind"),
        _Col("value_on", "付款日", "Value date", "date"),
        _Col("voucher_number", "凭据编号", "Voucher number"),
        _Col("fragment_id", "份额编号", "Part (fragment) ID"),
        _Col("payer_name", "付款方", "Payer"),
        _Col("payer_uscc", "付款方统一社会信用代码", "Payer USCC"),
        _Col("payee_name", "收款方", "Payee"),
        _Col("payee_uscc", "收款方统一社会信用代码", "Payee USCC"),
        _Col("payee_account", "收款账号", "Payee account"),
        _Col("amount_fen", "金额（分）", "Amount (fen)", "fen"),
        _Col("amount_yuan", "金额（元）", "Amount (CNY)", "yuan"),
        _Col("status", "状态", "Status"),
        _Col("reference", "银行流水号", "Bank reference"),
        _Col("confirmed_at", "确认时间", "Confirmed at", "datetime"),
        _Col("failure", "失败原因", "Failure reason"),
    )
    p = t.payment_instruction
    with ctx.uow(readonly=True) as uow:
        stmt = (select(p, t.voucher.c.number.label("voucher_number"))
                .outerjoin(t.voucher, t.voucher.c.id == p.c.voucher_id)
                .order_by(p.c.value_on, p.c.created_at, p.c.id))
        if not scope.sees_everything(uow, actor):
            me = actor.party_id
            stmt = stmt.where(or_(p.c.payer_id == me, p.c.payee_id == me, p.c.bank_id == me, p.c.core_id == me))
        if on is not None:
            stmt = stmt.where(p.c.value_on == on)
        if kind:
            stmt = stmt.where(p.c.kind == kind)
        rows = uow.conn.execute(stmt).all()
        names = _names(uow, [x for r in rows for x in (r.payer_id, r.payee_id)])
        requested_by = _requested_by(uow, actor)
    data = [[r.id, f"{_PAY_KIND_ZH.get(r.kind, r.kind)} {r.kind}", r.value_on, r.voucher_number, r.fragment_id,
             names[r.payer_id].name, names[r.payer_id].uscc, names[r.payee_id].name, names[r.payee_id].uscc,
             r.payee_account, r.amount_fen, r.amount_fen, f"{_PAY_STATUS_ZH.get(r.status, r.status)} {r.status}",
             r.reference, r.confirmed_at, r.failure] for r in rows]
    wb = _new_workbook()
    _sheet(wb, "兑付 Settlements" if kind == "settlement" else "支付指令 Payments", columns, data, first=True)
    _about(wb, [
        ("导出时间", "Generated (Beijing)", _generated(ctx).strftime("%Y-%m-%d %H:%M:%S")),
        ("导出机构", "Requested by", requested_by),
        ("付款日", "Value date", on.isoformat() if on else "全部 all"),
        ("类型", "Kind", kind or "全部 all"),
        ("笔数", "Rows", len(data)),
        ("合计（分）", "Total (fen)", sum(r.amount_fen for r in rows)),
        ("说明", "Note", ("平台不持有资金；指令由核心企业开户行执行，状态以银行确认为准。"
                         " LianRong holds no money: the core enterprise's bank executes the instructions.")),
    ])
    return _save(wb)

