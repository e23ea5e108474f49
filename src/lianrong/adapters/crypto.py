"""Hash chain for tamper evidence: each record's hash covers the previous hash and its payload.

SM3 (GB/T 32905) is offered beside SHA-256 because Chinese banks and regulators often ask for the
national algorithms; both give 64 hex characters, so a chain can name its algorithm and nothing else
changes.
"""

from __future__ import annotations

import enum
import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import hashes

from lianrong.adapters import jsoncodec

__all__ = ["ALGORITHMS", "GENESIS", "canonical_json", "chain_hash", "digest"]

#: The "previous hash" of the first record in a chain.
GENESIS = "0" * 64

ALGORITHMS = ("sha256", "sm3")

_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """Serialize ``payload`` to one exact byte string: sorted keys, no spaces, UTF-8."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a mapping, not {type(payload).__name__}")
    # sorted keys, no spaces; Chinese names hash as their UTF-8 bytes, as they are stored
    return jsoncodec.canonical(_plain(payload))


def _plain(value: Any) -> Any:
    # Convert to JSON types explicitly rather than via json's default=: the same logical record
    # must always give the same bytes, so anything ambiguous is refused instead of guessed.
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:  # the common case, cheaply
        return value
    if kind is dict and all(type(k) is str for k in value):
        return {key: _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):  # before str/int: StrEnum and IntEnum are those too
        return _plain(value.value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # money is fen and rates are Decimal; a float here is a bug, and its text is not portable
        raise TypeError(f"floats are not allowed in hashed payloads: {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"non-finite Decimal in hashed payload: {value!r}")
        return str(value)  # keeps the scale: Decimal("1.50") and Decimal("1.5") hash differently
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                # json would turn 1 into "1" and let {1: x} and {"1": x} collide
                raise TypeError(f"payload keys must be str, got {key!r}")
            out[key] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot hash a {type(value).__name__} value: {value!r}")


def digest(data: bytes, *, algorithm: str = "sha256") -> str:
    """Hex digest of ``data`` with SHA-256 or SM3."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "sm3":
        # via cryptography, not hashlib: hashlib's "sm3" depends on how OpenSSL was built
        hasher = hashes.Hash(hashes.SM3())
        hasher.update(bytes(data))
        return hasher.finalize().hex()
    raise ValueError(f"unknown hash algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def chain_hash(*, prev: str, payload: Mapping[str, Any], algorithm: str = "sha256") -> str:
    """Hash of a chain link: ``prev`` (hex, ASCII) + ``"\\n"`` + canonical JSON of ``payload``."""
    if not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        # a truncated or upper-case prev would still hash, and silently fork the chain
        raise ValueError(f"prev must be 64 lower-case hex characters, got {prev!r}")
    return digest(prev.encode("ascii") + b"\n" + canonical_json(payload), algorithm=algorithm)
