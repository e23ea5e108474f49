"""A chain's members as a workbook: export, and import all or nothing with every problem reported row by row.

Columns (Chinese over English): 统一社会信用代码 USCC, 企业名称 Name, 角色 Role (code, Chinese or English
name), 层级 Tier (0 for the chain leader), 加入日期 Joined on (optional: today), 备注 Note (optional).
The export writes the same sheet, so an exported file can be edited and imported again.

An import adds new members, changes current members' role, tier and note, and takes former members back; it
never removes anyone (a member leaves through ``service.remove_member``). Unknown enterprises are registered.
Any problem in any row refuses the whole file (``excel.import_invalid`` with ``details.rows``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.adapters.spreadsheet import (
    CONTROL_CHARS,
    BadCell,
    Col,
    add_about,
    add_sheet,
    cell_text,
    file_refusal,
    load_rows,
    new_workbook,
    norm_header,
    problem,
    refuse,
    save,
)
from lianrong.kernel import errors
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.kernel.ids import new_id
from lianrong.platform import scope
from lianrong.platform.common import check_actor_role
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed
from lianrong.programme.chains import queries
from lianrong.programme.chains.access import MEMBERS_WHAT, managed_chain
from lianrong.programme.chains.model import check_member
from lianrong.programme.chains.service import join

MEMBERS_SHEET = "链上成员"

COLUMNS: tuple[Col, ...] = (
    Col("uscc", "统一社会信用代码", "USCC"),
    Col("name", "企业名称", "Name"),
    Col("role", "角色", "Role"),
    Col("tier", "层级", "Tier", "int"),
    Col("joined_on", "加入日期", "Joined on", "date"),
    Col("note", "备注", "Note"),
)
_REQUIRED = ("uscc", "name", "role", "tier")
_ZH = {c.key: c.zh for c in COLUMNS}


@dataclass(frozen=True, slots=True)
class ImportedMember:
    """One row of an imported workbook: the enterprise and what the row did (added, updated or rejoined)."""

    row: int
    party_id: str
    uscc: str
    name: str
    role: str
    tier: int
    outcome: str
    registered: bool


@dataclass(frozen=True, slots=True)
class MembersImport:
    """A members workbook imported into a chain."""

    chain_id: str
    rows: int
    added: int
    updated: int
    rejoined: int
    registered: int
    members: tuple[ImportedMember, ...]
    sha256: str


def _problem(row: int | None, column: str | None, zh: str, en: str, value: Any = None) -> dict[str, Any]:
    return problem(row, column, zh, en, value, column_zh=_ZH.get(column or ""))


def _header(row_no: int, header: Sequence[Any], problems: list[dict[str, Any]]) -> dict[str, int]:
    aliases = {}
    for c in COLUMNS:
        for text in (c.key, c.zh, c.en, f"{c.zh}\n{c.en}", f"{c.zh} {c.en}"):
            aliases[norm_header(text)] = c.key
    columns: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = cell_text(cell)
        candidates = [norm_header(text)] + [norm_header(p) for p in re.split(r"[\n/|]", text)]
        found = next((aliases[x] for x in candidates if x in aliases), None)
        if found is None:
            continue  # extra columns are ignored
        if found in columns:
            problems.append(_problem(row_no, found, f"列重复：{_ZH[found]}", f"duplicate column: {found}", text))
            continue
        columns[found] = i
    for key in _REQUIRED:
        if key not in columns:
            problems.append(_problem(row_no, key, f"缺少列：{_ZH[key]}", f"missing column: {key}"))
    return columns


def _uscc(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadCell("统一社会信用代码以数字保存，请将该列设为文本", "the USCC is stored as a number; format as text")
    text = cell_text(value)
    if not text:
        raise BadCell("统一社会信用代码为空", "the USCC is empty")
    try:
        return normalize_uscc(text)
    except errors.InvalidUSCC:
        raise BadCell(f"统一社会信用代码无效：{text}", f"invalid USCC: {text}") from None


def _name(value: Any) -> str:
    text = cell_text(value)
    if not text or len(text) > 200 or CONTROL_CHARS.search(text):
        raise BadCell("企业名称为空、过长或含控制字符", "the name is empty, too long or has control characters")
    return text


def _tier(value: Any) -> int:
    if isinstance(value, bool):
        raise BadCell("层级须为整数", "the tier must be a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = cell_text(value)
    if not re.fullmatch(r"\d{1,3}", text):
        raise BadCell("层级须为整数", "the tier must be a whole number")
    return int(text)


def _date(value: Any) -> dt.date | None:
    if value is None or cell_text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(cell_text(value).replace("/", "-"))
    except ValueError:
        raise BadCell("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD") from None


def _note(value: Any) -> str:
    text = cell_text(value)
    if len(text) > 200 or CONTROL_CHARS.search(text):
        raise BadCell(
            "备注超过200个字符或含控制字符", "the note is longer than 200 characters or has control characters"
        )
    return text


_PARSERS = {"uscc": _uscc, "name": _name, "role": cell_text, "tier": _tier, "joined_on": _date, "note": _note}


def read_members_xlsx(content: bytes, *, today: dt.date) -> list[dict[str, Any]]:
    """Parse and check a members workbook without the database: its rows, or ``ExcelImportInvalid``."""
    rows = load_rows(content, sheet=MEMBERS_SHEET)
    if not rows:
        raise file_refusal("文件没有内容", "the file has no content")
    problems: list[dict[str, Any]] = []
    header_no, header = rows[0]
    columns = _header(header_no, header, problems)
    if not rows[1:]:
        problems.append(_problem(header_no, None, "文件没有数据行", "the file has no data rows"))
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row_no, cells in rows[1:]:
        entry: dict[str, Any] = {"row": row_no}
        ok = True
        for key, parse in _PARSERS.items():
            raw = cells[columns[key]] if key in columns and columns[key] < len(cells) else None
            try:
                entry[key] = parse(raw)
            except BadCell as bad:
                problems.append(_problem(row_no, key, bad.zh, bad.en, raw))
                ok = False
        if ok:
            try:
                entry["role"] = check_member(role=entry["role"], tier=entry["tier"]).value
            except errors.LianRongError as exc:
                column = "tier" if exc.code in ("chain.tier_invalid", "chain.leader_tier") else "role"
                problems.append(_problem(row_no, column, exc.message_zh, exc.message_en, entry[column]))
                ok = False
        if ok and entry["joined_on"] is not None and entry["joined_on"] > today:
            problems.append(_problem(row_no, "joined_on", "加入日期晚于今天", "the joining date is after today"))
            ok = False
        code = entry.get("uscc")
        if code:
            if code in seen:
                problems.append(_problem(row_no, "uscc", f"与第{seen[code]}行重复", f"repeats row {seen[code]}", code))
                ok = False
            else:
                seen[code] = row_no
        if ok:
            out.append(entry)
    if problems:
        raise refuse(problems)
    return out


def import_members_xlsx(
    ctx: Context, *, actor: Actor, chain: str, content: bytes, idempotency_key: str
) -> MembersImport:
    """Import a chain's members from a workbook, all or nothing (the module's text says how)."""
    check_actor_role(actor, "operator", "approver")
    scope.check_may_act(ctx, actor, "district", "chain_office", what=MEMBERS_WHAT)
    today = ctx.clock.today()
    entries = read_members_xlsx(content, today=today)
    digest = hashlib.sha256(bytes(content)).hexdigest()

    def body(uow: UnitOfWork) -> MembersImport:
        c = managed_chain(uow, actor, chain)
        codes = [e["uscc"] for e in entries]
        known: dict[str, Any] = {}
        for i in range(0, len(codes), 500):
            p = t.party.c
            for r in uow.conn.execute(select(p.id, p.uscc, p.kind, p.name).where(p.uscc.in_(codes[i : i + 500]))):
                known[r.uscc] = r
        problems = [
            _problem(
                e["row"],
                "uscc",
                f"该代码属于{known[e['uscc']].name}，不是企业",
                f"the code belongs to {known[e['uscc']].name}, which is not an enterprise",
                e["uscc"],
            )
            for e in entries
            if e["uscc"] in known and known[e["uscc"]].kind != "enterprise"
        ]
        if problems:
            raise refuse(problems)
        now = ctx.clock.now()
        done: list[ImportedMember] = []
        for e in entries:
            party = known.get(e["uscc"])
            if party is None:
                pid = new_id("ent")
                uow.conn.execute(
                    insert(t.party).values(id=pid, kind="enterprise", uscc=e["uscc"], name=e["name"], created_at=now)
                )
            else:
                pid = party.id
            outcome = join(
                uow,
                chain_id=c.id,
                party_id=pid,
                role=e["role"],
                tier=e["tier"],
                joined_on=e["joined_on"] or today,
                note=e["note"],
                actor=actor,
                now=now,
                update_current=True,
            )
            name = party.name if party is not None else e["name"]
            done.append(ImportedMember(e["row"], pid, e["uscc"], name, e["role"], e["tier"], outcome, party is None))
        return MembersImport(
            chain_id=c.id,
            rows=len(entries),
            added=sum(m.outcome == "added" for m in done),
            updated=sum(m.outcome == "updated" for m in done),
            rejoined=sum(m.outcome == "rejoined" for m in done),
            registered=sum(m.registered for m in done),
            members=tuple(done),
            sha256=digest,
        )

    return run_typed(
        ctx,
        MembersImport,
        key=idempotency_key,
        operation="chains.members_import",
        request={"actor": actor.user_id, "chain": chain, "sha256": digest},
        body=body,
    )


def export_members_xlsx(ctx: Context, *, viewer: Actor, chain: str, former: bool = False) -> bytes:
    """A chain's members as the viewer may see them (the import's columns; ``former``: also former members,
    with their leaving date in an extra column)."""
    page = queries.chain(ctx, viewer=viewer, chain=chain, former=former)
    columns = COLUMNS + ((Col("left_on", "退出日期", "Left on", "date"),) if former else ())
    rows = [
        (m.uscc, m.name, m.role, m.tier, m.joined_on, m.note, *((m.left_on,) if former else ())) for m in page.members
    ]
    wb = new_workbook()
    add_sheet(wb, MEMBERS_SHEET, columns, rows, first=True)
    add_about(
        wb,
        [
            ("产业链", "Chain", f"{page.chain.name} ({page.chain.code})"),
            ("链办", "Chain office", page.chain.office_name),
            ("成员数", "Members", page.chain.members),
            ("导出时间", "Exported at", ctx.clock.now().isoformat(timespec="seconds")),
            (
                "角色",
                "Roles",
                "leader 链主 · supplier 供应商 · producer 生产商 · distributor 经销商 · brand 品牌商 · logistics 物流仓储",
            ),
        ],
    )
    return save(wb)
