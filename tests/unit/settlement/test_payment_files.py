"""Batch payment files: instruction exports and the bank's confirmation files."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from lianrong.kernel import errors
from lianrong.settlement import errors as settlement_errors
from lianrong.settlement.confirmation_files import Confirmation, parse_confirmations
from lianrong.settlement.payment_files import CONFIRMED, FAILED, InstructionLine, export_batch, export_csv, export_xlsx

CST = timezone(timedelta(hours=8))


def _lines() -> list[InstructionLine]:
    return [
        InstructionLine(
            instruction_id="pin_01AAA",
            kind="disbursement",
            value_on=date(2025, 3, 14),
            payer_name="中国建设银行股份有限公司深圳分行",
            payer_uscc="91440300892241581X",
            payee_name="深圳市华强电子有限公司",
            payee_uscc="91440300MA5F0XYZ1A",
            payee_account="6222021234567890123",
            amount_fen=123456,
            voucher_number="LR2025000001",
            reference_hint="融资放款 第1笔",
        ),
        InstructionLine(
            instruction_id="pin_01BBB",
            kind="settlement",
            value_on=date(2025, 3, 15),
            payer_name="华为技术有限公司",
            payer_uscc="914403001922038216",
            payee_name="东莞精密五金厂",
            payee_uscc="91441900MA4W123456",
            payee_account="0123456789",
            amount_fen=5,
            voucher_number=None,
            reference_hint=None,
        ),
        InstructionLine(
            instruction_id="pin_01CCC",
            kind="settlement",
            value_on=date(2025, 3, 15),
            payer_name="华为技术有限公司",
            payer_uscc="914403001922038216",
            payee_name='=HYPERLINK("http://evil")',
            payee_uscc="91441900MA4W654321",
            payee_account="955880001",
            amount_fen=10**15,
            voucher_number="LR2025000002",
        ),
    ]


def _write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def _problems(exc: pytest.ExceptionInfo[settlement_errors.PaymentFileInvalid]) -> set[tuple[int, str | None]]:
    return {(p["row"], p["column"]) for p in exc.value.details["rows"]}


# --- export ---------------------------------------------------------------------------------------


def test_csv_export_has_bom_one_bilingual_header_and_exact_amounts(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    assert export_csv(_lines(), path) == 3
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "指令编号 instruction_id"
    assert rows[0][8] == "金额（分） amount_fen"
    assert len(rows) == 4  # one header row, no second English header
    first = dict(zip([h.split()[-1] for h in rows[0]], rows[1], strict=False))
    assert first["amount_fen"] == "123456"
    assert first["amount_yuan"] == "1234.56"
    assert first["value_on"] == "2025-03-14"
    assert first["payer_name"] == "中国建设银行股份有限公司深圳分行"
    assert first["payee_account"] == "6222021234567890123"
    second = dict(zip([h.split()[-1] for h in rows[0]], rows[2], strict=False))
    assert second["amount_yuan"] == "0.05"
    assert second["voucher_number"] == ""
    third = dict(zip([h.split()[-1] for h in rows[0]], rows[3], strict=False))
    assert third["amount_yuan"] == "10000000000000.00"
    assert third["payee_name"].startswith("'=")  # defused for spreadsheets


def test_xlsx_export_keeps_amount_as_integer_and_account_numbers_as_text(tmp_path: Path) -> None:
    path = tmp_path / "batch.xlsx"
    assert export_xlsx(_lines(), path) == 3
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "指令编号 instruction_id"
    assert ws["A1"].font.bold
    assert ws.column_dimensions["D"].width > 10
    assert ws["I2"].value == 123456 and isinstance(ws["I2"].value, int)
    assert ws["J2"].value == "1234.56"
    assert ws["H2"].value == "6222021234567890123"
    assert ws["H3"].value == "0123456789"
    assert ws["C2"].value == "2025-03-14"
    assert ws["D2"].value == "中国建设银行股份有限公司深圳分行"
    assert ws["F4"].data_type == "s"  # text starting with "=" is not a formula
    assert ws.max_row == 4


def test_export_batch_chooses_the_format_by_suffix(tmp_path: Path) -> None:
    assert export_batch(_lines(), tmp_path / "a.CSV") == 3
    assert (tmp_path / "a.CSV").read_bytes().startswith(b"\xef\xbb\xbf")
    assert export_batch(iter(_lines()[:1]), tmp_path / "a.xlsx") == 1
    assert (tmp_path / "a.xlsx").read_bytes().startswith(b"PK")


@pytest.mark.parametrize("name", ["batch.xls", "batch.txt", "batch", "batch.xlsm"])
def test_export_refuses_other_file_types(tmp_path: Path, name: str) -> None:
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        export_batch(_lines(), tmp_path / name)
    assert not (tmp_path / name).exists()


def test_empty_export_writes_the_header_only(tmp_path: Path) -> None:
    assert export_csv([], tmp_path / "e.csv") == 0
    assert export_xlsx([], tmp_path / "e.xlsx") == 0
    assert openpyxl.load_workbook(tmp_path / "e.xlsx").active.max_row == 1


@pytest.mark.parametrize("bad", [0, -1, 10**15 + 1, 12.5, True])
def test_instruction_line_refuses_amounts_that_are_not_positive_whole_fen(bad: object) -> None:
    fields = {**_lines()[0].__dict__, "amount_fen": bad}
    with pytest.raises(errors.LianRongError):
        InstructionLine(**fields)


# --- round trips ---------------------------------------------------------------------------------


def test_csv_round_trip_export_bank_edits_parse(tmp_path: Path) -> None:
    exported = tmp_path / "out.csv"
    export_csv(_lines(), exported)
    with exported.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    # the bank keeps every column and appends its own, with bilingual headers
    rows[0] += ["状态 status", "银行流水号 reference", "确认时间 confirmed_at", "失败原因 failure_reason"]
    rows[1] += ["confirmed", "CCB20250314000123", "2025-03-14 10:31:05", ""]
    rows[2] += ["失败", "", "2025-03-15", "收款账号户名不符"]
    rows[3] += ["成功", "ICBC-998877", "", ""]
    returned = _write_csv(tmp_path / "back.csv", rows)

    got = parse_confirmations(returned)

    assert got == [
        Confirmation(
            instruction_id="pin_01AAA",
            status=CONFIRMED,
            reference="CCB20250314000123",
            amount_fen=123456,
            confirmed_at=datetime(2025, 3, 14, 10, 31, 5, tzinfo=CST),
            failure_reason=None,
        ),
        Confirmation(
            instruction_id="pin_01BBB",
            status=FAILED,
            reference=None,
            amount_fen=5,
            confirmed_at=datetime(2025, 3, 15, tzinfo=CST),
            failure_reason="收款账号户名不符",
        ),
        Confirmation(
            instruction_id="pin_01CCC",
            status=CONFIRMED,
            reference="ICBC-998877",
            amount_fen=10**15,
            confirmed_at=None,
            failure_reason=None,
        ),
    ]


def test_xlsx_round_trip_export_bank_edits_parse(tmp_path: Path) -> None:
    exported = tmp_path / "out.xlsx"
    export_xlsx(_lines(), exported)
    wb = openpyxl.load_workbook(exported)
    ws = wb.active
    # the bank appends columns headed only in English or only in Chinese, in any case and spacing
    for col, header in enumerate(["STATUS", " 银行流水号 ", "confirmed_at", "失败原因"], start=13):
        ws.cell(row=1, column=col, value=header)
    ws.cell(row=2, column=13, value="Confirmed")
    ws.cell(row=2, column=14, value="工行流水 0001")
    ws.cell(row=2, column=15, value=datetime(2025, 3, 14, 9, 0))
    ws.cell(row=3, column=13, value="failed")
    ws.cell(row=3, column=16, value="账户已销户")
    ws.cell(row=3, column=9, value=5.0)  # Excel stores numbers as floats: an integral one is fine
    ws.cell(row=4, column=13, value="成功")
    ws.cell(row=4, column=14, value="R-3")
    ws.cell(row=4, column=15, value="2025-03-15T08:00:00+00:00")
    ws.append([])  # a trailing blank row is ignored
    wb.save(tmp_path / "back.xlsx")

    got = parse_confirmations(tmp_path / "back.xlsx")

    assert [(c.instruction_id, c.status, c.reference, c.amount_fen) for c in got] == [
        ("pin_01AAA", CONFIRMED, "工行流水 0001", 123456),
        ("pin_01BBB", FAILED, None, 5),
        ("pin_01CCC", CONFIRMED, "R-3", 10**15),
    ]
    assert got[0].confirmed_at == datetime(2025, 3, 14, 9, 0, tzinfo=CST)
    assert got[1].failure_reason == "账户已销户"
    assert got[2].confirmed_at == datetime(2025, 3, 15, 8, 0, tzinfo=UTC)
    assert all(isinstance(c.amount_fen, int) for c in got)


def test_chinese_only_headers_and_plain_utf8_csv_are_accepted(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "c.csv",
        [
            ["指令编号", "状态", "银行流水号", "金额(分)"],  # half-width parentheses match too
            ["pin_1", "成功", "建行流水号一二三", "100"],
        ],
        encoding="utf-8",
    )
    [c] = parse_confirmations(path)
    assert (c.status, c.reference, c.amount_fen, c.confirmed_at, c.failure_reason) == (
        CONFIRMED,
        "建行流水号一二三",
        100,
        None,
        None,
    )


def test_header_only_file_is_refused_as_having_no_rows(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "h.csv", [["instruction_id", "status", "reference", "amount_fen"]])
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        parse_confirmations(path)


# --- all-or-nothing validation -------------------------------------------------------------------


def test_bad_csv_reports_every_bad_row_and_returns_nothing(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "bad.csv",
        [
            ["instruction_id", "status", "reference", "amount_fen", "confirmed_at", "failure_reason"],
            ["pin_ok", "confirmed", "R1", "100", "2025-03-14", ""],  # 2: fine
            ["", "confirmed", "R2", "100", "", ""],  # 3: empty id
            ["pin_ok", "failed", "", "100", "", "x"],  # 4: duplicate id
            ["pin_4", "done", "R4", "100", "", ""],  # 5: bad status
            ["pin_5", "confirmed", "R5", "12.5", "", ""],  # 6: fractional
            ["pin_6", "confirmed", "R6", "-3", "", ""],  # 7: negative
            ["pin_7", "confirmed", "R7", str(10**15 + 1), "", ""],  # 8: too large
            ["pin_8", "confirmed", "", "100", "", ""],  # 9: no reference
            ["pin_9", "confirmed", "R9", "100", "14/03/2025", ""],  # 10: bad date
            ["pin_10", "failed", "", "", "", ""],  # 11: amount missing
            ["pin_11", "confirmed", "R11", "1,000", "", ""],  # 12: malformed amount
            ["pin_12", "成功", "R12", "0", "", ""],  # 13: zero
            ["", "", "", "", "", ""],  # blank: skipped
            ["pin_13", "失败", "", "7", "", "余额不足"],  # 15: fine
        ],
    )
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert _problems(exc) == {
        (3, "instruction_id"),
        (4, "instruction_id"),
        (5, "status"),
        (6, "amount_fen"),
        (7, "amount_fen"),
        (8, "amount_fen"),
        (9, "reference"),
        (10, "confirmed_at"),
        (11, "amount_fen"),
        (12, "amount_fen"),
        (13, "amount_fen"),
    }
    for problem in exc.value.details["rows"]:
        assert problem["message_zh"] and problem["message_en"]
    assert "11 problem(s) in 11 row(s)" in exc.value.details["reason"]
    body = exc.value.to_dict()
    assert body["code"] == "payments.file_invalid"
    assert len(body["details"]["rows"]) == 11


def test_bad_xlsx_reports_fractional_excel_numbers_and_missing_columns(tmp_path: Path) -> None:
    path = _write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["指令编号 instruction_id", "金额（分） amount_fen", "银行流水号"],
            ["pin_1", 100.5, "R1"],
            ["pin_2", 100.0, "R2"],
        ],
    )
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert _problems(exc) == {(1, "status"), (2, "amount_fen")}


def test_xlsx_long_reference_stored_as_number_is_refused(tmp_path: Path) -> None:
    path = _write_xlsx(
        tmp_path / "n.xlsx",
        [
            ["instruction_id", "status", "reference", "amount_fen"],
            ["pin_1", "confirmed", 2025031412345678, 100],
            ["pin_2", "confirmed", 12345, 100],
        ],
    )
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert _problems(exc) == {(2, "reference")}


def test_confirmed_rows_without_a_reference_column_are_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "r.csv", [["instruction_id", "status", "amount_fen"], ["pin_1", "confirmed", "1"]])
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert _problems(exc) == {(1, "reference")}
    failed_only = _write_csv(tmp_path / "f.csv", [["instruction_id", "status", "amount_fen"], ["pin_1", "failed", "1"]])
    assert parse_confirmations(failed_only)[0].status == FAILED


def test_duplicate_columns_are_refused(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "d.csv",
        [
            ["instruction_id", "status", "状态", "reference", "amount_fen"],
            ["pin_1", "confirmed", "failed", "R", "1"],
        ],
    )
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert (1, "status") in _problems(exc)


# --- file types ------------------------------------------------------------------------------------


def test_xlsx_renamed_to_csv_is_refused(tmp_path: Path) -> None:
    export_xlsx(_lines(), tmp_path / "real.xlsx")
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes((tmp_path / "real.xlsx").read_bytes())
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        parse_confirmations(renamed)


def test_csv_renamed_to_xlsx_is_refused(tmp_path: Path) -> None:
    export_csv(_lines(), tmp_path / "real.csv")
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes((tmp_path / "real.csv").read_bytes())
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        parse_confirmations(renamed)


def test_legacy_xls_renamed_to_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        parse_confirmations(path)


def test_non_utf8_csv_is_refused(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "gbk.csv",
        [["指令编号", "状态", "银行流水号", "金额（分）"], ["pin_1", "成功", "R", "1"]],
        encoding="gbk",
    )
    with pytest.raises(settlement_errors.PaymentFileInvalid) as exc:
        parse_confirmations(path)
    assert "UTF-8" in exc.value.message_en


@pytest.mark.parametrize("name", ["back.xls", "back.txt", "back"])
def test_parse_refuses_other_file_types(tmp_path: Path, name: str) -> None:
    rows: list[list[object]] = [["instruction_id", "status", "reference", "amount_fen"], ["p", "failed", "", "1"]]
    path = _write_csv(tmp_path / name, rows)
    with pytest.raises(settlement_errors.PaymentFileInvalid):
        parse_confirmations(path)
