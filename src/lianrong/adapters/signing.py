"""Values the platform hands to a browser and later trusts, keyed with ``LIANRONG_SECRET_KEY``.

An HMAC-SHA256 (standard library ``hmac``) over a purpose and the value: a console session cookie is
``<secret>.<mac>``, a session's CSRF token is the MAC of its session secret, a one-time message cookie is
``<payload>.<mac>``. Without the key none of them can be made or altered, and changing the key voids
every one of them at once. The purpose keeps one kind of value from passing for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def secret_key(settings: object | None) -> bytes:
    """The signing key of these settings (the process's settings when none are given)."""
    if settings is None:
        from lianrong.settings import get_settings

        settings = get_settings()
    return settings.secret_key.get_secret_value().encode()  # type: ignore[attr-defined]


def mac(key: bytes, purpose: str, value: str) -> str:
    """The URL-safe HMAC-SHA256 of ``value`` for ``purpose`` (43 characters)."""
    digest = hmac.new(key, purpose.encode() + b"\0" + value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, purpose: str, value: str) -> str:
    """``value.mac`` (``unsign`` splits at the last dot: a MAC has none)."""
    return f"{value}.{mac(key, purpose, value)}"


def unsign(key: bytes, purpose: str, signed: str | None) -> str | None:
    """The value of a signed string, or None when it is not one signed with ``key`` for ``purpose``."""
    value, dot, tag = (signed or "").rpartition(".")
    if not dot or not value:
        return None
    return value if verify(key, purpose, value, tag) else None


def verify(key: bytes, purpose: str, value: str, tag: str) -> bool:
    """Whether ``tag`` is ``value``'s MAC for ``purpose`` (compared in constant time)."""
    return hmac.compare_digest(tag.encode("utf-8", "replace"), mac(key, purpose, value).encode())
