"""Time-ordered random identifiers (ULID-like, Crockford base32) with a readable prefix.

Not global sequences: any process on any host can mint them, so the schema distributes by core
enterprise without a central counter.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# two base32 digits per lookup: the 26 characters of an id are 13 lookups instead of 26 loop steps
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """A new id such as ``frg_01JD3...``: 48-bit millisecond time then 80 random bits.

    The 26 characters are 10 of time (50 bits) and 16 of randomness (80 bits), i.e. the base32 digits
    of the 130-bit number ``ms << 80 | random``.
    """
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    pairs = _PAIRS
    return prefix + "_" + "".join([pairs[(value >> s) & 1023] for s in _SHIFTS])
