from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianrong.kernel.errors import (
    AmountFractionalFen,
    AmountMalformed,
    AmountNotPositive,
    AmountTooLarge,
    InvalidParameter,
    InvalidRate,
)
from lianrong.kernel.money import (
    MAX_FEN,
    amount_in_words,
    check_fen,
    format_yuan,
    parse_rate,
    parse_yuan,
    prepaid_interest,
    ratio_amount,
)

fens = st.integers(min_value=1, max_value=MAX_FEN)

# --- check_fen -----------------------------------------------------------------------------------


def test_check_fen_accepts_positive_ints_up_to_the_limit():
    assert check_fen(1) == 1
    assert check_fen(MAX_FEN) == MAX_FEN
    assert check_fen(Decimal("500")) == 500
    assert type(check_fen(Decimal("500"))) is int


@pytest.mark.parametrize("value", [0, -1, Decimal("0"), Decimal("-0"), Decimal("-3")])
def test_check_fen_refuses_zero_and_negative(value):
    with pytest.raises(AmountNotPositive):
        check_fen(value)


def test_check_fen_refuses_absurd_amounts():
    with pytest.raises(AmountTooLarge):
        check_fen(MAX_FEN + 1)
    with pytest.raises(AmountTooLarge):
        check_fen(Decimal("1E+30"))


@pytest.mark.parametrize("value", [1.0, 0.5, True, False, "100", None, Decimal("NaN"), Decimal("Infinity")])
def test_check_fen_refuses_non_integers_as_malformed(value):
    with pytest.raises(AmountMalformed):
        check_fen(value)


def test_check_fen_refuses_fractional_decimal_fen():
    with pytest.raises(AmountFractionalFen):
        check_fen(Decimal("10.5"))


def test_check_fen_error_names_the_field():
    with pytest.raises(AmountNotPositive) as caught:
        check_fen(0, field="principal")
    assert caught.value.details == {"value": 0, "field": "principal"}
    assert caught.value.code == "amount.not_positive"


# --- parse_yuan ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("100000", 10_000_000),
        ("1,234.56", 123_456),
        ("0.01", 1),
        ("0.1", 10),
        ("12.3", 1_230),
        ("1.500", 150),  # trailing zeros below the fen are harmless
        ("  88.00 ", 8_800),
        ("+5", 500),
        ("¥1,000", 100_000),
        ("１２３，４５６．７８", 12_345_678),  # full-width, as typed with a Chinese IME
        ("10000000000000", MAX_FEN),
        (Decimal("12.3"), 1_230),
        (Decimal("1E+2"), 10_000),
        (Decimal("0.0100000000000000000000000000000000000000"), 1),
        (7, 700),
    ],
)
def test_parse_yuan_reads_yuan_into_exact_fen(text, fen):
    assert parse_yuan(text) == fen


def test_parse_yuan_keeps_precision_beyond_the_default_decimal_context():
    # 16 significant digits; a 28-digit context would still be fine, but a float would not
    assert parse_yuan("9999999999999.99") == 999_999_999_999_999


@pytest.mark.parametrize("text", ["0.001", "1.005", "0.019", Decimal("0.001"), Decimal("1E-100000")])
def test_parse_yuan_refuses_fractional_fen(text):
    with pytest.raises(AmountFractionalFen):
        parse_yuan(text)


@pytest.mark.parametrize("text", ["0", "0.00", "-5", "-0.001", "-1,000", 0, -3, Decimal("-0"), Decimal("0E+3")])
def test_parse_yuan_refuses_zero_and_negative(text):
    with pytest.raises(AmountNotPositive):
        parse_yuan(text)


@pytest.mark.parametrize(
    "text", ["10000000000000.01", "100000000000000", 10**13 + 1, Decimal("1E+100000"), "99999999999999999999"]
)
def test_parse_yuan_refuses_amounts_over_the_limit(text):
    with pytest.raises(AmountTooLarge):
        parse_yuan(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "1e5",
        "1E+2",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "1,23.45",
        "1,2345",
        ",100",
        ".5",
        "5.",
        "1.2.3",
        "1 000",
        "0x10",
        "--5",
        "١٢٣",  # Arabic-Indic digits are not ASCII
        "1" * 65,
        0.1,
        1.0,
        True,
        None,
        b"100",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
    ],
)
def test_parse_yuan_refuses_garbage_as_malformed(text):
    with pytest.raises(AmountMalformed):
        parse_yuan(text)


# --- format_yuan ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (123456, "1,234.56"),
        (1, "0.01"),
        (10, "0.10"),
        (100, "1.00"),
        (0, "0.00"),
        (-150, "-1.50"),
        (MAX_FEN, "10,000,000,000,000.00"),
    ],
)
def test_format_yuan_shows_two_decimals_with_thousands_separators(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize("value", [1.5, True, "100", Decimal("100")])
def test_format_yuan_refuses_non_int(value):
    with pytest.raises(AmountMalformed):
        format_yuan(value)


@given(fens)
def test_format_then_parse_is_the_identity(fen):
    assert parse_yuan(format_yuan(fen)) == fen


# --- amount_in_words -----------------------------------------------------------------------------

# Examples from 《正确填写票据和结算凭证的基本规定》 (支付结算办法 附件一) and others checked by hand.
# Where the rules allow writing 零 or not (rule 3), we write it after 元 and omit it after 万/亿.
BANK_FORM_CASES = [
    (10_000_000, "人民币壹拾万元整"),
    (1_234, "人民币壹拾贰元叁角肆分"),
    (10_100_000_001, "人民币壹亿零壹佰万元零壹分"),
    (140_950, "人民币壹仟肆佰零玖元伍角"),  # rule 1: a zero between digits is written
    (600_714, "人民币陆仟零柒元壹角肆分"),  # rule 2: a run of zeros is one 零
    (168_032, "人民币壹仟陆佰捌拾元零叁角贰分"),  # rule 3, first form
    (10_700_053, "人民币壹拾万柒仟元零伍角叁分"),  # rule 3, first form
    (1_640_902, "人民币壹万陆仟肆佰零玖元零贰分"),  # rule 4: 角 is 0, 分 is not -> 元零
    (32_504, "人民币叁佰贰拾伍元零肆分"),  # rule 4
    (1, "人民币壹分"),
    (5, "人民币伍分"),
    (10, "人民币壹角"),
    (50, "人民币伍角"),
    (11, "人民币壹角壹分"),
    (100, "人民币壹元整"),
    (1_000, "人民币壹拾元整"),  # 10–19 keep the leading 壹
    (1_500, "人民币壹拾伍元整"),
    (1_900, "人民币壹拾玖元整"),
    (2_000, "人民币贰拾元整"),
    (1_005, "人民币壹拾元零伍分"),
    (1_010, "人民币壹拾元零壹角"),
    (150, "人民币壹元伍角"),
    (105, "人民币壹元零伍分"),
    (11_000, "人民币壹佰壹拾元整"),
    (100_008, "人民币壹仟元零捌分"),
    (101_000, "人民币壹仟零壹拾元整"),
    (1_001_000, "人民币壹万零壹拾元整"),
    (10_001_000, "人民币壹拾万零壹拾元整"),
    (11_000_000, "人民币壹拾壹万元整"),
    (100_100_000, "人民币壹佰万壹仟元整"),
    (1_000_000_100, "人民币壹仟万零壹元整"),
    (10_000_000_000, "人民币壹亿元整"),
    (10_000_100_000, "人民币壹亿壹仟元整"),
    (10_001_000_000, "人民币壹亿零壹万元整"),
    (100_001_000_000, "人民币壹拾亿零壹万元整"),
    (1_000_000_000_000, "人民币壹佰亿元整"),
    (100_000_000_000_000, "人民币壹万亿元整"),
    (100_010_000_000_000, "人民币壹万零壹亿元整"),
    (MAX_FEN, "人民币壹拾万亿元整"),
    (999_999_999_999_999, "人民币玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("fen", "words"), BANK_FORM_CASES)
def test_amount_in_words_follows_the_bank_form_rules(fen, words):
    assert amount_in_words(fen) == words


@pytest.mark.parametrize("value", [0, -100, MAX_FEN + 1, 1.5, True])
def test_amount_in_words_refuses_what_check_fen_refuses(value):
    with pytest.raises((AmountNotPositive, AmountTooLarge, AmountMalformed)):
        amount_in_words(value)


_CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _words_to_fen(words: str) -> int:
    """Independent reader of bank-form capitals, to check the writer without reusing it."""
    assert words.startswith("人民币")
    rest = words.removeprefix("人民币").removesuffix("整")
    yuan_part, _, cents_part = rest.rpartition("元") if "元" in rest else ("", "", rest)
    total = section = number = 0
    for ch in yuan_part:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS.index(ch)
        elif ch in _SMALL_UNITS:
            assert number, f"unit {ch} without a digit in {words}"  # no bare 拾
            section += number * _SMALL_UNITS[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 10_000
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {words}")
    fen = (total + section + number) * 100
    cents_part = cents_part.removeprefix("零")
    for value_ch, unit in zip(cents_part[::2], cents_part[1::2], strict=True):
        fen += _CN_DIGITS.index(value_ch) * {"角": 10, "分": 1}[unit]
    return fen


@given(fens)
def test_amount_in_words_reads_back_to_the_same_amount(fen):
    assert _words_to_fen(amount_in_words(fen)) == fen


@given(fens)
def test_amount_in_words_obeys_the_structural_rules(fen):
    words = amount_in_words(fen)
    body = words.removeprefix("人民币")
    yuan, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10
    assert "零零" not in body
    assert not body.startswith("零") and not body.endswith("零")
    assert not any(f"零{unit}" in body for unit in "拾佰仟万亿元角分")
    # 整 after 元 exactly when there are no 角 and 分; never after 分
    assert body.endswith("整") == (fen % 100 == 0)
    if fen_digit:
        assert body.endswith(f"{_CN_DIGITS[fen_digit]}分")
    if yuan and jiao == 0 and fen_digit:
        assert "元零" in body  # rule 4
    if yuan == 0:
        assert "元" not in body
    if 10 <= yuan < 20 or 10 <= yuan // 10_000 < 20:
        assert not body.startswith("拾")


def _reference_words(fen: int) -> str:
    """Straight implementation of the rules, digit by digit, with this module's choice for rule 3."""
    units = ["", "拾", "佰", "仟"]
    yuan, jiao, fen_digit = fen // 100, fen // 10 % 10, fen % 10
    out: list[str] = []
    if yuan:
        digits = str(yuan)
        length = len(digits)
        pending_zero = crossed_group = False
        for i, ch in enumerate(digits):
            position = length - i - 1
            d = int(ch)
            if d:
                # a zero run that crossed a 万/亿 boundary and ends on a 仟 digit may drop its 零
                if pending_zero and not (position % 4 == 3 and crossed_group):
                    out.append("零")
                out.append(_CN_DIGITS[d] + units[position % 4])
                pending_zero = False
            elif not pending_zero:
                pending_zero, crossed_group = True, False
            if position and position % 4 == 0:
                if pending_zero:
                    crossed_group = True
                group = digits[max(0, i - 3) : i + 1]
                higher = digits[: max(0, i - 3)]
                if int(group):
                    out.append("万" if position % 8 == 4 else "亿")
                elif position == 8 and higher and int(higher):
                    out.append("亿")  # 万亿 needs its 亿 even when the 亿 group is empty
        out.append("元")
    if jiao == 0 and fen_digit == 0:
        return "人民币" + "".join(out) + "整"
    if yuan and (yuan % 10 == 0 or jiao == 0):
        out.append("零")
    if jiao:
        out.append(_CN_DIGITS[jiao] + "角")
    if fen_digit:
        out.append(_CN_DIGITS[fen_digit] + "分")
    return "人民币" + "".join(out)


@pytest.mark.parametrize(("fen", "words"), BANK_FORM_CASES)
def test_reference_writer_agrees_with_the_hand_checked_cases(fen, words):
    assert _reference_words(fen) == words


def _sparse_amounts():
    # every yuan amount made of 0/1 digits up to 14 digits, with each cents pattern: all zero layouts
    for length in range(1, 15):
        for pattern in range(2 ** (length - 1), 2**length):
            yuan = int(bin(pattern)[2:])
            for cents in (0, 1, 10, 11):
                fen = yuan * 100 + cents
                if fen <= MAX_FEN:
                    yield fen


def test_amount_in_words_matches_the_reference_for_every_zero_layout():
    mismatches = [
        (fen, amount_in_words(fen), _reference_words(fen))
        for fen in _sparse_amounts()
        if amount_in_words(fen) != _reference_words(fen)
    ]
    assert mismatches == []


@given(fens)
def test_amount_in_words_matches_the_reference_for_any_amount(fen):
    assert amount_in_words(fen) == _reference_words(fen)


# --- parse_rate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("3.45%", Decimal("0.0345")),
        ("0.0345", Decimal("0.0345")),
        ("３.４５％", Decimal("0.0345")),
        (" 3.1% ", Decimal("0.031")),
        ("0", Decimal("0")),
        ("0%", Decimal("0")),
        ("-0", Decimal("0")),
        ("100%", Decimal("1")),
        ("1", Decimal("1")),
        (Decimal("0.0345"), Decimal("0.0345")),
        ("3.123456789012345678901234567%", Decimal("0.03123456789012345678901234567")),
    ],
)
def test_parse_rate_gives_a_decimal_fraction(text, rate):
    parsed = parse_rate(text)
    assert isinstance(parsed, Decimal)
    assert parsed == rate
    assert not parsed.is_signed()


@pytest.mark.parametrize(
    "text",
    [
        "-1%",
        "-0.01",
        "101%",
        "1.01",
        "3.45",
        "abc",
        "",
        "%",
        "3.45%%",
        "1e-2",
        "NaN",
        "inf",
        "3,45%",
        0.0345,
        True,
        None,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("-0.01"),
        Decimal("1.5"),
    ],
)
def test_parse_rate_refuses_negative_over_100_percent_and_garbage(text):
    with pytest.raises(InvalidRate):
        parse_rate(text)


# --- prepaid_interest ----------------------------------------------------------------------------


def test_interest_is_principal_times_rate_times_days_over_360():
    # 100,000.00 yuan at 3.45% for 90 days = 862.50 yuan
    assert prepaid_interest(principal=10_000_000, annual_rate=Decimal("0.0345"), days=90) == 86_250


def test_interest_is_collected_up_front_rounded_half_up():
    # 1 fen × 36% × 1 day / 360 = 0.001 fen -> 0 ; 500 fen × 0.36 × 1/360 = 0.5 fen -> 1
    assert prepaid_interest(principal=1, annual_rate=Decimal("0.36"), days=1) == 0
    assert prepaid_interest(principal=500, annual_rate=Decimal("0.36"), days=1) == 1
    assert prepaid_interest(principal=499, annual_rate=Decimal("0.36"), days=1) == 0
    # 18.00 yuan at 1% for 50 days = 2.5 fen -> 3 (banker's rounding would give 2)
    assert prepaid_interest(principal=1_800, annual_rate=Decimal("0.01"), days=50) == 3
    assert prepaid_interest(principal=1_800, annual_rate=Decimal("0.01"), days=30) == 2  # 1.5
    # 12,345.67 yuan at 3.1% for 181 days = 192.4209... yuan -> 19,242 fen
    assert prepaid_interest(principal=1_234_567, annual_rate=Decimal("0.031"), days=181) == 19_242


def test_interest_is_exact_where_a_28_digit_decimal_context_would_round_early():
    principal = MAX_FEN - 1
    rate = Decimal("0.0312345678901234567890123456789")
    numerator, denominator = rate.as_integer_ratio()
    exact = principal * numerator * 365
    q, r = divmod(exact, denominator * 360)
    expected = q + (1 if 2 * r >= denominator * 360 else 0)
    assert prepaid_interest(principal=principal, annual_rate=rate, days=365) == expected


def test_zero_days_or_zero_rate_cost_nothing():
    assert prepaid_interest(principal=10_000_000, annual_rate=Decimal("0.0345"), days=0) == 0
    assert prepaid_interest(principal=10_000_000, annual_rate=Decimal("0"), days=90) == 0


@pytest.mark.parametrize("days", [-1, 1.5, True, "30"])
def test_interest_refuses_bad_day_counts(days):
    with pytest.raises(InvalidParameter):
        prepaid_interest(principal=100, annual_rate=Decimal("0.03"), days=days)


@pytest.mark.parametrize("rate", [0.03, Decimal("-0.01"), Decimal("1.2"), Decimal("NaN"), "0.03"])
def test_interest_refuses_rates_that_are_not_valid_decimals(rate):
    with pytest.raises(InvalidRate):
        prepaid_interest(principal=100, annual_rate=rate, days=30)


def test_interest_refuses_bad_principal():
    with pytest.raises(AmountNotPositive):
        prepaid_interest(principal=0, annual_rate=Decimal("0.03"), days=30)


def test_interest_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        prepaid_interest(100, Decimal("0.03"), 30)  # type: ignore[misc]


rates = st.decimals(min_value=0, max_value=1, places=6, allow_nan=False, allow_infinity=False)


@given(principal=fens, rate=rates, days=st.integers(0, 400), extra=st.integers(0, 400))
def test_interest_is_monotone_in_days(principal, rate, days, extra):
    shorter = prepaid_interest(principal=principal, annual_rate=rate, days=days)
    longer = prepaid_interest(principal=principal, annual_rate=rate, days=days + extra)
    assert 0 <= shorter <= longer


@given(principal=fens, rate=rates, days=st.integers(0, 400))
def test_interest_is_within_half_a_fen_of_the_exact_value(principal, rate, days):
    from fractions import Fraction

    exact = Fraction(principal) * Fraction(rate) * days / 360
    assert abs(prepaid_interest(principal=principal, annual_rate=rate, days=days) - exact) <= Fraction(1, 2)


# --- ratio_amount --------------------------------------------------------------------------------


def test_ratio_amount_floors_to_the_fen():
    assert ratio_amount(amount=999, ratio=Decimal("0.8")) == 799  # 799.2
    assert ratio_amount(amount=10_000_000, ratio=Decimal("0.9")) == 9_000_000
    assert ratio_amount(amount=3, ratio=Decimal("0.3333333333333333333333333333333334")) == 1
    assert ratio_amount(amount=101, ratio=Decimal("1")) == 101
    assert ratio_amount(amount=101, ratio=Decimal("0")) == 0


@pytest.mark.parametrize("ratio", [Decimal("1.01"), Decimal("-0.1"), Decimal("NaN"), 0.8, "0.8", True])
def test_ratio_amount_refuses_ratios_outside_zero_to_one(ratio):
    with pytest.raises(InvalidParameter):
        ratio_amount(amount=100, ratio=ratio)


@given(amount=fens, ratio=rates)
def test_ratio_amount_never_exceeds_the_ratio(amount, ratio):
    allowed = ratio_amount(amount=amount, ratio=ratio)
    assert allowed <= amount * ratio < allowed + 1
