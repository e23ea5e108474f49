"""API schemas of accounts: ``XCreate`` (a request body), ``XRead`` (one record), ``XPage`` (a page)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import (
    Field,
)

from lianrong.api.schemas import Input, Output, Page, text


class LoginCreate(Input):
    username: text(80)
    password: text(200)


class MeRead(Output):
    user_id: str
    username: str
    display_name: str
    role: str
    party_id: str
    party_name: str
    party_kind: str
    is_core: bool
    auth: Literal["session", "bearer"]


class LoginRead(Output):
    user: MeRead
    csrf_token: str
    expires_at: dt.datetime


class TokenCreate(Input):
    name: text(80)


class TokenCreated(Output):
    id: str
    name: str
    token: str = Field(description="the bearer secret (lrt_…), shown this once only")


class TokenRevoked(Output):
    id: str
    revoked: bool


class TokenRead(Output):
    """One of the caller's API tokens: never its secret, nor the secret's hash."""

    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    active: bool = Field(description="not revoked")


class TokenPage(Page[TokenRead]):
    pass
