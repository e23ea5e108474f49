"""The monthly 专班 report: reproducible for a past month (same cell values; a later record changes nothing), and
its PDF renders."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from lianrong.programme.targets import monthly, pdf


def cells(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_the_report_is_reproducible_and_a_later_record_does_not_change_it(known):
    w = known.world
    viewer = known.programme.user()
    first = monthly.workbook_bytes(monthly.report(w.ctx, viewer=viewer, month="2026-11"))
    sheets = cells(first)
    assert {"目标 Targets", "产业链 Chains", "白名单变动 White list", "黑名单变动 Black list", "逾期 Overdue"} <= set(
        sheets
    )
    assert len(sheets["本月融资 Financings"]) == 3  # the header and November's two financings
    w.ctx.clock.day = dt.date(2026, 12, 3)
    root = w.issue(300_00)
    t = w.transfer(root, "s1", [("s2", 200_00)])
    w.finance([w.child(t, "s2")], "s2")
    again = monthly.workbook_bytes(monthly.report(w.ctx, viewer=viewer, month="2026-11"))
    assert cells(again) == sheets
    december = cells(monthly.workbook_bytes(monthly.report(w.ctx, viewer=viewer, month="2026-12")))
    assert december["目标 Targets"] != sheets["目标 Targets"]


def test_the_pdf_renders_with_its_charts(known):
    data = monthly.report(known.world.ctx, viewer=known.programme.user(), month="2026-11")
    html = pdf.render_html(data)
    assert "<svg" in html and "产业链金融工作专班月报 2026-11" in html
    assert pdf.pdf_bytes(data).startswith(b"%PDF")
