from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from lianrong.kernel.errors import InvalidInvoiceNumber, InvalidUSCC
from lianrong.kernel.identifiers import (
    make_uscc,
    normalize_invoice_number,
    normalize_uscc,
)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# --- USCC ----------------------------------------------------------------------------------------


def test_make_uscc_appends_the_check_character_that_normalize_accepts():
    code = make_uscc("91310000MA1FL0000")
    assert len(code) == 18
    assert code[:17] == "91310000MA1FL0000"
    assert normalize_uscc(code) == code
    assert stdnum_uscc.is_valid(code)


def test_make_uscc_reproduces_a_published_code():
    assert make_uscc("91110000600037341") == "91110000600037341L"


def test_a_one_character_change_is_rejected():
    code = make_uscc("91310000MA1FL0000")
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidUSCC):
                normalize_uscc(changed)


def test_normalize_uscc_strips_and_uppercases():
    assert normalize_uscc("  91110000600037341l ") == "91110000600037341L"
    assert normalize_uscc("9111-0000-6000-3734-1L") == "91110000600037341L"


def test_normalize_uscc_folds_full_width_characters():
    assert normalize_uscc("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


def test_letter_registration_authorities_are_accepted_although_stdnum_refuses_them():
    # GB 32100-2015: N = agriculture (village collective), Y = other, A = military
    for body in ("N2370102MA0000001", "Y1110000MA0000002", "A1110000MA0000003"):
        code = make_uscc(body)
        assert not stdnum_uscc.is_valid(code)
        assert normalize_uscc(code) == code


@pytest.mark.parametrize(
    "value",
    [
        "",
        "91110000600037341",  # 17 characters
        "91110000600037341LL",
        "911100006000373410",  # wrong check character
        "01110000600037341L",  # 0 is no registration authority
        "B1110000600037341L",  # nor is B
        "9A110000600037341L",  # entity type must be a digit
        "911100O0600037341L",  # letter O in the region code
        "91110000600037341I",  # I is not in the alphabet
        "91110000６0003734一L",
        None,
        91110000600037341,
    ],
)
def test_normalize_uscc_rejects_invalid_codes(value):
    with pytest.raises(InvalidUSCC) as caught:
        normalize_uscc(value)
    assert caught.value.code == "party.uscc_invalid"


@pytest.mark.parametrize(
    "body", ["9131000MA1FL0000", "91310000MA1FL00000", "91310000MA1FL000I", "X1310000MA1FL0000", 1]
)
def test_make_uscc_validates_the_body(body):
    with pytest.raises(InvalidUSCC):
        make_uscc(body)


usc_bodies = st.builds(
    lambda a, t, region, org: a + t + region + org,
    st.sampled_from("123456789ANY"),
    st.sampled_from("123456789"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
)


@given(usc_bodies)
def test_every_made_code_is_accepted_and_agrees_with_stdnum_on_digit_authorities(body):
    code = make_uscc(body)
    assert normalize_uscc(code.lower()) == code
    if body[0].isdigit():
        assert stdnum_uscc.is_valid(code)


@given(usc_bodies, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(body, position, replacement):
    code = make_uscc(body)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidUSCC):
        normalize_uscc(changed)


# --- invoice numbers -----------------------------------------------------------------------------


def test_a_fully_digital_e_invoice_is_twenty_digits_without_code():
    assert normalize_invoice_number(number="25312000000123456789") == (None, "25312000000123456789")
    assert normalize_invoice_number(number=" 25312000000123456789 ", code="") == (None, "25312000000123456789")
    assert normalize_invoice_number(number="25312000000123456789", code="  ") == (None, "25312000000123456789")


def test_a_legacy_invoice_has_a_ten_or_twelve_digit_code_and_eight_digit_number():
    assert normalize_invoice_number(code="3100231130", number="01234567") == ("3100231130", "01234567")
    assert normalize_invoice_number(code="031001900111", number="12345678") == ("031001900111", "12345678")


def test_invoice_numbers_fold_full_width_digits():
    full_width = "25312000000123456789".translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert full_width == "２５３１２００００００１２３４５６７８９"
    assert normalize_invoice_number(number=full_width) == (None, "25312000000123456789")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("2531200000012345678", None),  # 19 digits
        ("253120000001234567890", None),  # 21 digits
        ("25312000000123456789", "3100231130"),  # a 数电票 has no code
        ("01234567", None),  # legacy number without its code
        ("01234567", "310023113"),  # 9-digit code
        ("01234567", "31002311301"),  # 11-digit code
        ("0123456", "3100231130"),  # 7-digit number
        ("0123456A", "3100231130"),
        ("01234567", "31002311X0"),
        ("2531200000012345678O", None),
        ("", None),
        ("٢٥٣١٢٠٠٠٠٠٠١٢٣٤٥٦٧٨٩", None),  # Arabic-Indic digits are not invoice digits
        (25312000000123456789, None),
    ],
)
def test_invalid_invoice_numbers_are_rejected(number, code):
    with pytest.raises(InvalidInvoiceNumber) as caught:
        normalize_invoice_number(number=number, code=code)
    assert caught.value.code == "invoice.number_invalid"


def test_invoice_number_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        normalize_invoice_number("25312000000123456789")  # type: ignore[misc]
