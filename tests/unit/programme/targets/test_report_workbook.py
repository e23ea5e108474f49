"""The banks' report workbook: the template reads back; every problem of every row is listed, nothing half-read."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lianrong.kernel.errors import ExcelImportInvalid
from lianrong.programme.targets import workbook

CHAINS = {"egg": "chn_egg", "蛋鸡产业链": "chn_egg", "pig": "chn_pig"}
TODAY = dt.date(2026, 11, 26)


def filled(*rows) -> bytes:
    wb = load_workbook(io.BytesIO(workbook.template([("chn_egg", "egg", "蛋鸡产业链", True)], month="2026-10")))
    ws = wb.worksheets[0]
    ws.delete_rows(2)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_rows_are_read_in_fen():
    rows = workbook.parse(
        filled(("2026-10", "egg", "1,234.56", 0, 3, "ok"), ("2026-09", "pig", "0", "12", "", "")),
        chains=CHAINS,
        today=TODAY,
    )
    assert [(r.month, r.chain_id, r.credit_granted_fen, r.financing_fen, r.products) for r in rows] == [
        ("2026-10", "chn_egg", 123456, 0, 3),
        ("2026-09", "chn_pig", 0, 1200, 0),
    ]


def test_every_problem_is_listed_by_row():
    content = filled(
        ("2026-12", "egg", "1", "1", "1", ""),  # a future month
        ("2026-10", "nosuch", "-1", "x", "2000", ""),  # four problems
        ("2026-10", "egg", "1", "1", "1", ""),
        ("2026-10", "蛋鸡产业链", "1", "1", "1", ""),  # the same month and chain again
    )
    with pytest.raises(ExcelImportInvalid) as e:
        workbook.parse(content, chains=CHAINS, today=TODAY)
    rows = e.value.details["rows"]
    assert [(p["row"], p["column"]) for p in rows] == [
        (2, "month"),
        (3, "chain"),
        (3, "credit_granted"),
        (3, "financing"),
        (3, "products"),
        (5, "chain"),
    ]
