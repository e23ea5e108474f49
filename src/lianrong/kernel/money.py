"""Money and rates: amounts are integer fen (分, 0.01 yuan), rates are Decimal fractions.

Floats never enter: every conversion goes through ``str``/``Decimal`` digits or exact integer
arithmetic, so a yuan amount typed by an operator becomes exactly the fen the bank will book.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from lianrong.kernel.errors import (
    AmountFractionalFen,
    AmountMalformed,
    AmountNotPositive,
    AmountTooLarge,
    InvalidParameter,
    InvalidRate,
)

__all__ = [
    "MAX_FEN",
    "amount_in_words",
    "check_fen",
    "format_yuan",
    "parse_rate",
    "parse_yuan",
    "prepaid_interest",
    "ratio_amount",
]

#: 10 万亿 yuan: far above any real voucher, low enough that a typo of extra zeros is refused.
MAX_FEN = 10**15

# Decimal digits of MAX_FEN; a fen value with more digits is too large without building the int.
_MAX_FEN_DIGITS = len(str(MAX_FEN))

# Real amounts are ~25 characters at most; the cap keeps pathological input cheap to refuse.
_MAX_TEXT_LEN = 64

# Optional sign (so "-5" is reported as not positive rather than malformed), digits either plain or
# grouped by thousands with commas, optional fraction. No exponents, no bare "." forms.
_YUAN_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_RATE_RE = re.compile(r"[+-]?\d+(?:\.\d+)?%?", re.ASCII)


def check_fen(value: object, *, field: str = "amount") -> int:
    """Return ``value`` as a positive int of fen, or raise the amount error that says why not."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        # bool is an int subclass; True must not silently become 1 fen
        raise AmountMalformed(value=value, field=field)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountMalformed(value=value, field=field)
        if value <= 0:
            raise AmountNotPositive(value=value, field=field)
        if value != value.to_integral_value():
            raise AmountFractionalFen(value=value, field=field)
        if value > MAX_FEN:
            raise AmountTooLarge(value=value, field=field)
        return int(value)
    if value <= 0:
        raise AmountNotPositive(value=value, field=field)
    if value > MAX_FEN:
        raise AmountTooLarge(value=value, field=field)
    return int(value)  # int subclasses (IntEnum and the like) become plain ints


def parse_yuan(text: str | int | Decimal) -> int:
    """Parse a yuan amount such as ``"1,234.56"`` into positive integer fen, exactly."""
    if isinstance(text, bool):
        raise AmountMalformed(value=text)
    if isinstance(text, int):
        if text <= 0:
            raise AmountNotPositive(value=text)
        if text > MAX_FEN // 100:
            raise AmountTooLarge(value=text)
        return text * 100
    if isinstance(text, Decimal):
        return _decimal_yuan_to_fen(text, original=text)
    if not isinstance(text, str):
        # float included: 0.1 + 0.2 style values must never reach the ledger
        raise AmountMalformed(value=text)
    # NFKC folds full-width digits, comma and point (１２３，４５６．７８) typed with Chinese IMEs
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if cleaned.startswith("¥"):
        cleaned = cleaned[1:].lstrip()
    if len(cleaned) > _MAX_TEXT_LEN or not _YUAN_RE.fullmatch(cleaned):
        raise AmountMalformed(value=text)
    return _decimal_yuan_to_fen(Decimal(cleaned.replace(",", "")), original=text)


def _decimal_yuan_to_fen(value: Decimal, *, original: object) -> int:
    if not value.is_finite():
        raise AmountMalformed(value=original)
    if value.is_zero() or value.is_signed():
        raise AmountNotPositive(value=original)
    # Work on the digit tuple, not Decimal arithmetic: the default context rounds to 28 digits and
    # would quietly turn an over-precise amount into a different one.
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    keep = len(digits)
    while keep > 1 and digits[keep - 1] == 0:
        keep -= 1
    exponent += len(digits) - keep
    digits = digits[:keep]
    fen_exponent = exponent + 2
    if fen_exponent < 0:
        # the last digit is non-zero and sits below the fen
        raise AmountFractionalFen(value=original)
    if len(digits) + fen_exponent > _MAX_FEN_DIGITS:
        raise AmountTooLarge(value=original)
    fen: int = int("".join(map(str, digits))) * 10**fen_exponent
    if fen > MAX_FEN:
        raise AmountTooLarge(value=original)
    return fen


def format_yuan(fen: int) -> str:
    """Format fen as yuan with thousands separators and two decimals: 123456 -> ``"1,234.56"``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise AmountMalformed(value=fen)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def amount_in_words(fen: int) -> str:
    """Write an amount in bank-form capitals: 1234 -> ``"人民币壹拾贰元叁角肆分"``."""
    fen = check_fen(fen)
    # Imported here: cn2an pulls in a text-processing stack (~0.25 s) that only this needs.
    import cn2an

    yuan, jiao = fen // 100, fen // 10 % 10
    # Exact decimal text: cn2an turns non-str input into text via str(), so give it the digits.
    words: str = cn2an.an2cn(f"{yuan}.{fen % 100:02d}", "rmb")
    if yuan and yuan % 10 == 0 and jiao:
        # cn2an drops 零 after 元 when the 元 digit is 0 and 角 is not (¥1,680.32 ->
        # 壹仟陆佰捌拾元叁角贰分). The payment rules allow that, but combined with its omission
        # after 万 it yields forms the rules never show (¥107,000.53 -> 壹拾万柒仟元伍角叁分);
        # writing 零 here gives the rules' own first examples for both.
        words = words.replace("元", "元零", 1)
    return "人民币" + words


def parse_rate(text: str | Decimal) -> Decimal:
    """Parse an annual rate as a fraction: ``"3.45%"`` or ``"0.0345"`` -> ``Decimal("0.0345")``."""
    if isinstance(text, bool):
        raise InvalidRate(value=text)
    if isinstance(text, int):
        rate = Decimal(text)
    elif isinstance(text, Decimal):
        rate = text
    elif isinstance(text, str):
        cleaned = unicodedata.normalize("NFKC", text).strip()  # folds the full-width ％
        if len(cleaned) > _MAX_TEXT_LEN or not _RATE_RE.fullmatch(cleaned):
            raise InvalidRate(value=text)
        if cleaned.endswith("%"):
            # shift the exponent on the digit tuple: dividing by 100 (or scaleb) would round to
            # the context's 28 digits
            sign, digits, exponent = Decimal(cleaned[:-1]).as_tuple()
            assert isinstance(exponent, int)  # the regex admits finite numbers only
            rate = Decimal((sign, digits, exponent - 2))
        else:
            rate = Decimal(cleaned)
    else:
        raise InvalidRate(value=text)
    return _check_rate(rate, original=text)


def _check_rate(rate: Decimal, *, original: object) -> Decimal:
    # is_finite first: comparing a NaN would raise or be False in surprising ways
    if not (rate.is_finite() and 0 <= rate <= 1):
        raise InvalidRate(value=original)
    return rate.copy_abs() if rate.is_zero() else rate  # no "-0" rates


def prepaid_interest(*, principal: int, annual_rate: Decimal, days: int) -> int:
    """Interest collected up front: principal × rate × days / 360, rounded half up to the fen."""
    principal = check_fen(principal, field="principal")
    rate = _require_decimal_rate(annual_rate)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InvalidParameter(reason=f"days must be a whole number >= 0, got {days!r}", days=days)
    # Exact rational arithmetic: Decimal division by 360 would round at the context precision
    # before the fen rounding, so a large principal with a long rate could come out a fen off.
    numerator, denominator = rate.as_integer_ratio()
    quotient, remainder = divmod(principal * numerator * days, denominator * 360)
    if 2 * remainder >= denominator * 360:
        quotient += 1
    return quotient


def ratio_amount(*, amount: int, ratio: Decimal) -> int:
    """The most fen a financing ratio allows: floor(amount × ratio)."""
    amount = check_fen(amount)
    if isinstance(ratio, bool) or not isinstance(ratio, Decimal) or not ratio.is_finite() or not (0 <= ratio <= 1):
        raise InvalidParameter(reason=f"ratio must be a Decimal between 0 and 1, got {ratio!r}", ratio=ratio)
    numerator, denominator = ratio.as_integer_ratio()
    # floor, never round: rounding up would let the principal exceed the ratio by a fen
    return amount * numerator // denominator


def _require_decimal_rate(rate: object) -> Decimal:
    if not isinstance(rate, Decimal):
        # a float rate would carry binary error into the interest; callers use parse_rate first
        raise InvalidRate(value=rate)
    return _check_rate(rate, original=rate)
