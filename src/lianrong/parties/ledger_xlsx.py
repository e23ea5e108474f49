"""The customer ledger as a workbook: its columns, the template, reading and importing it (problems as data, nothing half-written)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.adapters.spreadsheet import (
    MAX_IMPORT_ROWS,
    BadCell,
    file_refusal,
    load_rows,
    new_workbook,
    refuse,
    save,
    text_width,
)
from lianrong.kernel import errors
from lianrong.kernel.ids import new_id
from lianrong.parties.designations import core_params
from lianrong.parties.ledger_cells import (
    _MAX_TERM_DAYS,
    _MAX_TIER,
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    _map_header,
    _parse_account,
    _parse_int,
    _parse_min_split,
    _parse_name,
    _parse_ratio,
    _parse_spread,
    _parse_uscc,
    _problem,
)
from lianrong.platform.common import (
    check_actor_party,
    check_actor_role,
    resolve_party,
)
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed


@dataclass(frozen=True, slots=True)
class RegisteredSupplier:
    """An enterprise a ledger workbook registered: the row it came from, its id, USCC and name."""

    row: int
    id: str
    uscc: str
    name: str


@dataclass(frozen=True, slots=True)
class LedgerNote:
    """A warning about a workbook's cell (as the refusals' problems: where, the value shown, why)."""

    row: int | None
    column: str | None
    column_zh: str | None
    value: str | None
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class LedgerWorkbookImport:
    """A ledger workbook imported: its rows, the enterprises registered, the ledger entries added and updated."""

    bank_id: str
    core_id: str
    rows: int
    registered: tuple[RegisteredSupplier, ...]
    added: tuple[str, ...]
    updated: tuple[str, ...]
    warnings: tuple[LedgerNote, ...]
    sha256: str


def read_ledger_xlsx(content: bytes, *, max_ratio: Decimal = Decimal(1)) -> list[dict[str, Any]]:
    """Parse and check a ledger workbook without the database: its rows, or ``ExcelImportInvalid``.

    Each row comes back as ``{"row", "uscc", "name", "settlement_account", "max_ratio",
    "min_split_fen", "max_tier", "max_term_days", "spread"}`` (optional values None when blank).
    """
    rows = load_rows(content, sheet=LEDGER_SHEET)
    problems: list[dict[str, Any]] = []
    if not rows:
        raise file_refusal("文件没有内容", "the file has no content")
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
            except BadCell as bad:
                problems.append(_problem(row_no, key, bad.zh, bad.en, raw))
                entry[key] = None
                ok = False
        code = entry.get("uscc")
        if code:
            if code in first_seen:
                problems.append(
                    _problem(
                        row_no,
                        "uscc",
                        f"统一社会信用代码与第{first_seen[code]}行重复",
                        f"the USCC repeats row {first_seen[code]}",
                        code,
                    )
                )
                ok = False
            else:
                first_seen[code] = row_no
        entry["min_split_fen"] = entry.pop("min_split_yuan", None)
        if ok:
            out.append(entry)
    if problems:
        raise refuse(problems)
    return out


def import_ledger_xlsx(
    ctx: Context, *, actor: Actor, bank: str, core: str, content: bytes, idempotency_key: str
) -> LedgerWorkbookImport:
    """Import a core enterprise's supplier list (.xlsx) into the bank's customer ledger, all or nothing.

    Unknown enterprises are registered; a given settlement account is recorded at the bank (e-banking
    and certificate are still the bank's onboarding step); blank parameter cells keep the core
    enterprise's value (or the supplier's existing override). Any problem in any row refuses the whole
    file with ``ExcelImportInvalid`` listing every problem.
    """
    entries = read_ledger_xlsx(content, max_ratio=ctx.policy.max_financing_ratio)
    digest = hashlib.sha256(bytes(content)).hexdigest()
    check_actor_role(actor, "operator", "approver")

    def body(uow: UnitOfWork) -> LedgerWorkbookImport:
        b = resolve_party(uow, bank, kind="bank")
        check_actor_party(actor, b.id, what="only the bank keeps the customer ledger / 仅银行可维护客户台账")
        c = resolve_party(uow, core, kind="enterprise")
        base = core_params(uow, b.id, c.id)  # the core must be designated by this bank
        codes = [e["uscc"] for e in entries]
        known = {}
        for i in range(0, len(codes), 500):
            for r in uow.conn.execute(
                select(t.party.c.id, t.party.c.uscc, t.party.c.kind, t.party.c.name).where(
                    t.party.c.uscc.in_(codes[i : i + 500])
                )
            ):
                known[r.uscc] = r
        problems: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        for e in entries:
            p = known.get(e["uscc"])
            if p is not None and p.kind != "enterprise":
                problems.append(
                    _problem(
                        e["row"],
                        "uscc",
                        f"该代码属于{p.name}，不是企业",
                        f"the code belongs to {p.name}, which is not an enterprise",
                        e["uscc"],
                    )
                )
            elif p is not None and p.id == c.id:
                problems.append(
                    _problem(
                        e["row"],
                        "uscc",
                        "核心企业不能是自己的供应商",
                        "a core enterprise is not its own supplier",
                        e["uscc"],
                    )
                )
            elif p is not None and p.name != e["name"]:
                warnings.append(
                    _problem(
                        e["row"],
                        "name",
                        f"平台登记名称为“{p.name}”，保留登记名称",
                        f'registered as "{p.name}"; the registered name is kept',
                        e["name"],
                    )
                )
            try:
                base.merged(
                    max_ratio=e["max_ratio"],
                    max_term_days=e["max_term_days"],
                    min_split_fen=e["min_split_fen"],
                    max_tier=e["max_tier"],
                    spread=e["spread"],
                )
            except errors.LianRongError as exc:
                problems.append(_problem(e["row"], None, exc.message_zh, exc.message_en))
        if problems:
            raise refuse(problems)
        now = ctx.clock.now()
        registered: list[RegisteredSupplier] = []
        added: list[str] = []
        updated: list[str] = []
        for e in entries:
            p = known.get(e["uscc"])
            if p is None:
                pid = new_id("ent")
                uow.conn.execute(
                    insert(t.party).values(id=pid, kind="enterprise", uscc=e["uscc"], name=e["name"], created_at=now)
                )
                registered.append(RegisteredSupplier(row=e["row"], id=pid, uscc=e["uscc"], name=e["name"]))
            else:
                pid = p.id
            overrides = {
                k: e[k]
                for k in ("max_ratio", "max_term_days", "min_split_fen", "max_tier", "spread")
                if e[k] is not None
            }
            values = {k: (str(x) if isinstance(x, Decimal) else x) for k, x in overrides.items()}
            key = and_(
                t.supplier_ledger.c.bank_id == b.id,
                t.supplier_ledger.c.core_id == c.id,
                t.supplier_ledger.c.supplier_id == pid,
            )
            if uow.conn.execute(select(t.supplier_ledger.c.supplier_id).where(key)).first():
                if values:
                    uow.conn.execute(update(t.supplier_ledger).where(key).values(**values))
                updated.append(pid)
            else:
                uow.conn.execute(
                    insert(t.supplier_ledger).values(
                        bank_id=b.id, core_id=c.id, supplier_id=pid, imported_at=now, **values
                    )
                )
                added.append(pid)
            if e["settlement_account"]:
                okey = and_(t.onboarding.c.bank_id == b.id, t.onboarding.c.party_id == pid)
                if uow.conn.execute(select(t.onboarding.c.party_id).where(okey)).first():
                    uow.conn.execute(
                        update(t.onboarding)
                        .where(okey)
                        .values(settlement_account=e["settlement_account"], updated_at=now)
                    )
                else:
                    uow.conn.execute(
                        insert(t.onboarding).values(
                            bank_id=b.id,
                            party_id=pid,
                            settlement_account=e["settlement_account"],
                            ebanking=False,
                            certificate=None,
                            updated_at=now,
                        )
                    )
        return LedgerWorkbookImport(
            bank_id=b.id,
            core_id=c.id,
            rows=len(entries),
            registered=tuple(registered),
            added=tuple(added),
            updated=tuple(updated),
            warnings=tuple(LedgerNote(**w) for w in warnings),
            sha256=digest,
        )

    return run_typed(
        ctx,
        LedgerWorkbookImport,
        key=idempotency_key,
        operation="ledger.import_xlsx",
        request={"actor": actor.user_id, "bank": bank, "core": core, "sha256": digest},
        body=body,
    )


def ledger_template_xlsx() -> bytes:
    """An empty customer-ledger workbook: bilingual headers, cell hints and validations, an example row.

    The example row is on the instructions sheet, so the ledger sheet can be filled in and uploaded as is.
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = new_workbook()
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
        "max_term_days": {"type": "whole", "operator": "between", "formula1": "1", "formula2": str(_MAX_TERM_DAYS)},
        "min_split_yuan": {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0.01"},
    }
    for i, c in enumerate(LEDGER_COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=f"{c.zh}\n{c.en}")
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill if c.required else optional_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(
            f"{'必填' if c.required else '选填'} {c.hint_zh}\n{'Required' if c.required else 'Optional'}: {c.hint_en}",
            "LianRong",
        )
        ws.column_dimensions[letter].width = max(text_width(c.zh), text_width(c.en), 14) + 4
        if c.key in ("uscc", "settlement_account", "name"):  # text as typed: long codes keep every digit
            ws.column_dimensions[letter].number_format = "@"
        dv = DataValidation(
            allow_blank=not c.required,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle=c.zh[:32],
            prompt=f"{c.hint_zh}\n{c.hint_en}"[:255],
            errorTitle="输入无效 Invalid",
            error=f"{c.hint_zh}\n{c.hint_en}"[:255],
            **rules.get(c.key, {}),
        )
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
    for line in (
        "每行一家供应商；空白的参数单元格沿用核心企业的融资参数。",
        "One supplier per row; a blank parameter cell keeps the core enterprise's parameter.",
        "任何一行有误则整个文件不导入，并逐行列出全部问题。",
        "If any row has a problem nothing is imported, and every problem is listed row by row.",
        "结算账号仅登记账号；企业网银和U盾由银行在开户信息中维护。",
        "Only the account number is recorded; e-banking and the certificate are kept in onboarding.",
    ):
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
    return save(wb)
