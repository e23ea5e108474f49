"""Identifiers of Chinese trade: the unified social credit code (USCC) and invoice numbers."""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumValidationError

from lianrong.kernel.errors import InvalidInvoiceNumber, InvalidUSCC

__all__ = ["make_uscc", "normalize_invoice_number", "normalize_uscc"]

# GB 32100-2015 character set: digits and capitals without I, O, Z, S, V.
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# GB 32100-2015 registration authorities that use a letter: A (military), N (agriculture),
# Y (other). stdnum wants all first eight characters to be digits and so refuses these real codes.
_LETTER_AUTHORITIES = frozenset("ANY")

_DIGITS = re.compile(r"[0-9]+")


def _fold(value: str) -> str:
    # NFKC turns full-width characters pasted from Chinese documents (９１１１…) into ASCII
    return unicodedata.normalize("NFKC", value)


def normalize_uscc(value: str) -> str:
    """Return the compact upper-case USCC, or raise InvalidUSCC if it is not a valid code."""
    if not isinstance(value, str):
        raise InvalidUSCC(value=value)
    try:
        code = _uscc.compact(_fold(value))  # also drops spaces and hyphens inside
    except _StdnumValidationError:
        raise InvalidUSCC(value=value) from None
    if len(code) != 18 or not _body_is_well_formed(code[:17]) or code[17] not in _USCC_ALPHABET:
        raise InvalidUSCC(value=value)
    if code[0].isdigit():
        try:
            return _uscc.validate(code)
        except _StdnumValidationError:
            raise InvalidUSCC(value=value) from None
    # letter authority: same structure and weights, stdnum only refuses the first character
    if _uscc.calc_check_digit(code[:17]) != code[17]:
        raise InvalidUSCC(value=value)
    return code


def make_uscc(body17: str) -> str:
    """Append the GB 32100 check character to a 17-character body (for demo and test data)."""
    if not isinstance(body17, str):
        raise InvalidUSCC(value=body17)
    body = _fold(body17).strip().upper()
    if len(body) != 17 or not _body_is_well_formed(body):
        raise InvalidUSCC(value=body17)
    return body + _uscc.calc_check_digit(body)


def _body_is_well_formed(body: str) -> bool:
    # authority (digit or A/N/Y), entity type digit, six-digit region code, then the alphabet
    return (
        (body[0] in _LETTER_AUTHORITIES or body[0] in "123456789")
        and body[1:8].isascii()
        and body[1:8].isdigit()
        and all(c in _USCC_ALPHABET for c in body[8:])
    )


def normalize_invoice_number(*, number: str, code: str | None = None) -> tuple[str | None, str]:
    """Check an invoice's number (and legacy code); return ``(code or None, number)``."""
    if not isinstance(number, str) or not (code is None or isinstance(code, str)):
        raise InvalidInvoiceNumber(value=_shown(number, code))
    clean_number = _fold(number).strip()
    clean_code = _fold(code).strip() if code else ""
    if not _DIGITS.fullmatch(clean_number) or (clean_code and not _DIGITS.fullmatch(clean_code)):
        raise InvalidInvoiceNumber(value=_shown(number, code))
    if not clean_code:
        # 数电票 (fully digital e-invoice): the 20-digit number alone identifies it
        if len(clean_number) == 20:
            return None, clean_number
    elif len(clean_code) in (10, 12) and len(clean_number) == 8:
        # legacy VAT invoice: 10-digit (paper) or 12-digit (electronic) code + 8-digit number
        return clean_code, clean_number
    raise InvalidInvoiceNumber(value=_shown(number, code))


def _shown(number: object, code: object) -> str:
    return f"{code} {number}" if code else str(number)
