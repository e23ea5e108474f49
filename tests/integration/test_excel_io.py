"""Excel in and out: the all-or-nothing customer-ledger import and the bilingual exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from factories import key, uscc
from ledger_asserts import counts, refuses, rows
from openpyxl import Workbook, load_workbook

from lianrong.adapters.db import tables as t
from lianrong.financing import exports as financing_exports
from lianrong.kernel.identifiers import normalize_uscc
from lianrong.parties import designations as designations
from lianrong.parties import ledger_xlsx as ledger_xlsx
from lianrong.parties import queries as party_queries
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM
from lianrong.settlement import exports as settlement_exports
from lianrong.settlement import service as settlement
from lianrong.vouchers import exports as voucher_exports
from lianrong.vouchers import queries as voucher_queries

MATURITY = dt.date(2027, 3, 15)


def workbook_bytes(*data: list, header: list | None = None) -> bytes:
    """A ledger workbook made from the template, with these rows in the 客户台账 sheet."""
    wb = load_workbook(io.BytesIO(ledger_xlsx.ledger_template_xlsx()))
    ws = wb[ledger_xlsx.LEDGER_SHEET]
    if header is not None:
        for i, h in enumerate(header, start=1):
            ws.cell(row=1, column=i, value=h)
    for r in data:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_(world, content: bytes, *, actor=None, **kw):
    return ledger_xlsx.import_ledger_xlsx(
        world.ctx,
        actor=actor or world.user("bank", "approver"),
        bank=world.ids["bank"],
        core=world.ids["core"],
        content=content,
        idempotency_key=kw.pop("idempotency_key", None) or key(),
        **kw,
    )


def ledger(world) -> dict[str, object]:
    return {
        r.supplier_id: r for r in rows(world.ctx, t.supplier_ledger, t.supplier_ledger.c.core_id == world.ids["core"])
    }


def read(content: bytes, sheet: int = 0):
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[sheet]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    return ws, values[0], values[1:]


# --- template -------------------------------------------------------------------------------------------


def test_the_template_has_bilingual_headers_hints_and_an_example():
    content = ledger_xlsx.ledger_template_xlsx()
    wb = load_workbook(io.BytesIO(content))
    ws = wb[ledger_xlsx.LEDGER_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [f"{c.zh}\n{c.en}" for c in ledger_xlsx.LEDGER_COLUMNS]
    assert ws.freeze_panes == "A2"
    assert len(ws.data_validations.dataValidation) == len(ledger_xlsx.LEDGER_COLUMNS)
    assert all(dv.prompt for dv in ws.data_validations.dataValidation)
    assert ws.max_row == 1  # nothing to delete before filling it in
    guide = wb.worksheets[1]
    cells = [[c for c in r] for r in guide.iter_rows(values_only=True)]
    example = next(r for r in cells if r and r[0] == "91110117MAEXAMP1E1")
    assert normalize_uscc(example[0]) == example[0] and example[1]
    # the template as downloaded is refused for having no data rows, and says so
    with pytest.raises(Exception) as info:
        ledger_xlsx.read_ledger_xlsx(content)
    assert info.value.code == "excel.import_invalid"
    assert "no data rows" in info.value.details["rows"][0]["message_en"]


# --- import ----------------------------------------------------------------------------------------------


def test_a_good_file_registers_and_imports_every_row(world):
    known = world.ids["s2"]  # already registered and in the ledger: its overrides are updated
    known_uscc = party_queries.party(world.ctx, viewer=SYSTEM, ref=known).uscc
    before = counts(world.ctx)
    content = workbook_bytes(
        [uscc(777_001), "新供应商甲有限公司", "6222000011112222", "80%", "1000.00", 5, 180, "0.5%"],
        [" " + uscc(777_002).lower(), " 新供应商乙有限公司 ", None, 0.9, 500, None, None, 0.004],
        [uscc(777_003), "新供应商丙有限公司"],
        [known_uscc, "改过名的企业", None, None, None, 3],
    )
    r = import_(world, content)
    assert r.rows == 4 and len(r.registered) == 3 and r.updated == (known,)
    assert [x.row for x in r.registered] == [2, 3, 4]
    assert r.warnings and r.warnings[0].row == 5  # the name differs: the registered one is kept
    after = counts(world.ctx)
    assert after["party"] == before["party"] + 3
    assert after["supplier_ledger"] == before["supplier_ledger"] + 3
    by_uscc = {p.uscc: p for p in party_queries.parties(world.ctx, viewer=SYSTEM, kind="enterprise")}
    a, b = by_uscc[uscc(777_001)], by_uscc[uscc(777_002)]
    assert b.name == "新供应商乙有限公司"
    lg = ledger(world)
    assert Decimal(lg[a.id].max_ratio) == Decimal("0.8") and lg[a.id].min_split_fen == 1000_00
    assert lg[a.id].max_tier == 5 and lg[a.id].max_term_days == 180
    assert Decimal(lg[a.id].spread) == Decimal("0.005")
    assert Decimal(lg[b.id].max_ratio) == Decimal("0.9") and lg[b.id].min_split_fen == 500_00
    assert Decimal(lg[b.id].spread) == Decimal("0.004") and lg[b.id].max_tier is None
    assert lg[known].max_tier == 3
    account = rows(world.ctx, t.onboarding, t.onboarding.c.party_id == a.id)[0]
    assert account.settlement_account == "6222000011112222" and not account.ebanking  # not onboarded yet
    # the effective parameters combine the core's with the overrides
    with world.ctx.uow(readonly=True) as uow:
        p = designations.supplier_params(uow, world.ids["bank"], world.ids["core"], a.id)
    assert p.max_ratio == Decimal("0.8") and p.max_tier == 5


def test_an_import_is_idempotent(world):
    content = workbook_bytes([uscc(777_101), "幂等供应商"])
    k = key()
    first = import_(world, content, idempotency_key=k)
    assert import_(world, content, idempotency_key=k) == first
    refuses(
        world.ctx, "idempotency.conflict", import_, world, workbook_bytes([uscc(777_102), "另一家"]), idempotency_key=k
    )
    again = import_(world, content)  # the same file under a new key: already in the ledger
    assert again.registered == () and again.added == () and again.updated == (first.added[0],)


def test_a_bad_file_reports_every_bad_row_and_imports_nothing(world):
    good = uscc(777_201)
    bad_check = uscc(777_202)[:-1] + ("0" if uscc(777_202)[-1] != "0" else "1")
    content = workbook_bytes(
        [good, "好企业"],  # row 2: fine
        [bad_check, "校验位错误企业"],  # row 3: bad USCC
        [uscc(777_203), None],  # row 4: missing name
        [uscc(777_204), "比例过高企业", None, 1.5],  # row 5: ratio 1.5
        [good, "重复企业"],  # row 6: duplicate of row 2
        [uscc(777_205), "多处错误", "12ab", "x", "-1", 0, None, "80%"],  # row 7: four problems
    )
    err = refuses(world.ctx, "excel.import_invalid", import_, world, content)
    report = err.details["rows"]
    assert {(p["row"], p["column"]) for p in report} == {
        (3, "uscc"),
        (4, "name"),
        (5, "max_ratio"),
        (6, "uscc"),
        (7, "settlement_account"),
        (7, "max_ratio"),
        (7, "min_split_yuan"),
        (7, "max_tier"),
        (7, "spread"),
    }
    assert err.details["problems"] == len(report) and err.details["bad_rows"] == 5
    for p in report:
        assert p["message_zh"] and p["message_en"] and p["column_zh"]
    assert "第2行" in next(p for p in report if p["row"] == 6)["message_zh"]
    assert next(p for p in report if p["row"] == 5)["value"] == "1.5"
    assert not any(p.uscc == good for p in party_queries.parties(world.ctx, viewer=SYSTEM))


def test_rows_the_database_refuses_are_reported_and_nothing_is_imported(world):
    bank_uscc = party_queries.party(world.ctx, viewer=SYSTEM, ref=world.ids["bank"]).uscc
    core_uscc = party_queries.party(world.ctx, viewer=SYSTEM, ref=world.ids["core"]).uscc
    content = workbook_bytes([uscc(777_301), "好企业"], [bank_uscc, "银行"], [core_uscc, "核心企业"])
    err = refuses(world.ctx, "excel.import_invalid", import_, world, content)
    assert [(p["row"], p["column"]) for p in err.details["rows"]] == [(3, "uscc"), (4, "uscc")]


def test_a_ratio_above_the_deployment_ceiling_is_refused(make_world):
    world = make_world(max_financing_ratio=Decimal("0.9"))
    err = refuses(
        world.ctx, "excel.import_invalid", import_, world, workbook_bytes([uscc(777_401), "企业", None, "95%"])
    )
    assert err.details["rows"][0]["column"] == "max_ratio" and "0.9" in err.details["rows"][0]["message_en"]


def test_a_sheet_with_the_wrong_columns_is_refused(world):
    wb = Workbook()
    wb.active.append(["代码", "名称"])
    wb.active.append([uscc(777_501), "某企业"])
    out = io.BytesIO()
    wb.save(out)
    err = refuses(world.ctx, "excel.import_invalid", import_, world, out.getvalue())
    assert {p["column"] for p in err.details["rows"]} == {"uscc", "name"}
    assert all("missing column" in p["message_en"] for p in err.details["rows"])


def test_plain_headers_in_any_order_are_accepted(world):
    wb = Workbook()
    wb.active.append(["备注", "企业名称", "uscc"])
    wb.active.append(["随便写", "简表企业", uscc(777_601)])
    out = io.BytesIO()
    wb.save(out)
    assert len(import_(world, out.getvalue()).registered) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"uscc,name\n91110117MA0000001E,x\n",  # a CSV renamed .xlsx
        b"%PDF-1.7\n...",  # a PDF
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # a legacy .xls
        b"PK\x03\x04" + b"\x00" * 64,  # a broken zip
        b"",  # nothing
    ],
    ids=["csv", "pdf", "xls", "broken-zip", "empty"],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(world, content):
    err = refuses(world.ctx, "excel.import_invalid", import_, world, content)
    (problem,) = err.details["rows"]
    assert problem["row"] is None and problem["message_zh"] and problem["message_en"]


def test_a_zip_that_is_not_a_workbook_is_refused(world):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    refuses(world.ctx, "excel.import_invalid", import_, world, out.getvalue())


def test_only_the_bank_imports_its_ledger(world):
    refuses(
        world.ctx,
        "auth.forbidden",
        import_,
        world,
        workbook_bytes([uscc(777_701), "某企业"]),
        actor=world.user("core", "approver"),
    )


def test_a_bank_viewer_imports_no_ledger_file(world):
    parties.add_user(
        world.ctx,
        party=world.ids["bank"],
        username=f"bank-viewer-{world.base}",
        display_name="viewer",
        role="viewer",
        idempotency_key=key(),
    )
    refuses(
        world.ctx,
        "auth.forbidden",
        import_,
        world,
        workbook_bytes([uscc(777_702), "某企业"]),
        actor=parties.actor_for(world.ctx, f"bank-viewer-{world.base}"),
    )


# --- exports -----------------------------------------------------------------------------------------------


def test_holdings_export_lists_the_parts_as_receivables(world):
    world.contract("s1", "s3")
    root = world.issue(100_000_00)
    r = world.transfer(root, "s1", [("s2", 30_000_00), ("s3", 12_345_67)])
    content = voucher_exports.export_holdings_xlsx(world.ctx, actor=world.user("s1"), party=world.ids["s1"])
    ws, header, data = read(content)
    assert header[0] == "凭据编号\nVoucher number"
    assert all("\n" in h for h in header)  # Chinese over English
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 10
    col = {h.split("\n")[1]: i for i, h in enumerate(header)}
    (row,) = data
    assert row[col["Part (fragment) ID"]] == world.child(r, "s1")
    assert row[col["Accounting classification"]].startswith("应收账款")
    assert row[col["Amount (fen)"]] == 57_654_33
    assert Decimal(str(row[col["Amount (CNY)"]])) == Decimal("57654.33")
    assert row[col["Maturity date"]].date() == MATURITY  # a real date, not text
    assert row[col["Tier"]] == 1
    # s3's holdings, exported by its bank
    _, _, data3 = read(voucher_exports.export_holdings_xlsx(world.ctx, actor=world.user("bank"), party=world.ids["s3"]))
    assert [(x[col["Amount (fen)"]], x[col["Tier"]]) for x in data3] == [(12_345_67, 2)]
    about = load_workbook(io.BytesIO(content)).worksheets[1]
    assert any("财会〔2021〕32号" in str(c.value) for r in about.iter_rows() for c in r)


def test_holdings_of_another_party_are_not_exported(world):
    world.issue(1_000_00)
    _, _, data = read(voucher_exports.export_holdings_xlsx(world.ctx, actor=world.user("s4"), party=world.ids["s1"]))
    assert data == []  # nothing of s1's is in s4's scope


def test_financings_export(world):
    root = world.issue(100_000_00)
    fin = world.finance([root], "s1", principal_fen=80_000_00)
    content = financing_exports.export_financings_xlsx(world.ctx, actor=world.user("bank"), bank=world.ids["bank"])
    ws, header, data = read(content)
    col = {h.split("\n")[1]: i for i, h in enumerate(header)}
    (row,) = data
    assert row[col["Financing ID"]] == fin.id
    assert row[col["Principal (fen)"]] == 80_000_00
    assert Decimal(str(row[col["Principal (CNY)"]])) == Decimal("80000.00")
    assert row[col["Prepaid interest (fen)"]] == fin.interest_fen
    assert row[col["Net proceeds (fen)"]] == fin.net_fen == 80_000_00 - fin.interest_fen
    assert row[col["Disbursed on"]].date() == world.ctx.clock.today()
    assert row[col["Registry number"]].startswith("ZDW-")
    assert isinstance(row[col["Registered at"]], dt.datetime)
    assert row[col["Voucher numbers"]] == voucher_queries.vouchers(world.ctx, viewer=SYSTEM).items[0].number
    assert ws.freeze_panes == "A2"
    # the applicant sees its own; a stranger sees none
    assert len(read(financing_exports.export_financings_xlsx(world.ctx, actor=world.user("s1")))[2]) == 1
    assert read(financing_exports.export_financings_xlsx(world.ctx, actor=world.user("s4")))[2] == []


def test_settlements_export(world):
    root = world.issue(100_000_00)
    world.transfer(root, "s1", [("s2", 40_000_00)])
    world.ctx.clock.day = MATURITY
    settlement.settle(world.ctx, on=MATURITY)
    content = settlement_exports.export_settlements_xlsx(world.ctx, actor=world.user("core"), on=MATURITY)
    _, header, data = read(content)
    col = {h.split("\n")[1]: i for i, h in enumerate(header)}
    assert sorted(r[col["Amount (fen)"]] for r in data) == [40_000_00, 60_000_00]
    assert all(r[col["Value date"]].date() == MATURITY for r in data)
    assert {Decimal(str(r[col["Amount (CNY)"]])) for r in data} == {Decimal(40000), Decimal(60000)}
    assert all(r[col["Kind"]].endswith("settlement") for r in data)
    # a payee sees its own instruction only; another date has none
    _, _, mine = read(settlement_exports.export_settlements_xlsx(world.ctx, actor=world.user("s2")))
    assert [r[col["Amount (fen)"]] for r in mine] == [40_000_00]
    assert (
        read(
            settlement_exports.export_settlements_xlsx(
                world.ctx, actor=world.user("core"), on=MATURITY - dt.timedelta(days=1)
            )
        )[2]
        == []
    )
