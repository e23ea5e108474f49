"""Typed results of the accounts use cases (``service.py``): a token made or revoked, a user listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An API token just made: its id, its name and its secret (shown this once only)."""

    id: str
    name: str
    token: str


@dataclass(frozen=True, slots=True)
class RevokedToken:
    """An API token revoked (with every token made with it)."""

    id: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class UserSummary:
    """A user account as the command line lists it (never its password hash)."""

    id: str
    username: str
    display_name: str
    role: str
    party_id: str
    active: bool
    last_login_at: dt.datetime | None
