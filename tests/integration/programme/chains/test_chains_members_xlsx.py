"""A chain's members as a workbook: export then import again, all or nothing with every problem row by row;
SQLite and PostgreSQL."""

from __future__ import annotations

import io

from factories import key, uscc
from ledger_asserts import refuses
from openpyxl import Workbook, load_workbook
from programme_factories import Programme

from lianrong.programme.chains import members_xlsx, queries

HEADER = ["统一社会信用代码\nUSCC", "企业名称\nName", "角色\nRole", "层级\nTier", "加入日期\nJoined on", "备注\nNote"]


def _book(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "链上成员"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_import_adds_updates_and_registers_and_the_export_reads_back(world):
    prog = Programme(world)
    egg = prog.chain("egg")
    prog.member("egg", "s1", "supplier", 1)
    office = prog.user("office-egg", "operator")
    new_code = uscc(world.base + 90)
    content = _book(
        [
            [_party_uscc(world, "core"), "核心", "链主", 0, None, "链主企业"],
            [_party_uscc(world, "s1"), "s1", "logistics", 2, None, ""],
            [new_code, "北京平谷新蛋品有限公司", "经销商", 3, "2026-01-05", ""],
        ]
    )
    done = members_xlsx.import_members_xlsx(
        world.ctx, actor=office, chain=egg, content=content, idempotency_key=(k := key())
    )
    assert (done.rows, done.added, done.updated, done.registered) == (3, 2, 1, 1)
    assert (
        members_xlsx.import_members_xlsx(world.ctx, actor=office, chain=egg, content=content, idempotency_key=k) == done
    )
    page = queries.chain(world.ctx, viewer=office, chain=egg)
    assert {(m.uscc, m.role, m.tier) for m in page.members} == {
        (_party_uscc(world, "core"), "leader", 0),
        (_party_uscc(world, "s1"), "logistics", 2),
        (new_code, "distributor", 3),
    }
    exported = members_xlsx.export_members_xlsx(world.ctx, viewer=office, chain=egg)
    ws = load_workbook(io.BytesIO(exported)).worksheets[0]
    assert ws.title == "链上成员" and ws.max_row == 4
    # the export imports again as is: nothing new, every row an update
    again = members_xlsx.import_members_xlsx(
        world.ctx, actor=office, chain=egg, content=exported, idempotency_key=key()
    )
    assert (again.added, again.updated, again.registered) == (0, 3, 0)


def _party_uscc(world, org: str) -> str:
    from sqlalchemy import select

    from lianrong.adapters.db import tables as t

    with world.ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.party.c.uscc).where(t.party.c.id == world.ids[org])).scalar_one()


def test_a_file_with_any_bad_row_imports_nothing_and_lists_every_problem(world):
    prog = Programme(world)
    egg = prog.chain("egg")
    office = prog.user("office-egg", "operator")
    content = _book(
        [
            [uscc(world.base + 91), "好企业", "supplier", 1, None, ""],
            ["91110117XXXXXXXXXX", "坏代码", "supplier", 1, None, ""],
            [uscc(world.base + 92), "坏角色", "farmer", 1, None, ""],
            [uscc(world.base + 93), "坏层级", "leader", 2, None, ""],
            [uscc(world.base + 91), "重复", "supplier", "x", None, ""],
        ]
    )
    err = refuses(
        world.ctx,
        "excel.import_invalid",
        members_xlsx.import_members_xlsx,
        world.ctx,
        actor=office,
        chain=egg,
        content=content,
        idempotency_key=key(),
    )
    got = [(p["row"], p["column"]) for p in err.details["rows"]]
    assert got == [(3, "uscc"), (4, "role"), (5, "tier"), (6, "tier"), (6, "uscc")]
    # a code that belongs to a bank: refused at the database step, still nothing written
    bank_row = _book(
        [
            [uscc(world.base + 94), "好企业", "supplier", 1, None, ""],
            [_party_uscc(world, "bank"), "银行", "supplier", 1, None, ""],
        ]
    )
    err = refuses(
        world.ctx,
        "excel.import_invalid",
        members_xlsx.import_members_xlsx,
        world.ctx,
        actor=office,
        chain=egg,
        content=bank_row,
        idempotency_key=key(),
    )
    assert [(p["row"], p["column"]) for p in err.details["rows"]] == [(3, "uscc")]
    # another chain's office: not found; a bank: forbidden
    pig = prog.chain("pig", "生猪产业链")
    refuses(
        world.ctx,
        "chain.not_found",
        members_xlsx.import_members_xlsx,
        world.ctx,
        actor=office,
        chain=pig,
        content=_book([[uscc(world.base + 95), "x", "supplier", 1, None, ""]]),
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        members_xlsx.import_members_xlsx,
        world.ctx,
        actor=world.user("bank"),
        chain=egg,
        content=b"not a workbook",
        idempotency_key=key(),
    )
