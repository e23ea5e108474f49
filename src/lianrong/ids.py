"""Time-ordered random identifiers (ULID-like, Crockford base32) with a readable prefix.

Not global sequences: any process on any host can mint them, so the schema distributes by core
enterprise without a central counter.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """A new id such as ``frg_01JD3...``: 48-bit millisecond time then 80 random bits."""
    ms = time.time_ns() // 1_000_000
    return f"{prefix}_{_b32(ms, 10)}{_b32(secrets.randbits(80), 16)}"
