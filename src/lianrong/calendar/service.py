"""Official working days: load the State Council's schedule into ``calendar_override``, list it, and say
which vouchers' maturity would roll differently under it.

The schedule is a CSV file with the columns ``date`` (YYYY-MM-DD), ``kind`` (``holiday``/``休`` for a day
off, ``workday``/``班`` for a make-up working day) and ``name`` (the festival), with or without a header
row (日期, 类型, 名称 are understood too). Every row is checked first; a file with any bad row is refused
whole (``calendar.file_invalid`` with the problems by row) and nothing is written. Loading the same file
again changes nothing. Maturities already computed stay as they were: the load reports the open vouchers
whose maturity would now roll to another day, for their parties to decide.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from lianrong.adapters.db import tables as t
from lianrong.adapters.db.uow import UnitOfWork
from lianrong.adapters.holidays import ChineseCalendarSource
from lianrong.calendar import errors as calendar_errors
from lianrong.kernel import errors
from lianrong.kernel.calendar import HolidaySource, roll_forward
from lianrong.platform import scope
from lianrong.platform.context import Actor, Context
from lianrong.platform.results import run_typed

#: the kinds a row may name, and whether the day is a working day
KINDS = {"holiday": False, "休": False, "workday": True, "班": True}
_HEADERS = {"date": "date", "日期": "date", "kind": "kind", "类型": "kind", "name": "name", "名称": "name"}
_COLUMNS = ("date", "kind", "name")
_COLUMNS_ZH = {"date": "日期", "kind": "类型", "name": "名称"}
#: longest name kept (the column's width)
MAX_NAME = 120
#: vouchers whose maturity is still to come (a matured one keeps its date whatever the calendar says)
_OPEN = ("pending", "active")


@dataclass(frozen=True, slots=True)
class MaturityChange:
    """An open voucher whose stored maturity (kept) is not where its requested date rolls now (``would_be``)."""

    id: str
    number: str
    status: str  # the voucher's status (pending or active)
    requested_maturity: dt.date
    maturity_on: dt.date
    would_be: dt.date


@dataclass(frozen=True, slots=True)
class CalendarLoad:
    """A schedule file loaded: its rows, what they changed, the days they span and the maturities affected."""

    rows: int
    inserted: int
    updated: int
    unchanged: int
    first: dt.date
    last: dt.date
    vouchers: tuple[MaturityChange, ...]


def check_calendar_actor(ctx: Context, actor: Actor) -> None:
    """Official dates are loaded by the district office's administrator or operator (or the system)."""
    if actor.role == "system":
        return
    with ctx.uow(readonly=True) as uow:
        kind = scope.party_kind(uow, actor)
    if kind != "district" or actor.role not in ("admin", "operator"):
        raise errors.Forbidden(
            reason="only the district office's administrator or operator loads official "
            "holidays / 仅区金融办管理员或经办可导入法定节假日"
        )


def parse_schedule(content: bytes) -> list[dict[str, Any]]:
    """The rows of a schedule file as ``{day, workday, name, row}``; any problem refuses the whole file."""
    try:
        text = content.decode("utf-8-sig")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", content, 0, 1, "NUL")
    except UnicodeDecodeError:
        raise _whole_file(
            "文件不是UTF-8编码的CSV（请另存为“CSV UTF-8”）", 'the file is not UTF-8 CSV (save it as "CSV UTF-8")'
        ) from None
    try:
        # a record's number is its row as a spreadsheet shows it (header = row 1); blank lines are skipped
        records = [
            (n, [c.strip() for c in cells])
            for n, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
            if any(c.strip() for c in cells)
        ]
    except csv.Error as exc:
        raise _whole_file(f"CSV格式错误：{exc}", f"malformed CSV: {exc}") from None
    if not records:
        raise _whole_file("文件没有数据行", "the file has no data rows")
    columns = {name: i for i, name in enumerate(_COLUMNS)}
    first_no, first = records[0]
    if _parse_day(first[0]) is None and any(c.lower() in _HEADERS for c in first):  # a header row
        named = {_HEADERS[c.lower()]: i for i, c in enumerate(first) if c.lower() in _HEADERS}
        missing = [c for c in ("date", "kind") if c not in named]
        if missing:
            raise calendar_errors.CalendarFileInvalid(
                problems=len(missing),
                rows=[
                    _problem(first_no, c, None, f"缺少列：{_COLUMNS_ZH[c]}（{c}）", f"missing column: {c}")
                    for c in missing
                ],
            )
        columns = named
        records = records[1:]
    problems: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[dt.date, int] = {}
    for n, cells in records:

        def cell(name: str, cells: list[str] = cells) -> str:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else ""

        raw_day, raw_kind, name = cell("date"), cell("kind"), cell("name")
        day = _parse_day(raw_day)
        if day is None:
            problems.append(_problem(n, "date", raw_day, "日期须为YYYY-MM-DD", "the date must be YYYY-MM-DD"))
        elif day in seen:
            problems.append(
                _problem(n, "date", raw_day, f"日期与第{seen[day]}行重复", f"the date repeats row {seen[day]}")
            )
        else:
            seen[day] = n
        kind = raw_kind.lower()
        if kind not in KINDS:
            problems.append(
                _problem(
                    n,
                    "kind",
                    raw_kind,
                    "类型须为 休/holiday（放假）或 班/workday（调休上班）",
                    "the kind must be holiday/休 (a day off) or workday/班 (a make-up working day)",
                )
            )
        if len(name) > MAX_NAME:
            problems.append(
                _problem(
                    n,
                    "name",
                    name[:20] + "…",
                    f"名称不得超过{MAX_NAME}个字符",
                    f"the name may have at most {MAX_NAME} characters",
                )
            )
        if day is not None and kind in KINDS:
            rows.append({"day": day, "workday": KINDS[kind], "name": name or None, "row": n})
    if not rows and not problems:
        problems.append(_problem(first_no, None, None, "文件没有数据行", "the file has no data rows"))
    if problems:
        raise calendar_errors.CalendarFileInvalid(problems=len(problems), rows=problems)
    return rows


def _parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def _whole_file(zh: str, en: str) -> calendar_errors.CalendarFileInvalid:
    return calendar_errors.CalendarFileInvalid(problems=1, rows=[_problem(None, None, None, zh, en)])


def _problem(row: int | None, column: str | None, value: str | None, zh: str, en: str) -> dict[str, Any]:
    return {
        "row": row,
        "column": column,
        "column_zh": _COLUMNS_ZH.get(column or ""),
        "value": value,
        "message_zh": zh,
        "message_en": en,
    }


def load(ctx: Context, *, actor: Actor, content: bytes, idempotency_key: str) -> CalendarLoad:
    """Upsert a schedule file into ``calendar_override`` (all rows or none); report what would roll differently.

    ``vouchers`` lists the open vouchers whose stored maturity differs from what the calendar now gives;
    their maturity is not changed.
    """
    check_calendar_actor(ctx, actor)
    rows = parse_schedule(content)

    def body(uow: UnitOfWork) -> CalendarLoad:
        conn = uow.conn
        existing = {r.day: (r.workday, r.note) for r in conn.execute(select(t.calendar_override))}
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        for r in rows:
            before = existing.get(r["day"])
            if before is None:
                conn.execute(insert(t.calendar_override).values(day=r["day"], workday=r["workday"], note=r["name"]))
                counts["inserted"] += 1
            elif before != (r["workday"], r["name"]):
                conn.execute(
                    update(t.calendar_override)
                    .where(t.calendar_override.c.day == r["day"])
                    .values(workday=r["workday"], note=r["name"])
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            existing[r["day"]] = (r["workday"], r["name"])
        days = [r["day"] for r in rows]
        source = ChineseCalendarSource({d: w for d, (w, _) in existing.items()})
        return CalendarLoad(
            rows=len(rows),
            inserted=counts["inserted"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            first=min(days),
            last=max(days),
            vouchers=tuple(maturity_changes(ctx, uow, source, first=min(days), last=max(days))),
        )

    result = run_typed(
        ctx,
        CalendarLoad,
        key=idempotency_key,
        operation="calendar.load",
        request={"actor": actor.user_id, "rows": [(r["day"], r["workday"], r["name"]) for r in rows]},
        body=body,
    )
    with ctx.uow(readonly=True) as uow:
        holiday_source(ctx, uow)  # this process rolls with the new dates at once
    return result


def maturity_changes(
    ctx: Context, uow: UnitOfWork, source: HolidaySource, *, first: dt.date | None = None, last: dt.date | None = None
) -> list[MaturityChange]:
    """Open vouchers whose stored maturity is not where ``source`` would roll their requested date now.

    Only a voucher whose rolling passed a day from ``first`` to ``last`` can be affected (its requested
    date on or before ``last``, its maturity on or after ``first``).
    """
    if not ctx.policy.roll_maturity:
        return []
    v = t.voucher
    stmt = select(v.c.id, v.c.number, v.c.status, v.c.requested_maturity, v.c.maturity_on).where(v.c.status.in_(_OPEN))
    if first is not None:
        stmt = stmt.where(v.c.maturity_on >= first)
    if last is not None:
        stmt = stmt.where(v.c.requested_maturity <= last)
    changes = []
    for r in uow.conn.execute(stmt.order_by(v.c.maturity_on, v.c.id)):
        would_be = roll_forward(r.requested_maturity, source=source).day
        if would_be != r.maturity_on:
            changes.append(
                MaturityChange(
                    id=r.id,
                    number=r.number,
                    status=r.status,
                    requested_maturity=r.requested_maturity,
                    maturity_on=r.maturity_on,
                    would_be=would_be,
                )
            )
    return changes


def holiday_source(ctx: Context, uow: UnitOfWork) -> HolidaySource:
    """The context's holiday source with the official dates loaded now (by this process or another one)."""
    current = ctx.holidays
    if not isinstance(current, ChineseCalendarSource):
        return current  # a source chosen on purpose (tests, a deployment without holiday data)
    loaded = {
        r.day: r.workday for r in uow.conn.execute(select(t.calendar_override.c.day, t.calendar_override.c.workday))
    }
    if loaded != dict(current.overrides):
        current = ctx.holidays = ChineseCalendarSource(loaded)
    return current


def pending_changes(ctx: Context) -> list[MaturityChange]:
    """Open vouchers whose maturity would roll differently under the official days loaded now."""
    with ctx.uow(readonly=True) as uow:
        source = holiday_source(ctx, uow)
        days = list(getattr(source, "overrides", {}) or ())
        if not days:
            return []
        return maturity_changes(ctx, uow, source, first=min(days), last=max(days))
